"""kubernetes/cilium-values.yaml: the Helm values vtepc sets on the cilium chart.

Only the keys the topology decides (tunnel or native routing, VTEP lists); every other chart
value stays the cluster's own, so the file is meant for `--reuse-values`. Every key path
exists in the chart values.yaml of the topology's ciliumVersion (tests/test_oracle_k8s.py).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from ..state.cluster import CiliumHelmValues
from . import renderer
from ._kubernetes import CILIUM_VALUES_PATH, ROLLOUT_RESTART, dump_yaml, header

if TYPE_CHECKING:
    from ..state import DesiredState


def _sorted(values: dict) -> dict:
    return {k: _sorted(v) if isinstance(v, dict) else v for k, v in sorted(values.items())}


@renderer("cilium-values")
def render_cilium_values(state: "DesiredState") -> dict[str, str]:
    values = state.cluster.one(CiliumHelmValues)
    if values is None:
        return {}
    version = state.topology.cluster.cilium_version
    notes = [
        f"Helm values for the cilium chart {version}, on top of the cluster's own:",
        f"  helm upgrade cilium cilium/cilium --version {version} -n kube-system --reuse-values -f cilium-values.yaml",
        f"then: {ROLLOUT_RESTART}",
    ]
    notes += [f"Left out: {o.why}" for o in state.cluster.omitted if o.artifact == "cilium"]
    return {CILIUM_VALUES_PATH: dump_yaml([_sorted(values.values)], header(state, *notes))}
