"""routing: static: the routes CIS's static routing mode makes on each BIG-IP, as vtepc expects them.

vtepc writes none of these routes; CIS does, from the live cluster, and vtepc models them to
check the design (VTEP52x), walk the packet (vtepc.reach) and compare with a device (`vtepc diff`).
What CIS does is read from k8s-bigip-ctlr v2.20.2 (the last release with public source):

- `--static-routing-mode=true --orchestration-cni=<cni>` (cmd/k8s-bigip-ctlr/main.go), which
  refuses the tunnel flags (--flannel-name, --cilium-name) and the nodeport pool member types
  beside it; vtepc's CIS runs in ConfigMap (AS3) mode, so pkg/appmanager/appManager.go
  processStaticRouteUpdate computes the routes (the CRD controller's copy in
  pkg/controller/node_poll_handler.go does the same per node);
- one route per Ready node: name `k8s-<node name>-<node address>`, network = the node's pod CIDR
  (cilium-k8s: the annotation network.cilium.io/ipv4-pod-cidr, else io.cilium.network.ipv4-pod-cidr;
  flannel and other CNIs: node.spec.podCIDR), gw = the node's InternalIP (--use-node-internal,
  default true); a node without its pod CIDR gets no route (a log line only);
- the routes go to the partition --bigip-partition (to /Common with --shared-static-routes:
  main.go, `vxlanPartition`), written by f5-cccl (f5_cccl/service/config_reader.py: routes are
  created without the partition's default route domain, so `gw` carries no %RD), and CCCL
  deletes every route of that partition it was not given (f5_cccl/bigip.py _refresh_net lists
  the partition's routes; service/manager.py deploy_net; in /Common only routes whose
  description is CIS's identifier: `<--bigip-partition>_<bigip host>` in ConfigMap mode, the
  first --bigip-partition being appmanager's DEFAULT_PARTITION, main.go).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, ClassVar

from ..diagnostics import VtepcError

if TYPE_CHECKING:
    from ..integrations import StaticRouting
    from ..model import ResolvedTopology, Topology
    from .bigip import Route
    from .cluster import ClusterState

CIS_ROUTE_PREFIX = "k8s-"
# What the BIG-IP artifacts say about the routes they do not carry (network.tmsh, the DO label).
CIS_ROUTES_NOTE = (
    "the route to each node's pod CIDR is CIS's (--static-routing-mode): k8s-<node>-<node IP> via the node IP, "
    "in CIS's partition; vtepc writes none of them, no tunnel and no FDB"
)


class StaticRoutingUnsupported(VtepcError):
    """routing: static for a mode whose integration has no static routing (VTEP521 reports it first)."""


@dataclass(frozen=True)
class CisStaticRoute:
    """One route CIS makes on one BIG-IP for one node."""

    bigip: str
    name: str  # k8s-<node>-<node IP>
    partition: str
    network: str  # the node's pod CIDR
    gw: str  # the node's InternalIP
    node: str
    origin: str = field(default="", compare=False)


@dataclass(frozen=True)
class CisRoute:
    """A route CIS makes (routing: static), as a cluster object: desired from the topology,
    observed from the live nodes as CIS reads them (vtepc.live.kube), so `vtepc diff` shows a
    route CIS would make that differs from the topology, and why. `pod_cidr_from` says where
    CIS reads the node's pod CIDR, and on an observed node that lacks it, that CIS adds no route."""

    kind: ClassVar[str] = "cis/static-route"
    name: str  # "<bigip>/k8s-<node>-<node IP>"
    network: str  # the node's pod CIDR; "" when CIS finds none (then CIS adds no route)
    gw: str
    pod_cidr_from: str  # an annotation key, or NODE_SPEC_POD_CIDR
    partition: str = field(default="", compare=False)  # where CIS keeps it (--bigip-partition)
    node: str = field(default="", compare=False)
    origin: str = field(default="", compare=False)

    @property
    def bigip(self) -> str:
        return self.name.split("/", 1)[0]


NODE_SPEC_POD_CIDR = "node.spec.podCIDR"
NO_ROUTE = "absent: CIS adds no route"
NOT_READY = "node not Ready: CIS adds no route"


def is_static(topology: Topology) -> bool:
    return topology.cluster.routing == "static"


