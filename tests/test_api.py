"""vtepc.api covers every CLI command and returns data; the CLI only prints it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from vtepc import api
from vtepc.cli import app
from vtepc.cli._app import COMMANDS
from vtepc.live import ObservedState
from vtepc.snapshot import write_snapshot
from vtepc.state.bigip import BigipState

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


# Commands about the shell rather than a topology: nothing for a library caller.
CLI_ONLY = {"completion"}


def test_every_cli_command_has_an_api_function():
    # COMMANDS lists every command (tests/test_architecture.py holds it to what the modules register);
    # app.registered_commands holds only the commands whose modules this process has imported.
    commands = set(COMMANDS) - CLI_ONLY
    assert commands, "no CLI commands registered"
    missing = sorted(name for name in commands if not callable(getattr(api, name, None)))
    assert not missing, f"CLI commands without a vtepc.api function: {missing}"
    assert set(commands) <= set(api.__all__)


@pytest.mark.parametrize("example", ["flannel.yaml", "cilium-vxlan.yaml"])
def test_diff_against_a_snapshot_of_the_desired_state_is_empty(tmp_path, example):
    desired = api.desired_state(EXAMPLES / example)
    write_snapshot(ObservedState(desired.bigips, desired.cluster), tmp_path / "snap", desired.meta.topology_name)
    result = api.diff(EXAMPLES / example, api.SnapshotSource(tmp_path / "snap"))
    assert not result.has_changes


def test_diff_against_an_emptied_snapshot_lists_changes(tmp_path):
    desired = api.desired_state(EXAMPLES / "flannel.yaml")
    empty = {name: BigipState(name=name) for name in desired.bigips}
    write_snapshot(ObservedState(empty, desired.cluster), tmp_path / "snap", desired.meta.topology_name)
    assert api.diff(EXAMPLES / "flannel.yaml", api.SnapshotSource(tmp_path / "snap")).has_changes


@pytest.mark.parametrize(
    ("command", "function"),
    [
        (["graph", str(EXAMPLES / "flannel.yaml"), "-f", "dot"], lambda: api.graph(EXAMPLES / "flannel.yaml", "dot")),
        (["manifests", str(EXAMPLES / "flannel.yaml")], lambda: api.manifests(EXAMPLES / "flannel.yaml")[0]),
        (["schema"], api.schema),
    ],
)
def test_cli_prints_what_the_api_returns(command, function):
    result = CliRunner().invoke(app, command)
    assert result.exit_code == 0, result.output
    assert result.stdout == function()


def test_build_check_prints_what_check_output_returns(tmp_path):
    artifacts, _ = api.build(EXAMPLES / "flannel.yaml")
    api.write_output(tmp_path / "out", artifacts)
    fresh = api.check_output(tmp_path / "out", artifacts, EXAMPLES / "flannel.yaml")
    assert not fresh.stale and fresh.message == f"{tmp_path / 'out'} is up to date ({len(artifacts)} files)"
    (tmp_path / "out" / sorted(artifacts)[0]).unlink()
    stale = api.check_output(tmp_path / "out", artifacts, EXAMPLES / "flannel.yaml")
    assert stale.stale and stale.difference.added == [sorted(artifacts)[0]]
    result = CliRunner().invoke(app, ["build", str(EXAMPLES / "flannel.yaml"), "-o", str(tmp_path / "out"), "--check"])
    assert (result.exit_code, result.stdout) == (1, stale.difference.diff)
    assert stale.message in result.stderr


def test_validate_bytes_is_what_validate_reads_from_stdin():
    source = (EXAMPLES / "flannel.yaml").read_bytes() + b"\nbogus: 1\n"
    report = api.validate_bytes(source)
    assert not report.ok and {d.file for d in report.diagnostics} == {"<stdin>"}
    result = CliRunner().invoke(app, ["validate", "-", "--format", "json"], input=source)
    assert result.exit_code == 1
    assert [d["code"] for d in json.loads(result.stdout)["diagnostics"]] == [d.code for d in report.diagnostics]
