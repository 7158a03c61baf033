import pytest

from .checks_support import Case, assert_case, case_id, example, validate

BGP = "bgp:\n  asn: 64512\n  peers:\n    - name: uplink0\n      address: 10.1.0.253\n    - name: uplink1\n      address: 10.1.0.254\n"
GATEWAY = "      gateway: 10.1.0.254         # the BGP-fed switch that knows every pod CIDR\n"
NODES_BLOCK = example("cilium-vxlan")[example("cilium-vxlan").index("  nodes:\n") : example("cilium-vxlan").index("\nbigips:")]
VXLAN_TUNNEL_TO_END = example("cilium-vxlan")[example("cilium-vxlan").index("    tunnel:\n") :]

CASES = [
    Case("VTEP501", "cilium-native-bgp", ((BGP, ""),), at="routing: native"),
    Case("VTEP502", "cilium-native-bgp", ((BGP, "bgp:\n  asn: 64512\n  peers: []\n"),), at="bgp:"),
    Case("VTEP503", "cilium-native-bgp", (("asn: 64512", "asn: 23456"),), at="asn: 23456"),
    Case(
        "VTEP503",
        "cilium-native-bgp",
        (("      address: 10.1.0.254\n", "      address: 10.1.0.254\n      asn: 65535\n"),),
        at="asn: 65535",
        id="VTEP503-peer",
    ),
    Case("VTEP504", "cilium-native-bgp", ((GATEWAY, ""),), at="    underlay:"),
    Case("VTEP505", "cilium-vxlan", ((VXLAN_TUNNEL_TO_END, ""),), at="- name: bigip-1"),
    Case("VTEP506", "cilium-vxlan", (("bigips:\n", BGP + "bigips:\n"),), at="bgp:"),
    Case("VTEP507", "cilium-native-bgp", ((GATEWAY, GATEWAY + "    tunnel:\n      selfIP: 10.1.6.34/24\n"),), at="    tunnel:"),
    Case(
        "VTEP508",
        "cilium-native-bgp",
        (("{name: node3, ip: 10.1.0.3, podCIDR: 10.16.2.0/24}", "{name: node3, ip: 10.1.0.3}"),),
        at="name: node3",
    ),
    Case("VTEP509", "cilium-vxlan", ((NODES_BLOCK, "  nodes: []\n"),), at="- name: bigip-1"),
    Case("VTEP510", "cilium-native-bgp", (("address: 10.1.0.253", "address: 10.1.0.3"),), at="address: 10.1.0.3"),
    Case("VTEP511", "cilium-native-bgp", (("gateway: 10.1.0.254", "gateway: 10.2.0.254"),), at="gateway: 10.2.0.254"),
    Case(
        "VTEP511",
        "cilium-native-bgp",
        (("gateway: 10.1.0.254", "gateway: 10.1.0.100"),),
        at="gateway: 10.1.0.100",
        id="VTEP511-own-address",
    ),
    Case(
        "VTEP511", "cilium-native-bgp", (("gateway: 10.1.0.254", "gateway: 10.1.0.255"),), at="gateway: 10.1.0.255", id="VTEP511-broadcast"
    ),
    Case(
        "VTEP511",
        "cilium-native-bgp",
        (("gateway: 10.1.0.254", "gateway: 'fd00::fe'"),),
        at="gateway: 'fd00::fe'",
        id="VTEP511-other-family",
    ),
    Case("VTEP512", "cilium-native-bgp", (("address: 10.1.0.253", "address: 10.1.0.100"),), at="address: 10.1.0.100"),
    Case(
        "VTEP513",
        "cilium-native-bgp",
        (("cni: cilium", "cni: flannel"), ("  asn: 64512\n", "  asn: 64512\n  speaker: cilium\n")),
        at="speaker:",
    ),
    Case(
        "VTEP510",
        "cilium-native-bgp",
        (("ip: 10.1.0.3,", "ip: 'fd00::3',"), ("address: 10.1.0.253", "address: 'FD00::3'")),
        at="address: 'FD00::3'",
        id="VTEP510-ipv6",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_code(case):
    assert_case(case)


def test_native_example_is_clean():
    report = validate(example("cilium-native-bgp"))
    assert report.ok and not report.diagnostics


@pytest.mark.parametrize("gateway,flagged", [("'fd00::fe'", False), ("'fe80::1'", False), ("'fd01::fe'", True)])
def test_ipv6_gateways_on_link_or_link_local_are_fine(gateway, flagged):
    text = example("cilium-native-bgp").replace("selfIP: 10.1.0.100/24", "selfIP: 'fd00::100/64'")
    text = text.replace("gateway: 10.1.0.254", f"gateway: {gateway}")
    assert ("VTEP511" in [d.code for d in validate(text).diagnostics]) is flagged
