"""The peer side of native routing: sessions per (peer, node), their rendering, the session table."""

from __future__ import annotations

import json

from vtepc.diff import diff_states
from vtepc.diff.records import Action
from vtepc.render.bgp_peers import render_bgp_peers
from vtepc.render.declarative_onboarding import render as render_do
from vtepc.render.tmsh import render as render_tmsh
from vtepc.state import compile_desired_state
from vtepc.state.bgp import BgpSession, PeerConfig, parse_peer_config, session_table
from vtepc.state.bigip import SelfIp

from .checks_support import desired_state, edit, example, valid_topology

SEED_004 = "cilium-native-bgp"


def _bigip_peer(text: str) -> str:
    """Seed 004 with the nodes peering with the BIG-IP's underlay self IP instead of uplink1 (its
    gateway to the pods is then uplink0)."""
    text = edit(text, "gateway: 10.1.0.254", "gateway: 10.1.0.253")
    return edit(text, "address: 10.1.0.254", "address: 10.1.0.100")


def test_seed_004_has_twelve_sessions_six_nodes_times_two_switches():
    sessions = desired_state(example(SEED_004)).cluster.of_kind(BgpSession)
    assert len(sessions) == 12
    assert {(s.peer, s.node) for s in sessions} == {(p, f"node{n}") for p in ("uplink0", "uplink1") for n in range(1, 7)}
    assert all(s.peer_asn == 64512 and s.node_asn == 64512 and not s.bigip for s in sessions)


def test_removing_a_node_removes_its_sessions_in_the_diff():
    before = desired_state(example(SEED_004))
    after = desired_state(edit(example(SEED_004), "    - {name: node6, ip: 10.1.0.6, podCIDR: 10.16.5.0/24}\n", ""))
    removed = [c for c in diff_states(after, before).changes if c.kind == BgpSession.kind]
    assert sorted((c.action, c.name) for c in removed) == [(Action.REMOVE, "uplink0/node6"), (Action.REMOVE, "uplink1/node6")]


def test_switch_peers_get_frr_and_the_table_lists_every_session():
    files = render_bgp_peers(desired_state(example(SEED_004)))
    assert sorted(files) == ["bgp/peers/sessions.csv", "bgp/peers/uplink0.frr.conf", "bgp/peers/uplink1.frr.conf"]
    assert files["bgp/peers/sessions.csv"].count("\n") == 13  # header + 12 sessions
    frr = files["bgp/peers/uplink1.frr.conf"]
    assert "router bgp 64512\n bgp router-id 10.1.0.254\n" in frr
    assert [line for line in frr.splitlines() if line.startswith(" neighbor 10.")] == [
        f" neighbor 10.1.0.{n} peer-group k8s-prod" for n in range(1, 7)
    ]
    assert "ebgp-requires-policy" not in frr  # iBGP


def test_ebgp_peer_lifts_frrs_policy_requirement_and_uses_the_nodes_asn():
    text = edit(example(SEED_004), "      address: 10.1.0.254\n", "      address: 10.1.0.254\n      asn: 65001\n")
    frr = render_bgp_peers(desired_state(text))["bgp/peers/uplink1.frr.conf"]
    assert "router bgp 65001\n" in frr and " no bgp ebgp-requires-policy\n" in frr
    assert " neighbor k8s-prod remote-as 64512\n" in frr


def test_a_bigip_peer_gets_imish_for_its_route_domain():
    files = render_bgp_peers(desired_state(_bigip_peer(example(SEED_004))))
    assert "bgp/peers/uplink1.imish" in files and "bgp/peers/uplink1.frr.conf" not in files
    imish = files["bgp/peers/uplink1.imish"]
    assert "routing-protocol add { BGP }" in imish and "imish -r 0" in imish
    assert "router bgp 64512\n bgp router-id 10.1.0.100\n neighbor k8s-prod peer-group\n neighbor k8s-prod remote-as 64512\n" in imish
    assert ",bigip:bigip-1\n" in files["bgp/peers/sessions.csv"]


