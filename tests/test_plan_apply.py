"""`vtepc plan` / `vtepc apply` end to end against the BIG-IP emulator (issue 13).

Each device starts as a BIG-IP does (built-in profiles, route domain 0, an admin's self IP and
route), with the tunnel MAC it will give the tunnel preset, so `vtepc diff` against the cluster
emulator can compare it. Every apply goes through the emulator's transactions, as the REST API
documents them.
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest
from typer.testing import CliRunner

from tests.conftest import EXAMPLE_FILES, EXAMPLES
from tests.emulators.bigip import BigipEmulator
from tests.emulators.fixtures import FAST, PASSWORD, USERNAME, bigip_env  # noqa: F401 (fixture)
from tests.emulators.kube import KubeEmulator, write_kubeconfig
from tests.emulators.fixtures import KUBE_TOKEN, write_cis_routes
from tests.test_tmsh_script import FAKE_TMSH
from vtepc import api
from vtepc.addresses import fake_fdb_mac
from vtepc.cli import app
from vtepc.plan import Action, HaRole, Plan, PlanError, format_tmsh, ownership_marker
from vtepc.plan.apply import ApplyFailed, VerifyFailed
from vtepc.plan.formats import device_commands
from vtepc.state import compile_desired_state
from vtepc.state.bigip import SelfIp, Tunnel
from vtepc.validate import load_topology

pytestmark = [pytest.mark.usefixtures("bigip_env"), pytest.mark.slow]  # every test serves the emulated APIs on local sockets
runner = CliRunner()


@dataclass
class Site:
    """Empty BIG-IPs (HA pairs in one device group) and a cluster emulator for one topology file."""

    path: Path
    bigips: dict[str, BigipEmulator]
    kubeconfig: Path

    def live(self) -> api.LiveSource:
        return api.LiveSource(bigip_urls={n: e.url for n, e in self.bigips.items()}, kubeconfig=self.kubeconfig, http=FAST)

    def args(self) -> list[str]:
        return [a for n, e in self.bigips.items() for a in ("--bigip", f"{n}={e.url}")] + ["--allow-insecure-http"]

    def writes(self) -> int:
        return sum(1 for e in self.bigips.values() for r in e.requests if r.method != "GET" and r.path != "/mgmt/shared/authn/login")


@contextlib.contextmanager
def site(path: Path, tmp_path: Path) -> Iterator[Site]:
    topology = load_topology(path)
    desired = compile_desired_state(topology)
    with contextlib.ExitStack() as stack:
        bigips = {}
        for name, state in desired.bigips.items():
            emulator = stack.enter_context(BigipEmulator(USERNAME, PASSWORD))
            emulator.add_device_defaults()
            emulator.put("net/tunnels/tunnel", "other-tunnel", profile="/Common/vxlan", key=77, localAddress="192.0.2.245")
            for tunnel in state.of_kind(Tunnel):
                emulator.set_tunnel_mac(tunnel.name, (state.vtep.mac if state.vtep else None) or "02:00:5e:00:00:01")
            bigips[name] = emulator
        from vtepc.facts import ha_pairs

        for members in ha_pairs(topology).values():
            first, *others = [bigips[topology.bigips[i].name] for i in members]
            for other in others:
                first.pair_with(other)
        write_cis_routes(bigips, desired)
        kube = stack.enter_context(KubeEmulator(KUBE_TOKEN))
        kube.load_state(desired.cluster)
        kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", kube.url, KUBE_TOKEN)
        yield Site(path, bigips, kubeconfig)


def _copy(example: str, tmp_path: Path, *edits: tuple[str, str]) -> Path:
    text = (EXAMPLES / f"{example}.yaml").read_text()
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new, 1)
    path = tmp_path / f"{example}.yaml"
    path.write_text(text)
    return path


def _bigips_clean(path: Path, s: Site) -> bool:
    return not any(t.changes for t in api.diff(path, s.live()).targets if t.target.startswith("bigip/"))


def _apply(s: Site, **kwargs) -> api.ApplyResult:
    return api.apply(s.path, s.live(), **kwargs)


def _unowned_documents(device: BigipEmulator) -> dict:
    """Everything on the device vtepc must never touch: objects without its marker."""
    return {
        (collection, path): doc
        for collection, objects in device.collections.items()
        for path, doc in objects.items()
        if not str(doc.get("description", "")).startswith("vtepc-managed:") and collection != "net/fdb/tunnel"
    }


# --- first apply, every example ------------------------------------------------------------------


@pytest.mark.parametrize("example", EXAMPLE_FILES, ids=lambda p: p.stem)
def test_empty_device_apply_then_diff_is_clean(example, tmp_path):
    with site(example, tmp_path) as s:
        untouched = {n: copy.deepcopy(_unowned_documents(e)) for n, e in s.bigips.items()}
        plan = api.plan(s.path, s.live())
        assert all(step.action is Action.CREATE for d in plan.devices.values() for step in d.steps)
        result = _apply(s)
        assert result.report is not None and all(not d.changes for d in result.report.verified)
        assert not api.diff(s.path, s.live()).has_changes
        marker = ownership_marker(load_topology(example).metadata.name)
        for name, device in s.bigips.items():
            assert device.saved is not None, "the configuration was saved"
            assert device.saved == device.collections
            # Objects nobody declared (the admin's self IP and route, another tunnel) are as they were.
            kept = {k: v for k, v in _unowned_documents(device).items() if k in untouched[name]}
            assert kept == untouched[name]
            owned = [d for c in ("net/self", "net/route", "net/tunnels/tunnel") for d in device.collections.get(c, {}).values()]
            assert all(d.get("description") == marker for d in owned if d["name"].startswith(("vtepc-",)))
        # Planning again: nothing to do, and apply says so without writing.
        writes = s.writes()
        assert not api.plan(s.path, s.live()).has_changes
        assert _apply(s).report is None
        assert s.writes() == writes


def test_first_apply_is_one_transaction_in_dependency_order(tmp_path):
    with site(EXAMPLES / "flannel.yaml", tmp_path) as s:
        plan = api.plan(s.path, s.live())
        kinds = [step.obj.kind for step in plan.devices["bigip-1"].steps]
        order = ["net/self", "net/tunnels/vxlan", "net/tunnels/tunnel", "net/self", "net/route", "net/fdb/record"]
        assert [k for i, k in enumerate(kinds) if i == 0 or kinds[i - 1] != k] == [k for k in order if k in kinds]
        _apply(s)
        device = s.bigips["bigip-1"]
        writes = [r for r in device.requests if r.method != "GET" and r.path != "/mgmt/shared/authn/login"]
        steps = len(plan.devices["bigip-1"].steps)
        # transaction, one command per step, commit, save
        assert [r.path for r in writes[:1]] == ["/mgmt/tm/transaction"]
        assert len(writes) == steps + 3
        queued = [r for r in writes if "x-f5-rest-coordination-id" in r.headers]
        assert len(queued) == steps
        commit = writes[steps + 1]
        assert commit.method == "PATCH" and "x-f5-rest-coordination-id" not in commit.headers
        assert json.loads(commit.body) == {"state": "VALIDATING"}
        assert writes[-1].path == "/mgmt/tm/sys/config" and json.loads(writes[-1].body) == {"command": "save"}


# --- changes after the first apply ---------------------------------------------------------------

NEW_NODE = "    - name: node-new\n      ip: 10.169.72.250\n      podCIDR: 10.0.9.0/24\n"


@pytest.mark.parametrize("example", ["cilium-vxlan-two-bigips", "cilium-vxlan-ha", "flannel"])
def test_add_a_node_plans_exactly_one_fdb_record_per_bigip(example, tmp_path):
    path = _copy(example, tmp_path)
    with site(path, tmp_path) as s:
        _apply(s)
        node = NEW_NODE
        if example == "flannel":
            node = NEW_NODE.replace("10.0.9.0/24", "10.244.9.0/24\n      vtepMAC: 98:ba:76:dc:54:01").replace(
                "10.169.72.250", "172.16.2.50"
            )
        head, tail = path.read_text().split("\nbigips:")
        path.write_text(head.rstrip("\n") + "\n" + node + "\nbigips:" + tail)
        plan = api.plan(path, s.live())
        mac = "98:ba:76:dc:54:01" if example == "flannel" else fake_fdb_mac("10.169.72.250")
        for device in plan.devices.values():
            if device.ha is HaRole.SYNC_PEER:
                assert device.steps == ()  # config sync carries the record
                continue
            assert [(st.action, st.obj.kind) for st in device.steps] == [(Action.CREATE, "net/fdb/record")]
            assert device.steps[0].obj.mac == mac and device.steps[0].origin.startswith("cluster.nodes[")
        seen = {name: len(e.requests) for name, e in s.bigips.items()}
        result = _apply(s)
        assert result.report is not None
        assert _bigips_clean(path, s)  # the cluster emulator does not have the new node: only the BIG-IPs compared
        # One record added, by one POST to the records subcollection; never the list replaced.
        for name, e in s.bigips.items():
            writes = [r for r in e.requests[seen[name] :] if r.method != "GET" and "authn" not in r.path]
            fdb = [r for r in writes if "/fdb/" in r.path]
            if plan.devices[name].steps:
                assert [(r.method, r.path.rsplit("/", 1)[1]) for r in fdb] == [("POST", "records")]


def test_remove_a_node_deletes_only_its_record(tmp_path):
    path = _copy("cilium-vxlan", tmp_path)
    with site(path, tmp_path) as s:
        _apply(s)
        path.write_text(path.read_text().replace("    - name: node2\n      ip: 10.169.72.233\n      podCIDR: 10.0.1.0/24\n", ""))
        plan = api.plan(path, s.live())
        steps = plan.devices["bigip-1"].steps
        assert [(st.action, st.obj.kind, st.obj.mac) for st in steps] == [(Action.DELETE, "net/fdb/record", fake_fdb_mac("10.169.72.233"))]
        _apply(s)
        assert _bigips_clean(path, s)


@pytest.mark.parametrize(
    "edit, kinds",
    [
        (("      selfIP: 10.1.6.34/24", "      selfIP: 10.1.7.34/24"), {(Action.MODIFY, "net/self")}),
        (("    underlay:", "    routeDomain: 2\n    underlay:"), None),
    ],
    ids=["vtep-cidr", "route-domain"],
)
def test_a_change_plans_minimally_and_applies(edit, kinds, tmp_path):
    path = _copy("cilium-vxlan", tmp_path)
    with site(path, tmp_path) as s:
        _apply(s)
        s.bigips["bigip-1"].put("net/route-domain", "rd2", id=2, vlans=["/Common/external"])
        path.write_text(path.read_text().replace(*edit, 1))
        plan = api.plan(path, s.live())
        steps = plan.devices["bigip-1"].steps
        if kinds is not None:
            assert {(st.action, st.obj.kind) for st in steps} == kinds
        else:
            # Every address moves to %2 (modified in place), and the tunnel joins route domain 2.
            assert {st.action for st in steps} <= {Action.MODIFY, Action.CREATE, Action.DELETE}
            assert any(st.obj.kind == "net/route-domain/vlan" and st.action is Action.CREATE for st in steps)
        _apply(s)
        assert _bigips_clean(path, s)


def test_a_renamed_tunnel_replaces_the_old_one_with_its_profile_and_records(tmp_path):
    """The old tunnel is no longer named by the topology: found by vtepc's marker, it goes, with
    everything that hangs on it; the admin's other tunnel stays."""
    path = _copy("cilium-vxlan", tmp_path)
    with site(path, tmp_path) as s:
        _apply(s)
        device = s.bigips["bigip-1"]
        other = copy.deepcopy(device.collections["net/tunnels/tunnel"]["/Common/other-tunnel"])
        path.write_text(path.read_text().replace("    tunnel:\n", "    tunnel:\n      name: vtep_new\n", 1))
        device.set_tunnel_mac("vtep_new", "00:50:56:a0:7d:d8")
        plan = api.plan(path, s.live())
        deleted = {(st.obj.kind, st.obj.name) for st in plan.devices["bigip-1"].steps if st.action is Action.DELETE}
        assert {("net/tunnels/tunnel", "flannel_vxlan"), ("net/tunnels/vxlan", "flannel_vxlan_vxlan")} <= deleted
        assert sum(kind == "net/fdb/record" for kind, _ in deleted) == 2
        _apply(s)
        assert set(device.collections["net/tunnels/tunnel"]) == {
            "/Common/http-tunnel",
            "/Common/socks-tunnel",
            "/Common/other-tunnel",
            "/Common/vtep_new",
        }
        assert "/Common/flannel_vxlan_vxlan" not in device.collections["net/tunnels/vxlan"]
        assert device.collections["net/tunnels/tunnel"]["/Common/other-tunnel"] == other
        assert _bigips_clean(path, s)


