"""kubernetes/cilium-config.yaml: the cilium-config keys this topology sets, as a patch.

These are the keys the chart renders from cilium-values.yaml (tests/test_oracle_helm.py), so
the file is what `vtepc diff` compares and GitOps tools apply; it is not the way to change a
Helm-installed Cilium. The chart owns every key it renders: `kubectl apply --server-side`
with other values conflicts with field manager helm, and with --force-conflicts the next
`helm upgrade` puts the chart's values back. So the header sends Helm users to
cilium-values.yaml and gives the ConfigMap path only with the flags it needs. Flux and
Argo CD apply server-side and take conflicting fields over (Argo CD: the sync-options
annotation); that holds only while the Helm release's values carry the same keys. Neither
may prune the Helm-owned object. The agent reads the ConfigMap at start only, hence the
rollout restart note.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .state import ROLLOUT_RESTART, CiliumConfig
from ...render import renderer
from ...render._kubernetes import dump_yaml, header, object_meta

if TYPE_CHECKING:
    from ...state import DesiredState

# --force-conflicts: whoever installed Cilium owns these keys; the apply takes them over.
SERVER_SIDE_APPLY = "kubectl apply --server-side --force-conflicts --field-manager=vtepc"
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
        "A partial cilium-config: the keys the cilium chart renders from cilium-values.yaml.",
        "Cilium installed with Helm: do not apply this file, use cilium-values.yaml (helm upgrade):",
        "the chart owns these keys, a server-side apply conflicts with field manager helm, and",
        "forced, the next helm upgrade puts the chart's values back.",
        "Cilium without a Helm release (or one whose values already carry cilium-values.yaml):",
        f"  {SERVER_SIDE_APPLY} -f cilium-config.yaml",
        f"then restart the agents to load it: {ROLLOUT_RESTART}",
    ]
    notes += [f"Left out: {o.why}" for o in state.cluster.omitted if o.artifact == "cilium"]
    return {"kubernetes/cilium-config.yaml": dump_yaml([manifest], header(state, *notes))}
