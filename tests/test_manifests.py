"""vtepc manifests: only Kubernetes objects on stdout, the same ones `kubectl kustomize` builds."""

from __future__ import annotations

import subprocess
import sys

import pytest
from ruamel.yaml import YAML

from tests.conftest import EXAMPLE_FILES, EXAMPLES, require_tool
from vtepc import api
from vtepc.build import write_tree
from vtepc.build import KUSTOMIZATION, manifest_stream
from vtepc.diagnostics import VtepcError


def _manifests(path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "vtepc", "manifests", str(path)], capture_output=True, text=True)


def kubernetes_objects(stream: str) -> list[dict]:
    """Parse a YAML stream; every document must be a Kubernetes object with apiVersion, kind, metadata.name."""
    documents = list(YAML(typ="safe").load_all(stream))
    for document in documents:
        assert isinstance(document, dict), f"not an object: {document!r}"
        assert isinstance(document.get("apiVersion"), str) and isinstance(document.get("kind"), str), document
        assert document["metadata"]["name"], document
    return documents


def _identity(obj: dict) -> tuple:
    return (obj["apiVersion"], obj["kind"], obj["metadata"].get("namespace", ""), obj["metadata"]["name"])


@pytest.mark.slow
@pytest.mark.parametrize("example", EXAMPLE_FILES, ids=lambda p: p.stem)
def test_stdout_is_exactly_what_kubectl_kustomize_builds(example, tmp_path):
    done = _manifests(example)
    assert done.returncode == 0, done.stderr
    objects = kubernetes_objects(done.stdout)
    assert objects, "every example has at least one Kubernetes object"
    kubectl = require_tool("kubectl")
    artifacts, _ = api.build(example)
    write_tree(tmp_path / "out", artifacts)
    built = subprocess.run([kubectl, "kustomize", str(tmp_path / "out" / "kubernetes")], capture_output=True, text=True, check=True)
    expected = kubernetes_objects(built.stdout)
    assert sorted(map(_identity, objects)) == sorted(map(_identity, expected))
    # Same content too, not just the same names (kustomize only reorders keys and documents).
    assert sorted(map(repr, map(_canonical, objects))) == sorted(map(repr, map(_canonical, expected)))


def _canonical(value):
    if isinstance(value, dict):
        return sorted((k, _canonical(v)) for k, v in value.items())
    if isinstance(value, list):
        return [_canonical(v) for v in value]
    return value


@pytest.mark.slow
def test_warnings_go_to_stderr_only(tmp_path):
    topology = tmp_path / "topology.yaml"
    # 1.19.1 answers VTEP ARP with a zero MAC: a version warning (VTEP605).
    topology.write_text((EXAMPLES / "cilium-geneve.yaml").read_text().replace('"1.19.6"', '"1.19.1"'))
    done = _manifests(topology)
    assert done.returncode == 0
    assert "warning" in done.stderr and "VTEP605" in done.stderr
    assert "warning" not in done.stdout
    kubernetes_objects(done.stdout)


@pytest.mark.slow
def test_invalid_topology_prints_nothing_on_stdout(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text((EXAMPLES / "cilium-vxlan.yaml").read_text().replace("10.169.72.239", "10.169.72.999"))
    done = _manifests(bad)
    assert done.returncode == 1 and done.stdout == ""
    assert "10.169.72.999" in done.stderr


def test_stream_follows_the_kustomization_order_and_skips_other_files():
    artifacts = {
        KUSTOMIZATION: "resources:\n  - b.yaml\n  - a.yaml\n",
        "kubernetes/a.yaml": "---\nkind: A\n",
        "kubernetes/b.yaml": "kind: B",
        "kubernetes/cilium-values.yaml": "vtep: {}\n",
    }
    assert manifest_stream(artifacts) == "kind: B\n---\nkind: A\n"


@pytest.mark.parametrize(
    "artifacts, message",
    [
        ({"bigip/x/network.tmsh": ""}, "no kubernetes/kustomization.yaml"),
        ({KUSTOMIZATION: "resources: [gone.yaml]\n"}, "lists gone.yaml"),
    ],
)
def test_stream_errors_name_the_problem(artifacts, message):
    with pytest.raises(VtepcError, match=message):
        manifest_stream(artifacts)
