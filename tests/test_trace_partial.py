"""`vtepc trace --to NODE` walks one address of the node's pod CIDR: a route more specific than that
CIDR that covers part of it sends the rest elsewhere, and the trace says so (issue 12)."""

from __future__ import annotations

import json
from dataclasses import replace

from typer.testing import CliRunner

from tests.conftest import EXAMPLES
from vtepc.cli import app
from vtepc.live import ObservedState
from vtepc.snapshot import write_snapshot
from vtepc.state import compile_desired_state
from vtepc.state.bigip import Route
from vtepc.validate import load_topology

runner = CliRunner()
TOPOLOGY = str(EXAMPLES / "cilium-vxlan.yaml")


def test_a_route_over_part_of_a_nodes_pod_cidr_is_named_in_the_trace(tmp_path):
    desired = compile_desired_state(load_topology(TOPOLOGY))
    state = desired.bigips["bigip-1"]
    # Observed: someone routed the upper half of node1's pods (10.0.0.128/25) to a gateway.
    observed = replace(state, items=(*state.items, Route("half", "10.0.0.128%0/25", gw="10.169.72.1")))
    write_snapshot(ObservedState({"bigip-1": observed}, desired.cluster), tmp_path / "snap", "cilium-vxlan")
    args = ["trace", TOPOLOGY, "--from", "bigip-1", "--snapshot", str(tmp_path / "snap")]

    split = runner.invoke(app, [*args, "--to", "node1", "--format", "json"])
    doc = json.loads(split.stdout)
    assert doc["to"] == "10.0.0.1" and doc["delivered"] is True  # the probe address still goes through the tunnel
    (note,) = doc["notes"]
    assert note.startswith("node1's podCIDR 10.0.0.0/24 is split: route half 10.0.0.128%0/25 gw 10.169.72.1 covers part of it")
    lines = runner.invoke(app, [*args, "--to", "node1"]).stdout.splitlines()
    assert lines[-2] == f"note: {note}" and lines[-1] == "delivered, and the reply returns"
    # The part the route takes, walked by address: its first hop is that route.
    upper = json.loads(runner.invoke(app, [*args, "--to", "10.0.0.130", "--format", "json"]).stdout)
    assert upper["forward"][0]["decision"].startswith("10.0.0.130 matches route half 10.0.0.128%0/25") and upper["notes"] == []
    # node2's pod CIDR is whole: no note; nor on the desired state, which has no such route.
    assert json.loads(runner.invoke(app, [*args, "--to", "node2", "--format", "json"]).stdout)["notes"] == []
    assert json.loads(runner.invoke(app, [*args[:4], "--to", "node1", "--format", "json"]).stdout)["notes"] == []