def test_services_removed_from_a_bigip_change_nothing_on_the_network(tmp_path):
    """Services are AS3's (a declaration per tenant), not network objects: the plan stays empty."""
    path = _copy("cilium-native-bgp", tmp_path)
    with site(path, tmp_path) as s:
        _apply(s)
        head, services = path.read_text().split("\nservices:")
        assert "name:" in services
        path.write_text(head + "\n")
        assert load_topology(path).services == []
        assert not api.plan(path, s.live()).has_changes


# --- ownership -----------------------------------------------------------------------------------


def test_an_object_vtepc_did_not_create_is_refused_then_adopted(tmp_path):
    with site(EXAMPLES / "cilium-vxlan.yaml", tmp_path) as s:
        state = compile_desired_state(load_topology(s.path)).bigips["bigip-1"]
        underlay = next(o for o in state.of_kind(SelfIp) if o.name == "vtepc-underlay")
        device = s.bigips["bigip-1"]
        device.put(
            "net/self",
            underlay.name,
            address=underlay.address.replace("%0", ""),
            vlan="/Common/external",
            trafficGroup="/Common/traffic-group-local-only",
            floating="disabled",
        )
        hand_made = copy.deepcopy(device.collections["net/self"][f"/Common/{underlay.name}"])
        plan = api.plan(s.path, s.live())
        assert plan.refused and underlay.name in plan.refused[0] and "--adopt" in plan.refused[0]
        with pytest.raises(PlanError, match="does not own"):
            _apply(s)
        assert device.collections["net/self"][f"/Common/{underlay.name}"] == hand_made
        assert s.writes() == 0
        adopted = api.plan(s.path, s.live(), adopt=True)
        step = next(st for st in adopted.devices["bigip-1"].steps if st.obj.name == underlay.name)
        assert step.adopt and step.action is Action.MODIFY
        _apply(s, adopt=True)
        assert device.collections["net/self"][f"/Common/{underlay.name}"]["description"] == ownership_marker("cilium-vxlan")
        assert not api.plan(s.path, s.live()).has_changes


