"""A fleet planned, applied and diffed against the BIG-IP emulator (issue 15): one plan per
device with every member's objects, ownership per member on a shared device, and objects of
topologies outside the fleet never touched unless pruned.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest
from typer.testing import CliRunner

from tests.conftest import EXAMPLES
from tests.emulators.bigip import BigipEmulator
from tests.emulators.fixtures import FAST, PASSWORD, USERNAME, bigip_env  # noqa: F401 (fixture)
from vtepc import api
from vtepc.cli import app
from vtepc.fleet import validate_fleet
from vtepc.plan import Action, HaRole, Plan, PlanError, ownership_marker
from vtepc.state.bigip import Tunnel

pytestmark = [pytest.mark.usefixtures("bigip_env"), pytest.mark.slow]  # the emulated BIG-IPs serve on local sockets
runner = CliRunner()
FLEET = EXAMPLES / "fleet"
OWNED_COLLECTIONS = ("net/self", "net/route", "net/tunnels/tunnel", "net/tunnels/vxlan")


@dataclass
class FleetSite:
    """Empty BIG-IPs for every device of a fleet directory (HA pairs in one device group)."""

    directory: Path
    bigips: dict[str, BigipEmulator]

    def live(self) -> api.LiveSource:
        return api.LiveSource(bigip_urls={n: e.url for n, e in self.bigips.items()}, http=FAST)

    def args(self) -> list[str]:
        return [a for n, e in self.bigips.items() for a in ("--bigip", f"{n}={e.url}")] + ["--allow-insecure-http"]

    def writes(self) -> int:
        return sum(1 for e in self.bigips.values() for r in e.requests if r.method != "GET" and r.path != "/mgmt/shared/authn/login")

    def owners(self, name: str) -> dict[str, str]:
        """Object full path -> its description, for every object of the owned kinds on one device."""
        device = self.bigips[name]
        return {path: str(doc.get("description", "")) for c in OWNED_COLLECTIONS for path, doc in device.collections.get(c, {}).items()}


@contextlib.contextmanager
def fleet_site(directory: Path) -> Iterator[FleetSite]:
    report = validate_fleet([directory])
    assert report.ok
    with contextlib.ExitStack() as stack:
        bigips = {}
        for merged in report.merged:
            emulator = stack.enter_context(BigipEmulator(USERNAME, PASSWORD))
            emulator.add_device_defaults()
            for attachment in merged.device.attachments:
                state = attachment.state
                for tunnel in state.of_kind(Tunnel):
                    emulator.set_tunnel_mac(tunnel.name, state.vtep.mac if state.vtep and state.vtep.mac else "02:00:5e:00:00:01")
            bigips[merged.device.name] = emulator
        bigips["bigip-1"].pair_with(bigips["bigip-2"])
        yield FleetSite(directory, bigips)


def _fleet_copy(tmp_path: Path) -> Path:
    directory = tmp_path / "fleet"
    shutil.copytree(FLEET, directory)
    return directory


def _invoke(*args: str) -> "object":
    return runner.invoke(app, list(args))


# --- what the issue must show --------------------------------------------------------------------


def test_the_example_fleet_validates_builds_applies_and_diffs_clean(tmp_path):
    """examples/fleet through the CLI: validate, build, plan (2), apply, then diff and plan are clean (0)."""
    assert runner.invoke(app, ["validate", str(FLEET)]).exit_code == 0
    assert runner.invoke(app, ["build", str(FLEET), "-o", str(tmp_path / "out")]).exit_code == 0
    with fleet_site(FLEET) as s:
        admin = {n: copy.deepcopy(e.collections["net/self"]["/Common/admin-external"]) for n, e in s.bigips.items()}
        done = runner.invoke(app, ["plan", str(FLEET), *s.args()])
        assert done.exit_code == 2, done.output
        assert "+ create net/tunnels/tunnel vxlan_prod_a" in done.stdout and "<- prod-a: bigips[0].tunnel" in done.stdout
        assert "config sync to device group vtepc-failover" in done.stdout
        done = runner.invoke(app, ["apply", str(FLEET), "--auto-approve", *s.args()])
        assert done.exit_code == 0, done.output
        assert "bigip-1: " in done.stderr and "config-synced to vtepc-failover" in done.stderr
        assert "verified: 2 device(s)" in done.stderr
        done = runner.invoke(app, ["diff", str(FLEET), *s.args()])
        assert done.exit_code == 0, done.output
        assert "would drop" not in done.stdout and all(not d.result.would_drop for d in api.diff_fleet([FLEET], s.live()))
        assert runner.invoke(app, ["plan", str(FLEET), *s.args()]).exit_code == 0
        for name, device in s.bigips.items():
            assert device.collections["net/self"]["/Common/admin-external"] == admin[name]  # the admin's, untouched
            assert device.saved == device.collections
        # Every object carries its member's marker; the shared underlay self IP its first member's.
        owners = s.owners("bigip-1")
        for member in ("prod-a", "prod-b"):
            assert owners[f"/Common/vtepc-{member}-underlay-floating"] == ownership_marker(member)
            assert owners[f"/Common/vxlan_{member.replace('-', '_')}"] == ownership_marker(member)
        assert owners["/Common/vtepc-dev-flannel-underlay"] == ownership_marker("dev-flannel")
        assert owners["/Common/flannel_vxlan"] == ownership_marker("dev-flannel")


def _apply_fleet(s: FleetSite, directory: Path | None = None, **kwargs) -> api.ApplyResult:
    return api.apply_fleet([directory or s.directory], s.live(), **kwargs)


def _documents(s: FleetSite) -> dict:
    return {n: copy.deepcopy(e.collections) for n, e in s.bigips.items()}


# --- ownership on a shared device ----------------------------------------------------------------


def test_a_member_left_out_of_the_fleet_is_left_alone_until_pruned(tmp_path):
    directory = _fleet_copy(tmp_path)
    with fleet_site(directory) as s:
        _apply_fleet(s)
        before = _documents(s)
        (directory / "dev-flannel.yaml").unlink()
        plan = api.plan_fleet([directory], s.live())
        device = plan.devices["bigip-1"]
        # Its objects stay: nothing of dev-flannel's is deleted, and the note says how to.
        assert not [st for st in device.steps if st.action is Action.DELETE]
        assert any("of topology dev-flannel, which is not in the fleet (--prune dev-flannel" in n for n in device.notes), device.notes
        # The unit's underlay address, named after dev-flannel while it was a member, is refused, not taken.
        assert any(
            "vtepc-prod-a-underlay takes address 10.169.72.34/24, which self IP vtepc-dev-flannel-underlay has" in r
            and "--prune dev-flannel" in r
            for r in plan.refused
        )
        done = runner.invoke(app, ["apply", str(directory), "--auto-approve", *s.args()])
        assert done.exit_code == 1 and "does not own" in done.stderr and "nothing applied" in done.stderr
        assert _documents(s) == before
        # Named by the user: deleted, the shared address handed to the member it is named after now.
        done = runner.invoke(app, ["plan", str(directory), "--prune", "dev-flannel", *s.args()])
        assert done.exit_code == 2 and "- delete net/tunnels/tunnel flannel_vxlan" in done.stdout, done.output
        assert "<- topology dev-flannel left the fleet (--prune dev-flannel)" in done.stdout
        done = runner.invoke(app, ["apply", str(directory), "--prune", "dev-flannel", "--auto-approve", *s.args()])
        assert done.exit_code == 0, done.output
        assert runner.invoke(app, ["diff", str(directory), *s.args()]).exit_code == 0
        for name in s.bigips:
            assert not any(d == ownership_marker("dev-flannel") for d in s.owners(name).values())
            assert "/Common/flannel_vxlan" not in s.bigips[name].collections["net/tunnels/tunnel"]
        assert s.owners("bigip-1")["/Common/vtepc-prod-a-underlay"] == ownership_marker("prod-a")
        assert s.owners("bigip-1")["/Common/vtepc-prod-b-tunnel-floating"] == ownership_marker("prod-b")


def test_objects_of_a_topology_outside_the_fleet_are_never_changed(tmp_path):
    elsewhere = ownership_marker("elsewhere")
    with fleet_site(FLEET) as s:
        device = s.bigips["bigip-1"]
        device.put("net/tunnels/tunnel", "other_vxlan", profile="/Common/vxlan", key=9, localAddress="192.0.2.99", description=elsewhere)
        device.put("net/self", "vtepc-elsewhere-tunnel", address="10.9.0.1/24", vlan="/Common/other_vxlan", description=elsewhere)
        foreign = {k: copy.deepcopy(v) for k, v in s.owners("bigip-1").items() if v == elsewhere}
        result = _apply_fleet(s)
        assert any("2 object(s) of topology elsewhere" in n for n in result.plan.devices["bigip-1"].notes)
        assert {k: v for k, v in s.owners("bigip-1").items() if v == elsewhere} == foreign
        assert device.collections["net/self"]["/Common/vtepc-elsewhere-tunnel"]["address"] == "10.9.0.1/24"
        assert not api.plan_fleet([FLEET], s.live()).has_changes


def test_a_wanted_object_of_another_topology_is_refused_even_with_adopt(tmp_path):
    with fleet_site(FLEET) as s:
        s.bigips["bigip-1"].put(
            "net/tunnels/tunnel", "vxlan_prod_a", profile="/Common/vxlan", key=2, localAddress="any6", description=ownership_marker("old")
        )
        before = _documents(s)
        for adopt in (False, True):
            plan = api.plan_fleet([FLEET], s.live(), adopt=adopt)
            assert [r for r in plan.refused if "vxlan_prod_a" in r and "topology old's, which is not in the fleet" in r]
            with pytest.raises(PlanError, match="does not own"):
                _apply_fleet(s, adopt=adopt)
        assert _documents(s) == before and s.writes() == 0
        # Without a marker (made by hand) it is --adopt's to take over, as for one topology.
        s.bigips["bigip-1"].collections["net/tunnels/tunnel"]["/Common/vxlan_prod_a"]["description"] = ""
        assert api.plan_fleet([FLEET], s.live()).refused
        adopted = api.plan_fleet([FLEET], s.live(), adopt=True)
        assert not adopted.refused and [st for st in adopted.devices["bigip-1"].steps if st.adopt and st.owner == "prod-a"]


def test_a_shared_object_changes_hands_when_the_member_it_is_named_after_is_pruned(tmp_path):
    """The same name wanted by a member, marked by a pruned topology: its marker is handed over."""
    directory = _fleet_copy(tmp_path)
    with fleet_site(directory) as s:
        _apply_fleet(s)
        tunnel = s.bigips["bigip-1"].collections["net/tunnels/tunnel"]["/Common/vxlan_prod_a"]
        tunnel["description"] = ownership_marker("gone")  # as if an earlier fleet member `gone` had made it
        plan = api.plan_fleet([directory], s.live(), prune=("gone",))
        (step,) = plan.devices["bigip-1"].steps
        assert (step.action, step.obj.name, step.owner, step.why) == (
            Action.MODIFY,
            "vxlan_prod_a",
            "prod-a",
            "handed over from topology gone",
        )
        _apply_fleet(s, prune=("gone",))
        assert s.owners("bigip-1")["/Common/vxlan_prod_a"] == ownership_marker("prod-a")


# --- the plan file, refusals, HA --------------------------------------------------------------------


def test_a_saved_fleet_plan_is_applied_and_refused_when_stale_or_for_another_fleet(tmp_path):
    directory = _fleet_copy(tmp_path)
    with fleet_site(directory) as s:
        saved = tmp_path / "fleet.plan"
        done = runner.invoke(app, ["plan", str(directory), "-o", str(saved), *s.args()])
        assert done.exit_code == 2 and PASSWORD not in saved.read_text()
        data = json.loads(saved.read_text())
        assert data["fleet"] == ["dev-flannel", "prod-a", "prod-b"] and data["topology"] == "dev-flannel+prod-a+prod-b"
        assert Plan.from_json(saved.read_text()) == api.plan_fleet([directory], s.live())
        # Someone writes to the device: refused, nothing written.
        s.bigips["bigip-1"].put("net/self", "vtepc-prod-a-tunnel", address="10.1.6.99/24", vlan="/Common/vxlan_prod_a")
        done = runner.invoke(app, ["apply", str(directory), "--plan", str(saved), "--auto-approve", *s.args()])
        assert done.exit_code == 1 and "changed since the plan" in done.stderr and s.writes() == 0
        s.bigips["bigip-1"].remove("net/self", "/Common/vtepc-prod-a-tunnel")
        # The plan of another fleet (or of one topology) is refused.
        with pytest.raises(PlanError, match="not fleet prod-a\\+prod-b"):
            api.apply_fleet([directory / "prod-a.yaml", directory / "prod-b.yaml"], s.live(), saved=Plan.from_json(saved.read_text()))
        with pytest.raises(PlanError, match="for topology dev-flannel\\+prod-a\\+prod-b"):
            api.apply(directory / "prod-a.yaml", s.live(), saved=Plan.from_json(saved.read_text()))
        assert s.writes() == 0
        done = runner.invoke(app, ["apply", str(directory), "--plan", str(saved), "--auto-approve", *s.args()])
        assert done.exit_code == 0, done.output


def test_the_pair_applies_on_one_unit_and_a_failed_transaction_changes_nothing(tmp_path):
    with fleet_site(FLEET) as s:
        plan = api.plan_fleet([FLEET], s.live())
        source, peer = plan.devices["bigip-1"], plan.devices["bigip-2"]
        assert (source.ha, peer.ha, source.sync_group, source.peers) == (
            HaRole.SYNC_SOURCE,
            HaRole.SYNC_PEER,
            "vtepc-failover",
            ("bigip-2",),
        )
        assert {st.obj.kind for st in peer.steps} == {"net/self"}
        assert list(api.plan_fleet([FLEET], s.live(), bigips=("bigip-2",)).devices) == ["bigip-1", "bigip-2"]  # never one unit alone
        before = _documents(s)
        s.bigips["bigip-1"].fail_command = 5
        with pytest.raises(PlanError, match="bigip-1 is unchanged"):
            _apply_fleet(s)
        assert _documents(s) == before
        result = _apply_fleet(s)
        assert [d.synced_to for d in result.report.devices] == ["vtepc-failover", None]


def test_members_that_pair_a_device_differently_are_refused_before_any_request(tmp_path):
    directory = _fleet_copy(tmp_path)
    text = (directory / "prod-b.yaml").read_text()
    # prod-b pairs bigip-1 with a bigip-3, while the others pair it with bigip-2: VTEP1112.
    (directory / "prod-b.yaml").write_text(
        text.replace("  - name: bigip-2", "  - name: bigip-3").replace("https://192.0.2.22", "https://192.0.2.23")
    )
    with fleet_site(FLEET) as s:
        done = runner.invoke(app, ["plan", str(directory), *s.args()])
        assert done.exit_code == 1 and "VTEP1112" in done.stderr and f"related: {directory / 'dev-flannel.yaml'}:" in done.stderr
        assert not any(e.requests for e in s.bigips.values())


# --- bad input: positioned, nothing sent -----------------------------------------------------------


@pytest.mark.parametrize("command", ["plan", "apply", "diff", "snapshot"])
def test_an_invalid_fleet_is_reported_positioned_and_no_device_is_contacted(command, tmp_path):
    directory = _fleet_copy(tmp_path)
    prod_b = directory / "prod-b.yaml"
    prod_b.write_text(prod_b.read_text().replace("name: vxlan_prod_b", "name: vxlan_prod_a"))  # VTEP1103 with prod-a
    (directory / "dev-flannel.yaml").write_text(
        (directory / "dev-flannel.yaml").read_text().replace("podCIDR: 10.244.0.0/16", "podCIDR: 10.244.0.0/33")
    )
    with fleet_site(FLEET) as s:
        extra = ["--auto-approve"] if command == "apply" else ["-o", str(tmp_path / "snap")] if command == "snapshot" else []
        done = runner.invoke(app, [command, str(directory), *extra, *s.args()])
        assert done.exit_code == 1 and "Traceback" not in done.output
        line = next(i for i, text in enumerate(prod_b.read_text().splitlines(), 1) if "name: vxlan_prod_a" in text)
        assert f"{prod_b}:{line}:" in done.stderr and "VTEP1103" in done.stderr and f"related: {directory / 'prod-a.yaml'}:" in done.stderr
        assert f"{directory / 'dev-flannel.yaml'}:" in done.stderr  # every file's errors, at once
        assert not any(e.requests for e in s.bigips.values()) and not (tmp_path / "snap").exists()


def test_prune_is_refused_for_one_topology_and_for_a_member(tmp_path):
    with fleet_site(FLEET) as s:
        done = runner.invoke(app, ["plan", str(FLEET / "prod-a.yaml"), "--prune", "x", *s.args()])
        assert done.exit_code == 1 and "--prune is for a fleet" in done.stderr
        done = runner.invoke(app, ["plan", str(FLEET), "--prune", "prod-a", *s.args()])
        assert done.exit_code == 1 and "prod-a is in the fleet" in done.stderr
        done = runner.invoke(app, ["plan", str(FLEET), "--bigip", "bigip-9=http://127.0.0.1:1", *s.args()])
        assert done.exit_code == 1 and "no such BIG-IP in the fleet" in done.stderr
        assert not any(e.requests for e in s.bigips.values())


# --- diff against the devices, live and recorded -----------------------------------------------------


def test_a_fleet_diff_live_shows_each_shared_device_once_and_what_it_would_drop(tmp_path):
    with fleet_site(FLEET) as s:
        _apply_fleet(s)
        for device in s.bigips.values():
            device.remove_fdb_record("vxlan_prod_b", "0a:0a:0a:a9:48:66")  # b-node2's record, gone from both units
        heard: list[tuple[str, bool]] = []
        live = dataclasses.replace(s.live(), progress=lambda line, final: heard.append((line, final)))
        diffs = {d.member: d.result for d in api.diff_fleet([FLEET], live)}
        assert [line.split(" (")[0] for line, final in heard if not final] == [
            "reading bigip/bigip-1",
            "reading bigip/bigip-2",
        ]  # each once
        changed = {m: [(c.target, c.kind, c.name) for c in r.changes] for m, r in diffs.items()}
        record = ("net/fdb/record", "vxlan_prod_b/0a:0a:0a:a9:48:66")
        # The shared pair is shown in the first member by name; the cluster is not compared here.
        assert changed == {"dev-flannel": [("bigip/bigip-1", *record), ("bigip/bigip-2", *record)], "prod-a": [], "prod-b": []}
        assert all(not t.target.startswith("cluster/") for r in diffs.values() for t in r.targets)
        # What the devices cannot deliver today is prod-b's: its node b-node2, from either unit.
        assert not diffs["dev-flannel"].would_drop and not diffs["prod-a"].would_drop
        drops = diffs["prod-b"].would_drop
        assert drops and all("b-node2" in d.nodes for d in drops), drops
        done = runner.invoke(app, ["diff", str(FLEET), *s.args()])
        assert done.exit_code == 2 and "== prod-b (" in done.stdout and "would drop" in done.stdout, done.output
        assert "not compared in a fleet's diff" in done.stdout
        done = runner.invoke(app, ["diff", str(FLEET), "--format", "tmsh", *s.args()])
        assert done.exit_code == 2 and "records add" in done.stdout and "vxlan_prod_b" in done.stdout, done.output


def test_a_fleet_snapshot_records_the_devices_and_diffs_as_live_does(tmp_path):
    snap = tmp_path / "snap"
    with fleet_site(FLEET) as s:
        _apply_fleet(s)
        done = runner.invoke(app, ["snapshot", str(FLEET), "-o", str(snap), *s.args()])
        assert done.exit_code == 0, done.output
        assert sorted(p.name for p in (snap / "bigip").iterdir()) == ["bigip-1.json", "bigip-2.json"]
        assert json.loads((snap / "vtepc-snapshot.json").read_text())["topology"] == "dev-flannel+prod-a+prod-b"
        assert PASSWORD not in "".join(p.read_text() for p in snap.rglob("*.json"))
        s.bigips["bigip-1"].remove("net/route", "/Common/vtepc-prod-a-pods")
        done = runner.invoke(app, ["snapshot", str(FLEET), "-o", str(tmp_path / "after"), *s.args()])
        assert done.exit_code == 0, done.output
    # No device from here on.
    done = runner.invoke(app, ["diff", str(FLEET), "--snapshot", str(snap)])
    assert done.exit_code == 0, done.output
    diffs = {d.member: d.result for d in api.diff_fleet([FLEET], api.SnapshotSource(tmp_path / "after"))}
    assert [(c.target, c.action.value, c.name) for c in diffs["dev-flannel"].changes] == [("bigip/bigip-1", "add", "vtepc-prod-a-pods")]
    assert diffs["prod-a"].would_drop and not diffs["prod-b"].would_drop


def test_fdb_records_are_left_to_cis_for_the_member_whose_cis_keeps_them(tmp_path):
    directory = _fleet_copy(tmp_path)
    flannel = directory / "dev-flannel.yaml"
    flannel.write_text(flannel.read_text().replace("    underlay:", "    staticFDB: false\n    underlay:"))
    with fleet_site(directory) as s:
        plan = api.plan_fleet([directory], s.live())
        records = {st.obj.tunnel for st in plan.devices["bigip-1"].steps if st.obj.kind == "net/fdb/record"}
        assert records == {"vxlan_prod_a", "vxlan_prod_b"}  # flannel_vxlan's are CIS's
        assert any("FDB records of flannel_vxlan left alone: CIS keeps them" in n for n in plan.devices["bigip-1"].notes)
        result = _apply_fleet(s)
        assert result.report is not None and all(not d.changes for d in result.report.verified)
        s.bigips["bigip-1"].add_fdb_record("flannel_vxlan", "0a:0a:0a:0a:0a:0a", "10.169.72.150")  # what CIS writes
        s.bigips["bigip-1"].remove_fdb_record("vxlan_prod_a", "0a:0a:0a:a9:48:ef")  # a prod-a record lost: vtepc's to restore
        plan = api.plan_fleet([directory], s.live())
        assert [(st.action, st.obj.name) for st in plan.devices["bigip-1"].steps] == [(Action.CREATE, "vxlan_prod_a/0a:0a:0a:a9:48:ef")]
        _apply_fleet(s)
        assert {r["name"] for r in s.bigips["bigip-1"].fdb_records("flannel_vxlan")} == {"0a:0a:0a:0a:0a:0a"}


def test_an_empty_directory_and_a_missing_member_are_errors_before_any_request(tmp_path):
    (tmp_path / "empty").mkdir()
    with fleet_site(FLEET) as s:
        done = runner.invoke(app, ["apply", str(tmp_path / "empty"), "--auto-approve", *s.args()])
        assert done.exit_code == 1 and "holds no topology files" in done.stderr and "nothing applied" in done.stderr
        missing = tmp_path / "gone.yaml"
        done = runner.invoke(app, ["plan", str(FLEET / "prod-a.yaml"), str(missing), *s.args()])
        assert done.exit_code == 1 and f"{missing}:" in done.stderr and "Traceback" not in done.output
        done = runner.invoke(app, ["diff", str(FLEET), "--urls-from-ref", "HEAD", *s.args()])
        assert done.exit_code == 1 and "a fleet's BIG-IPs are given with --bigip" in done.stderr
        assert not any(e.requests for e in s.bigips.values())


def test_an_object_of_another_topology_on_a_deleted_tunnel_is_refused_not_taken_along(tmp_path):
    directory = _fleet_copy(tmp_path)
    with fleet_site(directory) as s:
        _apply_fleet(s)
        s.bigips["bigip-1"].put(
            "net/self",
            "vtepc-elsewhere-tunnel",
            address="10.9.0.1/24",
            vlan="/Common/vxlan_prod_a",
            description=ownership_marker("elsewhere"),
        )
        prod_a = directory / "prod-a.yaml"
        prod_a.write_text(prod_a.read_text().replace("name: vxlan_prod_a", "name: vxlan_prod_a2"))  # the old tunnel goes
        before, writes = _documents(s), s.writes()
        plan = api.plan_fleet([directory], s.live())
        assert [
            r
            for r in plan.refused
            if "net/self vtepc-elsewhere-tunnel of topology elsewhere" in r and "net/tunnels/tunnel vxlan_prod_a" in r
        ]
        assert not [st for st in plan.devices["bigip-1"].steps if st.obj.name == "vtepc-elsewhere-tunnel"]
        with pytest.raises(PlanError, match="does not own"):
            _apply_fleet(s)
        assert _documents(s) == before and s.writes() == writes
        # Without it, the rename goes through: the old tunnel, its profile, records and self IPs replaced.
        s.bigips["bigip-1"].remove("net/self", "/Common/vtepc-elsewhere-tunnel")
        _apply_fleet(s)
        assert "/Common/vxlan_prod_a" not in s.bigips["bigip-1"].collections["net/tunnels/tunnel"]
        assert not api.plan_fleet([directory], s.live()).has_changes


def test_a_topology_applied_alone_joins_the_fleet_in_one_apply(tmp_path):
    """Its objects named by vtepc (vtepc-underlay, ...) are the member's (its marker): the fleet
    renames them per member (vtepc-prod-a-underlay), deleted and created in the same transaction."""
    with fleet_site(FLEET) as s:
        api.apply(FLEET / "prod-a.yaml", s.live())
        assert s.owners("bigip-1")["/Common/vtepc-underlay-floating"] == ownership_marker("prod-a")
        plan = api.plan_fleet([FLEET], s.live())
        deleted = {st.obj.name for st in plan.devices["bigip-1"].steps if st.action is Action.DELETE}
        assert deleted == {"vtepc-pods", "vtepc-tunnel", "vtepc-tunnel-floating", "vtepc-underlay", "vtepc-underlay-floating"}
        assert not plan.refused
        _apply_fleet(s)
        assert not any(p.startswith("/Common/vtepc-underlay") for p in s.owners("bigip-1"))
        assert not api.plan_fleet([FLEET], s.live()).has_changes
        assert not any(d.result.has_changes for d in api.diff_fleet([FLEET], s.live()))
