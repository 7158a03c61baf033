"""`vtepc discover` round trip: a commented topology without MACs gains exactly the discovered lines."""

from __future__ import annotations

import difflib
import os

import pytest
from typer.testing import CliRunner

from tests.conftest import EXAMPLES
from tests.emulators.fixtures import desired_example, emulate
from tests.emulators.fixtures import bigip_env  # noqa: F401 (fixture)
from vtepc.cli import app
from vtepc.discover import DiscoverError, DiscoveredFacts, apply_facts, check_edited
from vtepc.live.kube import LiveNode
from vtepc.validate import load_topology, validate_text

runner = CliRunner()

# What the operator wrote before the devices existed: comments, quoting, blank lines, no MACs,
# one of three nodes.
BEFORE = """\
# Two BIG-IPs; the tunnel MACs are filled in by `vtepc discover`.
apiVersion: vtepc/v1
kind: Topology
metadata:
  name: discover-me   # used in output paths
  description: "quoted on purpose"

cluster:
  name: prod
  cni: cilium
  ciliumVersion: '1.16.19'
  podCIDR: 10.0.0.0/16
  nodes:
    - name: node1          # the first node
      ip: 10.169.72.239
      podCIDR: 10.0.0.0/24

# The BIG-IPs
bigips:
  - name: bigip-1
    underlay:
      vlan: external
      selfIP: 10.169.72.34/24
    tunnel:
      selfIP: 10.1.6.34/24        # VTEP CIDR 10.1.6.0/24
    # bigip-2 is the second device
  - name: bigip-2
    underlay:
      vlan: external
      selfIP: 10.169.72.36/24
    tunnel:
      selfIP: 10.1.5.36/24

# end of file
"""

MAC_1, MAC_2 = "00:50:56:a0:7d:d8", "00:50:56:86:6b:28"


def added_lines(before: str, after: str) -> tuple[list[str], list[str]]:
    diff = list(difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0))
    plus = [line[1:] for line in diff if line.startswith("+") and not line.startswith("+++")]
    minus = [line[1:] for line in diff if line.startswith("-") and not line.startswith("---")]
    return plus, minus


def live_for(tmp_path):
    """The live side: the example with three nodes, devices with the MACs the topology lacks."""
    desired = desired_example("cilium-vxlan-two-bigips")
    return desired, emulate(desired, tmp_path)


def run_discover(emulated, path, *extra):
    return runner.invoke(app, ["discover", str(path), *emulated.bigip_args(), "--kubeconfig", str(emulated.kubeconfig), *extra])


@pytest.mark.slow
def test_discover_fills_macs_and_nodes_and_changes_nothing_else(tmp_path, bigip_env):  # noqa: F811
    path = tmp_path / "topology.yaml"
    path.write_text(BEFORE)
    desired, emulation = live_for(tmp_path)
    with emulation as emulated:
        emulated.bigips["bigip-1"].set_tunnel_mac("flannel_vxlan", MAC_1.upper())
        emulated.bigips["bigip-2"].set_tunnel_mac("flannel_vxlan", MAC_2)
        emulated.kube.add_node("node3", "10.169.72.240", "10.0.2.0/24")
        result = run_discover(emulated, path)
    assert result.exit_code == 0, result.output
    after = path.read_text()
    plus, minus = added_lines(BEFORE, after)
    assert minus == []
    assert plus == [
        "    - name: node2",
        "      ip: 10.169.72.233",
        "      podCIDR: 10.0.1.0/24",
        "    - name: node3",
        "      ip: 10.169.72.240",
        "      podCIDR: 10.0.2.0/24",
        f"      mac: {MAC_1}",
        f"      mac: {MAC_2}",
    ]
    topology = load_topology(path)
    assert [b.tunnel.mac for b in topology.bigips] == [MAC_1, MAC_2]
    assert [n.name for n in topology.cluster.nodes] == ["node1", "node2", "node3"]
    # A second run finds nothing to change.
    with emulate(desired, tmp_path) as emulated:
        emulated.bigips["bigip-1"].set_tunnel_mac("flannel_vxlan", MAC_1)
        emulated.bigips["bigip-2"].set_tunnel_mac("flannel_vxlan", MAC_2)
        emulated.kube.add_node("node3", "10.169.72.240", "10.0.2.0/24")
        again = run_discover(emulated, path)
    assert again.exit_code == 0 and "is up to date" in again.output
    assert path.read_text() == after


@pytest.mark.slow
def test_dry_run_prints_the_diff_and_writes_nothing(tmp_path, bigip_env):  # noqa: F811
    path = tmp_path / "topology.yaml"
    path.write_text(BEFORE)
    os.chmod(path, 0o640)
    _, emulation = live_for(tmp_path)
    with emulation as emulated:
        result = run_discover(emulated, path, "--dry-run")
    assert result.exit_code == 0, result.output
    assert path.read_text() == BEFORE
    assert f"+      mac: {MAC_1}" in result.stdout
    assert result.stdout.startswith(f"--- {path}\n+++ {path} (discovered)\n")