def test_a_device_set_up_by_network_tmsh_is_adopted(tmp_path):
    from tests.emulators.tmsh import apply_tmsh, tmsh_argv
    from vtepc.render.tmsh import render_network_tmsh

    desired = compile_desired_state(load_topology(EXAMPLES / "cilium-vxlan.yaml"))
    with site(EXAMPLES / "cilium-vxlan.yaml", tmp_path) as s:
        for argv in tmsh_argv(render_network_tmsh(desired.meta, desired.datapath, desired.bigips["bigip-1"])):
            apply_tmsh(s.bigips["bigip-1"], argv)
        assert api.plan(s.path, s.live()).refused
        _apply(s, adopt=True)
        assert not api.diff(s.path, s.live()).has_changes
        assert not api.plan(s.path, s.live()).has_changes


# --- refusals and failures -----------------------------------------------------------------------


def test_a_stale_plan_is_refused_and_nothing_written(tmp_path):
    with site(EXAMPLES / "cilium-vxlan.yaml", tmp_path) as s:
        saved = Plan.from_json(api.plan(s.path, s.live()).to_json())
        s.bigips["bigip-1"].put("net/self", "vtepc-tunnel", address="10.1.6.99/24", vlan="/Common/flannel_vxlan")
        with pytest.raises(PlanError, match="changed since the plan.*net/self vtepc-tunnel"):
            _apply(s, saved=saved)
        assert s.writes() == 0


