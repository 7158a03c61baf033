"""Desired state: the normalized objects per BIG-IP and per cluster that a topology implies.

The compiler (topology -> state) and the live readers (device/cluster -> state) produce the
same types, so `vtepc diff` compares states, never text. Renderers and the graph read only
this: the objects, plus the few facts about the design (`Datapath`) and its provenance
(`RenderMeta`) that headers and titles state. The topology itself is not carried; a layer
that needs more of it takes the resolved topology explicitly.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, fields
from functools import lru_cache
from itertools import repeat
from typing import TYPE_CHECKING, Any, Iterable, Literal, Mapping, TypeVar

if TYPE_CHECKING:
    from ..model import ResolvedTopology
    from .bigip import BigipState
    from .cluster import ClusterState


_T = TypeVar("_T")


def objects_from_columns(cls: type[_T], count: int, columns: Mapping[str, Iterable[Any]]) -> list[_T]:
    """`count` instances of a frozen slots dataclass without __post_init__, from one column (an
    iterable) per field: each equals `cls(**row)`, every field included. Built by setting each
    slot column by column at C speed, not by `__init__` per object (an object per node, per BIG-IP)."""
    assert "__slots__" in cls.__dict__ and not hasattr(cls, "__post_init__"), cls
    assert set(columns) == {f.name for f in fields(cls)}, (cls, sorted(columns))  # type: ignore[arg-type]
    objects = list(map(object.__new__, repeat(cls, count)))
    for name, column in columns.items():
        assert not isinstance(column, list) or len(column) == count, name
        deque(map(getattr(cls, name).__set__, objects, column), maxlen=0)
    return objects


@lru_cache(maxsize=4)
def node_origins(count: int) -> list[str]:
    """'cluster.nodes[i]' for i < count: the origin of each node's objects (shared; never changed by a caller)."""
    return [f"cluster.nodes[{i}]" for i in range(count)]


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
