import pytest

from .checks_support import Case, assert_case, case_id, example, validate

CASES = [
    Case("VTEP201", "cilium-vxlan", (("- name: node2", "- name: node1"),), at="name: node1", at_occurrence=2),
    Case("VTEP201", "cilium-native-bgp", (("name: uplink1", "name: uplink0"),), at="name: uplink0", at_occurrence=2, id="VTEP201-bgp-peer"),
    Case("VTEP202", "cilium-vxlan", (("ip: 10.169.72.233", "ip: 10.169.72.34"),), at="selfIP: 10.169.72.34/24"),
    Case("VTEP203", "cilium-vxlan", (("podCIDR: 10.0.1.0/24", "podCIDR: 10.9.1.0/24"),), at="10.9.1.0/24"),
    Case("VTEP204", "cilium-vxlan", (("podCIDR: 10.0.1.0/24", "podCIDR: 10.0.0.128/25"),), at="10.0.0.128/25"),
    Case("VTEP205", "cilium-vxlan", (("selfIP: 10.1.6.34/24", "selfIP: 10.1.6.255/24"),), at="10.1.6.255/24"),
    Case(
        "VTEP205",
        "cilium-vxlan",
        (("selfIP: 10.169.72.34/24", "selfIP: 10.169.72.0/24"),),
        at="10.169.72.0/24",
        id="VTEP205-network-address",
    ),
    Case("VTEP206", "cilium-vxlan", (("podCIDR: 10.0.0.0/16", "podCIDR: fd00::/48"),), at="fd00::/48"),
    Case("VTEP206", "cilium-vxlan", (("ip: 10.169.72.233", "ip: fd00::233"),), at="fd00::233", id="VTEP206-node-ip"),
    Case("VTEP207", "cilium-vxlan", (("ip: 10.169.72.233", "ip: 0.0.0.0"),), at="ip: 0.0.0.0"),
    Case("VTEP207", "cilium-vxlan", (("ip: 10.169.72.233", "ip: 127.0.0.1"),), at="127.0.0.1", id="VTEP207-loopback"),
    Case("VTEP207", "cilium-vxlan", (("ip: 10.169.72.233", "ip: 224.0.0.5"),), at="224.0.0.5", id="VTEP207-multicast"),
    Case("VTEP207", "cilium-vxlan", (("ip: 10.169.72.233", "ip: 255.255.255.255"),), at="255.255.255.255", id="VTEP207-broadcast"),
    Case("VTEP207", "cilium-native-bgp", (("ip: 10.1.0.3,", "ip: '::',"),), at="'::'", id="VTEP207-ipv6-unspecified"),
    Case("VTEP207", "cilium-native-bgp", (("ip: 10.1.0.3,", "ip: 'ff02::1',"),), at="ff02::1", id="VTEP207-ipv6-multicast"),
    Case("VTEP207", "cilium-native-bgp", (("address: 10.1.0.253", "address: 0.0.0.0"),), at="address: 0.0.0.0", id="VTEP207-bgp-peer"),
    Case("VTEP208", "cilium-vxlan", (("ip: 10.169.72.233", "ip: 10.0.5.9"),), at="ip: 10.0.5.9"),
    Case("VTEP208", "flannel", (("ip: 172.16.2.10", "ip: 10.244.7.7"),), at="ip: 10.244.7.7", id="VTEP208-flannel-network"),
    Case(
        "VTEP208",
        "flannel",
        (("selfIP: 172.16.1.28/16", "selfIP: 10.244.200.28/24"),),
        at="10.244.200.28/24",
        id="VTEP208-flannel-underlay-self-ip",
    ),
    Case("VTEP208", "cilium-native-bgp", (("address: 10.1.0.253", "address: 10.16.9.1"),), at="10.16.9.1", id="VTEP208-bgp-peer"),
    Case(
        "VTEP208",
        "cilium-native-bgp",
        (("{name: node3, ip: 10.1.0.3, podCIDR: 10.16.2.0/24}", "{name: node3, ip: 'fd00::3', podCIDR: 'fd00::/64'}"),),
        at="fd00::3",
        id="VTEP208-ipv6-node-pod-cidr",
    ),
    Case("VTEP209", "cilium-vxlan", (("podCIDR: 10.0.0.0/16", "podCIDR: 0.0.0.0/0"),), at="0.0.0.0/0"),
    Case("VTEP209", "cilium-vxlan", (("podCIDR: 10.0.0.0/16", "podCIDR: 128.0.0.0/1"),), at="128.0.0.0/1", id="VTEP209-half"),
    Case("VTEP209", "cilium-native-bgp", (("podCIDR: 10.16.2.0/24", "podCIDR: '::/0'"),), at="'::/0'", id="VTEP209-ipv6"),
    Case("VTEP211", "cilium-vxlan", (("mac: 00:50:56:a0:7d:d8", "mac: 00:00:00:00:00:00"),), at="00:00:00:00:00:00"),
    Case("VTEP211", "flannel", (("vtepMAC: 98:ba:76:dc:54:fe", "vtepMAC: 00:00:00:00:00:00"),), at="00:00:00:00:00:00", id="VTEP211-node"),
    Case(
        "VTEP212",
        "flannel",
        (("vtepMAC: 98:ba:76:dc:54:fe", "vtepMAC: 00:50:56:BB:70:8B"),),
        at="vtepMAC: 00:50:56:BB",
        id="VTEP212-node-and-bigip",
    ),
    Case(
        "VTEP212",
        "cilium-vxlan-two-bigips",
        (("mac: 00:50:56:86:6b:28", "mac: 00:50:56:a0:7d:d8"),),
        at="mac: 00:50:56:a0:7d:d8",
        at_occurrence=2,
    ),
    Case("VTEP213", "cilium-vxlan", (("- name: bigip-1", "- name: node2"),), at="name: node2", at_occurrence=2),
    Case(
        "VTEP208",
        "cilium-native-bgp",
        (("https://10.1.0.100", "https://10.16.7.1"),),
        at="https://10.16.7.1",
        id="VTEP208-management-address",
    ),
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
    nodes = "".join(f"    - {{name: n{i}, ip: 172.16.{i >> 8}.{i & 255}, podCIDR: 10.{i >> 8}.{i & 255}.0/24}}\n" for i in range(3000))
    nodes += "    - {name: late, ip: 172.31.0.1, podCIDR: 10.0.0.0/20}\n"
    text = example("cilium-vxlan")
    start, end = text.index("  podCIDR: 10.0.0.0/16\n"), text.index("bigips:")
    text = text[:start] + "  podCIDR: 10.0.0.0/8\n  nodes:\n" + nodes + "\n" + text[end:]
    overlaps = [d for d in validate(text).diagnostics if d.code == "VTEP204"]
    # the /20 covers the /24s of n0..n15: one finding each, on the node further down the file
    assert {d.path[2] for d in overlaps} == {3000}
    assert sorted(d.message.rsplit("'n", 1)[1].split("'")[0] for d in overlaps) == sorted(str(i) for i in range(16))


def test_an_ha_pair_may_share_its_tunnel_mac_but_not_with_another_bigip():
    text = example("cilium-vxlan-ha")  # both units: 00:50:56:a0:7d:d8
    assert "VTEP212" not in [d.code for d in validate(text).diagnostics]
    third = (
        "  - name: bigip-3\n    underlay:\n      vlan: external\n      selfIP: 10.169.72.50/24\n"
        "    tunnel:\n      selfIP: 10.1.7.50/24\n      mac: 00:50:56:a0:7d:d8\n"
    )
    duplicates = [d for d in validate(text + third).diagnostics if d.code == "VTEP212"]
    assert [d.path for d in duplicates] == [("bigips", 2, "tunnel", "mac")]


def test_one_node_inside_the_pod_network_among_thousands_is_reported_once():
    nodes = "".join(f"    - {{name: n{i}, ip: 172.16.{i >> 8}.{i & 255}, podCIDR: 10.{i >> 8}.{i & 255}.0/24}}\n" for i in range(3000))
    nodes += "    - {name: late, ip: 10.0.200.1}\n"
    text = example("cilium-vxlan")
    start, end = text.index("  podCIDR: 10.0.0.0/16\n"), text.index("bigips:")
    text = text[:start] + "  podCIDR: 10.0.0.0/12\n  nodes:\n" + nodes + "\n" + text[end:]
    inside = [d for d in validate(text).diagnostics if d.code == "VTEP208"]
    assert [d.path for d in inside] == [("cluster", "nodes", 3000, "ip")]