@pytest.mark.slow
def test_discover_failure_is_one_line_and_leaves_the_file(tmp_path, bigip_env):  # noqa: F811
    path = tmp_path / "topology.yaml"
    path.write_text(BEFORE)
    _, emulation = live_for(tmp_path)
    with emulation as emulated:
        emulated.kube.token = "rotated"
        result = run_discover(emulated, path)
    assert result.exit_code == 1
    assert result.output.startswith("error: cluster (context emulator)") and result.output.count("\n") == 1
    assert path.read_text() == BEFORE


@pytest.mark.slow
def test_write_keeps_the_file_mode(tmp_path, bigip_env):  # noqa: F811
    path = tmp_path / "topology.yaml"
    path.write_text(BEFORE)
    os.chmod(path, 0o640)
    _, emulation = live_for(tmp_path)
    with emulation as emulated:
        assert run_discover(emulated, path).exit_code == 0
    assert path.stat().st_mode & 0o777 == 0o640
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".topology.yaml.")]


def test_flow_style_nodes_stay_flow_style_and_prune():
    text = (EXAMPLES / "cilium-native-bgp.yaml").read_text()
    facts = DiscoveredFacts({}, (LiveNode("node1", "10.1.0.1", "10.16.0.0/24"), LiveNode("node7", "10.1.0.7", "10.16.6.0/24")))
    edit = apply_facts(text, facts, prune=True)
    plus, minus = added_lines(text, edit.text)
    assert plus == ["    - {name: node7, ip: 10.1.0.7, podCIDR: 10.16.6.0/24}"]
    assert len(minus) == 5 and all("{name: node" in line for line in minus)


def test_flannel_nodes_get_vtep_mac_and_public_ip():
    text = (EXAMPLES / "flannel.yaml").read_text()
    facts = DiscoveredFacts(
        {},
        (
            LiveNode("node1", "172.16.2.10", "10.244.1.0/24", "98:ba:76:dc:54:fe", "172.16.2.10"),
            LiveNode("node2", "172.16.2.11", "10.244.2.0/24", "aa:bb:cc:dd:ee:ff", "192.0.2.11"),
        ),
    )
    edit = apply_facts(text, facts)
    plus, minus = added_lines(text, edit.text)
    assert minus == []
    assert plus == [
        "    - name: node2",
        "      ip: 172.16.2.11",
        "      podCIDR: 10.244.2.0/24",
        "      vtepMAC: aa:bb:cc:dd:ee:ff",
        "      publicIP: 192.0.2.11",
    ]


def test_every_example_round_trips_unchanged_when_nothing_is_discovered():
    for path in sorted(EXAMPLES.glob("*.yaml")):
        text = path.read_text()
        assert apply_facts(text, DiscoveredFacts({}, ())).text == text


def test_a_file_ruamel_would_reformat_is_refused():
    text = BEFORE.replace("  podCIDR: 10.0.0.0/16", "  podCIDR:    10.0.0.0/16")
    with pytest.raises(DiscoverError, match="without reformatting"):
        apply_facts(text, DiscoveredFacts({"bigip-1": MAC_1}, ()))


def test_flow_style_mappings_get_quoted_macs_and_the_result_validates():
    """The walkthroughs' flow style: `tunnel: {selfIP: ...}` and `- {name: ..., ...}` nodes (issue 16)."""
    text = (EXAMPLES / "flannel.yaml").read_text()
    block_nodes = text[text.index("  nodes:\n") : text.index("\n\n", text.index("  nodes:\n"))]
    text = text.replace(block_nodes, '  nodes:\n    - {name: node1, ip: 172.16.2.10, podCIDR: 10.244.1.0/24, vtepMAC: "98:ba:76:dc:54:fe"}')
    start = text.index("    tunnel:\n")
    tunnel = text[start : text.index("\n\n", start) + 1]  # the block up to the blank line after it
    text = text.replace(tunnel, '    tunnel: {selfIP: 10.244.30.15/16, mac: "00:50:56:bb:70:8b"}\n')
    assert validate_text(text, "flow.yaml").ok
    facts = DiscoveredFacts(
        {"bigip-1": "00:50:56:bb:70:8c"},
        (
            LiveNode("node1", "172.16.2.10", "10.244.1.0/24", "98:ba:76:dc:54:ff", "172.16.2.10"),
            LiveNode("node2", "172.16.2.11", "10.244.2.0/24", "aa:bb:cc:dd:ee:ff", "172.16.2.11"),
        ),
    )
    edit = apply_facts(text, facts)
    plus, _ = added_lines(text, edit.text)
    assert plus == [
        '    - {name: node1, ip: 172.16.2.10, podCIDR: 10.244.1.0/24, vtepMAC: "98:ba:76:dc:54:ff"}',
        '    - {name: node2, ip: 172.16.2.11, podCIDR: 10.244.2.0/24, vtepMAC: "aa:bb:cc:dd:ee:ff"}',
        '    tunnel: {selfIP: 10.244.30.15/16, mac: "00:50:56:bb:70:8c"}',
    ]
    check_edited(edit.text, "flow.yaml")  # raises if vtepc could not read what it wrote