def test_a_plan_the_topology_no_longer_asks_for_is_refused(tmp_path):
    path = _copy("cilium-vxlan", tmp_path)
    with site(path, tmp_path) as s:
        saved = api.plan(path, s.live())
        path.write_text(path.read_text().replace("      selfIP: 10.1.6.34/24", "      selfIP: 10.1.7.34/24"))
        with pytest.raises(PlanError, match="topology no longer asks"):
            _apply(s, saved=saved)
        assert s.writes() == 0


@pytest.mark.parametrize("fault", ["command", "commit", "conflict"])
def test_a_failing_transaction_leaves_the_device_unchanged(fault, tmp_path):
    with site(EXAMPLES / "cilium-vxlan.yaml", tmp_path) as s:
        device = s.bigips["bigip-1"]
        before = copy.deepcopy(device.collections)
        if fault == "command":
            device.fail_command = 3
        elif fault == "commit":
            device.fail_commit = "01070711:3: emulated commit failure"
        else:
            # Someone creates the tunnel between the re-read and the commit: the POST answers 409.
            device.before_commit = lambda: device.put(
                "net/tunnels/tunnel", "flannel_vxlan", profile="/Common/vxlan", key=1, localAddress="any6"
            )
        with pytest.raises(ApplyFailed, match="bigip-1 is unchanged") as failure:
            _apply(s)
        message = str(failure.value)
        assert "\n" not in message and PASSWORD not in message
        if fault == "conflict":
            before["net/tunnels/tunnel"] = {
                **before["net/tunnels/tunnel"],
                "/Common/flannel_vxlan": device.collections["net/tunnels/tunnel"]["/Common/flannel_vxlan"],
            }
            assert "409" in message or "already exists" in message
        assert {k: v for k, v in device.collections.items() if v} == {k: v for k, v in before.items() if v}
        assert device.saved is None


