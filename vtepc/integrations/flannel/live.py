"""flannel's live projection: what `vtepc discover` reads off a live Node into the topology."""

from __future__ import annotations

from ...live.kube import LiveNode


def node_fields(node: LiveNode) -> dict[str, str]:
    """What `vtepc discover` writes from a live Node: the VtepMAC annotation, and public-ip when it is not the node IP."""
    fields = {}
    if node.vtep_mac:
        fields["vtepMAC"] = node.vtep_mac
    if node.public_ip and node.public_ip != node.ip:
        fields["publicIP"] = node.public_ip
    return fields
