"""The cluster section of a flannel topology (cni: flannel): nodes carry their flannel.1 MAC and public IP."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ...model import ClusterBase, Node

FLANNEL_VNI = 1  # flannel's VXLAN backend default VNI
# The annotations flannel's kube subnet manager reads off a Node (flannel pkg/subnet/kube/annotations.go).
FLANNEL_ANNOTATION_PREFIX = "flannel.alpha.coreos.com/"
FLANNEL_BACKEND_DATA = FLANNEL_ANNOTATION_PREFIX + "backend-data"
FLANNEL_PUBLIC_IP = FLANNEL_ANNOTATION_PREFIX + "public-ip"


class FlannelNode(Node):
    vtep_mac: str | None = Field(None, alias="vtepMAC", description="the node's flannel.1 MAC")
    public_ip: str | None = Field(None, alias="publicIP", description="the public-ip annotation [ip]")


class FlannelCluster(ClusterBase):
    cni: Literal["flannel"]
    nodes: list[FlannelNode] = Field(default_factory=list)
