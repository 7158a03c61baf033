"""The packet model on observed state (issue 12): `vtepc trace --live` walks what the emulated
devices hold now, and `vtepc diff` reports what that state would drop next to its changes."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from tests.conftest import EXAMPLES
from tests.emulators.fixtures import Emulated, desired_example, emulate
from tests.emulators.fixtures import bigip_env, certificates  # noqa: F401 (fixtures)
from vtepc.state.bigip import FdbRecord
from vtepc.cli import app

pytestmark = pytest.mark.slow  # every test here serves the emulated APIs on local sockets
runner = CliRunner()
TOPOLOGY = str(EXAMPLES / "cilium-vxlan.yaml")


def _live(emulated: Emulated, certs) -> list[str]:
    return [*emulated.bigip_args(), "--kubeconfig", str(emulated.kubeconfig), "--ca-bundle", str(certs.ca)]


def _lose_node1_fdb_record(emulated: Emulated) -> None:
    """bigip-1 forgets node1's FDB record: its ARP flood no longer reaches node1 (seed 000's pod 10.0.0.130)."""
    record = next(r for r in emulated.desired.bigips["bigip-1"].of_kind(FdbRecord) if r.origin == "cluster.nodes[0]")
    emulated.bigips["bigip-1"].remove_fdb_record(record.tunnel, record.mac)


def test_trace_live_walks_what_the_devices_hold(tmp_path, bigip_env, certificates):  # noqa: F811
    with emulate(desired_example("cilium-vxlan"), tmp_path, certificates) as emulated:
        args = ["trace", TOPOLOGY, "--from", "bigip-1", "--to", "node1", "--live", *_live(emulated, certificates)]
        clean = runner.invoke(app, args)
        _lose_node1_fdb_record(emulated)
        broken = runner.invoke(app, [*args, "--format", "json"])
        other_node = runner.invoke(app, [*args[:5], "node2", *args[6:]])
    desired = runner.invoke(app, args[:6])
    assert clean.exit_code == 0 and clean.stdout == desired.stdout, clean.output  # the device holds what the topology says
    assert broken.exit_code == 1, broken.output
    doc = json.loads(broken.stdout)
    assert doc["delivered"] is False and doc["failure"]["where"] == "bigip-1" and doc["failure"]["step"] == "arp"
    assert "never reaches node1" in doc["failure"]["decision"] and doc["failure"]["origin"] == "bigips[0].staticFDB"
    assert other_node.exit_code == 0, other_node.output  # node2's record is still there


def test_live_options_need_live_and_exclude_a_snapshot(tmp_path):
    base = ["trace", TOPOLOGY, "--from", "bigip-1", "--to", "node1"]
    without = runner.invoke(app, [*base, "--kubeconfig", str(tmp_path / "k"), "--insecure"])
    both = runner.invoke(app, [*base, "--live", "--snapshot", str(tmp_path)])
    assert without.exit_code == 1 and without.stderr == "error: --kubeconfig, --insecure only apply with --live; nothing traced\n"
    assert both.exit_code == 1 and "--snapshot and --live are two different states" in both.stderr


def test_diff_reports_what_the_observed_state_would_drop(tmp_path, bigip_env, certificates):  # noqa: F811
    with emulate(desired_example("cilium-vxlan"), tmp_path, certificates) as emulated:
        live = ["diff", TOPOLOGY, *_live(emulated, certificates)]
        clean = runner.invoke(app, [*live, "--format", "json"])
        _lose_node1_fdb_record(emulated)
        text = runner.invoke(app, [*live, "--no-color"])
        doc = json.loads(runner.invoke(app, [*live, "--format", "json"]).stdout)
        markdown = runner.invoke(app, [*live, "--format", "markdown"]).stdout
    assert json.loads(clean.stdout)["would_drop"] == []
    assert text.exit_code == 2, text.output
    lines = text.stdout.splitlines()
    heading = lines.index("would drop (the observed state walked through the packet model):")
    assert lines[heading + 1].startswith("  bigip-1 -> pods on node1: dropped at bigip-1 arp: ")
    assert lines[heading + 1].endswith("(from bigips[0].staticFDB)")
    assert lines[heading + 2].startswith("follow-up:")  # one finding: node2 is still reached
    (found,) = doc["would_drop"]
    assert found["nodes"] == ["node1"] and found["origin"] == "bigips[0].staticFDB"
    assert "**Would drop** (the observed state walked through the packet model)" in markdown
    assert "bigip-1 -> pods on node1: dropped at bigip-1 arp" in markdown
