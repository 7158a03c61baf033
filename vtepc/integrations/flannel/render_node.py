"""kubernetes/bigip-node-<bigip>.yaml: the BIG-IP as a flannel Node.

flannel on every node reads the four annotations and spec.podCIDR of each Node to program
its VXLAN FDB/ARP/route for that subnet, so the BIG-IP becomes a peer without running
flannel (k8s-bigip-ctlr docs, "Use BIG-IP as a flannel VXLAN node").
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .state import BigipNode
from ...render import renderer
from ...render._kubernetes import dump_yaml, header, object_meta

if TYPE_CHECKING:
    from ...state import DesiredState


@renderer("flannel-node")
def render_flannel_nodes(state: "DesiredState") -> dict[str, str]:
    out = {}
    for node in state.cluster.of_kind(BigipNode):
        manifest = {
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": object_meta(node.name, annotations=dict(sorted(node.annotations.items()))),
            "spec": {"podCIDR": node.pod_cidr},
        }
        head = header(state, f"BIG-IP {node.name} as a flannel VXLAN node (no kubelet runs on it).")
        out[f"kubernetes/bigip-node-{node.name}.yaml"] = dump_yaml([manifest], head)
    return out
