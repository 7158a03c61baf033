"""kubernetes/kustomization.yaml: every manifest under kubernetes/, so `kubectl kustomize`,
Flux and Argo CD take the directory as it is.

The list is what the other renderers wrote under kubernetes/ but the mode's files that are no
manifests (Integration.non_manifests: Cilium's Helm values), so a new manifest can never be missing from it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..integrations import integration
from . import index_renderer
from ._kubernetes import dump_yaml, header

if TYPE_CHECKING:
    from ..state import DesiredState

DIRECTORY = "kubernetes/"
PATH = DIRECTORY + "kustomization.yaml"


@index_renderer("kustomization")
def render_kustomization(state: "DesiredState", paths: frozenset[str]) -> dict[str, str]:
    non_manifests = dict(integration(state.datapath.cni).non_manifests)
    manifests = sorted(p.removeprefix(DIRECTORY) for p in paths if p.startswith(DIRECTORY) and p not in non_manifests)
    if not manifests:
        return {}
    notes = [note for path, note in non_manifests.items() if path in paths]
    notes += [f"Left out: {o.why}" for o in state.cluster.omitted]
    kustomization = {"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization", "resources": manifests}
    return {PATH: dump_yaml([kustomization], header(state, *notes))}
