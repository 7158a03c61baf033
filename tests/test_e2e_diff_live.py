"""`vtepc diff` end to end against the emulators: per mode, no changes on exactly the built state,
then four edits on the live side that must each appear once, correctly attributed; faults give
one line and exit 1, never a traceback or a diff.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Callable

import pytest
from typer.testing import CliRunner

from tests.conftest import EXAMPLES
from tests.emulators.fixtures import KUBE_TOKEN, PASSWORD, USERNAME, Emulated, desired_example, emulate
from tests.emulators.fixtures import bigip_env, certificates  # noqa: F401 (fixtures)
from vtepc.cli import app
from vtepc.state.bigip import FdbRecord

pytestmark = pytest.mark.slow  # every test here serves the emulated APIs on local sockets

runner = CliRunner()
NEW_NODE = ("node-joined", "10.169.72.250", "10.0.99.0/24")
STALE_MAC = "0a:0a:0a:a9:48:63"


def _diff(emulated: Emulated, example: str, certs, *extra: str):
    args = [
        "diff",
        str(EXAMPLES / f"{example}.yaml"),
        *emulated.bigip_args(),
        "--kubeconfig",
        str(emulated.kubeconfig),
        "--ca-bundle",
        str(certs.ca),
        *extra,
    ]
    return runner.invoke(app, args)


@dataclass(frozen=True)
class Expected:
    target: str
    action: str
    kind: str
    name: str
    field: str
    origin: str


def _fdb_edits(emulated: Emulated) -> list[Expected]:
    """Remove node 0's FDB record from bigip-1, add a record for no node."""
    device = emulated.bigips["bigip-1"]
    wanted = next(r for r in emulated.desired.bigips["bigip-1"].of_kind(FdbRecord) if r.origin == "cluster.nodes[0]")
    tunnel, mac = wanted.tunnel, wanted.mac
    device.remove_fdb_record(tunnel, mac)
    device.add_fdb_record(tunnel, STALE_MAC, "10.169.72.99")
    return [
        Expected("bigip/bigip-1", "add", "net/fdb/record", f"{tunnel}/{mac}", "", "cluster.nodes[0]"),
        Expected("bigip/bigip-1", "remove", "net/fdb/record", f"{tunnel}/{STALE_MAC}", "", "drift: not in the topology"),
    ]


def _route_edits(emulated: Emulated) -> list[Expected]:
    """Native routing has no tunnel: the pod route goes missing, a stale vtepc route appears."""
    device = emulated.bigips["bigip-1"]
    device.remove("net/route", "/Common/vtepc-pods")
    device.put("net/route", "vtepc-old", network="10.99.0.0/16", gw="10.169.72.1")
    return [
        Expected("bigip/bigip-1", "add", "net/route", "vtepc-pods", "", "bigips[0].underlay.gateway"),
        Expected("bigip/bigip-1", "remove", "net/route", "vtepc-old", "", "drift: not in the topology"),
    ]


def _cilium_config_edit(key: str, value: str, origin: str) -> Callable[[Emulated], list[Expected]]:
    def edit(emulated: Emulated) -> list[Expected]:
        emulated.kube.get_object("v1", "ConfigMap", "cilium-config", "kube-system")["data"][key] = value
        return [Expected("cluster/prod", "change", "cilium/config", "kube-system/cilium-config", f"data.{key}", origin)]

    return edit


def _flannel_node_edit(emulated: Emulated) -> list[Expected]:
    key = "flannel.alpha.coreos.com/public-ip"
    emulated.kube.get_object("v1", "Node", "bigip-1")["metadata"]["annotations"][key] = "10.169.72.99"
    return [Expected("cluster/prod", "change", "Node", "bigip-1", f'annotations["{key}"]', "bigips[0].tunnel")]


def _node_joined(emulated: Emulated) -> list[Expected]:
    emulated.kube.add_node(*NEW_NODE)
    return [Expected("cluster/prod", "remove", "cluster/node", NEW_NODE[0], "", "drift: not in the topology")]


MODES = {
    "cilium-vxlan": (_fdb_edits, _cilium_config_edit("vtep-mac", "00:50:56:00:00:01", "bigips[0].tunnel.mac")),
    "cilium-geneve": (_fdb_edits, _cilium_config_edit("vtep-endpoint", "10.169.72.99", "bigips[0].underlay.selfIP")),
    "flannel": (_fdb_edits, _flannel_node_edit),
    "cilium-native-bgp": (_route_edits, _cilium_config_edit("ipv4-native-routing-cidr", "10.99.0.0/16", "cluster.podCIDR")),
}


