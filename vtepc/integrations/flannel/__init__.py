"""cni: flannel: the BIG-IP joins the flannel VXLAN network as one more node.

Registers the mode: its cluster model (nodes with vtepMAC and publicIP), defaults (VNI 1,
no flooding: CIS's static ARP entries answer for the pods), checks, the BIG-IP Node objects,
the FDB records' MACs and endpoints, its renderer and discover's node fields.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...model import ClusterBase
from .. import Integration, StaticRouting, TunnelDefaults, register
from .model import FLANNEL_VNI, FlannelCluster
from .live import CLUSTER_KINDS, node_fields
from .state import compile_cluster, node_labels, node_vtep, node_vteps

if TYPE_CHECKING:
    from ...reach.model import DatapathRules, Fabric


def datapath(fabric: Fabric) -> DatapathRules:
    from .reach import FlannelNode  # (vtepc.reach loads the registry; the CLI loads vtepc.reach only to walk)

    return FlannelNode(fabric)


def tunnel_defaults(cluster: ClusterBase) -> TunnelDefaults:
    return TunnelDefaults(vni=FLANNEL_VNI, flooding_type="none")


FLANNEL = register(
    Integration(
        name="flannel",
        cluster_model=FlannelCluster,
        tunnel_defaults=tunnel_defaults,
        node_vni=lambda cluster: FLANNEL_VNI,
        compile_cluster=compile_cluster,
        tunnel_mac_consumer="flannel VtepMAC annotation of the BIG-IP node",
        # flannel's guide: allow-service none on the tunnel self IP.
        tunnel_allow_service=(),
        node_vtep=node_vtep,
        node_vteps=node_vteps,
        node_addresses=(("publicIP", "public_ip"),),
        node_macs=(("vtepMAC", "vtep_mac"),),
        cis_tunnel_flag=lambda cis: "--flannel-name",
        # CIS writes the static ARP entry of every pod (pkg/vxlan/vxlanMgr.go addArpForPods).
        cis_writes_arp=True,
        check_modules=(f"{__name__}.checks",),
        renderer_modules=(f"{__name__}.render_node",),
        node_fields=node_fields,
        node_labels=node_labels,
        datapath=datapath,
        cluster_kinds=CLUSTER_KINDS,
        # CIS --orchestration-cni=flannel reads node.spec.podCIDR, the subnet flannel's kube subnet
        # manager leases from (k8s-bigip-ctlr v2.20.2 pkg/controller/node_poll_handler.go, the default case).
        static_routing=StaticRouting("flannel", lambda cluster: None),
        description="the BIG-IP as a flannel VXLAN node",
    )
)
