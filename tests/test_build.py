"""`vtepc build`: the output tree, its manifest, atomicity, stale files, --check, determinism."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import vtepc.outdir as outdir_module
from vtepc import api
from vtepc.build import MANIFEST, OutputDirError, with_manifest, write_tree
from vtepc.cli import app

from .conftest import EXAMPLES, ROOT

runner = CliRunner()
SEED_000 = EXAMPLES / "cilium-vxlan.yaml"


def _tree(directory: Path) -> dict[str, bytes]:
    return {p.relative_to(directory).as_posix(): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


def _build(topology: Path, out: Path, *extra: str):
    return runner.invoke(app, ["build", str(topology), "-o", str(out), *extra])


def _invalid_topology(tmp_path: Path) -> Path:
    bad = tmp_path / "bad.yaml"
    bad.write_text(SEED_000.read_text().replace("cni: cilium", "cni: calico"))
    return bad


def test_build_writes_spec_tree_and_manifest(tmp_path):
    out = tmp_path / "out"
    result = _build(SEED_000, out)
    assert result.exit_code == 0, result.output
    tree = _tree(out)
    assert {"bigip/bigip-1/network.tmsh", "bigip/bigip-1/declarative-onboarding.json", MANIFEST} <= set(tree)
    manifest = json.loads(tree[MANIFEST])
    assert manifest["input_sha256"] == hashlib.sha256(SEED_000.read_bytes()).hexdigest()
    listed = {a["path"]: a["sha256"] for a in manifest["artifacts"]}
    assert set(listed) == set(tree) - {MANIFEST}
    assert all(hashlib.sha256(tree[p]).hexdigest() == digest for p, digest in listed.items())
    for path, data in tree.items():
        if path.endswith(".json"):
            assert data.endswith(b"}\n") and json.loads(data)


def test_services_add_as3_json(tmp_path):
    out = tmp_path / "out"
    assert _build(EXAMPLES / "cilium-native-bgp.yaml", out).exit_code == 0
    assert "bigip/bigip-1/as3.json" in _tree(out)


def test_invalid_topology_writes_nothing(tmp_path):
    out = tmp_path / "out"
    result = _build(_invalid_topology(tmp_path), out)
    assert result.exit_code == 1
    assert "nothing written" in result.output
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.yaml"]


def test_invalid_topology_leaves_existing_dir_untouched(tmp_path):
    out = tmp_path / "out"
    assert _build(SEED_000, out).exit_code == 0
    before = _tree(out)
    assert _build(_invalid_topology(tmp_path), out).exit_code == 1
    assert _tree(out) == before


def test_failure_mid_write_leaves_dir_unchanged(tmp_path, monkeypatch):
    out = tmp_path / "out"
    assert _build(SEED_000, out).exit_code == 0
    before = _tree(out)
    writes = []

    def failing_open(path, *args, **kwargs):
        writes.append(path)
        if len(writes) == 2:
            raise OSError("disk full (injected)")
        return open(path, *args, **kwargs)

    monkeypatch.setattr(outdir_module, "open", failing_open, raising=False)
    result = _build(EXAMPLES / "cilium-vxlan-ha.yaml", out)
    assert result.exit_code == 1 and "disk full" in result.output
    assert len(writes) == 2  # the failure really happened mid-write
    assert _tree(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no staging directory left


def test_interrupt_mid_write_leaves_dir_unchanged(tmp_path, monkeypatch):
    out = tmp_path / "out"
    write_tree(out, with_manifest({"a.txt": "old\n"}, b"old"))
    before = _tree(out)

    def interrupted(path, *args, **kwargs):
        if "w" in args[0]:
            raise KeyboardInterrupt
        return open(path, *args, **kwargs)

    monkeypatch.setattr(outdir_module, "open", interrupted, raising=False)
    with pytest.raises(KeyboardInterrupt):
        write_tree(out, with_manifest({"a.txt": "new\n"}, b"new"))
    assert _tree(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_stale_artifacts_removed(tmp_path):
    out = tmp_path / "out"
    assert _build(EXAMPLES / "cilium-vxlan-two-bigips.yaml", out).exit_code == 0
    assert (out / "bigip/bigip-2/network.tmsh").exists()
    assert _build(SEED_000, out).exit_code == 0
    assert not (out / "bigip/bigip-2").exists()
    assert set(_tree(out)) == set(api.build(SEED_000)[0])


def test_refuses_to_replace_a_directory_vtepc_did_not_write(tmp_path):
    out = tmp_path / "precious"
    out.mkdir()
    (out / "thesis.tex").write_text("years of work\n")
    result = _build(SEED_000, out)
    assert result.exit_code == 1 and "did not write" in result.output
    assert _tree(out) == {"thesis.tex": b"years of work\n"}


@pytest.mark.parametrize("name", ["../escape.txt", "/tmp/vtepc-absolute.txt", "bigip/../../escape.txt", ""])
def test_no_artifact_name_writes_outside_dir(tmp_path, name):
    out = tmp_path / "work" / "out"
    with pytest.raises(OutputDirError):
        write_tree(out, {"ok.txt": "x\n", name: "escaped\n"})
    assert not (tmp_path / "work" / "escape.txt").exists() and not (tmp_path / "escape.txt").exists()
    assert not Path("/tmp/vtepc-absolute.txt").exists()
    assert list(tmp_path.iterdir()) == []  # refused before anything was created


def test_cli_reports_path_traversal_from_a_renderer(tmp_path, monkeypatch):
    artifacts, report = api.build(SEED_000)
    monkeypatch.setattr(api, "build", lambda path: ({**artifacts, "../outside.txt": "x\n"}, report))
    out = tmp_path / "out"
    result = _build(SEED_000, out)
    assert result.exit_code == 1 and "outside the output directory" in result.output
    assert not out.exists() and not (tmp_path / "outside.txt").exists()


def test_check_exit_0_when_fresh_and_1_with_diff_when_stale(tmp_path):
    out = tmp_path / "out"
    assert _build(SEED_000, out).exit_code == 0
    fresh = _build(SEED_000, out, "--check")
    assert fresh.exit_code == 0, fresh.output
    tmsh = out / "bigip/bigip-1/network.tmsh"
    tmsh.write_text(tmsh.read_text().replace("key 2", "key 3"))
    (out / "bigip/bigip-1/leftover.txt").write_text("x\n")
    before = _tree(out)
    stale = _build(SEED_000, out, "--check")
    assert stale.exit_code == 1
    assert "--- a/bigip/bigip-1/network.tmsh" in stale.output and "+++ b/bigip/bigip-1/network.tmsh" in stale.output
    assert any(line.startswith("-") and "key 3" in line for line in stale.output.splitlines())
    assert any(line.startswith("+") and "key 2" in line for line in stale.output.splitlines())
    assert "1 changed, 0 missing, 1 extra" in stale.output
    assert _tree(out) == before  # --check writes nothing


def test_check_on_missing_dir_is_stale_and_creates_nothing(tmp_path):
    out = tmp_path / "out"
    assert _build(SEED_000, out, "--check").exit_code == 1
    assert not out.exists()


def _cli_build(topology: Path, out: Path, hash_seed: str) -> None:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    subprocess.run(
        [sys.executable, "-m", "vtepc", "build", str(topology), "-o", str(out)], check=True, env=env, cwd=ROOT, capture_output=True
    )


@pytest.mark.slow
@pytest.mark.parametrize("example", ["cilium-vxlan-ha", "cilium-native-bgp", "flannel"])
def test_byte_identical_across_runs_and_hash_seeds(tmp_path, example):
    topology = EXAMPLES / f"{example}.yaml"
    trees = []
    for i, seed in enumerate(["0", "1", "4242"]):
        out = tmp_path / f"out{i}"
        _cli_build(topology, out, seed)
        trees.append(_tree(out))
    assert trees[0] == trees[1] == trees[2]
    again = tmp_path / "out0"
    _cli_build(topology, again, "987")  # rebuilding over an existing tree is identical too
    assert _tree(again) == trees[0]


def test_api_returns_tree_without_touching_disk(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    source = SEED_000.read_bytes()
    artifacts, report = api.build_from_bytes(source, "seed.yaml")
    assert report.ok and MANIFEST in artifacts and "bigip/bigip-1/network.tmsh" in artifacts
    assert artifacts == api.build(SEED_000)[0]
    assert list(tmp_path.iterdir()) == []
    assert all(isinstance(text, str) for text in artifacts.values())
    assert list(artifacts) == sorted(artifacts)
