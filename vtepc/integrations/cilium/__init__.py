"""cni: cilium: the BIG-IP as a Cilium VTEP (routing: tunnel), a BGP-routed peer (routing: native), or
routed to each node by CIS static routes (routing: static).

Registers the mode: its cluster model, defaults (VNI = the world identity, multipoint
flooding), checks, cluster objects (Helm values and cilium-config) and how they are read live,
renderers, follow-ups, and Cilium's BGP control plane as a speaker (bgp.speaker: cilium).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ...model import ClusterBase
from .. import Integration, StaticRouting, TunnelDefaults, cluster_as, register
from .bgp import CILIUM_SPEAKER
from .live import CLUSTER_KINDS
from .model import CILIUM_VNI, CiliumCluster
from .state import CILIUM_VALUES_PATH, cis_tunnel_flag, compile_cluster
from .versions import pod_cidr_annotation, vtep_vni

if TYPE_CHECKING:
    from ...diff.records import Change, FollowUp
    from ...reach.model import DatapathRules, Fabric
    from ...state.cluster import ClusterState


def node_vni(cluster: ClusterBase) -> int | None:
    return vtep_vni(cluster_as(cluster, CiliumCluster))


def datapath(fabric: Fabric) -> DatapathRules:
    from .reach import CiliumVtep  # (vtepc.reach loads the registry; the CLI loads vtepc.reach only to walk)

    return CiliumVtep(fabric)


def follow_ups(target: str, changes: Sequence[Change], desired: ClusterState | None) -> list[FollowUp]:
    from . import followups  # (only a diff has follow-ups)

    return followups.follow_ups(target, changes, desired)


def static_pod_cidr_annotation(cluster: ClusterBase) -> str | None:
    assert isinstance(cluster, CiliumCluster)
    return pod_cidr_annotation(cluster)


def tunnel_defaults(cluster: ClusterBase) -> TunnelDefaults:
    return TunnelDefaults(vni=node_vni(cluster) or CILIUM_VNI, flooding_type="multipoint")


CILIUM = register(
    Integration(
        name="cilium",
        cluster_model=CiliumCluster,
        tunnel_defaults=tunnel_defaults,
        node_vni=node_vni,
        compile_cluster=compile_cluster,
        tunnel_mac_consumer="Cilium vtep-mac",
        # The Cilium guides keep the tunnel self IP's default port lockdown, because "allow none
        # stops self ip ping from working" (seed 001).
        tunnel_allow_service=("default",),
        cis_tunnel_flag=cis_tunnel_flag,
        cis_writes_arp=False,
        check_modules=(f"{__name__}.checks", f"{__name__}.version_checks"),
        renderer_modules=(f"{__name__}.render_config", f"{__name__}.render_values", f"{__name__}.render_bgp"),
        non_manifests=((CILIUM_VALUES_PATH, "cilium-values.yaml is Helm values, not a manifest: use it with helm."),),
        follow_ups=follow_ups,
        datapath=datapath,
        cluster_kinds=CLUSTER_KINDS,
        bgp_speakers=(CILIUM_SPEAKER,),
        vtep_cidr_announced=True,
        # CIS --orchestration-cni=cilium-k8s reads the agent's pod CIDR annotation (versions.pod_cidr_annotation).
        static_routing=StaticRouting("cilium-k8s", static_pod_cidr_annotation),
        description="Cilium VTEP (routing: tunnel), native routing with BGP, or CIS static routes",
    )
)
