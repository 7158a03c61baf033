"""kubernetes/cilium-config.yaml: the cilium-config keys this topology sets, as a patch.

The ConfigMap belongs to the cilium Helm release; this manifest carries only the keys vtepc
manages (the ones the chart renders from cilium-values.yaml), so it must be applied
server-side, which merges per key: Flux always applies that way, Argo CD is told to by the
sync-options annotation, and neither may prune the Helm-owned object. The agent reads the
ConfigMap at start only, hence the rollout restart note.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from ..state.cluster import CiliumConfig
from . import renderer
from ._kubernetes import ROLLOUT_RESTART, dump_yaml, header, object_meta

if TYPE_CHECKING:
    from ..state import DesiredState

ANNOTATIONS = {
    "argocd.argoproj.io/sync-options": "Prune=false,ServerSideApply=true",
    "kustomize.toolkit.fluxcd.io/prune": "disabled",
    "vtepc/after-apply": ROLLOUT_RESTART,
}


@renderer("cilium-config")
def render_cilium_config(state: "DesiredState") -> dict[str, str]:
    config = state.cluster.one(CiliumConfig)
    if config is None:
        return {}
    manifest = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": object_meta(config.name, annotations=ANNOTATIONS),
        "data": dict(sorted(config.data.items())),
    }
    notes = [
        "A partial cilium-config: apply server-side (kubectl apply --server-side), which keeps",
        "the keys the cilium chart owns, then restart the agents to load it:",
        f"  {ROLLOUT_RESTART}",
    ]
    notes += [f"Left out: {o.why}" for o in state.cluster.omitted if o.artifact == "cilium"]
    return {"kubernetes/cilium-config.yaml": dump_yaml([manifest], header(state, *notes))}
