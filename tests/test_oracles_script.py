"""scripts/oracles.sh: installs an oracle into a writable cache once, atomically."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from .conftest import ROOT, require_tool

pytestmark = pytest.mark.slow  # every test here runs scripts/oracles.sh

SCRIPT = ROOT / "scripts" / "oracles.sh"
PACKAGE = {"name": "fake-oracle", "version": "1.0.0", "dependencies": {}}
LOCK = {
    "name": "fake-oracle",
    "version": "1.0.0",
    "lockfileVersion": 3,
    "requires": True,
    "packages": {"": {"name": "fake-oracle", "version": "1.0.0"}},
}


def _oracle(directory, package=PACKAGE):
    directory.mkdir()
    (directory / "package.json").write_text(json.dumps(package))
    (directory / "package-lock.json").write_text(json.dumps(LOCK))
    (directory / "oracle.js").write_text("console.log('ok')\n")
    directory.chmod(0o555)  # like ../shared in CI: read-only
    return directory


def _install(source, cache):
    env = {**os.environ, "VTEPC_ORACLE_CACHE": str(cache)}
    return subprocess.run(["bash", str(SCRIPT), str(source)], capture_output=True, text=True, env=env)


def test_installs_once_into_the_cache_from_a_read_only_source(tmp_path):
    require_tool("npm")
    source, cache = _oracle(tmp_path / "fake"), tmp_path / "cache"
    first = _install(source, cache)
    assert first.returncode == 0, first.stderr
    installed = first.stdout.strip()
    assert installed.startswith(str(cache / "fake-")) and (cache / installed / "oracle.js").exists()
    (cache / installed / "marker").write_text("kept")
    second = _install(source, cache)
    assert second.stdout.strip() == installed and (cache / installed / "marker").exists()  # not reinstalled
    assert sorted(p.name for p in cache.iterdir()) == [os.path.basename(installed)]  # no staging left


def test_a_failed_install_fails_and_leaves_nothing(tmp_path):
    require_tool("npm")
    # package.json wants a dependency the lock file lacks: npm ci refuses, without the network.
    source, cache = _oracle(tmp_path / "broken", dict(PACKAGE, dependencies={"left-pad": "1.3.0"})), tmp_path / "cache"
    result = _install(source, cache)
    assert result.returncode != 0 and "npm ci failed" in result.stderr
    assert list(cache.iterdir()) == []