def test_a_bigip_peer_lets_bgp_through_port_lockdown_in_tmsh_and_do():
    # A self IP accepts only what its allow-service names (none by default on a non-floating self
    # IP: DO 1.45 network.schema.json SelfIp.allowService "default": "none"); the nodes open their
    # sessions to the peer address on TCP port 179, so the self IP that is the peer must allow it.
    state = desired_state(_bigip_peer(example(SEED_004)))
    (underlay,) = [o for o in state.bigips["bigip-1"].of_kind(SelfIp) if o.name == "vtepc-underlay"]
    assert underlay.allow_service == ("tcp:179",)
    tmsh = render_tmsh(state)["bigip/bigip-1/network.tmsh"]
    (line,) = [line for line in tmsh.splitlines() if "create net self vtepc-underlay " in line]
    assert "allow-service replace-all-with { tcp:179 }" in line
    do = json.loads(render_do(state)["bigip/bigip-1/declarative-onboarding.json"])
    (declared,) = [
        v for v in do["Common"].values() if isinstance(v, dict) and v.get("class") == "SelfIp" and v["address"].startswith("10.1.0.100")
    ]
    assert declared["allowService"] == ["tcp:179"]
    # The imish header no longer asks for a manual allow-service step.
    assert "allow-service add" not in render_bgp_peers(state)["bgp/peers/uplink1.imish"]
    # Switch peers only: the BIG-IP is no BGP speaker, its self IP stays locked down.
    plain = desired_state(example(SEED_004))
    assert all(o.allow_service == () for o in plain.bigips["bigip-1"].of_kind(SelfIp))


def test_parse_frr_output_of_vtepc_round_trips_to_all_matched():
    topology = valid_topology(example(SEED_004))
    files = render_bgp_peers(compile_desired_state(topology))
    observed = {p: parse_peer_config(files[f"bgp/peers/{p}.frr.conf"]) for p in ("uplink0", "uplink1")}
    rows = session_table(topology, observed)
    assert len(rows) == 12 and {r.status for r in rows} == {"matched"}


def test_parse_bigip_running_config_layout():
    # imish `show running-config` as BIG-IP prints it: statements under router bgp not indented.
    text = (
        "!\nno service password-encryption\n!\nrouter bgp 64512\nbgp graceful-restart restart-time 120\n"
        "neighbor calico-k8s peer-group\nneighbor calico-k8s remote-as 64512\n"
        "neighbor 10.1.1.4 peer-group calico-k8s\nneighbor 10.1.1.5 remote-as 65000\n!\nline con 0\n login\n"
        "neighbor 10.9.9.9 remote-as 1\n"
    )
    assert parse_peer_config(text) == PeerConfig(64512, {"10.1.1.4": 64512, "10.1.1.5": 65000})


def test_parse_frr_internal_and_asdot():
    config = parse_peer_config("router bgp 1.10\n neighbor 10.0.0.1 remote-as internal\n neighbor 10.0.0.2 remote-as 2.0\nexit\n")
    assert config == PeerConfig(65546, {"10.0.0.1": 65546, "10.0.0.2": 131072})


def test_session_table_statuses():
    topology = valid_topology(example(SEED_004))
    nodes = {f"10.1.0.{n}": 64512 for n in range(1, 7)}
    missing = {k: v for k, v in nodes.items() if k != "10.1.0.2"} | {"10.1.0.9": 64512}
    wrong_remote = nodes | {"10.1.0.4": 65000}
    rows = session_table(topology, {"uplink0": PeerConfig(64512, missing), "uplink1": PeerConfig(64512, wrong_remote)})
    status = {(r.peer, r.node or r.node_address): r.status for r in rows}
    assert status[("uplink0", "node2")] == "half open"
    assert status[("uplink0", "10.1.0.9")] == "half open"  # the router still has a node the topology dropped
    assert status[("uplink1", "node4")] == "ASN mismatch"
    assert sum(s == "matched" for s in status.values()) == 10
    wrong_own = session_table(topology, {"uplink0": PeerConfig(65001, nodes)})
    assert {r.status for r in wrong_own if r.peer == "uplink0"} == {"ASN mismatch"}
    assert "runs AS 65001" in wrong_own[0].detail


def test_tunnel_topologies_have_no_sessions():
    topology = valid_topology(example("cilium-vxlan"))
    state = compile_desired_state(topology)
    assert state.cluster.of_kind(BgpSession) == [] and render_bgp_peers(state) == {}
    assert session_table(topology) == []


def test_pr_comment_shows_the_session_table_open_when_a_session_is_not_matched():
    from .test_action import action_steps

    matched = {"peer": "uplink0", "peer_address": "10.1.0.253", "peer_asn": 64512, "node": "node1"}
    matched |= {"node_address": "10.1.0.1", "node_asn": 64512, "status": "matched", "detail": ""}
    half = matched | {"node": "", "node_address": "10.1.0.9", "status": "half open", "detail": "no node"}
    result = action_steps.TopologyResult("t.yaml", sessions=[matched])
    body = action_steps.comment_body([result], "key")
    assert "<details><summary>BGP sessions (1 matched)</summary>" in body
    assert "| uplink0 | 10.1.0.253 | 64512 | node1 | 10.1.0.1 | 64512 | matched |" in body
    body = action_steps.comment_body([action_steps.TopologyResult("t.yaml", sessions=[matched, half])], "key")
    assert "<details open><summary>BGP sessions (1 half open, 1 matched)</summary>" in body
    assert "| (no node) | 10.1.0.9 | 64512 | half open: no node |" in body
