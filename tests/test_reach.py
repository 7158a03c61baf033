"""The packet model (vtepc.reach): the seeds' worked paths, each failure class, and `vtepc trace`.

Failure classes that other checks refuse first are built directly in state (bypassing
validation), so the model itself is what is tested; each asserts the breaking hop and the
topology field it names.
"""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from typer.testing import CliRunner

from vtepc.cli import app
from vtepc.reach import Fabric, unreachable
from vtepc.reach.model import DROP
from vtepc.state import compile_desired_state
from vtepc.state.bigip import FdbRecord, Tunnel, VxlanProfile
from vtepc.integrations.cilium.state import CiliumConfig as ClusterCilium
from vtepc.state.speaker import BgpAnnouncement
from vtepc.validate import load_topology

from .conftest import EXAMPLE_FILES, EXAMPLES

runner = CliRunner()


def topology(name: str):
    return load_topology(EXAMPLES / f"{name}.yaml")


def fabric_of(top, edit_bigip=None, edit_cluster=None) -> Fabric:
    """The desired state of `top`, with objects swapped by the edit functions (no validation)."""
    desired = compile_desired_state(top)
    bigips = dict(desired.bigips)
    if edit_bigip is not None:
        for name, state in bigips.items():
            bigips[name] = replace(state, items=tuple(edit_bigip(o) for o in state.items if edit_bigip(o) is not None))
    cluster = desired.cluster
    if edit_cluster is not None:
        cluster = replace(cluster, items=tuple(edit_cluster(o) for o in cluster.items))
    return Fabric(top, bigips, cluster)


def line_of(path, needle: str) -> int:
    text = path.read_text()
    return text.count("\n", 0, text.index(needle)) + 1


def text_of(trace) -> str:
    return trace.format_text()


# --- the seeds' worked values -----------------------------------------------------------------


def test_seed_000_pod_on_node1_via_fake_fdb_mac_reply_via_vtep_vni_2():
    trace = Fabric.from_topology(topology("cilium-vxlan")).trace("bigip-1", "10.0.0.130")
    assert trace.delivered
    forward = "\n".join(h.decision for h in trace.forward)
    assert "node1 via FDB 0a:0a:0a:a9:48:ef endpoint 10.169.72.239%0" in forward
    assert "key 2 udp/8472 10.169.72.34%0 -> 10.169.72.239%0" in forward
    assert trace.forward[-1].decision == "pod 10.0.0.130 is in node1's podCIDR 10.0.0.0/24"
    reply = "\n".join(h.decision for h in trace.reply)
    assert "10.1.6.34 & 255.255.255.0 = 10.1.6.0/24 -> VTEP 10.169.72.34, VNI 2" in reply
    assert trace.reply[-1].where == "bigip-1" and trace.reply[-1].decision.endswith("delivered")


@pytest.mark.parametrize("example", ["cilium-vxlan-two-bigips", "cilium-vxlan-ha"])
def test_seed_001_both_bigips_reach_the_pod(example):
    fabric = Fabric.from_topology(topology(example))
    for unit, endpoint in zip(("bigip-1", "bigip-2"), ("10.169.72.34", "10.169.72.36") if "two" in example else ("10.169.72.40",) * 2):
        trace = fabric.trace(unit, "10.0.0.130")
        assert trace.delivered, text_of(trace)
        assert f"-> VTEP {endpoint}, VNI 2" in text_of(trace)


def test_seed_003_flannel_static_arp_then_fdb_to_the_vtep_mac():
    trace = Fabric.from_topology(topology("flannel")).trace("bigip-1", "10.244.1.2")
    assert trace.delivered, text_of(trace)
    decisions = [h.decision for h in trace.forward]
    assert "static ARP k8s-10.244.1.2 -> 98:ba:76:dc:54:fe (CIS --flannel-name)" in decisions
    assert "FDB 98:ba:76:dc:54:fe -> endpoint 172.16.2.10%0" in decisions
    assert "VtepMAC 00:50:56:bb:70:8b, public-ip 172.16.1.28, VNI 1" in trace.reply[0].decision


@pytest.mark.parametrize("example", EXAMPLE_FILES, ids=lambda p: p.stem)
def test_every_example_is_fully_reachable(example):
    fabric = Fabric.from_topology(load_topology(example))
    assert [u.hop for u in unreachable(fabric)] == []
    assert len(fabric.scenarios()) == len(fabric.units)