def test_the_cli_exits_1_with_one_line_when_the_transaction_fails(tmp_path):
    with site(EXAMPLES / "cilium-vxlan.yaml", tmp_path) as s:
        s.bigips["bigip-1"].fail_command = 1
        result = runner.invoke(app, ["apply", str(s.path), "--auto-approve", *s.args()])
        assert result.exit_code == 1
        errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
        assert len(errors) == 1 and "unchanged" in errors[0] and "Traceback" not in result.output


def test_verify_fails_when_the_device_does_not_end_up_as_planned(tmp_path):
    with site(EXAMPLES / "cilium-vxlan.yaml", tmp_path) as s:
        last = len(api.plan(s.path, s.live()).devices["bigip-1"].steps) - 1
        s.bigips["bigip-1"].ignore_command = last  # the last FDB record: answered as done, not done
        with pytest.raises(VerifyFailed, match="difference"):
            _apply(s)
        result = runner.invoke(app, ["apply", str(s.path), "--auto-approve", *s.args()])
        assert result.exit_code == 0  # the next apply completes it


# --- HA ------------------------------------------------------------------------------------------


def test_ha_pair_applies_on_one_unit_syncs_and_verifies_both(tmp_path):
    with site(EXAMPLES / "cilium-vxlan-ha.yaml", tmp_path) as s:
        plan = api.plan(s.path, s.live())
        source, peer = plan.devices["bigip-1"], plan.devices["bigip-2"]
        assert (source.ha, peer.ha, source.sync_group) == (HaRole.SYNC_SOURCE, HaRole.SYNC_PEER, "vtepc-failover")
        assert {st.obj.kind for st in peer.steps} <= {"net/self", "sys/db"}
        assert all(st.obj.traffic_group == "traffic-group-local-only" for st in peer.steps if st.obj.kind == "net/self")
        from vtepc.plan import format_text

        assert "config sync to device group vtepc-failover" in format_text(plan)
        result = _apply(s)
        assert [d.synced_to for d in result.report.devices] == ["vtepc-failover", None]
        assert not api.diff(s.path, s.live()).has_changes


