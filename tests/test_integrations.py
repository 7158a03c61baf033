"""The integration registry: a mode added from the test tree alone, unknown modes, per-mode keys."""

from __future__ import annotations

import importlib
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from vtepc import api, integrations
from vtepc.build import write_tree
from vtepc.diagnostics import TopologyInvalid
from vtepc.integrations import UnknownIntegration
from vtepc.model import Topology
from vtepc.state.cluster import object_kinds

from .checks_support import example, line_of, validate

ROOT = Path(__file__).resolve().parent.parent


TOY_MODULE = "tests.toy_mode"


@pytest.fixture
def toy() -> Iterator[ModuleType]:
    # A fresh import each time: the module registers its check and renderer on import, and
    # unregister takes them away again (docs/check-codes.md must never see them).
    sys.modules.pop(TOY_MODULE, None)
    toy_mode = importlib.import_module(TOY_MODULE)
    integrations.register(toy_mode.TOY)
    try:
        yield toy_mode
    finally:
        integrations.unregister(toy_mode.NAME)
        sys.modules.pop(TOY_MODULE, None)


def toy_text(label: str = "edge") -> str:
    text = example("cilium-vxlan").replace('  cni: cilium\n  ciliumVersion: "1.16.19"\n', f"  cni: toy\n  toyLabel: {label}\n")
    assert "cni: toy" in text
    return text


def test_a_mode_registered_from_the_test_tree_is_validated_compiled_and_rendered(toy, tmp_path):
    report = validate(toy_text())
    assert report.ok, [d.format_text() for d in report.diagnostics]
    assert isinstance(report.topology.cluster, toy.ToyCluster)
    tunnel = report.topology.bigips[0].tunnel
    assert (tunnel.vni, tunnel.flooding_type) == (toy.TOY_VNI, "multipoint")  # the mode's defaults
    files, _ = api.build_from_bytes(toy_text().encode(), "topology.yaml")
    assert files["toy/kube-system-prod.txt"] == "label edge\nendpoints 10.169.72.34\n"
    assert "key 4242" in files["bigip/bigip-1/network.tmsh"]
    assert not any(path.startswith("kubernetes/cilium") for path in files)  # no other mode's artifacts
    write_tree(tmp_path / "out", files)
    assert (tmp_path / "out" / "toy" / "kube-system-prod.txt").read_text() == "label edge\nendpoints 10.169.72.34\n"


def test_a_registered_mode_runs_its_own_checks_only_for_its_topologies(toy):
    text = toy_text("Edge")
    (diag,) = [d for d in validate(text).diagnostics if d.code == "VTEP012"]
    assert diag.position.line == line_of(text, "toyLabel: Edge")
    assert not [d for d in validate(example("cilium-vxlan")).diagnostics if d.is_error]


def test_a_mode_leaves_no_trace_once_unregistered(toy):
    integrations.unregister(toy.NAME)
    try:
        assert "toy" not in integrations.names()
        assert "toy/config" not in object_kinds()
        (diag,) = validate(toy_text()).errors
        assert "unknown mode 'toy'" in diag.message
    finally:
        integrations.register(toy.TOY)


def test_an_unknown_mode_is_one_positioned_error_listing_the_known_modes():
    text = example("cilium-vxlan").replace("  cni: cilium\n", "  cni: calico\n").replace("selfIP: 10.1.6.34/24", "selfIP: 10.1.6.34/99")
    report = validate(text)
    (diag,) = [d for d in report.diagnostics if "cni" in d.message]
    assert diag.code == "VTEP012" and diag.position.line == line_of(text, "cni: calico")
    assert diag.message == "cluster.cni: unknown mode 'calico'"
    assert diag.hint == "known modes: " + ", ".join(integrations.names())
    # The rest of the file is still checked, once per known mode; what every mode finds is reported.
    assert {d.code for d in report.errors} == {"VTEP012", "VTEP104"}


def test_an_unknown_mode_fails_loudly_in_the_cli_and_the_api(tmp_path):
    topology = tmp_path / "topology.yaml"
    topology.write_text(example("cilium-vxlan").replace("  cni: cilium\n", "  cni: calico\n"))
    with pytest.raises(TopologyInvalid) as raised:
        api.build(topology)
    assert [d.code for d in raised.value.diagnostics] == ["VTEP012"]
    with pytest.raises(UnknownIntegration, match="unknown integration mode 'calico'; known modes: cilium, flannel"):
        integrations.integration("calico")