# --- failure classes, built in state ------------------------------------------------------------


def only_failure(fabric: Fabric):
    found = list(unreachable(fabric))
    assert found, "expected a drop"
    hops = {(u.hop.where, u.hop.step, u.hop.origin) for u in found}
    assert len(hops) == 1, hops
    return found[0]


def test_builtin_vxlan_profile_floods_multicast_so_no_node_answers_arp():
    def builtin(obj):
        if isinstance(obj, VxlanProfile):
            return None
        return replace(obj, profile="vxlan") if isinstance(obj, Tunnel) else obj

    found = only_failure(fabric_of(topology("cilium-vxlan"), edit_bigip=builtin))
    assert (found.hop.step, found.hop.origin) == ("arp", "bigips[0].tunnel.profile")
    assert "flooding-type multicast" in found.hop.decision
    assert found.nodes == ("node1", "node2")


def test_dual_stack_node_expects_vni_9_on_a_key_2_tunnel():
    top = topology("cilium-vxlan")
    top = top.model_copy(update={"cluster": top.cluster.model_copy(update={"ip_families": ["ipv4", "ipv6"]})})
    found = only_failure(fabric_of(top))
    assert (found.hop.where, found.hop.step, found.hop.origin) == ("node1", "accept", "bigips[0].tunnel.vni")
    assert found.hop.decision == "expects VNI 9, the tunnel's key is 2"


def test_vtep_cidr_over_node_ips_sends_the_encapsulated_packet_back_into_the_tunnel():
    top = topology("cilium-vxlan")
    bigip = top.bigips[0]
    # 10.169.72.224/28 holds both nodes (.233, .239): longer than the underlay's /24.
    top = top.model_copy(
        update={"bigips": [bigip.model_copy(update={"tunnel": bigip.tunnel.model_copy(update={"self_ip": "10.169.72.230/28"})})]}
    )
    found = only_failure(fabric_of(top))
    assert (found.hop.step, found.hop.origin) == ("encap", "bigips[0].tunnel.selfIP")
    assert found.nodes == ("node1", "node2")
    assert "back into the tunnel" in found.hop.decision


def test_fdb_endpoint_in_another_route_domain_than_the_tunnel_is_refused():
    top = topology("cilium-vxlan")
    top = top.model_copy(update={"bigips": [top.bigips[0].model_copy(update={"route_domain": 2})]})

    def cis_style(obj):  # CIS writes bare addresses: %0
        return replace(obj, endpoint=obj.endpoint.replace("%2", "%0")) if isinstance(obj, FdbRecord) else obj

    found = only_failure(fabric_of(top, edit_bigip=cis_style))
    assert (found.hop.step, found.hop.origin) == ("fdb", "cluster.nodes[0]")
    assert "01070734" in found.hop.decision


def test_flannel_without_cis_has_no_arp_entry():
    top = topology("flannel")
    found = only_failure(fabric_of(top.model_copy(update={"cis": None})))
    assert (found.hop.step, found.hop.origin) == ("arp", "bigips[0].managementURL")
    assert "no CIS writes the static k8s-<podIP> entries" in found.hop.decision


def test_missing_bgp_export_to_the_gateway():
    def without_gateway_peer(obj):
        if isinstance(obj, BgpAnnouncement):
            return replace(obj, peers=tuple(p for p in obj.peers if p != "10.1.0.254"))
        return obj

    found = only_failure(fabric_of(topology("cilium-native-bgp"), edit_cluster=without_gateway_peer))
    assert (found.hop.where, found.hop.step, found.hop.origin) == ("10.1.0.254", "bgp", "bgp.peers")
    assert "learns no route to 10.16.0.0/24: node1's BIRD peers are uplink0" in found.hop.decision


def test_l7_proxy_off_removes_the_vtep_routes():
    def l7_off(obj):
        return replace(obj, data={**obj.data, "enable-l7-proxy": "false"}) if isinstance(obj, ClusterCilium) else obj

    found = only_failure(fabric_of(topology("cilium-vxlan"), edit_cluster=l7_off))
    assert (found.hop.step, found.hop.status) == ("vtep", DROP)
    assert "deletes every VTEP route" in found.hop.decision


