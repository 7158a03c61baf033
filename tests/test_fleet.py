"""A fleet (issue 15): topologies that share a BIG-IP are checked together and built as one tree.

Every collision class has a case: the example fleet (examples/fleet/, two Cilium clusters and a
flannel cluster on one HA pair) with edits, the code it must report, and both places, the line in
the file the finding is filed under and the line in the other topology's file (`related`).
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from vtepc import api
from vtepc.build import MANIFEST
from vtepc.diagnostics import Diagnostic, TopologyInvalid
from vtepc.fleet import FleetError, validate_fleet
from vtepc.fleet.checks import FLEET_CHECKS, STATIC_ROUTES_SHARED, run_fleet_checks
from vtepc.fleet.devices import normalize_management_url
from vtepc.fleet.model import Member
from vtepc.outdir import OutputDirError
from vtepc.state.bigip import Route, SelfIp
from vtepc.state.cluster import CisController

from .checks_support import line_of
from .conftest import EXAMPLES, GOLDEN

FLEET = EXAMPLES / "fleet"
FLEET_STATIC = EXAMPLES / "fleet-static"  # two clusters in CIS static routing (routing: static) on one HA pair
FILES = ("dev-flannel.yaml", "prod-a.yaml", "prod-b.yaml")
CIS_PROD_A = "\ncis:\n  partition: prod-a\n  credentialsSecret: bigip-login\n"


@dataclass(frozen=True)
class FleetCase:
    code: str
    edits: tuple[tuple[str, str, str], ...]  # (file, old, new): every occurrence of old
    at: tuple[str, str]  # (file, needle on the line the finding is filed at)
    related: tuple[str, str]  # (file, needle on the line in the other topology)
    id: str
    append: tuple[tuple[str, str], ...] = ()  # (file, text added at its end)

    def __str__(self) -> str:
        return self.id


def _copy(tmp_path: Path, edits=(), append=()) -> Path:
    directory = tmp_path / "fleet"
    directory.mkdir()
    for name in FILES:
        text = (FLEET / name).read_text()
        for file, old, new in edits:
            if file == name:
                assert old in text, (file, old)
                text = text.replace(old, new)
        text += "".join(added for file, added in append if file == name)
        (directory / name).write_text(text)
    return directory


CASES = [
    FleetCase(
        "VTEP1101",
        (("prod-b.yaml", "  name: prod-b\n  description", "  name: prod-a\n  description"),),
        at=("prod-b.yaml", "  name: prod-a"),
        related=("prod-a.yaml", "  name: prod-a"),
        id="VTEP1101-same-topology-name",
    ),
    FleetCase(
        "VTEP1102",
        (("prod-b.yaml", "managementURL: https://192.0.2.21", "managementURL: https://192.0.2.99"),),
        at=("prod-b.yaml", "https://192.0.2.99"),
        related=("dev-flannel.yaml", "https://192.0.2.21"),
        id="VTEP1102-one-name-two-urls",
    ),
    FleetCase(
        "VTEP1103",
        (("prod-b.yaml", "name: vxlan_prod_b", "name: vxlan_prod_a"),),
        at=("prod-b.yaml", "name: vxlan_prod_a"),
        related=("prod-a.yaml", "name: vxlan_prod_a"),
        id="VTEP1103-duplicate-tunnel-name",
    ),
    FleetCase(
        "VTEP1104",
        (("prod-b.yaml", "      vlan: external\n      selfIP: 10.169.72.34/24", "      vlan: external2\n      selfIP: 10.169.72.34/24"),),
        at=("prod-b.yaml", "selfIP: 10.169.72.34/24"),
        related=("dev-flannel.yaml", "selfIP: 10.169.72.34/24"),
        id="VTEP1104-self-ip-address-on-two-vlans",
    ),
    FleetCase(
        "VTEP1105",
        (("prod-b.yaml", "floatingUnderlayIP: 10.169.72.41/24", "floatingUnderlayIP: 10.169.72.40/24"),),
        at=("prod-b.yaml", "name: vxlan_prod_b"),
        related=("prod-a.yaml", "name: vxlan_prod_a"),
        id="VTEP1105-same-vni-same-local-address",
    ),
    FleetCase(
        "VTEP1106",
        (
            ("prod-b.yaml", "10.1.7.34/24", "10.1.7.34/16"),
            ("prod-b.yaml", "10.1.7.36/24", "10.1.7.36/16"),
            ("prod-b.yaml", "10.1.7.40/24", "10.1.7.40/16"),
        ),
        at=("prod-b.yaml", "selfIP: 10.1.7.34/16"),
        related=("prod-a.yaml", "selfIP: 10.1.6.34/24"),
        id="VTEP1106-overlapping-vtep-cidrs",
    ),
    FleetCase(
        "VTEP1107",
        (("prod-b.yaml", "10.2.", "10.0."),),
        at=("prod-b.yaml", "podCIDR: 10.0.0.0/16"),
        related=("prod-a.yaml", "podCIDR: 10.0.0.0/16"),
        id="VTEP1107-overlapping-pod-networks",
    ),
    FleetCase(
        "VTEP1108",
        (("prod-b.yaml", "    underlay:\n", "    routeDomain: 2\n    underlay:\n"),),
        at=("prod-b.yaml", "routeDomain: 2"),
        related=("dev-flannel.yaml", "name: bigip-1"),
        id="VTEP1108-fdb-endpoints-and-local-address-in-different-route-domains",
    ),
    FleetCase(
        "VTEP1109",
        (),
        at=("prod-a.yaml", "partition: dev-flannel"),
        related=("dev-flannel.yaml", "partition: dev-flannel"),
        id="VTEP1109-cis-partition-shared",
        append=(("prod-a.yaml", CIS_PROD_A.replace("partition: prod-a", "partition: dev-flannel")),),
    ),
    FleetCase(
        "VTEP1112",
        (("prod-b.yaml", "  - name: bigip-2", "  - name: bigip-3"), ("prod-b.yaml", "https://192.0.2.22", "https://192.0.2.23")),
        at=("prod-b.yaml", "trafficGroup: traffic-group-1"),  # the ha mapping, bigip-1's entry
        related=("dev-flannel.yaml", "trafficGroup: traffic-group-1"),
        id="VTEP1112-one-device-in-two-ha-pairs",
    ),
    FleetCase(
        "VTEP1111",
        (("prod-b.yaml", "  name: prod-b\n  description", "  name: prod-b-with-a-name-too-long-for-its-objects\n  description"),),
        at=("prod-b.yaml", "  name: prod-b-with"),
        related=("dev-flannel.yaml", "name: bigip-1"),
        id="VTEP1111-object-name-per-cluster-too-long",
    ),
]


def _line(directory: Path, file: str, needle: str) -> int:
    return line_of((directory / file).read_text(), needle)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_each_collision_class_names_both_files_and_lines(case, tmp_path):
    directory = _copy(tmp_path, case.edits, case.append)
    report = validate_fleet([directory])
    assert all(m.report.ok for m in report.members), [d.format_text() for m in report.members for d in m.report.diagnostics]
    found = [d for d in report.diagnostics if d.code == case.code]
    assert found, f"{case}: {[d.format_text() for d in report.diagnostics]}"
    wanted = (
        str(directory / case.at[0]),
        _line(directory, *case.at),
        str(directory / case.related[0]),
        _line(directory, *case.related),
    )
    places = [(d.file, d.position.line, d.related[0].file, d.related[0].position.line) for d in found]
    assert wanted in places, f"{case}: {places}"
    assert not report.ok
    with pytest.raises(TopologyInvalid) as raised:
        api.build_fleet([directory])
    assert case.code in {d.code for d in raised.value.diagnostics}


def test_the_example_fleet_is_clean(tmp_path):
    report = validate_fleet([FLEET])
    assert report.ok and report.all_diagnostics == []
    assert [(d.name, d.members) for d in report.devices] == [
        ("bigip-1", ("dev-flannel", "prod-a", "prod-b")),
        ("bigip-2", ("dev-flannel", "prod-a", "prod-b")),
    ]


def test_self_ip_names_are_per_cluster_on_a_shared_device_and_one_address_is_one_self_ip():
    """Alone, each topology names its self IPs vtepc-tunnel, vtepc-underlay...: on the shared device
    they would take each other's names. Merged, each carries its topology's name, and the unit
    address all three use (10.169.72.34 on external) is one self IP."""
    report = validate_fleet([FLEET])
    alone = [m.state.bigips["bigip-1"] for m in report.members]
    single_names = [sorted(s.name for s in state.of_kind(SelfIp)) for state in alone]
    assert single_names[1] == single_names[2] and "vtepc-tunnel" in single_names[1]
    merged = report.device_states()["bigip-1"]
    names = [s.name for s in merged.of_kind(SelfIp)]
    assert len(names) == len(set(names))
    assert {"vtepc-prod-a-tunnel", "vtepc-prod-b-tunnel", "vtepc-dev-flannel-tunnel"} <= set(names)
    unit = [s for s in merged.of_kind(SelfIp) if s.address == "10.169.72.34%0/24"]
    assert [(s.name, s.allow_service) for s in unit] == [("vtepc-dev-flannel-underlay", ("udp:8472",))]


def test_a_route_domain_per_cluster_lets_pod_networks_overlap(tmp_path):
    """Same pod network as prod-a (VTEP1107 in one route domain); prod-b in route domain 2 on its own
    VLAN: no finding, and the merged device carries both routes, each %RD."""
    directory = _copy(
        tmp_path,
        (
            ("prod-b.yaml", "10.2.", "10.0."),
            ("prod-b.yaml", "    underlay:\n      vlan: external\n", "    routeDomain: 2\n    underlay:\n      vlan: external-b\n"),
        ),
    )
    report = validate_fleet([directory])
    assert report.ok and not any(d.is_error for d in report.all_diagnostics), [d.format_text() for d in report.all_diagnostics]
    routes = sorted((r.name, r.network) for r in report.device_states()["bigip-1"].of_kind(Route))
    assert routes == [("vtepc-prod-a-pods", "10.0.0.0%0/16"), ("vtepc-prod-b-pods", "10.0.0.0%2/16")]


def _with_cis_args(member: Member, extra: tuple[str, ...]) -> Member:
    state = member.state
    items = tuple(dataclasses.replace(o, args=o.args + extra) if isinstance(o, CisController) else o for o in state.cluster.items)
    cluster = dataclasses.replace(state.cluster, items=items)
    return dataclasses.replace(member, state=dataclasses.replace(state, cluster=cluster))


SHARED = ("--shared-static-routes=true",)
CRD = ("--custom-resource-mode=true",)


@pytest.mark.parametrize(
    "a_args, flannel_args, problem",
    [
        ((), (), None),
        (SHARED + ("--local-cluster-name=a",), SHARED + ("--local-cluster-name=a",), None),
        (SHARED + CRD + ("--local-cluster-name=a",), SHARED + CRD + ("--local-cluster-name=a",), "_a: each deletes the other's"),
        (SHARED + CRD + ("--local-cluster-name=a",), SHARED + CRD + ("--local-cluster-name=dev",), None),
        (SHARED + CRD, SHARED + CRD, "in /Common, both marked 192.0.2.2"),
    ],
    ids=["own-partitions", "shared-configmap-mode", "shared-crd-same-cluster-name", "shared-crd-distinct-names", "shared-crd-no-name"],
)
def test_cis_static_routes_of_two_clusters_on_a_device_must_not_be_kept_in_one_place(tmp_path, a_args, flannel_args, problem):
    """CIS's static routing mode (routing: static) on two clusters sharing BIG-IPs; the check reads CIS's
    container args, so the case adds flags to the compiled states. vtepc's CIS runs in ConfigMap mode,
    where each cluster's own partition keeps the routes apart, with or without --shared-static-routes
    (whose /Common mark is <partition>_<host> there); in CRD mode the mark is <host>_<--local-cluster-name>."""
    directory = _copy(tmp_path, append=(("prod-a.yaml", CIS_PROD_A),))
    report = validate_fleet([directory])
    assert report.ok
    static = ("--static-routing-mode=true",)
    extra = {"dev-flannel": static + flannel_args, "prod-a": static + a_args}
    members = [_with_cis_args(m, extra[m.name]) if m.name in extra else m for m in report.members]
    from vtepc.fleet.devices import group_devices
    from vtepc.fleet.merge import merge_device

    merged = [merge_device(device) for device in group_devices(members)]
    found = [d for d in run_fleet_checks(members, merged) if d.code == STATIC_ROUTES_SHARED]
    if problem is None:
        assert found == []
        return
    assert len(found) == 2 and all(problem in d.message for d in found)  # one per device of the pair
    prod_a = directory / "prod-a.yaml"
    assert found[0].file == str(prod_a) and found[0].position.line == line_of(prod_a.read_text(), "  partition: prod-a")  # the cis mapping
    assert found[0].related[0].file == str(directory / "dev-flannel.yaml")
    assert found[0].related[0].position.line == line_of((directory / "dev-flannel.yaml").read_text(), "  image: f5networks")


# Every code the fleet checks emit, with the test that makes them report it (tests/test_checks_coverage.py reads it).
COVERED = {case.code for case in CASES} | {STATIC_ROUTES_SHARED}  # VTEP1110: test_cis_static_routing_...


def test_every_fleet_code_has_a_case():
    assert COVERED == {code for check in FLEET_CHECKS for code in check.codes}


def test_devices_are_grouped_by_name_or_normalised_management_url(tmp_path):
    assert normalize_management_url("HTTPS://BigIP-1.example.com:443/") == "https://bigip-1.example.com"
    assert normalize_management_url("https://[2001:DB8::1]:8443/mgmt/") == "https://[2001:db8::1]:8443/mgmt"
    directory = _copy(tmp_path, (("prod-b.yaml", "name: bigip-1\n", "name: lb-east-1\n"),))
    (directory / "prod-b.yaml").write_text((directory / "prod-b.yaml").read_text().replace("https://192.0.2.21", "HTTPS://192.0.2.21:443/"))
    report = validate_fleet([directory])
    assert [(d.name, d.members) for d in report.devices][0] == ("bigip-1", ("dev-flannel", "prod-a", "prod-b"))


def test_a_directory_without_topologies_is_refused(tmp_path):
    with pytest.raises(FleetError, match="holds no topology files"):
        validate_fleet([tmp_path])


def test_a_topology_on_devices_nobody_shares_keeps_its_single_build(tmp_path):
    """Single-cluster output unchanged: a member alone on its BIG-IP gets exactly `vtepc build <file>`."""
    directory = _copy(tmp_path)
    alone = (EXAMPLES / "cilium-vxlan.yaml").read_text().replace("name: bigip-1", "name: bigip-9").replace("192.0.2.10", "192.0.2.90")
    (directory / "cilium-vxlan.yaml").write_text(alone)
    tree, _ = api.build_fleet([directory])
    single, _ = api.build(directory / "cilium-vxlan.yaml")
    own = {
        path.removeprefix("topologies/cilium-vxlan/"): text for path, text in tree.items() if path.startswith("topologies/cilium-vxlan/")
    }
    assert own == single
    shared_member = {p for p in tree if p.startswith("topologies/prod-a/")}
    assert not any("/bigip/" in p for p in shared_member), "a shared device's network artifacts are the merged ones only"


@pytest.mark.parametrize("shared", [{}, {"bigip-1": "bigip-1"}, {"bigip-1": "bigip-1", "bigip-2": "bigip-2"}], ids=len)
def test_a_members_tree_is_its_single_build_less_the_network_files_of_its_shared_devices(shared):
    """member_tree renders no network file of a shared device, rather than render and drop it: the same tree."""
    from vtepc.build import with_manifest
    from vtepc.fleet.render import member_tree
    from vtepc.render import render_all

    for member in validate_fleet([FLEET]).members:
        source = Path(member.file).read_bytes()
        dropped = {f"bigip/{entry}/{name}" for entry in shared for name in ("network.tmsh", "declarative-onboarding.json")}
        single = render_all(member.state)
        assert dropped & set(single) or not shared, "the shared devices' network files are among the single build's"
        assert member_tree(member, shared, source) == with_manifest({p: t for p, t in single.items() if p not in dropped}, source)


@pytest.mark.parametrize("fleet", [FLEET, FLEET_STATIC], ids=lambda p: p.name)
def test_merged_device_artifacts_match_goldens(update_goldens, fleet):
    tree, _ = api.build_fleet([fleet])
    golden_dir = GOLDEN / fleet.name
    if update_goldens:
        shutil.rmtree(golden_dir, ignore_errors=True)
        for path, text in tree.items():
            (golden_dir / path).parent.mkdir(parents=True, exist_ok=True)
            (golden_dir / path).write_text(text, encoding="utf-8")
        return
    expected = {p.relative_to(golden_dir).as_posix(): p.read_text(encoding="utf-8") for p in golden_dir.rglob("*") if p.is_file()}
    assert sorted(tree) == sorted(expected), f"{fleet.name} tree differs from goldens (run with --update-goldens and review)"
    for path, text in tree.items():
        assert text == expected[path], f"{fleet.name}/{path} differs from its golden file"


def test_build_writes_the_whole_fleet_tree_in_one_swap(tmp_path):
    from vtepc.build import write_tree

    tree, _ = api.build_fleet([FLEET])
    out = tmp_path / "out"
    write_tree(out, tree)
    manifest = json.loads((out / MANIFEST).read_text())
    assert {a["path"] for a in manifest["artifacts"]} == set(tree) - {MANIFEST}
    (out / "devices" / "notes.txt").write_text("mine")
    with pytest.raises(OutputDirError, match="notes.txt"):
        write_tree(out, tree)
    assert (out / "devices" / "notes.txt").read_text() == "mine" and (out / "topologies" / "prod-a").is_dir()


def test_related_places_show_in_every_output_format():
    from vtepc.cli.output import format_github, format_sarif
    from vtepc.diagnostics import Position, Related

    diagnostic = Diagnostic(
        "VTEP1103", "tunnel t", file="a.yaml", position=Position(3, 5), related=(Related("b.yaml", Position(7, 9), "tunnel t"),)
    )
    assert "\n  related: b.yaml:7:9: tunnel t" in diagnostic.format_text()
    assert diagnostic.to_json()["related"] == [{"file": "b.yaml", "line": 7, "column": 9, "message": "tunnel t"}]
    assert "related: b.yaml:7:9: tunnel t" in format_github([diagnostic]).replace("%0A", "\n")
    (result,) = json.loads(format_sarif([diagnostic], "0"))["runs"][0]["results"]
    location = result["relatedLocations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "b.yaml" and location["region"]["startLine"] == 7
    assert "related" not in Diagnostic("VTEP1103", "x").to_json()


def test_the_cli_validates_builds_and_traces_the_example_fleet(tmp_path):
    """docs/fleet.md's commands, in process."""
    from typer.testing import CliRunner

    from vtepc.cli import app

    runner = CliRunner()
    done = runner.invoke(app, ["validate", str(FLEET)])
    assert done.exit_code == 0 and done.stderr.count(": ok: 0 error(s), 0 warning(s)") == 3, done.stderr
    out = tmp_path / "out"
    done = runner.invoke(app, ["build", str(FLEET), "-o", str(out)])
    assert done.exit_code == 0, done.stderr
    assert (out / "devices" / "bigip-1" / "network.tmsh").is_file() and (out / "topologies" / "prod-b" / MANIFEST).is_file()
    assert runner.invoke(app, ["build", str(FLEET), "-o", str(out), "--check"]).exit_code == 0
    for member, node in (("prod-a", "a-node1"), ("prod-b", "b-node2"), ("dev-flannel", "dev-node1")):
        for unit in ("bigip-1", "bigip-2"):
            done = runner.invoke(app, ["trace", str(FLEET / f"{member}.yaml"), "--from", unit, "--to", node])
            assert done.exit_code == 0 and "delivered, and the reply returns" in done.stdout, (member, unit, done.stdout)


