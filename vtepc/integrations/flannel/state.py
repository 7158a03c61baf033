"""The cluster side of a flannel topology: each BIG-IP as a flannel Node (four annotations
and spec.podCIDR), and what each node's FDB record on the BIG-IP tunnel points at.

Its cluster object kind (state/cluster.py's conventions; read live by .live): BigipNode, the
BIG-IP as a flannel Node: the four flannel annotations and spec.podCIDR.
"""

from __future__ import annotations

import ipaddress
import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from typing import TYPE_CHECKING, ClassVar, cast

from ...model import Node
from ...state.cluster import ClusterCompileError, Omission
from .. import ClusterContribution, NodeVtep
from .model import FLANNEL_ANNOTATION_PREFIX, FLANNEL_BACKEND_DATA, FLANNEL_PUBLIC_IP, FlannelNode

if TYPE_CHECKING:
    from ...model import ResolvedTopology
    from ...state.bigip import BigipState

FLANNEL_DEFAULT_SUBNET_LEN = 24  # flannel's SubnetLen default for an IPv4 Network


@dataclass(frozen=True)
class BigipNode:
    kind: ClassVar[str] = "Node"
    name: str
    pod_cidr: str
    annotations: dict[str, str]
    origin: str = field(default="", compare=False)


def node_vtep(node: Node) -> NodeVtep:
    """flannel sends to the node's public-ip (its IP unless stated), with its flannel.1 MAC."""
    assert isinstance(node, FlannelNode)
    return NodeVtep(node.vtep_mac, node.public_ip or node.ip)


def node_vteps(nodes: Sequence[Node]) -> tuple[list[str | None], list[str]]:
    """node_vtep of every node, as columns (MACs, endpoints)."""
    flannel = [node for node in nodes if isinstance(node, FlannelNode)]
    assert len(flannel) == len(nodes)
    return [node.vtep_mac for node in flannel], [node.public_ip or node.ip for node in flannel]


def node_labels(node: Node) -> tuple[str, ...]:
    assert isinstance(node, FlannelNode)
    return tuple(
        line for line, value in ((f"VtepMAC {node.vtep_mac}", node.vtep_mac), (f"public IP {node.public_ip}", node.public_ip)) if value
    )


def compile_cluster(topology: ResolvedTopology, bigips: Mapping[str, BigipState]) -> ClusterContribution:
    """The BIG-IPs as flannel Nodes, each once its tunnel MAC is known."""
    nodes: list[BigipNode] = []
    omitted: list[Omission] = []
    for index, bigip in enumerate(topology.bigips):
        vtep, tunnel = bigips[bigip.name].vtep, bigip.tunnel
        if vtep is None or tunnel is None:
            continue
        path = f"bigips[{index}]"
        if vtep.mac is None:
            omitted.append(Omission("flannel-node", f"flannel Node {bigip.name} (tunnel MAC unknown: {path}.tunnel.mac)"))
            continue
        # The BIG-IP's node-sized subnet of the flannel network: the tunnel self IP's address
        # with the prefix flannel gives every node (the cluster nodes' podCIDR prefix, /24 by default).
        address = ipaddress.ip_interface(tunnel.self_ip).ip
        prefix = _node_subnet_prefix(topology)
        subnet = ipaddress.ip_network(f"{address}/{prefix}", strict=False)
        annotations = {
            FLANNEL_BACKEND_DATA: json.dumps({"VtepMAC": vtep.mac}, separators=(",", ":")),
            FLANNEL_ANNOTATION_PREFIX + "backend-type": "vxlan",
            FLANNEL_ANNOTATION_PREFIX + "kube-subnet-manager": "true",
            FLANNEL_PUBLIC_IP: vtep.endpoint,
        }
        nodes.append(BigipNode(bigip.name, str(subnet), annotations, origin=f"{path}.tunnel"))
    return ClusterContribution(tuple(nodes), tuple(omitted))


def node_subnet_size(prefixlens: Sequence[int | None]) -> tuple[int, list[int]]:
    """The subnet size flannel gives every node (SubnetLen), which the BIG-IP Node's subnet takes:
    the most common node podCIDR prefix (the shorter on a tie; /24 when no node states one), and
    the nodes whose podCIDR has another size (VTEP408 reports them, the compiler refuses them)."""
    counted = Counter(prefixlens)  # (counted in C: a generator per node costs more at 65,000 nodes)
    counted.pop(None, None)
    counts = cast("Counter[int]", counted)
    size = max(counts, key=lambda length: (counts[length], -length)) if counts else FLANNEL_DEFAULT_SUBNET_LEN
    if len(counts) <= 1:
        return size, []  # one size or none: no node has another
    return size, [i for i, length in enumerate(prefixlens) if length is not None and length != size]


def _node_subnet_prefix(topology: ResolvedTopology) -> int:
    from ...checks._columns import ipv4_cidrs  # (imported here: loading the mode needs no part of the checks)

    nodes = topology.cluster.nodes
    cidrs = ipv4_cidrs(list(map(attrgetter("pod_cidr"), nodes)))  # every one an IPv4 network: their sizes at C speed
    prefixlens: Sequence[int | None]
    if cidrs is not None:
        prefixlens = cidrs.prefixlens
    else:
        prefixlens = [ipaddress.ip_network(n.pod_cidr).prefixlen if n.pod_cidr else None for n in nodes]
    size, odd = node_subnet_size(prefixlens)
    if odd:
        raise ClusterCompileError("cluster.nodes have podCIDRs of different sizes; flannel gives every node the same SubnetLen")
    return size
