"""kubernetes/kustomization.yaml: every manifest under kubernetes/, so `kubectl kustomize`,
Flux and Argo CD take the directory as it is.

The list is what the other renderers wrote under kubernetes/ (Helm values excluded), so a
new manifest can never be missing from it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import index_renderer
from ._kubernetes import CILIUM_VALUES_PATH, dump_yaml, header

if TYPE_CHECKING:
    from ..state import DesiredState

DIRECTORY = "kubernetes/"
PATH = DIRECTORY + "kustomization.yaml"


@index_renderer("kustomization")
def render_kustomization(state: "DesiredState", paths: frozenset[str]) -> dict[str, str]:
    manifests = sorted(p.removeprefix(DIRECTORY) for p in paths if p.startswith(DIRECTORY) and p != CILIUM_VALUES_PATH)
    if not manifests:
        return {}
    notes = ["cilium-values.yaml is Helm values, not a manifest: use it with helm."] if CILIUM_VALUES_PATH in paths else []
    notes += [f"Left out: {o.why}" for o in state.cluster.omitted]
    kustomization = {"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization", "resources": manifests}
    return {PATH: dump_yaml([kustomization], header(state, *notes))}
