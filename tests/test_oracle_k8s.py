"""Oracles for the Kubernetes artifacts: the Cilium chart's own values.yaml and
values.schema.json, kubernetes-validate's bundled (offline) schemas, and `kubectl kustomize`.

Helm accepts any key, so "the chart knows this key" is checked against values.yaml itself:
a key path is known when values.yaml has it as a key or as a documented commented-out key
(`#kubeProxyReplacement: "false"`, `# ipv4NativeRoutingCIDR:`).
"""

from __future__ import annotations

import json
import re
import subprocess
from functools import lru_cache
from pathlib import Path

import jsonschema
import kubernetes_validate
import pytest
import yaml

from vtepc import api
from vtepc.build import write_tree

from .conftest import EXAMPLE_FILES, ORACLES, require_oracle, require_tool
from .test_cilium_bgp import crd_errors

CILIUM_ORACLES = ORACLES / "cilium"
_KEY_LINE = re.compile(r"^(?P<indent>\s*)(?P<hash>#\s*)?(?P<key>[A-Za-z_][A-Za-z0-9_.-]*)\s*:(\s|$)")


def chart_file(minor: int, kind: str = "values") -> Path:
    """values.<1.minor.newest patch>.yaml (or values.schema.<...>.json) from the oracle dir."""
    suffix = "json" if kind == "values.schema" else "yaml"
    found = sorted(CILIUM_ORACLES.glob(f"{kind}.1.{minor}.*.{suffix}"))
    return require_oracle(found[-1] if found else CILIUM_ORACLES / f"{kind}.1.{minor}.x.{suffix}")


def chart_key_paths(text: str) -> set[tuple[str, ...]]:
    """Every key path of a values.yaml, commented-out keys included.

    A commented key's depth is the column of its '#' plus any indentation after "# ", so
    "  # maxPolicyEntries:" nests under the key above it and "#   foo:" under "# bar:".
    List items are not entered: no vtepc value lives inside a list.
    """
    stack: list[tuple[int, str]] = []
    paths: set[tuple[str, ...]] = set()
    for line in text.splitlines():
        match = _KEY_LINE.match(line)
        if match is None:
            continue
        indent = len(match["indent"])
        if match["hash"]:
            indent += max(0, len(match["hash"]) - 2)  # "# " is the comment marker itself
        while stack and stack[-1][0] >= indent:
            stack.pop()
        stack.append((indent, match["key"]))
        paths.add(tuple(key for _, key in stack))
    return paths


# Values a chart's templates read although its values.yaml does not list them; each is proven
# by rendering the real chart (tests/test_oracle_helm.py).
TEMPLATE_ONLY_PATHS = {12: {("tunnelPort",)}}  # 1.12 cilium-configmap.yaml: if hasKey .Values "tunnelPort"


@lru_cache(maxsize=None)
def known_paths(minor: int) -> frozenset[tuple[str, ...]]:
    return frozenset(chart_key_paths(chart_file(minor).read_text(encoding="utf-8")) | TEMPLATE_ONLY_PATHS.get(minor, set()))


