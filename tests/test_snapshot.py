"""Recorded state: `vtepc snapshot` against the emulators, read back equal, stable bytes, and diffable offline."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from tests.conftest import EXAMPLES
from tests.emulators.fixtures import FAST, desired_example, emulate, example_topology, no_sleep
from tests.emulators.fixtures import bigip_env  # noqa: F401 (fixture)
from vtepc.cli import app
from vtepc.live import ObservedState, read_observed_state
from vtepc.outdir import OutputDirError
from vtepc.snapshot import INDEX, SnapshotError, read_snapshot, snapshot_files, strip_secrets, write_snapshot
from vtepc.state.bigip import BigipState

runner = CliRunner()


def observe(emulated, example, environ=None):
    return read_observed_state(
        example_topology(example),
        desired=emulated.desired,
        bigip_urls=emulated.bigip_urls,
        kubeconfig=emulated.kubeconfig,
        http=FAST,
        environ=environ,
        sleep=no_sleep,
    )


@pytest.mark.slow
@pytest.mark.parametrize("example", ["cilium-vxlan-two-bigips", "flannel", "cilium-native-bgp"])
def test_snapshot_round_trip_is_exact_and_stable(tmp_path, bigip_env, example):  # noqa: F811
    desired = desired_example(example)
    with emulate(desired, tmp_path) as emulated:
        observed = observe(emulated, example)
        again = observe(emulated, example)
    written = write_snapshot(observed, tmp_path / "snap", desired.meta.topology_name)
    assert written == sorted([INDEX, "cluster.json", *(f"bigip/{n}.json" for n in desired.bigips)])
    recorded = read_snapshot(tmp_path / "snap")
    assert recorded == observed
    assert snapshot_files(again, desired.meta.topology_name) == {path: (tmp_path / "snap" / path).read_text() for path in written}
    index = json.loads((tmp_path / "snap" / INDEX).read_text())
    assert index["format_version"] == 1 and index["unread_kinds"] == observed.unread_kinds


@pytest.mark.slow
def test_cli_snapshot_then_diff_against_it_offline(tmp_path, bigip_env):  # noqa: F811
    desired = desired_example("cilium-vxlan")
    topology = EXAMPLES / "cilium-vxlan.yaml"
    with emulate(desired, tmp_path) as emulated:
        result = runner.invoke(
            app, ["snapshot", str(topology), "-o", str(tmp_path / "snap"), *emulated.bigip_args(), "--kubeconfig", str(emulated.kubeconfig)]
        )
    assert result.exit_code == 0, result.output
    assert "recorded 2 target(s)" in result.output
    diff = runner.invoke(app, ["diff", str(topology), "--snapshot", str(tmp_path / "snap"), "--format", "json"])
    assert diff.exit_code == 0, diff.output


@pytest.mark.slow
def test_cli_snapshot_fault_writes_nothing_and_says_why_in_one_line(tmp_path, bigip_env):  # noqa: F811
    desired = desired_example("cilium-vxlan")
    with emulate(desired, tmp_path) as emulated:
        emulated.bigips["bigip-1"].password = "changed-on-the-device"
        result = runner.invoke(
            app,
            [
                "snapshot",
                str(EXAMPLES / "cilium-vxlan.yaml"),
                "-o",
                str(tmp_path / "snap"),
                *emulated.bigip_args(),
                "--kubeconfig",
                str(emulated.kubeconfig),
            ],
        )
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [result.output.strip()]
    assert result.output.startswith("error: bigip-1 (http://127.0.0.1:") and "login rejected" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "snap").exists()


def test_incomplete_state_is_never_recorded(tmp_path):
    observed = ObservedState({}, None, errors=("bigip-1: unreachable",))
    with pytest.raises(SnapshotError, match="incomplete"):
        write_snapshot(observed, tmp_path / "snap", "x")


@pytest.mark.parametrize("name", ["bigip-1\n", "../bigip-1", "bigip 1"])
def test_a_bigip_name_that_is_no_file_name_is_refused(name):
    observed = ObservedState({name: BigipState(name)}, None)
    with pytest.raises(SnapshotError, match="cannot be a file name"):
        snapshot_files(observed, "x")


def test_refuses_to_replace_a_directory_that_is_not_a_snapshot(tmp_path, bigip_env):  # noqa: F811
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(OutputDirError, match="refusing"):
        write_snapshot(ObservedState({}, None), tmp_path, "x")
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_unsupported_format_version_and_broken_files_are_clear_errors(tmp_path):
    (tmp_path / INDEX).write_text(json.dumps({"format_version": 99, "targets": []}))
    with pytest.raises(SnapshotError, match="format_version 99 is not supported"):
        read_snapshot(tmp_path)
    (tmp_path / INDEX).write_text("{not json")
    with pytest.raises(SnapshotError, match="not valid JSON"):
        read_snapshot(tmp_path)
    (tmp_path / INDEX).write_text(json.dumps({"format_version": 1, "targets": ["../etc/passwd"]}))
    with pytest.raises(SnapshotError, match="leaves the snapshot directory"):
        read_snapshot(tmp_path)


def test_secret_values_are_stripped():
    document = {
        "values": {"clustermesh": {"apiserver": {"password": "s3cret"}}, "url": "https://u:p@host/x"},
        "token": "",
        "args": ["--bigip-password=$(BIGIP_PASSWORD)"],
    }
    assert strip_secrets(document) == {
        "values": {"clustermesh": {"apiserver": {"password": "(stripped)"}}, "url": "https://(stripped)@host/x"},
        "token": "",
        "args": ["--bigip-password=$(BIGIP_PASSWORD)"],
    }