def test_ha_sync_failure_is_reported_with_the_peers_left_behind(tmp_path):
    with site(EXAMPLES / "cilium-vxlan-ha.yaml", tmp_path) as s:
        s.bigips["bigip-1"].fail_sync = "01070712:3: emulated sync failure"
        with pytest.raises(ApplyFailed, match="bigip-2.*differ.*config-sync to-group vtepc-failover"):
            _apply(s)


def test_selecting_one_unit_plans_its_pair(tmp_path):
    with site(EXAMPLES / "cilium-vxlan-ha.yaml", tmp_path) as s:
        assert list(api.plan(s.path, s.live(), bigips=("bigip-2",)).devices) == ["bigip-1", "bigip-2"]


# --- CIS keeps the FDB ---------------------------------------------------------------------------


def test_fdb_left_alone_where_cis_owns_it(tmp_path):
    path = _copy("flannel", tmp_path, ("    underlay:", "    staticFDB: false\n    underlay:"))
    with site(path, tmp_path) as s:
        tunnel = load_topology(path).bigips[0].tunnel.name
        _apply(s)
        s.bigips["bigip-1"].add_fdb_record(tunnel, "0a:0a:0a:0a:0a:0a", "10.244.1.1")  # what CIS writes
        plan = api.plan(path, s.live())
        assert not plan.has_changes and any("CIS" in n for n in plan.devices["bigip-1"].notes)
        assert {r["name"] for r in s.bigips["bigip-1"].fdb_records(tunnel)} == {"0a:0a:0a:0a:0a:0a"}


# --- the plan file -------------------------------------------------------------------------------


def test_the_saved_plan_round_trips_and_holds_no_secret(tmp_path):
    with site(EXAMPLES / "cilium-vxlan-two-bigips.yaml", tmp_path) as s:
        plan = api.plan(s.path, s.live())
        text = plan.to_json()
        assert PASSWORD not in text and USERNAME not in text and "EMULATORTOKEN" not in text and "http" not in text
        assert Plan.from_json(text) == plan


def test_cli_plan_saves_and_apply_uses_it(tmp_path):
    with site(EXAMPLES / "cilium-vxlan.yaml", tmp_path) as s:
        saved = tmp_path / "plan.json"
        result = runner.invoke(app, ["plan", str(s.path), "-o", str(saved), *s.args()])
        assert result.exit_code == 2, result.output
        assert "+ create net/tunnels/tunnel flannel_vxlan" in result.stdout and "<- bigips[0].tunnel" in result.stdout
        assert PASSWORD not in saved.read_text()
        result = runner.invoke(app, ["apply", str(s.path), "--plan", str(saved), *s.args()], input="yes\n")
        assert result.exit_code == 1 and "--auto-approve" in result.stderr  # stdin is no terminal: never read as consent
        assert s.writes() == 0
        result = runner.invoke(app, ["apply", str(s.path), "--plan", str(saved), "--auto-approve", *s.args()])
        assert result.exit_code == 0, result.output
        assert runner.invoke(app, ["plan", str(s.path), *s.args()]).exit_code == 0


@pytest.mark.parametrize("answer, status", [("yes", 0), ("y", 1)])
def test_apply_asks_on_a_terminal_and_only_yes_applies(answer, status, tmp_path, monkeypatch):
    with site(EXAMPLES / "cilium-vxlan.yaml", tmp_path) as s:
        monkeypatch.setattr("vtepc.cli.plan._stdin_is_terminal", lambda: True)
        result = runner.invoke(app, ["apply", str(s.path), *s.args()], input=f"{answer}\n")
        assert result.exit_code == status, result.output
        assert "+ create net/tunnels/tunnel flannel_vxlan" in result.stdout
        assert (s.writes() > 0) is (status == 0)


