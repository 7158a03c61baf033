"""How the live reader (vtepc/live/kube.py) reads Cilium's cluster objects, each projected onto
what vtepc manages so other settings never show as drift:

- cilium-config: the ConfigMap keys the desired CiliumConfig has;
- the cilium Helm release values: `config` of the newest deployed release Secret
  (helm.sh/release.v1: base64(gzip(JSON))), nothing else of it is kept; value paths projected
  onto the desired ones; an RBAC denial makes the kind "unread", not an error;
- the BGP control plane's resources (bgp.speaker: cilium): CiliumBGPClusterConfig,
  CiliumBGPPeerConfig and CiliumBGPAdvertisement, cluster-scoped, read by name at the API
  version the desired ones have (cilium.io/v2alpha1 for Cilium 1.16-1.17, cilium.io/v2 from
  1.18: bgp.py api_version), their labels and spec projected onto vtepc's. The API server fills
  CRD defaults in on the way in, inside list items too (v2alpha1's peers[].peerConfigRef group
  and kind, cilium/cilium pkg/k8s/apis/cilium.io/client/crds/v2alpha1/ciliumbgpclusterconfigs.yaml),
  which the projection leaves out. A version the cluster does not serve (its Cilium is older or
  newer than the topology says, or the CRDs are not installed) leaves the kind unread, saying so.
  Secrets: a peer's BGP password lives in the Secret authSecretRef names, which is never read;
  every diff and snapshot masks secret-looking values besides (vtepc.diff.secrets).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from .. import ClusterKind
from .bgp import ADVERTISEMENT, CLUSTER_CONFIG, PEER_CONFIG, CiliumBgpResource
from .state import CiliumConfig, CiliumHelmValues

if TYPE_CHECKING:
    from ...live.kube import KubeSession

_T = TypeVar("_T")


def _each(read_one: Callable[[KubeSession, _T], _T | None]) -> Callable[[KubeSession, Sequence[_T]], list[_T]]:
    """live.kube.read_each of `read_one`, the live reader (HTTP, TLS) imported when a read runs:
    registering the mode, which every command does, must not load it (`vtepc validate` start-up)."""

    def read(session: KubeSession, desired: Sequence[_T]) -> list[_T]:
        from ...live.kube import read_each

        return read_each(read_one)(session, desired)

    return read


def _cilium_config(session: KubeSession, desired: CiliumConfig) -> CiliumConfig | None:
    from ...live.kube import split_name

    namespace, name = split_name(desired.name)
    path = f"/api/v1/namespaces/{namespace}/configmaps/{name}"
    return session.get_object(path, _cilium_from_configmap, desired)


def _cilium_from_configmap(document: dict[str, Any], desired: CiliumConfig) -> CiliumConfig:
    data = document.get("data") or {}
    return CiliumConfig(desired.name, {k: data[k] for k in desired.data if k in data})


def _helm_values(session: KubeSession, desired: CiliumHelmValues) -> CiliumHelmValues | None:
    from ...live.http import Forbidden
    from ...live.kube import KindUnread, helm_release_values, project, split_name

    namespace, release = split_name(desired.name)
    try:
        values = helm_release_values(session, namespace, release)
    except Forbidden:
        raise KindUnread("the Helm release Secrets are not readable with these credentials") from None
    if values is None:
        return None
    return CiliumHelmValues(desired.name, project(values, desired.values))


# The resources' plural names in their API group (the CRDs' spec.names.plural).
BGP_PLURALS = {
    CLUSTER_CONFIG: "ciliumbgpclusterconfigs",
    PEER_CONFIG: "ciliumbgppeerconfigs",
    ADVERTISEMENT: "ciliumbgpadvertisements",
}


def _bgp_resource(session: KubeSession, desired: CiliumBgpResource) -> CiliumBgpResource | None:
    from ...live.http import Forbidden
    from ...live.kube import KindUnread

    collection = f"/apis/{desired.api_version}/{BGP_PLURALS[desired.resource_kind]}"
    path = f"{collection}/{desired.resource_name}"
    try:
        document = session.get(path, missing_ok=True)
        # Absent, or no such resource at this version: the collection tells them apart.
        served = document is not None or session.get(collection, {"limit": 1}, missing_ok=True) is not None
    except Forbidden:  # RBAC denies reading them: say so, do not fail the whole diff
        raise KindUnread(f"{desired.api_version} {desired.resource_kind} is not readable with these credentials") from None
    if document is not None:
        return session.convert(f"GET {path}", _bgp_from_document, document, desired)
    if not served:
        raise KindUnread(
            f"the cluster does not serve {desired.api_version} {desired.resource_kind}: its Cilium is not the version the "
            "topology names (cilium.io/v2alpha1 in 1.16-1.17, cilium.io/v2 from 1.18) or the BGP control plane CRDs are not installed"
        )
    return None


def _bgp_from_document(document: dict[str, Any], desired: CiliumBgpResource) -> CiliumBgpResource:
    from ...live.kube import project

    labels = document["metadata"].get("labels") or {}
    return CiliumBgpResource(
        desired.name,
        desired.api_version,  # what the server answered at: it converts to the version asked for
        {key: labels[key] for key in desired.labels if key in labels},
        project(document.get("spec") or {}, desired.spec),
    )


CLUSTER_KINDS = (
    ClusterKind(CiliumHelmValues, read=_each(_helm_values)),
    ClusterKind(CiliumConfig, read=_each(_cilium_config)),
    ClusterKind(CiliumBgpResource, read=_each(_bgp_resource)),
)
