"""Every generated BIRD file parses with BIRD 2 itself (`bird -p -c FILE`, Debian bird2)."""

from __future__ import annotations

import subprocess

import pytest

from vtepc import api

from .conftest import EXAMPLE_FILES, require_tool

BIRD_FILES = [(example, path) for example in EXAMPLE_FILES for path in sorted(api.build(example)[0]) if path.startswith("bgp/bird-")]


def _parse(bird: str, path) -> subprocess.CompletedProcess:
    return subprocess.run([bird, "-p", "-c", str(path)], capture_output=True, text=True)


def test_an_example_has_bird_files():
    assert any(path == "bgp/bird-node1.conf" for _, path in BIRD_FILES)


@pytest.mark.oracle
@pytest.mark.parametrize("example, path", BIRD_FILES, ids=lambda v: getattr(v, "stem", v))
def test_bird_parses_generated_config(example, path, tmp_path):
    bird = require_tool("bird")
    target = tmp_path / "bird.conf"
    target.write_text(api.build(example)[0][path])
    result = _parse(bird, target)
    assert result.returncode == 0, result.stderr + result.stdout


@pytest.mark.oracle
def test_bird_rejects_a_broken_config(tmp_path):
    bird = require_tool("bird")
    example, path = BIRD_FILES[0]
    text = api.build(example)[0][path].replace('via "cilium_host";', 'via "cilium_host"')
    target = tmp_path / "bird.conf"
    target.write_text(text)
    assert _parse(bird, target).returncode != 0