# --- tmsh ----------------------------------------------------------------------------------------


def test_diff_format_tmsh_runs_under_bash_as_the_plan_says(tmp_path):
    path = _copy("cilium-vxlan", tmp_path)
    with site(path, tmp_path) as s:
        _apply(s)
        device = s.bigips["bigip-1"]
        device.add_fdb_record("flannel_vxlan", "0a:0a:0a:0a:0a:0b", "10.169.72.99%0")  # drift: deleted
        path.write_text(path.read_text().replace("      selfIP: 10.1.6.34/24", "      selfIP: 10.1.7.34/24"))
        result = runner.invoke(app, ["diff", str(path), "--format", "tmsh", *s.args()])
        assert result.exit_code == 2, result.output
        plan = api.plan(path, s.live())
        intended = [
            list(command.argv[1:])
            for d in plan.devices.values()
            for _, commands in device_commands(d, ownership_marker(plan.topology))
            for command in commands
        ] + [["save", "sys", "config"]]
        assert _run_bash(result.stdout, tmp_path) == intended
        assert ["modify", "net", "fdb", "tunnel", "flannel_vxlan", "records", "delete", "{", "0a:0a:0a:0a:0a:0b", "}"] in intended
        assert ["modify", "net", "self", "vtepc-tunnel", "address", "10.1.7.34/24"] in intended
        assert format_tmsh(plan) == result.stdout


def test_diff_format_tmsh_brings_back_a_route_the_device_made_a_blackhole(tmp_path):
    # A BIG-IP route may be a blackhole (or go to a pool): the live reader keeps neither gw nor interface of it.
    # Rendering that route's tmsh attributes (to modify it back) raised AttributeError on the missing gw.
    with site(EXAMPLES / "cilium-vxlan.yaml", tmp_path) as s:
        _apply(s)
        route = s.bigips["bigip-1"].collections["net/route"]["/Common/vtepc-pods"]
        tunnel = route.pop("tmInterface").removeprefix("/Common/")
        route["blackhole"] = True
        result = runner.invoke(app, ["diff", str(s.path), "--format", "tmsh", *s.args()])
        assert result.exit_code == 2, result.output
        assert _run_bash(result.stdout, tmp_path) == [
            ["modify", "net", "route", "vtepc-pods", "interface", tunnel],
            ["save", "sys", "config"],
        ]


def test_tmsh_of_a_first_apply_sets_up_the_device(tmp_path):
    from tests.emulators.tmsh import apply_tmsh, tmsh_argv

    with site(EXAMPLES / "flannel.yaml", tmp_path) as s:
        text = format_tmsh(api.plan(s.path, s.live()))
        for argv in tmsh_argv(text):
            apply_tmsh(s.bigips["bigip-1"], [w for w in argv])
        assert not api.diff(s.path, s.live()).has_changes


def _run_bash(script: str, tmp_path: Path) -> list[list[str]]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    (bin_dir / "tmsh").write_text(FAKE_TMSH)
    (bin_dir / "tmsh").chmod(0o755)
    log = tmp_path / "tmsh.log"
    (tmp_path / "plan.tmsh").write_text(script)
    env = {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "TMSH_LOG": str(log), "HOME": str(tmp_path)}
    done = subprocess.run(["bash", "plan.tmsh"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    return [json.loads(line) for line in log.read_text().splitlines()]


def test_the_plan_computation_does_no_io():
    """vtepc.plan.model, rest and formats import nothing that reaches a device or the clock."""
    import ast

    for module in ("model", "rest", "formats"):
        tree = ast.parse((Path(api.__file__).parent / "plan" / f"{module}.py").read_text())
        names = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        names |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        assert not {n for n in names if n.split(".")[-1] in ("live", "http", "socket", "time", "random", "urllib", "apply")}, module