@pytest.mark.parametrize("version, step", [("1.18.7", "arp"), ("1.19.1", "arp"), ("1.15.1", "accept")])
def test_broken_cilium_releases_drop_at_the_node(version, step):
    top = topology("cilium-vxlan")
    top = top.model_copy(update={"cluster": top.cluster.model_copy(update={"cilium_version": version})})
    found = only_failure(fabric_of(top))
    assert (found.hop.where, found.hop.step, found.hop.origin) == ("node1", step, "cluster.ciliumVersion")


def test_ha_failover_to_a_unit_with_another_mac():
    top = topology("cilium-vxlan-ha")
    second = top.bigips[1]
    top = top.model_copy(
        update={
            "bigips": [top.bigips[0], second.model_copy(update={"tunnel": second.tunnel.model_copy(update={"mac": "00:50:56:86:6b:28"})})]
        }
    )
    fabric = fabric_of(top)
    assert fabric.trace("bigip-1", "10.0.0.130").delivered  # before failover
    found = only_failure(fabric)  # after: bigip-2 active
    assert found.scenario.active == "bigip-2"
    assert (found.hop.where, found.hop.origin) == ("bigip-2", "bigips[1].tunnel.mac")


def test_wrong_tunnel_key_is_dropped_where_the_reply_lands():
    def key_7(obj):
        return replace(obj, key=7) if isinstance(obj, Tunnel) else obj

    found = only_failure(fabric_of(topology("cilium-vxlan"), edit_bigip=key_7))
    # The node refuses the forward packet first: it expects VNI 2.
    assert (found.hop.where, found.hop.step, found.hop.origin) == ("node1", "accept", "bigips[0].tunnel.vni")


def test_nodes_with_the_same_decisions_share_one_trace():
    found = only_failure(fabric_of(topology("cilium-vxlan"), edit_bigip=lambda o: replace(o, key=7) if isinstance(o, Tunnel) else o))
    assert found.nodes == ("node1", "node2")
    assert found.trace.destination == "10.0.0.1"


# --- vtepc trace ------------------------------------------------------------------------------


def test_cli_trace_delivered_text_with_lines():
    result = runner.invoke(app, ["trace", str(EXAMPLES / "cilium-vxlan.yaml"), "--from", "bigip-1", "--to", "10.0.0.130"])
    assert result.exit_code == 0, result.output
    assert "0a:0a:0a:a9:48:ef endpoint 10.169.72.239%0" in result.output
    assert f"[cluster.nodes[0].podCIDR, line {line_of(EXAMPLES / 'cilium-vxlan.yaml', 'podCIDR: 10.0.0.0/24')}]" in result.output
    assert result.output.rstrip().endswith("delivered, and the reply returns")


