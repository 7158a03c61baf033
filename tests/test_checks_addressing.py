import pytest

from .checks_support import Case, assert_case, case_id, example, validate

CASES = [
    Case("VTEP201", "cilium-vxlan", (("- name: node2", "- name: node1"),), at="name: node1", at_occurrence=2),
    Case("VTEP201", "cilium-native-bgp", (("name: uplink1", "name: uplink0"),), at="name: uplink0", at_occurrence=2,
         id="VTEP201-bgp-peer"),
    Case("VTEP202", "cilium-vxlan", (("ip: 10.169.72.233", "ip: 10.169.72.34"),), at="selfIP: 10.169.72.34/24"),
    Case("VTEP203", "cilium-vxlan", (("podCIDR: 10.0.1.0/24", "podCIDR: 10.9.1.0/24"),), at="10.9.1.0/24"),
    Case("VTEP204", "cilium-vxlan", (("podCIDR: 10.0.1.0/24", "podCIDR: 10.0.0.128/25"),), at="10.0.0.128/25"),
    Case("VTEP205", "cilium-vxlan", (("selfIP: 10.1.6.34/24", "selfIP: 10.1.6.255/24"),), at="10.1.6.255/24"),
    Case("VTEP205", "cilium-vxlan", (("selfIP: 10.169.72.34/24", "selfIP: 10.169.72.0/24"),), at="10.169.72.0/24",
         id="VTEP205-network-address"),
    Case("VTEP206", "cilium-vxlan", (("podCIDR: 10.0.0.0/16", "podCIDR: fd00::/48"),), at="fd00::/48"),
    Case("VTEP206", "cilium-vxlan", (("ip: 10.169.72.233", "ip: fd00::233"),), at="fd00::233", id="VTEP206-node-ip"),
]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_code(case):
    assert_case(case)


def test_ha_pair_shares_its_floating_addresses():
    report = validate(example("cilium-vxlan-ha"))
    assert report.ok and not report.diagnostics


def test_floating_address_of_an_unpaired_bigip_is_a_duplicate():
    text = example("cilium-vxlan-ha").replace("floatingUnderlayIP: 10.169.72.40/24", "floatingUnderlayIP: 10.169.72.41/24", 1)
    codes = [d.code for d in validate(text).diagnostics]
    assert "VTEP202" in codes  # the floating tunnel IP is now shared by two BIG-IPs that are not a pair


def test_slash_31_has_no_reserved_addresses():
    text = example("cilium-vxlan").replace("selfIP: 10.1.6.34/24", "selfIP: 10.1.6.34/31")
    assert "VTEP205" not in [d.code for d in validate(text).diagnostics]


def test_each_overlapping_node_is_reported_once_among_thousands():
    nodes = "".join(
        f"    - {{name: n{i}, ip: 172.16.{i >> 8}.{i & 255}, podCIDR: 10.{i >> 8}.{i & 255}.0/24}}\n" for i in range(3000)
    )
    nodes += "    - {name: late, ip: 172.31.0.1, podCIDR: 10.0.0.0/20}\n"
    text = example("cilium-vxlan")
    start, end = text.index("  podCIDR: 10.0.0.0/16\n"), text.index("bigips:")
    text = text[:start] + "  podCIDR: 10.0.0.0/8\n  nodes:\n" + nodes + "\n" + text[end:]
    overlaps = [d for d in validate(text).diagnostics if d.code == "VTEP204"]
    # the /20 covers the /24s of n0..n15: one finding each, on the node further down the file
    assert {d.path[2] for d in overlaps} == {3000}
    assert sorted(d.message.rsplit("'n", 1)[1].split("'")[0] for d in overlaps) == sorted(str(i) for i in range(16))
