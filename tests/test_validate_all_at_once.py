import pytest

from vtepc.diagnostics import TopologyInvalid
from vtepc.validate import load_topology

from .checks_support import example, line_of, validate

# (code, example, old, new, needle on the expected line): schema-level codes
SCHEMA_CASES = [
    ("VTEP010", "cilium-vxlan", "    tunnel:\n", "    tunel:\n", "tunel:"),
    ("VTEP011", "cilium-vxlan", "kind: Topology\n", "", "apiVersion"),
    ("VTEP012", "cilium-vxlan", "    tunnel:\n", "    tunnel:\n      vni: abc\n", "vni: abc"),
    ("VTEP012", "cilium-vxlan", '"1.16.19"', "1.16", "ciliumVersion"),
    ("VTEP012", "cilium-vxlan", "    tunnel:\n", "    tunnel:\n      vni: 99999999999999999999999\n", "vni: 9"),
    ("VTEP012", "cilium-vxlan", "    tunnel:\n", "    tunnel:\n      vni: true\n", "vni: true"),
    ("VTEP012", "cilium-vxlan", "    tunnel:\n", "    tunnel:\n      vni: 2.0\n", "vni: 2.0"),
    ("VTEP012", "cilium-native-bgp", "virtualPort: 80", "virtualPort: 80.0", "virtualPort: 80.0"),
    ("VTEP012", "cilium-native-bgp", "asn: 64512", "asn: 6.4512e4", "asn: 6.4512e4"),
    ("VTEP012", "cilium-native-bgp", "interval: 5", "interval: 99999", "interval: 99999"),
    ("VTEP012", "cilium-native-bgp", "poolMemberType: cluster", "poolMemberType: cluster\n  insecure: 'yes'", "insecure"),
]


@pytest.mark.parametrize("code,name,old,new,needle", SCHEMA_CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(SCHEMA_CASES)])
def test_schema_code(code, name, old, new, needle):
    text = example(name).replace(old, new, 1)
    found = [d for d in validate(text).diagnostics if d.code == code]
    assert found and found[0].position.line == line_of(text, needle), [d.format_text() for d in found]


def test_number_where_a_string_belongs_says_to_quote_it():
    text = example("cilium-vxlan").replace('"1.16.19"', "1.16", 1)
    (diag,) = [d for d in validate(text).diagnostics if d.code == "VTEP012"]
    assert 'quote the value: "1.16"' in diag.hint


def test_typo_and_bad_address_are_reported_in_one_run():
    text = example("cilium-vxlan").replace("  routing: tunnel\n", "  routng: tunnel\n").replace("10.169.72.233", "10.169.72.333")
    report = validate(text)
    got = {(d.code, d.position.line) for d in report.diagnostics}
    assert ("VTEP010", line_of(text, "routng")) in got
    assert ("VTEP102", line_of(text, "10.169.72.333")) in got
    unknown = next(d for d in report.diagnostics if d.code == "VTEP010")
    assert unknown.hint == "did you mean 'routing'?"


def test_a_typo_does_not_also_report_what_it_hides():
    text = example("cilium-vxlan").replace("    tunnel:\n", "    tunel:\n")
    codes = [d.code for d in validate(text).diagnostics]
    assert codes == ["VTEP010"]  # not also VTEP505 "no tunnel": that is the same mistake


def test_unknown_keys_with_capitals_keep_their_line():
    text = example("cilium-vxlan").replace("    tunnel:\n", "    Tunnel:\n")
    (diag,) = validate(text).diagnostics
    assert diag.position.line == line_of(text, "Tunnel:") and "did you mean 'tunnel'?" in diag.hint


def test_checks_on_the_entries_after_a_broken_one_point_at_their_own_lines():
    text = example("cilium-vxlan")
    text = text.replace("      ip: 10.169.72.239\n", "      ip: [10, 169]\n")  # node1 fails the schema
    text = text.replace("podCIDR: 10.0.1.0/24", "podCIDR: 10.9.1.0/24")  # node2: outside the pod network
    report = validate(text)
    got = {(d.code, d.position.line) for d in report.diagnostics}
    assert got == {("VTEP012", line_of(text, "[10, 169]")), ("VTEP203", line_of(text, "10.9.1.0/24"))}
    (outside,) = [d for d in report.diagnostics if d.code == "VTEP203"]
    assert outside.path == ("cluster", "nodes", 1, "podCIDR")


def test_a_service_naming_a_broken_bigip_is_not_also_unknown():
    text = example("cilium-vxlan-two-bigips").replace("selfIP: 10.1.5.36/24", "selfIP: 7") + (
        "services:\n  - {name: a, service: s, servicePort: 80, virtualAddress: 10.169.72.100, virtualPort: 80, bigip: bigip-2}\n"
    )
    codes = {d.code for d in validate(text).diagnostics}
    assert "VTEP012" in codes and "VTEP801" not in codes