def test_cli_trace_to_a_node_name_in_json():
    result = runner.invoke(app, ["trace", str(EXAMPLES / "flannel.yaml"), "--from", "bigip-1", "--to", "node1", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["delivered"] is True and data["to"] == "10.244.1.1"
    assert data["forward"][0]["origin"] == "bigips[0].tunnel.selfIP" and data["forward"][0]["line"] == line_of(
        EXAMPLES / "flannel.yaml", "selfIP: 10.244.30.15/16"
    )


def test_cli_trace_dropped_names_the_first_failing_hop(tmp_path):
    text = (EXAMPLES / "cilium-vxlan-ha.yaml").read_text()
    first = text.index("mac: 00:50:56:a0:7d:d8")
    second = text.index("mac: 00:50:56:a0:7d:d8", first + 1)
    broken = tmp_path / "ha.yaml"
    broken.write_text(text[:second] + "mac: 00:50:56:86:6b:28" + text[second + len("mac: 00:50:56:a0:7d:d8") :])
    ok = runner.invoke(app, ["trace", str(broken), "--from", "bigip-1", "--to", "node2"])
    assert ok.exit_code == 0, ok.output
    result = runner.invoke(app, ["trace", str(broken), "--from", "bigip-2", "--to", "node2"])
    assert result.exit_code == 1
    assert "DROP    bigip-2 accept: inner destination MAC 00:50:56:a0:7d:d8 is not bigip-2's tunnel MAC" in result.output
    assert result.output.rstrip().endswith("dropped at bigip-2 accept")
    data = json.loads(runner.invoke(app, ["trace", str(broken), "--from", "bigip-2", "--to", "node2", "-f", "json"]).output)
    assert data["failure"]["origin"] == "bigips[1].tunnel.mac" and data["delivered"] is False


@pytest.mark.parametrize(
    "args, message",
    [
        (["--from", "bigip-9", "--to", "node1"], "--from 'bigip-9' is not a BIG-IP of the topology (bigip-1)"),
        (["--from", "bigip-1", "--to", "nodeX"], "--to 'nodeX' is neither an IP address nor a node name"),
    ],
)
def test_cli_trace_bad_names_exit_1_without_traceback(args, message):
    result = runner.invoke(app, ["trace", str(EXAMPLES / "flannel.yaml"), *args])
    assert result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output


def test_cli_trace_refuses_an_invalid_topology(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text((EXAMPLES / "cilium-vxlan.yaml").read_text().replace("selfIP: 10.1.6.34/24", "selfIP: 10.1.6.34/33"))
    result = runner.invoke(app, ["trace", str(bad), "--from", "bigip-1", "--to", "node1"])
    assert result.exit_code == 1
    assert "nothing traced" in result.output


def test_cli_trace_on_a_snapshot_walks_the_observed_state(tmp_path):
    from vtepc.live import ObservedState
    from vtepc.snapshot import write_snapshot

    desired = compile_desired_state(topology("cilium-vxlan"))
    state = desired.bigips["bigip-1"]
    # Observed: the device lost node1's FDB record (and the reader recorded no tunnel MAC).
    observed = replace(
        state, vtep=None, items=tuple(o for o in state.items if not (isinstance(o, FdbRecord) and "10.169.72.239" in o.endpoint))
    )
    write_snapshot(ObservedState({"bigip-1": observed}, desired.cluster), tmp_path / "snap", "cilium-vxlan")
    args = ["trace", str(EXAMPLES / "cilium-vxlan.yaml"), "--from", "bigip-1", "--snapshot", str(tmp_path / "snap")]
    assert runner.invoke(app, [*args, "--to", "node2"]).exit_code == 0
    result = runner.invoke(app, [*args, "--to", "10.0.0.130"])
    assert result.exit_code == 1, result.output
    assert "no FDB record on flannel_vxlan has endpoint 10.169.72.239: the ARP request never reaches node1" in result.output
    # the desired state still reaches it
    assert runner.invoke(app, args[:4] + ["--to", "10.0.0.130"]).exit_code == 0


# --- the BIG-IP as the nodes' BGP peer (bgp/peers/<peer>.imish) --------------------------------


def _bigip_only_peer():
    """Cilium 1.19 with its BGP control plane peering with the BIG-IP alone, and no static pod route."""
    top = topology("cilium-bgp-control-plane-1-19")
    bigip = top.bigips[0]
    underlay = bigip.underlay.model_copy(update={"gateway": None})
    bgp = top.bgp.model_copy(update={"peers": [p for p in top.bgp.peers if p.name == "bigip"]})
    return top.model_copy(update={"bigips": [bigip.model_copy(update={"underlay": underlay})], "bgp": bgp})


def test_a_bigip_peer_routes_each_pod_cidr_to_its_node_by_what_it_learns():
    fabric = Fabric.from_topology(_bigip_only_peer())
    assert list(unreachable(fabric)) == []
    trace = fabric.trace("bigip-dc3", "10.48.1.7")
    assert trace.delivered
    first = trace.forward[0]
    assert (first.step, first.origin) == ("route", "bgp.peers[0]")  # the only peer left
    assert "matches BGP route 10.48.1.0/24 via 10.3.0.22 (announced by node-2)" in first.decision


def test_a_node_that_does_not_announce_to_the_bigip_leaves_it_without_a_route():
    def silent_node_2(obj):
        return replace(obj, peers=()) if isinstance(obj, BgpAnnouncement) and obj.name == "node-2" else obj

    found = only_failure(fabric_of(_bigip_only_peer(), edit_cluster=silent_node_2))
    assert (found.hop.where, found.hop.step) == ("bigip-dc3", "route")
    assert "no route to 10.48.1.1" in found.hop.decision


def test_a_more_specific_bgp_route_wins_over_the_static_pod_route():
    trace = Fabric.from_topology(topology("cilium-bgp-control-plane-1-19")).trace("bigip-dc3", "10.48.0.9")
    assert trace.delivered and "BGP route 10.48.0.0/24 via 10.3.0.21" in trace.forward[0].decision
