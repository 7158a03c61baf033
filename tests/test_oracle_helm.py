"""Oracle: `helm template` of the real Cilium chart, for every supported minor.

Every cilium topology (the examples, and variants that exercise each routing setting) is
built with every chart version in ../shared/oracles/cilium/charts; the chart renders
cilium-values.yaml and the cilium-config ConfigMap it produces must hold every key of our
kubernetes/cilium-config.yaml with the same value. That proves the two artifacts say the
same thing and that the chart really renders what we claim (values.yaml alone cannot: the
1.12 chart renders `tunnel-port` from a value its values.yaml does not list).

helm is installed by scripts/test.sh into the oracle cache; renders are cached there by
the hash of (helm, chart, values), so a repeated run costs nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path

import pytest
import yaml

from vtepc import api

from .conftest import EXAMPLE_FILES, ORACLES, oracle_cache, registry_oracle, require_oracle

CHARTS = ORACLES / "cilium" / "charts"
CONFIGMAP_TEMPLATE = "templates/cilium-configmap.yaml"
HELM_JOBS = 2  # the machine is shared: two helm processes at a time


@lru_cache(maxsize=None)
def chart_sums() -> dict[str, str]:
    """chart version -> SHA256 of its tgz, from SHA256SUMS."""
    sums = {}
    for line in require_oracle(CHARTS / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split()
        sums[name.removeprefix("cilium-").removesuffix(".tgz")] = digest
    return sums


def chart_versions() -> list[str]:
    path = CHARTS / "SHA256SUMS"
    if not path.exists():
        return ["missing"]  # require_oracle then fails (CI) or skips
    return sorted(chart_sums(), key=lambda v: tuple(int(p) for p in v.split(".")))


@lru_cache(maxsize=None)
def verified_chart(version: str) -> Path:
    chart = require_oracle(CHARTS / f"cilium-{version}.tgz")
    digest = hashlib.sha256(chart.read_bytes()).hexdigest()
    assert digest == chart_sums()[version], f"{chart} does not match SHA256SUMS"
    return chart


@lru_cache(maxsize=None)
def helm_version(helm: str) -> str:
    return subprocess.run([helm, "version", "--short"], capture_output=True, text=True, check=True).stdout.strip()


def _render(helm: str, chart: Path, values: str) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".yaml") as f:
        f.write(values)
        f.flush()
        result = subprocess.run(
            [helm, "template", "cilium", str(chart), "-n", "kube-system", "-f", f.name, "--show-only", CONFIGMAP_TEMPLATE],
            capture_output=True,
            text=True,
        )
    if result.returncode != 0:
        return {"error": result.stderr.strip()}
    docs = [d for d in yaml.safe_load_all(result.stdout) if d]
    configmap = next(d for d in docs if d["kind"] == "ConfigMap" and d["metadata"]["name"] == "cilium-config")
    return {"data": configmap["data"]}


def helm_cilium_configs(jobs: list[tuple[str, str]]) -> list[dict]:
    """For each (chart version, values text): {"data": cilium-config data} or {"error": helm's stderr}.

    Renders are cached on disk by the hash of helm's version, the chart and the values."""
    helm = str(registry_oracle("helm"))  # the pinned helm scripts/test.sh fetched (scripts/oracle-pins.json)
    cache = oracle_cache() / "helm-renders"
    cache.mkdir(parents=True, exist_ok=True)
    version = helm_version(helm)

    def one(job: tuple[str, str]) -> dict:
        chart_version, values = job
        key = hashlib.sha256("\0".join([version, chart_sums()[chart_version], values]).encode()).hexdigest()
        path = cache / f"{key}.json"
        if path.exists():
            return json.loads(path.read_text())
        rendered = _render(helm, verified_chart(chart_version), values)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(rendered))
        os.replace(tmp, path)
        return rendered

    with ThreadPoolExecutor(HELM_JOBS) as pool:
        return list(pool.map(one, jobs))


# --- the topologies ----------------------------------------------------------------------


def _with(data: dict, **cluster) -> dict:
    out = yaml.safe_load(yaml.safe_dump(data))
    out["cluster"].update(cluster)
    return out


