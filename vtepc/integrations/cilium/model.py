"""The cluster section of a Cilium topology (cni: cilium): Cilium's own fields and defaults."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ...model import ClusterBase, Node

CILIUM_VNI = 2  # WORLD_ID: the identity Cilium tags VTEP traffic with on a single-stack cluster
CILIUM_DUAL_STACK_VNI = 9  # WORLD_IPV4_ID when IPv4 and IPv6 are both enabled (versions.vtep_vni)


class CiliumCluster(ClusterBase):
    cni: Literal["cilium"]
    # Optional here so that a missing one is VTEP310 with its hint, reported with every other problem.
    cilium_version: str | None = Field(None, alias="ciliumVersion", description='required for cilium, e.g. "1.16.19"')
    ipam: Literal["kubernetes", "cluster-pool"] | None = Field(
        None,
        description="the IPAM mode the cluster runs (Helm ipam.mode); vtepc sets it only when given, "
        "and it must be the cluster's own: Cilium's docs forbid changing it on a live cluster",
    )
    l7_proxy: bool | None = Field(
        None, alias="l7Proxy", description="Helm l7Proxy [true with VTEP, which needs it; else the cluster's own]"
    )
    nodes: list[Node] = Field(default_factory=list)