def static_routing_of(topology: Topology) -> StaticRouting | None:
    """The mode's static routing (how CIS is told the CNI, where it reads pod CIDRs), None with another routing."""
    from ..integrations import integration_of

    if not is_static(topology):
        return None
    static = integration_of(topology).static_routing
    if static is None:
        raise StaticRoutingUnsupported(f"cni: {topology.cluster.cni} has no static routing (routing: static)")
    return static


def cis_route_name(node: str, address: str) -> str:
    return f"{CIS_ROUTE_PREFIX}{node}-{address}"


def cis_static_routes(topology: ResolvedTopology) -> list[CisStaticRoute]:
    """Every route CIS makes with routing: static, BIG-IP by BIG-IP (those a CIS manages: with a
    managementURL), nodes in topology order; nodes without a podCIDR have none vtepc can state."""
    if static_routing_of(topology) is None or topology.cis is None:
        return []
    partition = topology.cis.partition
    out = []
    for bigip in topology.bigips:
        if bigip.management_url is None:
            continue
        for i, node in enumerate(topology.cluster.nodes):
            if node.pod_cidr is None:
                continue
            out.append(
                CisStaticRoute(
                    bigip.name,
                    cis_route_name(node.name, node.ip),
                    partition,
                    node.pod_cidr,
                    node.ip,
                    node.name,
                    origin=f"cluster.nodes[{i}]",
                )
            )
    return out


def cis_routes(topology: ResolvedTopology) -> list[CisRoute]:
    """The cluster objects of the routes CIS makes (cis_static_routes), with where CIS reads each pod CIDR."""
    static = static_routing_of(topology)
    if static is None:
        return []
    source = static.pod_cidr_annotation(topology.cluster) or NODE_SPEC_POD_CIDR
    return [CisRoute(f"{r.bigip}/{r.name}", r.network, r.gw, source, r.partition, r.node, r.origin) for r in cis_static_routes(topology)]


def observed_cis_route(bigip: str, node: str, internal_ip: str, source: str, found: str | None, ready: bool) -> CisRoute:
    """What CIS makes of one live node: its route, or (network "") the reason it makes none."""
    why = source if found and ready else f"{source} ({NO_ROUTE})" if not found else f"{source} ({NOT_READY})"
    return CisRoute(f"{bigip}/{cis_route_name(node, internal_ip)}", (found or "") if ready else "", internal_ip, why, node=node)


NO_LIVE_NODE = "no live node: CIS removes its route"


def with_device_routes(cluster: ClusterState, device: Mapping[str, Sequence[Route]]) -> ClusterState:
    """The observed routes CIS makes, BIG-IP by BIG-IP read (`device`: the k8s-* routes of CIS's
    partition): network and gateway as the BIG-IP has them ("" when it has none), where CIS reads
    the pod CIDR and whether the live node has it as the nodes say (`observed_cis_route`); a
    device route for no live node is one CIS has not removed yet."""
    # Imported here: state.bigip imports the registry, whose modes import state.cluster, which imports this module.
    from .bigip import display_address

    if not device:
        return cluster
    kept = [obj for obj in cluster.items if not (isinstance(obj, CisRoute) and obj.bigip in device)]
    merged: list[CisRoute] = []
    for bigip, routes in device.items():
        seen = {r.name: r for r in cluster.of_kind(CisRoute) if r.bigip == bigip}
        held = {f"{bigip}/{r.name}": r for r in routes}
        for name in sorted(set(seen) | set(held)):
            node, route = seen.get(name), held.get(name)
            network = display_address(route.network) if route is not None else ""
            gw = display_address(route.gw) if route is not None and route.gw else node.gw if node is not None else ""
            source = node.pod_cidr_from if node is not None else NO_LIVE_NODE
            merged.append(CisRoute(name, network, gw, source, node=node.node if node is not None else ""))
    return replace(cluster, items=tuple(sorted([*kept, *merged], key=lambda o: (o.kind, o.name))))


def pod_cidr_source(topology: Topology) -> str:
    """Where CIS reads each node's pod CIDR on this cluster, in words (artifact notes, diff reasons)."""
    static = static_routing_of(topology)
    if static is None:
        return ""
    annotation = static.pod_cidr_annotation(topology.cluster)
    return f"the node annotation {annotation}" if annotation is not None else "node.spec.podCIDR"
