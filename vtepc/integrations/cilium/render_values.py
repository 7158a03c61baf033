"""kubernetes/cilium-values.yaml: the Helm values vtepc sets on the cilium chart.

The primary way to apply vtepc's Cilium settings: the chart owns the cilium-config ConfigMap
and renders it from these values (a ConfigMap edit conflicts with field manager helm and the
next upgrade undoes it). Only the keys the topology decides (tunnel or native routing, VTEP
lists, what the topology states about IPAM and the L7 proxy); every other chart value stays
the cluster's own, so the file is meant for `--reuse-values`, pinned to the topology's chart
version. Every key path exists in that chart (tests/test_oracle_k8s.py), and the chart
renders from it exactly our cilium-config.yaml (tests/test_oracle_helm.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .state import CILIUM_NAMESPACE, CILIUM_VALUES_PATH, ROLLOUT_RESTART, CiliumHelmValues, helm_upgrade_command
from ...render import renderer
from ...render._kubernetes import dump_yaml, header

if TYPE_CHECKING:
    from ...state import DesiredState


def _sorted(values: dict[str, Any]) -> dict[str, Any]:
    return {k: _sorted(v) if isinstance(v, dict) else v for k, v in sorted(values.items())}


@renderer("cilium-values")
def render_cilium_values(state: "DesiredState") -> dict[str, str]:
    values = state.cluster.one(CiliumHelmValues)
    if values is None:
        return {}
    version = values.chart_version
    notes = [
        f"Helm values for the cilium chart {version}: the way to apply these settings, since the chart",
        "owns cilium-config and renders it from its values. On top of the release's own values:",
        "  " + helm_upgrade_command(CILIUM_NAMESPACE, version, "cilium-values.yaml"),
        f"then: {ROLLOUT_RESTART}",
        "GitOps (Flux HelmRelease, Argo CD Helm source): merge these values into the release's values.",
    ]
    if state.datapath.routing != "tunnel" and "ipam" not in values.values:
        notes.append("ipam.mode stays the cluster's own (cluster.ipam is not stated): never change it on a live cluster.")
    notes += [f"Left out: {o.why}" for o in state.cluster.omitted if o.artifact == "cilium"]
    return {CILIUM_VALUES_PATH: dump_yaml([_sorted(values.values)], header(state, *notes))}
