"""Desired state: the normalized objects per BIG-IP and per cluster that a topology implies.

The compiler (topology -> state) and the live readers (device/cluster -> state) produce the
same types, so `vtepc diff` compares states, never text. Renderers read only this.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..model import Topology
    from .bigip import BigipState
    from .cluster import ClusterState


@dataclass(frozen=True)
class DesiredState:
    topology: "Topology"  # resolved defaults; renderers may read names and metadata from it
    bigips: dict[str, "BigipState"]  # by BIG-IP name, in topology order
    cluster: "ClusterState"


def compile_desired_state(topology: "Topology") -> DesiredState:
    from .bigip import compile_bigips
    from .cluster import compile_cluster

    bigips = compile_bigips(topology)
    return DesiredState(topology, bigips, compile_cluster(topology, bigips))