def test_the_cli_reports_both_files_of_a_collision(tmp_path):
    from typer.testing import CliRunner

    from vtepc.cli import app

    directory = _copy(tmp_path, (("prod-b.yaml", "name: vxlan_prod_b", "name: vxlan_prod_a"),))
    runner = CliRunner()
    done = runner.invoke(app, ["build", str(directory / "prod-a.yaml"), str(directory / "prod-b.yaml"), "-o", str(tmp_path / "out")])
    assert done.exit_code == 1 and not (tmp_path / "out").exists()
    line = line_of((directory / "prod-a.yaml").read_text(), "name: vxlan_prod_a")
    assert "VTEP1103 error" in done.stderr and f"related: {directory / 'prod-a.yaml'}:{line}:" in done.stderr


def test_every_member_traces_clean_through_the_merged_devices():
    """The packet model (vtepc.reach) over each member's topology, with the BIG-IPs as the merged
    device states (every cluster's tunnels, self IPs and routes on them): no pod of any member is
    unreachable from either unit, before or after failover."""
    from vtepc.live import ObservedState
    from vtepc.reach import Fabric, unreachable

    report = validate_fleet([FLEET])
    devices = report.device_states()
    by_entry = {(a.member.name, a.bigip.name): d.name for d in report.devices for a in d.attachments}
    for member in report.members:
        observed = ObservedState({b.name: devices[by_entry[(member.name, b.name)]] for b in member.topology.bigips}, None)
        fabric = Fabric.from_observed(member.topology, observed)
        assert list(unreachable(fabric)) == [], member.name
        assert len(fabric.units["bigip-1"].selfs) > len(Fabric.from_topology(member.topology).units["bigip-1"].selfs)


