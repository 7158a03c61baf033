"""network.tmsh is documented to run as `bash network.tmsh` as root on the BIG-IP: run it.

bash runs every generated script with a fake `tmsh` first on PATH that appends its argv, one
JSON line per call, to a log; the log must equal the commands the renderer meant
(`network_commands`), word for word. Besides the examples, hostile values reach the script
with validation bypassed (model_copy does not validate, and a BigipState can be built
directly), so the quoting alone has to keep them single words and inert.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from vtepc.render.tmsh import network_commands, render_network_tmsh
from vtepc.state import RenderMeta, datapath
from vtepc.state.bigip import (
    BigipState,
    FdbRecord,
    GeneveProfile,
    Route,
    RouteDomainVlan,
    SelfIp,
    SysDb,
    Tunnel,
    VxlanProfile,
    compile_bigip,
)
from vtepc.validate import load_topology

from .conftest import EXAMPLE_FILES, EXAMPLES

HOSTILE = [
    "$(touch PWNED)",
    "`touch PWNED`",
    "x;touch PWNED",
    "x && touch PWNED",
    "x\ntouch PWNED",
    "x\r\ntouch PWNED",
    "name\n",
    'it\'s "quoted"',
    "two words",
    "{ touch PWNED; }",
    "}",
    "{",
    "x # comment",
    "$HOME",
    "*",
    "~root",
    "x\\",
    "-x",
    "a=$(touch PWNED)",
]

FAKE_TMSH = f"""#!{sys.executable} -IS
import json, os, sys
with open(os.environ["TMSH_LOG"], "a", encoding="utf-8") as log:
    log.write(json.dumps(sys.argv[1:]) + "\\n")
"""


@pytest.fixture
def run_script(tmp_path):
    """Run a script under bash with the fake tmsh; returns the argv of every tmsh call."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "tmsh"
    fake.write_text(FAKE_TMSH)
    fake.chmod(0o755)
    work = tmp_path / "work"
    work.mkdir()

    def run(script: str) -> list[list[str]]:
        log = tmp_path / "tmsh.log"
        log.unlink(missing_ok=True)
        (work / "network.tmsh").write_text(script, encoding="utf-8")
        env = {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "TMSH_LOG": str(log), "HOME": str(work)}
        result = subprocess.run(["bash", "network.tmsh"], cwd=work, env=env, capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        assert result.stderr == "", result.stderr
        assert sorted(p.name for p in work.iterdir()) == ["network.tmsh"], "the script created a file"
        return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()] if log.exists() else []

    return run


def _intended(state: BigipState) -> list[list[str]]:
    argvs = [list(command.argv) for _, commands in network_commands(state) for command in commands]
    assert all(argv[0] == "tmsh" for argv in argvs)
    return [argv[1:] for argv in argvs]


def _states(topology):
    return [compile_bigip(topology, i) for i in range(len(topology.bigips))]


@pytest.mark.slow
@pytest.mark.parametrize("example", EXAMPLE_FILES, ids=lambda p: p.stem)
def test_example_scripts_run_exactly_the_intended_commands(example, run_script):
    topology = load_topology(example)
    for state in _states(topology):
        recorded = run_script(render_network_tmsh(RenderMeta(topology.metadata.name), datapath(topology), state))
        assert recorded == _intended(state)
        assert recorded[-1] == ["save", "sys", "config"]


def _replace(model, path: tuple, value):
    """A copy of the model with the field at `path` (attribute names, list indices) set, unvalidated."""
    head, rest = path[0], path[1:]
    if isinstance(model, list):
        items = list(model)
        items[head] = _replace(items[head], rest, value) if rest else value
        return items
    current = getattr(model, head)
    return model.model_copy(update={head: _replace(current, rest, value) if rest else value})


# Every topology field that reaches network.tmsh as text, by example that uses it.
TMSH_FIELDS = {
    "cilium-vxlan-ha": [
        ("metadata", "name"),
        ("bigips", 0, "name"),
        ("bigips", 0, "underlay", "vlan"),
        ("bigips", 0, "tunnel", "name"),
        ("bigips", 0, "tunnel", "profile"),
        ("bigips", 0, "ha", "traffic_group"),
    ],
    "flannel": [
        ("bigips", 0, "tunnel", "name"),
        ("cluster", "nodes", 0, "vtep_mac"),
        ("cluster", "nodes", 0, "public_ip"),
    ],
    "cilium-native-bgp": [("bigips", 0, "underlay", "gateway"), ("bigips", 0, "underlay", "vlan")],
}


# The state test below runs every hostile value; through the compiler a few cover the fields.
TOPOLOGY_HOSTILE = ["$(touch PWNED)", "x\ntouch PWNED", 'it\'s "quoted"', "{ touch PWNED; }", "name\n", "a=$(touch PWNED)"]


@pytest.mark.slow
@pytest.mark.parametrize("value", TOPOLOGY_HOSTILE, ids=repr)
@pytest.mark.parametrize("example", sorted(TMSH_FIELDS))
def test_hostile_topology_values_stay_single_words(example, value, run_script):
    topology = load_topology(EXAMPLES / f"{example}.yaml")
    for path in TMSH_FIELDS[example]:
        topology = _replace(topology, path, value)
    state = compile_bigip(topology, 0)
    script = render_network_tmsh(RenderMeta(topology.metadata.name), datapath(topology), state)
    intended = _intended(state)
    assert run_script(script) == intended
    words = [word for argv in intended for word in argv]
    assert any(value in word or value.lower() in word for word in words), "the hostile value never reached a command"


def _hostile_state(name: str, value: str) -> BigipState:
    v = value
    return BigipState(
        name,
        2,
        (
            VxlanProfile(v, 8472, v),
            GeneveProfile(v + "g", 6081),
            Tunnel(v, v, 2, v, v, v, v),
            RouteDomainVlan(v, 2, v),
            SelfIp(v, v, "external", (v, v)),
            SelfIp(v + "t", v, v, (), v),
            Route(v, v, gw=v),
            Route(v + "i", v, interface=v),
            FdbRecord(v, v, v, v),
            SysDb(v, v),
        ),
    )


@pytest.mark.slow
@pytest.mark.parametrize("value", HOSTILE, ids=repr)
def test_hostile_state_values_stay_single_words(value, run_script):
    topology = load_topology(EXAMPLES / "cilium-vxlan-ha.yaml")
    state = _hostile_state(topology.bigips[0].name, value)
    intended = _intended(state)
    assert run_script(render_network_tmsh(RenderMeta(topology.metadata.name), datapath(topology), state)) == intended
    assert sum(argv.count(value) for argv in intended) >= 20
