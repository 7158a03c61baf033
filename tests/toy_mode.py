"""A third integration mode that lives only in the test tree (tests/test_integrations.py).

It goes through vtepc.integrations.register alone: no file under vtepc/ knows it. Its cluster
section has one field of its own (`toyLabel`); its tunnels default to VNI 4242 with multipoint
flooding; it compiles one cluster object of its own kind (declared with how the live reader
treats it: not readable), has one check and one renderer, and its datapath rules for the packet
model (vtepc.reach): the BIG-IP floods ARP to the FDB endpoints, the node hosting the pod
answers, and the toy agent sends replies to the first VTEP its ToyConfig lists.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import ClassVar, Literal

from pydantic import Field

from vtepc.checks import Context, Finding, check
from vtepc.diagnostics import INVALID_VALUE
from vtepc.integrations import BgpSpeaker, ClusterContribution, ClusterKind, Integration, TunnelDefaults, cluster_as
from vtepc.model import ClusterBase, Node, ResolvedTopology, Topology
from vtepc.reach.model import DROP, IP, Addr, DatapathRules, Fabric, FdbTables, Hop, TraceNode, Unit
from vtepc.render import renderer
from vtepc.state import DesiredState
from vtepc.state.bigip import BigipState, FdbRecord, SelfIp, Tunnel
from vtepc.state.speaker import BgpAnnouncement, peer_address

NAME = "toy"
TOY_VNI = 4242


class ToyCluster(ClusterBase):
    cni: Literal["toy"]
    toy_label: str = Field("plain", alias="toyLabel")
    nodes: list[Node] = Field(default_factory=list)


@dataclass(frozen=True)
class ToyConfig:
    kind: ClassVar[str] = "toy/config"
    name: str
    label: str
    endpoints: tuple[str, ...]
    macs: tuple[str, ...]  # the BIG-IPs' tunnel MACs, in the order of endpoints
    origin: str = field(default="", compare=False)


def compile_cluster(topology: Topology, bigips: Mapping[str, BigipState]) -> ClusterContribution:
    vteps = [state.vtep for state in bigips.values() if state.vtep is not None]
    label = cluster_as(topology.cluster, ToyCluster).toy_label
    endpoints, macs = tuple(v.endpoint for v in vteps), tuple(v.mac or "" for v in vteps)
    return ClusterContribution((ToyConfig(f"kube-system/{topology.cluster.name}", label, endpoints, macs, "cluster"),))


@check(INVALID_VALUE, mode=NAME)
def toy_label_lower_case(ctx: Context) -> Iterator[Finding]:
    label = ctx.cluster_as(ToyCluster).toy_label
    if label != label.lower():
        yield Finding(INVALID_VALUE, ("cluster", "toyLabel"), f"toyLabel {label!r} must be lower case")


@renderer("toy-config")
def render_toy(state: DesiredState) -> dict[str, str]:
    return {
        f"toy/{config.name.replace('/', '-')}.txt": f"label {config.label}\nendpoints {' '.join(config.endpoints)}\n"
        for config in state.cluster.of_kind(ToyConfig)
    }


class ToyDatapath(DatapathRules):
    def cis_record(self, node: TraceNode) -> tuple[str, str] | None:
        return None  # CIS does not know the toy agent

    def arp(
        self,
        unit: Unit,
        tunnel: Tunnel,
        pod: IP,
        node: TraceNode | None,
        flooding: str,
        flooding_origin: str,
        tables: FdbTables,
        hops: list[Hop],
    ) -> FdbRecord | None:
        record = tables.by_endpoint.get(node.endpoint) if node is not None else None
        if node is None or record is None or flooding != "multipoint":
            hops.append(Hop(unit.name, "arp", f"no toy node answers the ARP request for {pod}", flooding_origin, DROP))
            return None
        hops.append(
            Hop(unit.name, "arp", f"toy node {node.name} answers for {pod}, FDB {record.mac} endpoint {record.endpoint}", flooding_origin)
        )
        return record

    def accept(self, unit: Unit, tunnel: Tunnel, port: int, local: Addr, source: SelfIp | None, node: TraceNode, hops: list[Hop]) -> bool:
        hops.append(Hop(node.name, "accept", f"toy agent udp/{port} VNI {tunnel.key}", f"{unit.path}.tunnel.vni"))
        return True

    def reply_route(self, daddr: IP, node: TraceNode, pod: IP, hops: list[Hop]) -> tuple[str, str, str] | None:
        config = self.fabric.cluster.one(ToyConfig)
        if config is None or not config.endpoints:
            hops.append(Hop(node.name, "route", "the toy agent knows no VTEP", "cluster", DROP))
            return None
        hops.append(Hop(node.name, "route", f"toy agent: {daddr} -> VTEP {config.endpoints[0]}, MAC {config.macs[0]}", config.origin))
        return config.endpoints[0], config.macs[0], config.origin


def toy_datapath(fabric: Fabric) -> DatapathRules:
    return ToyDatapath(fabric)


def toy_speaker(topology: ResolvedTopology) -> list[object]:
    """The toy agent's BGP: every node announces its pod CIDR to every peer."""
    peers = tuple(sorted(peer_address(p.address) for p in topology.bgp.peers)) if topology.bgp is not None else ()
    return [
        BgpAnnouncement(n.name, (n.pod_cidr,), peers, origin=f"cluster.nodes[{i}]")
        for i, n in enumerate(topology.cluster.nodes)
        if n.pod_cidr is not None
    ]


TOY = Integration(
    name=NAME,
    cluster_model=ToyCluster,
    tunnel_defaults=lambda cluster: TunnelDefaults(vni=TOY_VNI, flooding_type="multipoint"),
    node_vni=lambda cluster: TOY_VNI,
    compile_cluster=compile_cluster,
    tunnel_mac_consumer="toy agent's VTEP table",
    check_modules=(__name__,),
    renderer_modules=(__name__,),
    cluster_kinds=(ClusterKind(ToyConfig, unread="the toy agent keeps its VTEP table outside the Kubernetes API"),),
    datapath=toy_datapath,
    bgp_speakers=(BgpSpeaker("toy-bgp", "toy BGP", toy_speaker, "the toy agent's BGP"),),
)
