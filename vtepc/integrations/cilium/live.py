"""How the live reader (vtepc/live/kube.py) reads Cilium's cluster objects, each projected onto
what vtepc manages so other settings never show as drift:

- cilium-config: the ConfigMap keys the desired CiliumConfig has;
- the cilium Helm release values: `config` of the newest deployed release Secret
  (helm.sh/release.v1: base64(gzip(JSON))), nothing else of it is kept; value paths projected
  onto the desired ones; an RBAC denial makes the kind "unread", not an error;
- the BGP control plane's resources (bgp.speaker: cilium) are not read yet.
"""

from __future__ import annotations

from typing import Any

from ...live.http import Forbidden
from ...live.kube import KindUnread, KubeSession, helm_release_values, project, read_each, split_name
from .. import ClusterKind
from .bgp import CiliumBgpResource
from .state import CiliumConfig, CiliumHelmValues


def _cilium_config(session: KubeSession, desired: CiliumConfig) -> CiliumConfig | None:
    namespace, name = split_name(desired.name)
    path = f"/api/v1/namespaces/{namespace}/configmaps/{name}"
    document = session.get(path, missing_ok=True)  # 404: the ConfigMap is absent
    if document is None:
        return None
    return session.convert(f"GET {path}", _cilium_from_configmap, document, desired)


def _cilium_from_configmap(document: dict[str, Any], desired: CiliumConfig) -> CiliumConfig:
    data = document.get("data") or {}
    return CiliumConfig(desired.name, {k: data[k] for k in desired.data if k in data})


def _helm_values(session: KubeSession, desired: CiliumHelmValues) -> CiliumHelmValues | None:
    namespace, release = split_name(desired.name)
    try:
        values = helm_release_values(session, namespace, release)
    except Forbidden:
        raise KindUnread("the Helm release Secrets are not readable with these credentials") from None
    if values is None:
        return None
    return CiliumHelmValues(desired.name, project(values, desired.values))


CLUSTER_KINDS = (
    ClusterKind(CiliumHelmValues, read=read_each(_helm_values)),
    ClusterKind(CiliumConfig, read=read_each(_cilium_config)),
    ClusterKind(CiliumBgpResource, unread="Cilium BGP control plane resources are not read yet"),
)