@pytest.mark.parametrize("example", sorted(MODES))
def test_no_changes_then_each_live_edit_appears_once(tmp_path, bigip_env, certificates, example):  # noqa: F811
    device_edits, cluster_edit = MODES[example]
    with emulate(desired_example(example), tmp_path, certificates) as emulated:
        clean = _diff(emulated, example, certificates)
        assert clean.exit_code == 0, clean.output
        assert clean.stdout.startswith("no changes (")

        expected = device_edits(emulated) + cluster_edit(emulated) + _node_joined(emulated)
        result = _diff(emulated, example, certificates, "--format", "json")
        text = _diff(emulated, example, certificates, "--no-color")
    assert result.exit_code == 2, result.output
    doc = json.loads(result.stdout)
    assert doc["complete"] is True
    seen = [Expected(c["target"], c["action"], c["kind"], c["name"], c["field"], c["origin"]) for c in doc["changes"]]
    assert sorted(seen, key=repr) == sorted(expected, key=repr)
    # The same changes as text lines, each once.
    assert text.exit_code == 2
    for change in expected:
        prefix = f"{change.target}: {change.kind} {change.name}: {change.field + ': ' if change.field else ''}"
        assert sum(1 for line in text.stdout.splitlines() if line.startswith(prefix)) == 1, (prefix, text.stdout)
    commands = [f["command"] for f in doc["follow_ups"]]
    assert "tmsh save sys config" in commands and "vtepc discover TOPOLOGY" in commands
    if example.startswith("cilium"):
        assert "kubectl -n kube-system rollout restart ds/cilium" in commands


def test_tunnel_mac_on_the_device_differs_from_the_topology(tmp_path, bigip_env, certificates):  # noqa: F811
    with emulate(desired_example("cilium-vxlan"), tmp_path, certificates) as emulated:
        emulated.bigips["bigip-1"].set_tunnel_mac("flannel_vxlan", "00:50:56:aa:bb:cc")
        result = _diff(emulated, "cilium-vxlan", certificates)
    assert result.exit_code == 2, result.output
    assert result.stdout.splitlines()[0] == (
        'bigip/bigip-1: net/tunnels/tunnel/mac flannel_vxlan: mac: "00:50:56:aa:bb:cc" -> "00:50:56:a0:7d:d8"  (from bigips[0].tunnel.mac)'
    )
    assert "set bigips[0].tunnel.mac to the device's tunnel MAC" in result.stdout
    assert "tmsh save sys config" not in result.stdout  # nothing to change on the device


def test_unread_kinds_are_notes_not_changes(tmp_path, bigip_env, certificates):  # noqa: F811
    with emulate(desired_example("cilium-native-bgp"), tmp_path, certificates) as emulated:
        result = _diff(emulated, "cilium-native-bgp", certificates)
    assert result.exit_code == 0, result.output
    assert "note: bird/config not compared: BIRD configuration lives on each node" in result.stdout


FAULTS = {
    "401": lambda e: setattr(e.bigips["bigip-1"], "password", "changed-on-the-device"),
    "timeout": lambda e: setattr(e.bigips["bigip-1"], "delay", 3.0),
    "truncated-json": lambda e: setattr(e.kube, "truncate_json", True),
    "500-forever": lambda e: e.bigips["bigip-1"].fail_next(1000, 500),
    "unreachable": lambda e: e.bigips["bigip-1"].stop(),  # its port now refuses connections
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
@pytest.mark.parametrize("output_format", ["text", "json"])
def test_faults_are_one_line_errors_and_exit_1(tmp_path, bigip_env, certificates, fault, output_format):  # noqa: F811
    with emulate(desired_example("cilium-vxlan"), tmp_path, certificates) as emulated:
        FAULTS[fault](emulated)
        result = _diff(emulated, "cilium-vxlan", certificates, "--timeout", "0.3", "--format", output_format)
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in result.stderr
    if output_format == "json":
        doc = json.loads(result.stdout)
        assert doc["complete"] is False and doc["changes"] == [] and doc["error"] == lines[0][len("error: ") :]
    else:
        assert result.stdout == ""  # never a partial diff
    assert PASSWORD not in result.output + result.stderr and KUBE_TOKEN not in result.output + result.stderr


@pytest.mark.parametrize("output_format", ["text", "markdown", "json"])
def test_no_credential_in_any_output(tmp_path, bigip_env, certificates, output_format):  # noqa: F811
    with emulate(desired_example("cilium-vxlan-two-bigips"), tmp_path, certificates) as emulated:
        _fdb_edits(emulated)
        _node_joined(emulated)
        outputs = [
            _diff(emulated, "cilium-vxlan-two-bigips", certificates, "--format", output_format, *flag) for flag in ((), ("--show-secrets",))
        ]
        emulated.bigips["bigip-2"].password = "rotated"  # the device's 401 body echoes the password sent
        outputs.append(_diff(emulated, "cilium-vxlan-two-bigips", certificates, "--format", output_format))
    assert [o.exit_code for o in outputs] == [2, 2, 1]
    for output in outputs:
        everything = output.stdout + output.stderr
        for credential in (PASSWORD, KUBE_TOKEN, USERNAME + ":" + PASSWORD):
            assert credential not in everything