def test_a_missing_mode_is_a_missing_key():
    text = example("flannel").replace("  cni: flannel\n", "")
    (diag,) = validate(text).errors
    assert diag.code == "VTEP011" and diag.message == "required key 'cni' is missing from cluster"


@pytest.mark.parametrize(
    "name,old,new,key,other",
    [
        ("flannel", "  cni: flannel\n", '  cni: flannel\n  ciliumVersion: "1.16.19"\n', "ciliumVersion", "cilium"),
        ("flannel", "  cni: flannel\n", "  cni: flannel\n  ipam: kubernetes\n", "ipam", "cilium"),
        (
            "cilium-vxlan",
            "      podCIDR: 10.0.1.0/24\n",
            "      podCIDR: 10.0.1.0/24\n      vtepMAC: 98:ba:76:dc:54:fe\n",
            "vtepMAC",
            "flannel",
        ),
    ],
)
def test_a_key_of_another_mode_names_that_mode(name, old, new, key, other):
    text = example(name).replace(old, new)
    (diag,) = [d for d in validate(text).errors if key in d.message]
    assert diag.code == "VTEP010" and diag.position.line == line_of(text, f"{key}:")
    assert f"it belongs to cni: {other}" in diag.message and f"set cni: {other}" in diag.hint


def test_a_mode_error_inside_a_node_keeps_the_other_problems_of_the_file():
    # The tag segment pydantic puts in the location ('cluster', 'flannel', 'nodes', 0, ...) is no YAML key.
    text = example("flannel").replace("vtepMAC: 98:ba", "vtepMc: 98:ba").replace("172.16.1.28/16", "172.16.1.28/99")
    codes = {(d.code, d.position.line) for d in validate(text).diagnostics}
    assert ("VTEP010", line_of(text, "vtepMc:")) in codes
    assert ("VTEP104", line_of(text, "172.16.1.28/99")) in codes  # the checks still ran on the rest


def test_the_topology_model_is_the_union_of_the_registered_modes():
    assert Topology.model_fields["cluster"].discriminator == "cni"
    schema = Topology.model_json_schema(by_alias=True)
    assert sorted(schema["properties"]["cluster"]["discriminator"]["mapping"]) == list(integrations.names())


