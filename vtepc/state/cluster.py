"""Cluster desired state (filled in by the Kubernetes side: issue 4)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ClusterState:
    name: str


def compile_cluster(topology, bigips) -> ClusterState:
    return ClusterState(topology.cluster.name)
