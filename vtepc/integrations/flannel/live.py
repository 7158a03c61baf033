"""flannel's live side: what `vtepc discover` reads off a live Node into the topology, and how the
live reader (vtepc/live/kube.py) reads the BIG-IP's flannel Node (spec.podCIDR and the
flannel.alpha.coreos.com/ annotations)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import ClusterKind
from .model import FLANNEL_ANNOTATION_PREFIX
from .state import BigipNode

if TYPE_CHECKING:
    from ...live.kube import LiveNode


def node_fields(node: LiveNode) -> dict[str, str]:
    """What `vtepc discover` writes from a live Node: the VtepMAC annotation, and public-ip when it is not the node IP."""
    fields = {}
    if node.vtep_mac:
        fields["vtepMAC"] = node.vtep_mac
    if node.public_ip and node.public_ip != node.ip:
        fields["publicIP"] = node.public_ip
    return fields


def _bigip_node(document: dict[str, Any], desired: BigipNode) -> BigipNode:
    annotations = (document.get("metadata") or {}).get("annotations") or {}
    return BigipNode(
        desired.name,
        (document.get("spec") or {}).get("podCIDR") or "",
        {k: v for k, v in annotations.items() if k.startswith(FLANNEL_ANNOTATION_PREFIX)},
    )


CLUSTER_KINDS = (ClusterKind(BigipNode, read_node=_bigip_node),)