@pytest.mark.parametrize(
    "old,new,code,needle",
    [
        ("  routing: tunnel\n", "  routing: natvie\n", "VTEP012", "natvie"),
        ("  cni: cilium\n", "  cni: cilum\n", "VTEP012", "cilum"),
        ("  cni: cilium\n", "", "VTEP011", "name: prod"),  # missing: the checks run for each value the key may take
    ],
    ids=["routing-typo", "cni-typo", "cni-missing"],
)
def test_a_bad_choice_outside_lists_still_runs_the_network_checks(old, new, code, needle):
    """A misspelt (or missing) choice such as cluster.routing is reported, and so is what is wrong
    whatever its value: the checks run once per allowed value and report what every run finds."""
    text = example("cilium-vxlan").replace(old, new, 1).replace("10.169.72.233", "10.169.72.333")
    got = [(d.code, d.position.line) for d in validate(text).diagnostics]
    assert got == [(code, line_of(text, needle)), ("VTEP102", line_of(text, "10.169.72.333"))]


def test_a_finding_that_depends_on_the_broken_choice_is_not_guessed():
    # routing: native without bgp is an error (VTEP3xx) and routing: tunnel is fine: with the value
    # misspelt, neither is reported, only the typo and the address every value shares.
    text = example("cilium-vxlan").replace("  routing: tunnel\n", "  routing: natvie\n", 1)
    assert [d.code for d in validate(text).diagnostics] == ["VTEP012"]


def test_a_bad_number_outside_lists_still_skips_the_semantic_checks():
    # bgp.asn has no list of values to try: guessing one would report problems that are not in the file.
    text = example("cilium-native-bgp").replace("asn: 64512", "asn: 6.4512e4", 1).replace("10.0.0.0/16", "10.0.0.0/33", 1)
    assert {d.code for d in validate(text).diagnostics} <= {"VTEP012"}


def test_load_topology_raises_with_every_error():
    text = example("cilium-vxlan").replace("10.169.72.233", "10.169.72.333").replace("10.169.72.239", "[10, 169]")
    with pytest.raises(TopologyInvalid) as info:
        load_topology_text(text)
    assert [d.code for d in info.value.diagnostics] == ["VTEP012", "VTEP102"]


def load_topology_text(text: str):
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "t.yaml"
        path.write_text(text)
        return load_topology(path)


def test_load_topology_returns_the_resolved_topology():
    topology = load_topology_text(example("cilium-geneve"))
    assert topology.cluster.tunnel_port == 6081 and topology.bigips[0].tunnel.vni == 2


@pytest.mark.parametrize(
    "name,old,new,message,hint",
    [
        (
            "cilium-vxlan",
            "    tunnel:\n",
            "    tunnel:\n      vni: 99999999999999999999999\n",
            "bigips[0].tunnel.vni: 99999999999999999999999 is too large (at most 16777215)",
            "no larger than 16777215",
        ),
        (
            "cilium-vxlan",
            "    tunnel:\n",
            "    tunnel:\n      vni: 0x" + "f" * 900 + "\n",
            "bigips[0].tunnel.vni: a 1084-digit number is too large (at most 16777215)",
            "no larger than 16777215",
        ),
        (
            "cilium-vxlan",
            "    tunnel:\n",
            "    tunnel:\n      vni: '" + "9" * 5000 + "'\n",
            "expected a whole number, got string '9999999999999999999999999999999999999999'... (5000 characters)",
            "whole number",
        ),
        ("cilium-vxlan", "    tunnel:\n", "    tunnel:\n      vni: -1\n", "vni: -1 is too small (at least 0)", "no smaller than 0"),
        ("cilium-vxlan", "    tunnel:\n", "    tunnel:\n      vni: true\n", "expected a whole number, got boolean true", "true/false"),
        ("cilium-vxlan", "    tunnel:\n", "    tunnel:\n      vni: 2.0\n", "expected a whole number, got number 2.0", "write 2,"),
        ("cilium-native-bgp", "asn: 64512", "asn: 99999999999999999999", "bgp.asn: 99999999999999999999 is too large", "4294967295"),
        ("cilium-native-bgp", "interval: 5", "interval: 99999", "interval: 99999 is too large (at most 3600)", "3600"),
        (
            "cilium-native-bgp",
            "poolMemberType: cluster",
            "poolMemberType: cluster\n  insecure: 'yes'",
            "cis.insecure: expected true or false, got string 'yes'",
            "true or false",
        ),
    ],
    ids=[
        "vni-huge",
        "vni-huge-hex",
        "vni-huge-quoted",
        "vni-negative",
        "vni-boolean",
        "vni-float",
        "asn-huge",
        "monitor-interval",
        "insecure-string",
    ],
)
def test_numbers_and_booleans_of_the_wrong_kind_say_what_is_wrong(name, old, new, message, hint):
    found = [d for d in validate(example(name).replace(old, new, 1)).diagnostics if d.code == "VTEP012"]
    assert len(found) == 1 and message in found[0].message and hint in found[0].hint, [d.format_text() for d in found]
