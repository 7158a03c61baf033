"""Desired state: the normalized objects per BIG-IP and per cluster that a topology implies.

The compiler (topology -> state) and the live readers (device/cluster -> state) produce the
same types, so `vtepc diff` compares states, never text. Renderers and the graph read only
this: the objects, plus the few facts about the design (`Datapath`) and its provenance
(`RenderMeta`) that headers and titles state. The topology itself is not carried; a layer
that needs more of it takes the resolved topology explicitly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from ..model import ResolvedTopology
    from .bigip import BigipState
    from .cluster import ClusterState


@dataclass(frozen=True)
class RenderMeta:
    """Where the state came from, as artifact headers name it."""

    topology_name: str


@dataclass(frozen=True)
class Encapsulation:
    """The overlay the BIG-IP tunnels and the nodes speak."""

    protocol: Literal["vxlan", "geneve"]
    port: int  # UDP


@dataclass(frozen=True)
class Datapath:
    """How the BIG-IPs reach the pods, as compiled: the mode line of headers and the picture's title."""

    cni: str
    routing: Literal["tunnel", "native", "static"]
    pod_cidr: str  # the cluster's whole pod network
    encapsulation: Encapsulation | None  # None with routing: native or static


@dataclass(frozen=True)
class DesiredState:
    bigips: dict[str, "BigipState"]  # by BIG-IP name, in topology order
    cluster: "ClusterState"
    datapath: Datapath
    meta: RenderMeta


def datapath(topology: "ResolvedTopology") -> Datapath:
    cluster = topology.cluster
    encapsulation = None
    if cluster.routing == "tunnel":
        assert cluster.tunnel_port is not None  # resolved: the protocol's port unless stated
        encapsulation = Encapsulation(cluster.tunnel_protocol, cluster.tunnel_port)
    return Datapath(cluster.cni, cluster.routing, cluster.pod_cidr, encapsulation)


def compile_desired_state(topology: "ResolvedTopology") -> DesiredState:
    from .bigip import compile_bigips
    from .cluster import compile_cluster

    bigips = compile_bigips(topology)
    return DesiredState(bigips, compile_cluster(topology, bigips), datapath(topology), RenderMeta(topology.metadata.name))
