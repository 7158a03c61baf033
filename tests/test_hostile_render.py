"""With validation bypassed, hostile names still cannot change the structure of an artifact.

Validation refuses these values (tests/test_hostile_values.py); this is the renderers' second
line of defence: a value can end up inside a string, never start a YAML key, document or
comment line of its own, and every BIRD file still parses with BIRD itself.
"""

from __future__ import annotations

import json
import re
import subprocess

import pytest
from ruamel.yaml import YAML

from vtepc.api import render
from vtepc.validate import load_topology

from .conftest import EXAMPLES, require_tool

HOSTILE = [
    "x\nkind: Secret",
    "x\n---\nkind: Secret",
    "x\r\n# y",
    "x\u2028y",
    "$(touch PWNED)",
    'it\'s "quoted" # not a comment',
    "static",
    "}; protocol static {",
]


def _hostile_topology(value: str):
    topology = load_topology(EXAMPLES / "cilium-native-bgp.yaml")
    cis = topology.cis.model_copy(update={"credentials_secret": value, "namespace": value, "partition": value})
    peers = [p.model_copy(update={"name": value + "_" * i}) for i, p in enumerate(topology.bgp.peers)]
    bgp = topology.bgp.model_copy(update={"peers": peers})
    services = [s.model_copy(update={"namespace": value, "service": value}) for s in topology.services]
    metadata = topology.metadata.model_copy(update={"name": value})
    return topology.model_copy(update={"cis": cis, "bgp": bgp, "services": services, "metadata": metadata})


def _shape(path: str, text: str):
    """What a value must not change: the header comment, documents and the keys of each document."""
    lines = text.split("\n")
    comments = next(i for i, line in enumerate(lines) if not line.startswith("#"))
    if path.endswith(".json"):
        return comments, _keys(json.loads(text))
    if path.endswith(".yaml"):
        return comments, [_keys(doc) for doc in YAML(typ="safe").load_all(text)]
    return comments, None


def _keys(data):
    if isinstance(data, dict):
        return {k: _keys(v) for k, v in data.items() if isinstance(k, str) and k.isascii()}
    if isinstance(data, list):
        return [_keys(v) for v in data]
    return None


def _paths(artifacts) -> list[str]:
    """The artifact paths, a BGP peer's own file named by its role: a peer name that is no BIRD
    symbol is replaced by a hash in file names (render/bird.py protocol_name)."""
    return sorted(re.sub(r"^bgp/peers/\w+(\.frr\.conf|\.imish)$", r"bgp/peers/<peer>\1", p) for p in artifacts)


@pytest.mark.parametrize("value", HOSTILE, ids=repr)
def test_hostile_names_stay_inside_strings(value):
    clean = render(load_topology(EXAMPLES / "cilium-native-bgp.yaml"))
    hostile = render(_hostile_topology(value))
    assert _paths(hostile) == _paths(clean)
    for path in clean:
        if path.endswith((".yaml", ".json", ".tmsh")) and "as3" not in path:
            assert _shape(path, hostile[path]) == _shape(path, clean[path]), path
    cis = next(p for p in hostile if p.startswith("kubernetes/cis-"))
    deployment = list(YAML(typ="safe").load_all(hostile[cis]))[-1]
    env = deployment["spec"]["template"]["spec"]["containers"][0]["env"]
    assert {e["valueFrom"]["secretKeyRef"]["name"] for e in env} == {value}


@pytest.mark.oracle
@pytest.mark.parametrize("value", HOSTILE, ids=repr)
def test_bird_files_with_hostile_peer_names_parse(value, tmp_path):
    bird = require_tool("bird")
    files = {p: t for p, t in render(_hostile_topology(value)).items() if p.startswith("bgp/bird-")}
    assert files
    for path, text in files.items():
        target = tmp_path / "bird.conf"
        target.write_text(text)
        result = subprocess.run([bird, "-p", "-c", str(target)], capture_output=True, text=True)
        assert result.returncode == 0, f"{path}: {result.stderr}"