def test_no_mode_is_compared_by_name_outside_its_package():
    found = []
    for path in sorted((ROOT / "vtepc").rglob("*.py")):
        if "integrations" in path.relative_to(ROOT / "vtepc").parts[:1]:
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if re.search(r"\bcni\b\s*[!=]=|[!=]=\s*\S*\bcni\b|is_cilium|is_flannel|\.get\(\"cni\"\)\s*[!=]=", line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not found, "dispatch through vtepc.integrations instead:\n" + "\n".join(found)


def test_no_module_outside_the_mode_packages_imports_one():
    """What differs between modes (object kinds, BGP speakers, datapath rules, ...) comes through the
    registry: generic code never imports vtepc.integrations.<mode>, nor names a mode's speaker."""
    found = []
    for path in sorted((ROOT / "vtepc").rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith("vtepc/integrations/"):
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if re.search(
                r"^\s*(from|import)\s+\S*integrations\.\w|integrations import (cilium|flannel)\b|speaker\s*[!=]=\s*\"(?!bird\")", line
            ):
                found.append(f"{relative}:{number}: {line.strip()}")
    assert not found, "ask the registry (vtepc.integrations) instead:\n" + "\n".join(found)


# "Validates implies compiles" by construction: each rule the compiler relies on is one predicate
# that a check reports; these are the cases where the two used to disagree or could drift.
@pytest.mark.parametrize(
    "name,old,new,code",
    [
        ("cilium-vxlan", 'ciliumVersion: "1.16.19"', 'ciliumVersion: "2.0"', "VTEP602"),  # was a warning, then build failed
        ("cilium-native-bgp", "  routing: native\n", "  routing: tunnel\n", "VTEP505"),
        ("cilium-native-bgp", ", podCIDR: 10.16.2.0/24}", "}", "VTEP508"),
    ],
)
def test_a_rule_the_compiler_needs_is_a_check(name, old, new, code):
    text = example(name).replace(old, new, 1)
    assert text != example(name)
    report = validate(text)
    assert code in {d.code for d in report.errors}, [d.format_text() for d in report.diagnostics]


def test_a_cluster_is_taken_as_its_mode_class_or_refused(toy):
    from vtepc.checks import Context
    from vtepc.integrations.cilium.model import CiliumCluster

    topology = validate(toy_text()).topology
    assert Context(topology).cluster_as(toy.ToyCluster).toy_label == "edge"
    with pytest.raises(TypeError, match="a cluster of mode 'toy' is not a CiliumCluster"):
        Context(topology).cluster_as(CiliumCluster)


def test_a_mode_declares_its_cluster_object_kinds_for_recorded_and_live_state(toy):
    from vtepc.live.kube import cluster_kinds
    from vtepc.state.cluster import ClusterState

    from vtepc.state import compile_desired_state

    cluster = compile_desired_state(validate(toy_text()).topology).cluster
    assert ClusterState.from_jsonable(cluster.to_jsonable()) == cluster  # recorded state reads the toy's kind back
    assert object_kinds()["toy/config"] is toy.ToyConfig
    assert [k.unread for k in cluster_kinds() if k.cls is toy.ToyConfig] == [
        "the toy agent keeps its VTEP table outside the Kubernetes API"
    ]


def test_a_mode_supplies_its_datapath_rules_and_the_packet_model_walks_them(toy):
    from vtepc.reach import Fabric, unreachable

    topology = validate(toy_text()).topology
    fabric = Fabric.from_topology(topology)
    assert isinstance(fabric.rules, toy.ToyDatapath)
    walked = fabric.trace("bigip-1", fabric.resolve_destination(topology.cluster.nodes[0].name))
    assert walked.delivered, walked.format_text()
    steps = [(hop.where, hop.step, hop.decision) for hop in walked.forward + walked.reply]
    assert any(step == "arp" and decision.startswith("toy node ") for _, step, decision in steps), steps
    assert any(decision.startswith("toy agent udp/") for _, _, decision in steps), steps
    assert any(decision.startswith("toy agent: ") for _, _, decision in steps), steps
    assert list(unreachable(fabric)) == []
    # The toy's rules decide: a topology whose tunnel floods nothing is refused by them (VTEP1001).
    report = validate(toy_text().replace("    tunnel:\n", "    tunnel:\n      floodingType: none\n", 1))
    assert "no toy node answers the ARP request" in "".join(d.message for d in report.errors if d.code == "VTEP1001")


def toy_native_text(speaker: str) -> str:
    text = example("cilium-native-bgp").replace('  cni: cilium\n  ciliumVersion: "1.16.19"\n', "  cni: toy\n")
    text = re.sub(r"  ipam: kubernetes .*\n", "", text)  # Cilium's own key
    text = text.replace("bgp:\n  asn: 64512\n", f"bgp:\n  asn: 64512\n  speaker: {speaker}\n")
    assert "cni: toy" in text and f"speaker: {speaker}" in text
    return text


def test_a_mode_supplies_its_bgp_speaker_through_the_registry(toy):
    from vtepc.jsonschema_export import topology_schema
    from vtepc.reach import Fabric
    from vtepc.state import compile_desired_state
    from vtepc.state.speaker import BgpAnnouncement, BirdConfig

    report = validate(toy_native_text("toy-bgp"))
    assert report.ok, [d.format_text() for d in report.diagnostics]
    cluster = compile_desired_state(report.topology).cluster
    assert cluster.of_kind(BirdConfig) == [] and len(cluster.of_kind(BgpAnnouncement)) == len(report.topology.cluster.nodes)
    assert "toy BGP" in Fabric.from_topology(report.topology)._speaker
    assert "toy-bgp" in str(topology_schema())
    # Another mode does not supply it: VTEP513, as for Cilium's speaker without Cilium.
    other = example("cilium-native-bgp").replace("bgp:\n  asn: 64512\n", "bgp:\n  asn: 64512\n  speaker: toy-bgp\n")
    assert {d.code for d in validate(other).errors} == {"VTEP513"}
    integrations.unregister(toy.NAME)
    try:
        assert "toy-bgp" not in str(topology_schema())
    finally:
        integrations.register(toy.TOY)