def test_the_cli_validates_builds_and_traces_the_static_routing_fleet(tmp_path):
    """examples/fleet-static/ (docs/fleet.md, docs/static-routing.md): a Cilium and a flannel cluster in
    CIS static routing on one HA pair, each CIS with its own partition: valid, built, and every node
    reached from both units by CIS's route (the trace's VTEP1001 walk)."""
    from typer.testing import CliRunner

    from vtepc.cli import app

    report = validate_fleet([FLEET_STATIC])
    assert report.ok and report.all_diagnostics == []
    assert [(d.name, d.members) for d in report.devices] == [
        ("bigip-1", ("static-cilium", "static-flannel")),
        ("bigip-2", ("static-cilium", "static-flannel")),
    ]
    runner = CliRunner()
    done = runner.invoke(app, ["validate", str(FLEET_STATIC)])
    assert done.exit_code == 0 and done.stderr.count(": ok: 0 error(s), 0 warning(s)") == 2, done.stderr
    out = tmp_path / "out"
    done = runner.invoke(app, ["build", str(FLEET_STATIC), "-o", str(out)])
    assert done.exit_code == 0, done.stderr
    for member in ("static-cilium", "static-flannel"):
        assert (out / "topologies" / member / "kubernetes" / "cis-bigip-1.yaml").is_file()
    for file, node in (("cilium.yaml", "apps-node2"), ("flannel.yaml", "tools-node1")):
        for unit in ("bigip-1", "bigip-2"):
            done = runner.invoke(app, ["trace", str(FLEET_STATIC / file), "--from", unit, "--to", node])
            assert done.exit_code == 0 and "delivered, and the reply returns" in done.stdout, (file, unit, done.stdout)
            assert f"k8s-{node}-" in done.stdout, done.stdout  # CIS's route k8s-<node>-<node IP> carries the packet


