"""kubernetes/cilium-bgp.yaml: Cilium's BGP control plane as the nodes' speaker (bgp.speaker: cilium).

The three resources of .bgp, in the API version of the cluster's Cilium
(v2alpha1 before 1.18, v2 from 1.18). Cluster-scoped, so no namespace. They take effect once
cilium-values.yaml (bgpControlPlane.enabled: true) is applied with helm.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...render import renderer
from ...render._kubernetes import dump_yaml, header
from .bgp import CiliumBgpResource

if TYPE_CHECKING:
    from ...state import DesiredState

PATH = "kubernetes/cilium-bgp.yaml"


def _document(resource: CiliumBgpResource) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": resource.resource_name}
    if resource.labels:
        metadata["labels"] = dict(resource.labels)
    return {"apiVersion": resource.api_version, "kind": resource.resource_kind, "metadata": metadata, "spec": resource.spec}


@renderer("cilium-bgp")
def render_cilium_bgp(state: "DesiredState") -> dict[str, str]:
    resources = state.cluster.of_kind(CiliumBgpResource)
    if not resources:
        return {}
    # Cluster config, peer config, advertisement: the order a reader follows the references in.
    order = {"CiliumBGPClusterConfig": 0, "CiliumBGPPeerConfig": 1, "CiliumBGPAdvertisement": 2}
    documents = [_document(r) for r in sorted(resources, key=lambda r: (order.get(r.resource_kind, 3), r.name))]
    note = "Cilium's BGP control plane: enabled by bgpControlPlane.enabled in cilium-values.yaml (apply that with helm first)."
    return {PATH: dump_yaml(documents, header(state, note))}
