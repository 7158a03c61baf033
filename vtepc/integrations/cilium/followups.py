"""What to do after a diff changed Cilium's settings: Helm owns cilium-config."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ...state.cluster import ClusterState
from .state import CILIUM_NAMESPACE, CiliumConfig, CiliumHelmValues, helm_upgrade_command

if TYPE_CHECKING:
    from ...diff.records import Change, FollowUp


def _namespace(change: Change) -> str:
    """'kube-system/cilium-config' -> 'kube-system'."""
    return change.name.rpartition("/")[0] or CILIUM_NAMESPACE


def follow_ups(target: str, changes: Sequence[Change], desired: ClusterState | None) -> list[FollowUp]:
    """After the cluster changes: the helm upgrade with the new values, pinned to the topology's chart, and the agent restart."""
    from ...diff.records import FollowUp  # (vtepc.diff imports the state, which imports this registry)

    # The chart the desired Helm values are for: the upgrade stays on it.
    desired_values = next((o for o in desired.objects() if isinstance(o, CiliumHelmValues)), None) if desired is not None else None
    chart_version = desired_values.chart_version if desired_values is not None else None
    steps: list[FollowUp] = []
    values = next((c for c in changes if c.kind == CiliumHelmValues.kind), None)
    config = next((c for c in changes if c.kind == CiliumConfig.kind), None)
    changed = values or config
    if changed is not None:
        # The chart owns every cilium-config key it renders: a server-side apply of
        # cilium-config.yaml conflicts with field manager helm, and forced, the next
        # `helm upgrade` puts the chart's values back. The values are the one durable path.
        steps.append(
            FollowUp(
                0,
                target,
                "upgrade the Cilium release with the new values (same chart version)",
                "the chart owns cilium-config and renders it from its values; a ConfigMap edit conflicts "
                "with field manager helm and the next upgrade undoes it",
                helm_upgrade_command(_namespace(changed), chart_version, "kubernetes/cilium-values.yaml"),
            )
        )
        steps.append(
            FollowUp(
                0,
                target,
                "restart the Cilium agents",
                "they read cilium-config only when they start",
                f"kubectl -n {_namespace(changed)} rollout restart ds/cilium",
            )
        )
    return steps
