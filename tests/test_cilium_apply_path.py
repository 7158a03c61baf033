"""The documented way to apply vtepc's Cilium settings works against a Helm-installed Cilium.

The chart owns every cilium-config key it renders, so `kubectl apply --server-side` of other
values conflicts with field manager helm (without --force-conflicts) and is undone by the next
`helm upgrade`. Helm values, pinned to the topology's chart version, are the primary path in
the file headers, the walkthroughs and the diff follow-ups; the ConfigMap path always carries
--force-conflicts and is offered only for a Cilium without a Helm release.
"""

from __future__ import annotations

import re

import pytest

from vtepc import api

from .conftest import EXAMPLE_FILES, ROOT

CILIUM_EXAMPLES = [p for p in EXAMPLE_FILES if "cni: cilium" in p.read_text()]
DOCS = sorted((ROOT / "docs").rglob("*.md")) + [ROOT / "README.md"]
_SERVER_SIDE = re.compile(r"kubectl apply --server-side(?P<rest>[^\n`]*(?:\\\n[^\n`]*)*)")


@pytest.mark.parametrize("example", CILIUM_EXAMPLES, ids=lambda p: p.stem)
def test_headers_make_helm_values_the_way_and_pin_the_chart_version(example):
    artifacts, report = api.build(example)
    version = report.topology.cluster.cilium_version
    values_text = artifacts["kubernetes/cilium-values.yaml"]
    assert f"#   helm upgrade cilium cilium/cilium --version {version} -n kube-system --reuse-values -f cilium-values.yaml" in values_text
    config_text = artifacts["kubernetes/cilium-config.yaml"]
    assert "Cilium installed with Helm: do not apply this file, use cilium-values.yaml" in config_text
    assert all("--force-conflicts" in m["rest"] for m in _SERVER_SIDE.finditer(config_text))
    assert _SERVER_SIDE.search(config_text)


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_docs_never_show_a_server_side_apply_that_helm_would_refuse(doc):
    """A bare `kubectl apply --server-side` of cilium-config conflicts with field manager helm."""
    for match in _SERVER_SIDE.finditer(doc.read_text()):
        assert "--force-conflicts" in match["rest"], f"{doc}: {match[0]!r}"


def test_docs_pin_the_chart_version_in_every_helm_upgrade():
    for doc in DOCS:
        for line in doc.read_text().splitlines():
            if "helm upgrade cilium" in line and "..." not in line:
                assert "--version" in line, f"{doc}: {line}"