def test_the_static_routing_fleet_with_one_cis_partition_is_refused(tmp_path):
    """Negative control of examples/fleet-static/: both CIS on one partition keep their static routes in
    it and each deletes the other's (VTEP1110, with VTEP1109), filed at one file's cis mapping and naming the other's
    (once per unit of the pair)."""
    directory = tmp_path / "fleet-static"
    directory.mkdir()
    for name in ("cilium.yaml", "flannel.yaml"):
        text = (FLEET_STATIC / name).read_text()
        assert "partition: static-" in text
        (directory / name).write_text(text.replace("partition: static-flannel", "partition: static-cilium"))
    report = validate_fleet([directory])
    assert all(m.report.ok for m in report.members) and not report.ok
    found = [d for d in report.diagnostics if d.code == STATIC_ROUTES_SHARED]
    assert len(found) == 2 and all("in partition static-cilium" in d.message for d in found), [d.format_text() for d in found]
    cilium, flannel = directory / "cilium.yaml", directory / "flannel.yaml"
    places = {(d.file, d.position.line, d.related[0].file, d.related[0].position.line) for d in found}
    at = {file: line_of(file.read_text(), "  image: f5networks") for file in (cilium, flannel)}  # the cis mapping's first line
    assert places == {(str(flannel), at[flannel], str(cilium), at[cilium])}
    assert "VTEP1109" in {d.code for d in report.diagnostics}
    with pytest.raises(TopologyInvalid) as raised:
        api.build_fleet([directory])
    assert STATIC_ROUTES_SHARED in {d.code for d in raised.value.diagnostics}