def value_paths(values: dict, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out = []
    for key, value in values.items():
        path = prefix + (key,)
        out.append(path)
        if isinstance(value, dict):
            out.extend(value_paths(value, path))
    return out


def assert_values_match_chart(values: dict, minor: int) -> None:
    unknown = [".".join(p) for p in value_paths(values) if p not in known_paths(minor)]
    assert not unknown, f"keys not in the Cilium 1.{minor} chart values.yaml: {unknown}"
    if minor >= 16:
        schema = json.loads(chart_file(minor, "values.schema").read_text(encoding="utf-8"))
        jsonschema.validate(values, schema)


def minor_of(version: str) -> int:
    return int(version.split(".")[1])


# --- the commented-key parser itself ---------------------------------------------------------


def test_parser_reads_keys_and_commented_keys():
    text = 'vtep:\n  # -- doc\n  enabled: false\n#kubeProxyReplacement: "false"\n# ipv4NativeRoutingCIDR:\negress:\n  # maxPolicyEntries: 16384\n# nodeSelector:\n#   foo: bar\n'
    paths = chart_key_paths(text)
    assert {("vtep",), ("vtep", "enabled"), ("kubeProxyReplacement",), ("ipv4NativeRoutingCIDR",)} <= paths
    assert ("egress", "maxPolicyEntries") in paths
    assert ("nodeSelector", "foo") in paths
    assert ("vtep", "doc") not in paths and ("doc",) not in paths


@pytest.mark.oracle
def test_parser_finds_commented_keys_in_real_charts():
    assert ("kubeProxyReplacement",) in known_paths(12)  # "#kubeProxyReplacement:" only
    assert ("ipv4NativeRoutingCIDR",) in known_paths(12)  # "# ipv4NativeRoutingCIDR:" only


@pytest.mark.oracle
@pytest.mark.parametrize(
    "values, minor",
    [
        ({"vtep": {"bogus": "x"}}, 16),
        ({"tunnelProtocol": "vxlan"}, 12),  # 1.12 has the single `tunnel` value
        ({"tunnel": "vxlan"}, 15),  # the 1.15 chart removed `tunnel`
        ({"routingMode": "tunnel"}, 13),
    ],
)
def test_chart_oracle_rejects_unknown_keys(values, minor):
    with pytest.raises(AssertionError, match="keys not in the Cilium"):
        assert_values_match_chart(values, minor)


@pytest.mark.oracle
def test_schema_oracle_rejects_wrong_types():
    with pytest.raises(jsonschema.ValidationError):
        assert_values_match_chart({"vtep": {"enabled": "yes"}}, 16)


# --- every example ---------------------------------------------------------------------------


def _artifacts(example: Path) -> dict[str, str]:
    artifacts, _ = api.build(example)
    return artifacts


CILIUM_EXAMPLES = [p for p in EXAMPLE_FILES if "ciliumVersion" in p.read_text(encoding="utf-8")]


@pytest.mark.oracle
@pytest.mark.parametrize("example", CILIUM_EXAMPLES, ids=lambda p: p.stem)
def test_cilium_values_exist_in_chart(example):
    artifacts = _artifacts(example)
    version = yaml.safe_load(example.read_text())["cluster"]["ciliumVersion"]
    values = yaml.safe_load(artifacts["kubernetes/cilium-values.yaml"])
    assert values, "empty values file"
    assert_values_match_chart(values, minor_of(version))


def _manifests(artifacts: dict[str, str]) -> list[dict]:
    docs = []
    for path, text in sorted(artifacts.items()):
        if path.startswith("kubernetes/") and path not in ("kubernetes/kustomization.yaml", "kubernetes/cilium-values.yaml"):
            docs += [d for d in yaml.safe_load_all(text) if d is not None]
    return docs


@pytest.mark.oracle
@pytest.mark.parametrize("example", EXAMPLE_FILES, ids=lambda p: p.stem)
def test_manifests_pass_kubernetes_schema(example):
    docs = _manifests(_artifacts(example))
    assert docs
    for doc in docs:
        if doc["apiVersion"].startswith("cilium.io/"):  # a CRD kubernetes-validate does not know: Cilium's own schema
            assert crd_errors(doc) == [], doc["kind"]
        else:
            kubernetes_validate.validate(doc, kubernetes_validate.latest_version(), strict=True)


@pytest.mark.oracle
def test_kubernetes_schema_oracle_rejects_a_broken_manifest():
    docs = _manifests(_artifacts(next(p for p in EXAMPLE_FILES if p.stem == "cilium-native-bgp")))
    deployment = next(d for d in docs if d["kind"] == "Deployment")
    deployment["spec"]["replicas"] = "one"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, kubernetes_validate.latest_version(), strict=True)


@pytest.mark.oracle
@pytest.mark.parametrize("example", EXAMPLE_FILES, ids=lambda p: p.stem)
def test_kubectl_kustomize_builds_the_directory(example, tmp_path):
    kubectl = require_tool("kubectl")
    artifacts = _artifacts(example)
    write_tree(tmp_path / "out", artifacts)
    result = subprocess.run([kubectl, "kustomize", str(tmp_path / "out" / "kubernetes")], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    built = sorted((d["kind"], d["metadata"]["name"]) for d in yaml.safe_load_all(result.stdout) if d)
    expected = sorted((d["kind"], d["metadata"]["name"]) for d in _manifests(artifacts))
    assert built == expected


@pytest.mark.oracle
def test_kubectl_kustomize_rejects_a_missing_resource(tmp_path):
    kubectl = require_tool("kubectl")
    (tmp_path / "kustomization.yaml").write_text("resources:\n  - absent.yaml\n")
    result = subprocess.run([kubectl, "kustomize", str(tmp_path)], capture_output=True, text=True)
    assert result.returncode != 0
