"""scripts/oracles.py: the oracle files from outside the repository, each pinned by sha256.

Registry pins are fetched from npm into the oracle cache (scripts/test.sh does it before the
tests); ../shared pins are checked here, so a changed oracle is noticed, and named with the reason
no registry serves it when ../shared is missing (a plain clone, the GitHub workflow).
"""

from __future__ import annotations

import hashlib
import json
import subprocess

import pytest

from .conftest import ROOT, SHARED, registry_oracle, require_oracle, require_tool
from .conftest import oracles_script

oracles = oracles_script()

PINS = oracles.load_pins()


@pytest.mark.slow
def test_shared_holds_exactly_the_pinned_files():
    status, lines = oracles.check_shared(require_oracle(SHARED), PINS["shared"])
    assert (status, lines) == (0, [])


@pytest.mark.parametrize("name", sorted(PINS["registry"]))
def test_registry_oracles_are_cached_as_pinned(name):
    path = registry_oracle(name)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == PINS["registry"][name]["sha256"]


def _shared_copy(tmp_path):
    shared = tmp_path / "shared"
    (shared / "spec").mkdir(parents=True)
    (shared / "spec" / "topology.yaml").write_text("kind: Topology\n")
    (shared / "oracles" / "x" / "src").mkdir(parents=True)
    (shared / "oracles" / "x" / "src" / "a.js").write_text("a\n")
    pins = {
        "spec/topology.yaml": {"sha256": oracles.sha256_file(shared / "spec" / "topology.yaml"), "why": "not packaged"},
        "oracles/x": {"tree_sha256": oracles.sha256_tree(shared / "oracles" / "x"), "why": "an RPM only"},
    }
    return shared, pins


def test_a_changed_or_added_shared_file_is_named(tmp_path):
    shared, pins = _shared_copy(tmp_path)
    assert oracles.check_shared(shared, pins) == (0, [])
    (shared / "oracles" / "x" / "src" / "b.js").write_text("new\n")
    (shared / "spec" / "topology.yaml").write_text("kind: Other\n")
    status, lines = oracles.check_shared(shared, pins)
    assert status == 1 and [line.split(":")[0].strip() for line in lines[1:]] == ["spec/topology.yaml", "oracles/x"]


@pytest.mark.slow
def test_without_shared_every_pin_is_named_with_why_no_registry_serves_it(tmp_path):
    status, lines = oracles.check_shared(tmp_path / "shared", PINS["shared"])
    assert status == 2 and "no package registry serves them" in lines[0]
    assert lines[1:] == [f"  {rel}: {pin['why']}" for rel, pin in PINS["shared"].items()]
    done = subprocess.run(
        ["python3", str(ROOT / "scripts" / "oracles.py"), "shared", str(tmp_path / "none")], capture_output=True, text=True
    )
    assert done.returncode == 2 and "oracles/cilium: the Cilium Helm charts" in done.stderr


def _local_package(tmp_path, body: bytes):
    """A package npm packs from a directory: no registry involved."""
    source = tmp_path / "pkg"
    (source / "lib").mkdir(parents=True)
    (source / "package.json").write_text(json.dumps({"name": "fake-oracle", "version": "1.0.0"}))
    (source / "lib" / "schema.json").write_bytes(body)
    return str(source)


@pytest.mark.slow
def test_fetch_checks_the_pinned_sha256_and_leaves_nothing_when_it_differs(tmp_path, monkeypatch):
    require_tool("npm")
    monkeypatch.setenv("VTEPC_ORACLE_CACHE", str(tmp_path / "cache"))
    body = b'{"type": "object"}\n'
    pin = {"npm": _local_package(tmp_path, body), "members": ["package/lib/schema.json"], "file": "schema.json"}
    with pytest.raises(RuntimeError, match="sha256"):
        oracles.fetch("fake", {**pin, "sha256": "0" * 64})
    assert [p.name for p in (tmp_path / "cache").iterdir()] == []  # no staging directory left behind
    fetched = oracles.fetch("fake", {**pin, "sha256": hashlib.sha256(body).hexdigest()})
    assert fetched.read_bytes() == body and fetched == oracles.target("fake", {**pin, "sha256": hashlib.sha256(body).hexdigest()})
