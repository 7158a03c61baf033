import pytest

from .checks_support import Case, assert_case, case_id, example, validate

CASES = [
    Case("VTEP951", "flannel", (("    tunnel:\n", "    tunnel:\n      floodingType: multipoint\n"),), at="floodingType: multipoint"),
    Case("VTEP401", "flannel", (("  cni: flannel\n", "  cni: flannel\n  tunnelProtocol: geneve\n"),), at="tunnelProtocol: geneve"),
    Case("VTEP401", "flannel", (("  cni: flannel\n", "  cni: flannel\n  routing: native\n"),), at="routing: native", id="VTEP401-native"),
    Case("VTEP402", "flannel", (("selfIP: 10.244.30.15/16", "selfIP: 10.245.30.15/16"),), at="10.245.30.15/16"),
    Case("VTEP403", "flannel", (("selfIP: 10.244.30.15/16", "selfIP: 10.244.30.15/24"),), at="10.244.30.15/24"),
    Case("VTEP404", "flannel", (("selfIP: 10.244.30.15/16", "selfIP: 10.244.1.15/16"),), at="10.244.1.15/16"),
    Case("VTEP405", "flannel", (("      vtepMAC: 98:ba:76:dc:54:fe  # the node's flannel.1 MAC\n", ""),), at="- name: node1"),
    Case("VTEP206", "flannel", (("selfIP: 172.16.1.28/16", "selfIP: fd00::28/64"),), at="fd00::28/64", id="VTEP206-public-ip"),
    Case(
        "VTEP408",
        "flannel",
        (
            (
                "      vtepMAC: 98:ba:76:dc:54:fe  # the node's flannel.1 MAC\n",
                "      vtepMAC: 98:ba:76:dc:54:fe\n"
                "    - name: node2\n      ip: 172.16.2.11\n      podCIDR: 10.244.2.0/25\n      vtepMAC: 98:ba:76:dc:54:ff\n"
                "    - name: node3\n      ip: 172.16.2.12\n      podCIDR: 10.244.3.0/24\n      vtepMAC: 98:ba:76:dc:55:00\n",
            ),
        ),
        at="10.244.2.0/25",
    ),
    Case("VTEP407", "flannel", (("vtepMAC: 98:ba:76:dc:54:fe", "vtepMAC: 99:ba:76:dc:54:fe"),), at="99:ba:76:dc:54:fe"),
    Case("VTEP407", "flannel", (("mac: 00:50:56:bb:70:8b", "mac: 03:50:56:bb:70:8b"),), at="03:50:56:bb:70:8b", id="VTEP407-tunnel"),
]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_code(case):
    assert_case(case)


def test_no_vtep_mac_needed_without_static_fdb():
    text = example("flannel").replace("      vtepMAC: 98:ba:76:dc:54:fe  # the node's flannel.1 MAC\n", "")
    text = text.replace("    tunnel:\n", "    staticFDB: false\n    tunnel:\n")
    assert "VTEP405" not in [d.code for d in validate(text).diagnostics]


def test_bigip_subnet_uses_the_node_prefix_length():
    # nodes with /25 pod CIDRs: the BIG-IP's subnet is its /25, so 10.244.1.130 does not collide with 10.244.1.0/25
    text = example("flannel").replace("podCIDR: 10.244.1.0/24", "podCIDR: 10.244.1.0/25")
    text = text.replace("selfIP: 10.244.30.15/16", "selfIP: 10.244.1.130/16")
    assert "VTEP404" not in [d.code for d in validate(text).diagnostics]


def test_an_ipv6_node_pod_cidr_is_reported_not_a_crash():
    # The nodes' size was a /64, which no IPv4 tunnel self IP has: deriving the BIG-IP's flannel
    # subnet raised ValueError out of `vtepc validate` (found by tests/test_checks_columns.py).
    report = validate(example("flannel").replace("podCIDR: 10.244.1.0/24", "podCIDR: fd00::/64"))
    assert "VTEP203" in [d.code for d in report.diagnostics]