def cilium_topologies() -> dict[str, dict]:
    """Every cilium example, plus variants for the routing settings the examples do not use."""
    examples = {p.stem: yaml.safe_load(p.read_text()) for p in EXAMPLE_FILES if p.suffix == ".yaml"}
    out = {name: data for name, data in examples.items() if data["cluster"]["cni"] == "cilium"}
    out["vxlan-port-8473"] = _with(examples["cilium-vxlan"], tunnelPort=8473)
    out["geneve-port-6082"] = _with(examples["cilium-geneve"], tunnelPort=6082)
    out["native-cluster-pool-no-l7"] = _with(examples["cilium-native-bgp"], ipam="cluster-pool", l7Proxy=False)
    out["vxlan-l7-stated"] = _with(examples["cilium-vxlan"], l7Proxy=True, ipam="kubernetes")
    out["static-cluster-pool"] = _with(examples["cilium-static"], ipam="cluster-pool")
    return out


def build_cilium(data: dict, version: str) -> tuple[dict, str] | None:
    """(our cilium-config data, our cilium-values.yaml text) for the topology at this chart version,
    or None when validation refuses the combination."""
    data = _with(data, ciliumVersion=version)
    try:
        artifacts, _ = api.build_from_bytes(yaml.safe_dump(data).encode())
    except api.TopologyInvalid:
        return None
    config = yaml.safe_load(artifacts["kubernetes/cilium-config.yaml"])
    return config["data"], artifacts["kubernetes/cilium-values.yaml"]


def config_differences(ours: dict, rendered: dict) -> list[str]:
    """Every key of our cilium-config the chart's render lacks or renders with another value."""
    if "error" in rendered:
        return [f"helm template failed: {rendered['error']}"]
    data = rendered["data"]
    return [f"{key}: ours {value!r}, chart {data.get(key, '<absent>')!r}" for key, value in sorted(ours.items()) if data.get(key) != value]


# --- the tests ---------------------------------------------------------------------------


@pytest.mark.oracle
@pytest.mark.parametrize("version", chart_versions())
def test_chart_renders_our_cilium_config(version):
    """Every cilium topology at this chart version: the chart's cilium-config holds ours, key by key."""
    verified_chart(version)
    minor = int(version.split(".")[1])
    # Cilium's BGP control plane (bgp.speaker: cilium) starts in 1.16: validation refuses it before (VTEP514).
    topologies = {n: d for n, d in cilium_topologies().items() if minor >= 16 or (d.get("bgp") or {}).get("speaker") != "cilium"}
    builds = {name: build_cilium(data, version) for name, data in topologies.items()}
    refused = sorted(name for name, built in builds.items() if built is None)
    assert not refused, f"vtepc refuses {refused} with Cilium {version}"
    rendered = helm_cilium_configs([(version, values) for _, values in builds.values()])
    problems = {name: diff for (name, (ours, _)), render in zip(builds.items(), rendered) if (diff := config_differences(ours, render))}
    assert not problems, f"cilium {version}: the chart renders other cilium-config values than ours: {problems}"


@pytest.mark.oracle
def test_helm_oracle_catches_a_config_key_the_chart_does_not_render():
    """Negative control: a key our ConfigMap claims but the values do not produce is caught."""
    version = chart_versions()[-1]
    ours, values = build_cilium(cilium_topologies()["cilium-vxlan"], version)
    [rendered] = helm_cilium_configs([(version, values)])
    assert not config_differences(ours, rendered)
    assert config_differences({**ours, "vtep-mac": "00:00:00:00:00:01"}, rendered) == [
        f"vtep-mac: ours '00:00:00:00:00:01', chart {ours['vtep-mac']!r}"
    ]
    assert config_differences({**ours, "vtep-bogus": "1"}, rendered) == ["vtep-bogus: ours '1', chart '<absent>'"]


@pytest.mark.oracle
def test_helm_oracle_reports_a_chart_that_refuses_the_values():
    """Negative control: helm's own failure (a value of the wrong type for the 1.20 schema) is reported."""
    [rendered] = helm_cilium_configs([(chart_versions()[-1], "vtep:\n  enabled: maybe\n")])
    assert "error" in rendered and config_differences({"enable-vtep": "true"}, rendered)[0].startswith("helm template failed")
