import pytest

from .checks_support import Case, assert_case, case_id, example, validate

NINE_BIGIPS = "".join(
    f"  - name: bigip-{n}\n    underlay: {{vlan: external, selfIP: 10.169.72.{50 + n}/24}}\n"
    f"    tunnel: {{selfIP: 10.1.{10 + n}.1/24, mac: '00:50:56:00:00:{n:02x}'}}\n"
    for n in range(2, 10)
)
LAST_LINE = "      mac: 00:50:56:a0:7d:d8\n"  # cilium-vxlan ends with bigip-1's tunnel MAC

CASES = [
    Case(
        "VTEP210",
        "cilium-vxlan-two-bigips",
        (("selfIP: 10.1.5.36/24", "selfIP: 10.169.72.33/30"),),
        at="10.169.72.33/30",
        id="VTEP210-other-bigips-endpoint",
    ),
    Case(
        "VTEP210",
        "cilium-vxlan-two-bigips",
        (("mac: 00:50:56:86:6b:28\n", "mac: 00:50:56:86:6b:28\n    managementURL: https://10.1.5.200\n"),),
        at="10.1.5.36/24",
        id="VTEP210-management-address",
    ),
    Case("VTEP210", "cilium-vxlan", (("selfIP: 10.1.6.34/24", "selfIP: 10.169.0.34/16"),), at="10.169.0.34/16"),
    Case("VTEP210", "cilium-vxlan", (("selfIP: 10.1.6.34/24", "selfIP: 10.169.72.226/28"),), at="10.169.72.226/28", id="VTEP210-node-ip"),
    Case("VTEP707", "cilium-vxlan-ha", (("mac: 00:50:56:a0:7d:d8", "mac: 00:50:56:86:6b:28", 2),), at="00:50:56:86:6b:28"),
    Case("VTEP301", "cilium-vxlan", (("    tunnel:\n", "    tunnel:\n      vni: 3\n"),), at="vni: 3"),
    Case(
        "VTEP301",
        "cilium-vxlan",
        (("  routing: tunnel\n", "  ipFamilies: [ipv4, ipv6]\n  routing: tunnel\n"), ("    tunnel:\n", "    tunnel:\n      vni: 4\n")),
        at="vni: 4",
        id="VTEP301-dual-stack",
    ),
    Case(
        "VTEP301",
        "cilium-vxlan",
        (("  routing: tunnel\n", "  ipFamilies: [ipv4, ipv6]\n  routing: tunnel\n"), ("    tunnel:\n", "    tunnel:\n      vni: 2\n")),
        at="vni: 2",
        id="VTEP301-dual-stack-sends-9",
    ),
    Case(
        "VTEP302",
        "cilium-vxlan",
        (('"1.16.19"', '"1.14.19"'), ("  routing: tunnel\n", "  ipFamilies: [ipv4, ipv6]\n  routing: tunnel\n")),
        at="ipFamilies",
    ),
    Case("VTEP303", "cilium-vxlan", (("selfIP: 10.1.6.34/24", "selfIP: 10.0.6.34/24"),), at="10.0.6.34/24"),
    Case(
        "VTEP303",
        "cilium-vxlan",
        (("podCIDR: 10.0.0.0/16", "podCIDR: 10.0.0.0/23"), ("podCIDR: 10.0.1.0/24", "podCIDR: 10.1.6.0/24")),
        at="selfIP: 10.1.6.34/24",
        id="VTEP303-node-pod-cidr",
    ),
    Case("VTEP304", "cilium-vxlan-two-bigips", (("selfIP: 10.1.5.36/24", "selfIP: 10.1.6.36/24"),), at="10.1.6.36/24"),
    Case("VTEP305", "cilium-vxlan-two-bigips", (("selfIP: 10.1.5.36/24", "selfIP: 10.1.5.36/23"),), at="10.1.5.36/23"),
    Case("VTEP306", "cilium-vxlan", ((LAST_LINE, LAST_LINE + NINE_BIGIPS),), at="- name: bigip-9"),
    Case("VTEP307", "cilium-vxlan", (("selfIP: 10.169.72.34/24", "selfIP: fd00::34/64"),), at="fd00::34/64"),
    Case("VTEP308", "cilium-vxlan", (("    tunnel:\n", "    tunnel:\n      floodingType: none\n"),), at="floodingType: none"),
    Case("VTEP309", "cilium-vxlan", (("mac: 00:50:56:a0:7d:d8", "mac: 01:50:56:A0:7D:D8"),), at="mac: 01:50:56:A0:7D:D8"),
    Case("VTEP310", "cilium-vxlan", (('  ciliumVersion: "1.16.19"\n', ""),), at="cluster:"),
    Case("VTEP320", "cilium-native-bgp", (("  ipam: kubernetes", "  # ipam unstated"),), at="routing: native"),
    Case("VTEP321", "cilium-vxlan", (("  routing: tunnel\n", "  routing: tunnel\n  l7Proxy: false\n"),), at="l7Proxy: false"),
    Case(
        "VTEP312", "cilium-vxlan", (("  tunnelProtocol: vxlan\n", "  tunnelProtocol: vxlan\n  tunnelPort: 6081\n"),), at="tunnelPort: 6081"
    ),
]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_code(case):
    assert_case(case)


def test_an_ha_pair_is_one_vtep_and_shares_its_cidr():
    report = validate(example("cilium-vxlan-ha"))
    assert not [d for d in report.diagnostics if d.code in ("VTEP304", "VTEP306")]


def test_eight_vteps_are_allowed():
    text = example("cilium-vxlan") + NINE_BIGIPS.split("  - name: bigip-9")[0]
    assert "VTEP306" not in [d.code for d in validate(text).diagnostics]


DUAL_STACK = ("  routing: tunnel\n", "  ipFamilies: [ipv4, ipv6]\n  routing: tunnel\n")


@pytest.mark.parametrize("version", ["1.15.2", "1.16.19", "1.20.0"])
def test_dual_stack_tunnel_gets_world_ipv4_id_9(version):
    """From 1.15 a dual-stack agent sends VTEP traffic with WORLD_IPV4_ID 9: the BIG-IP tunnel defaults to it."""
    from vtepc.api import render

    text = example("cilium-vxlan").replace(*DUAL_STACK).replace('"1.16.19"', f'"{version}"')
    report = validate(text)
    assert not [d for d in report.diagnostics if d.code in ("VTEP301", "VTEP302")]
    assert report.topology.bigips[0].tunnel.vni == 9
    assert " key 9 " in render(report.topology)["bigip/bigip-1/network.tmsh"]


@pytest.mark.parametrize("version", ["1.12.19", "1.13.18", "1.14.19"])
def test_dual_stack_vtep_before_1_15_is_refused_whatever_the_vni(version):
    for vni in ("", "      vni: 2\n", "      vni: 9\n"):
        text = example("cilium-vxlan").replace(*DUAL_STACK).replace('"1.16.19"', f'"{version}"')
        text = text.replace("    tunnel:\n", "    tunnel:\n" + vni)
        report = validate(text)
        assert [d.code for d in report.diagnostics if d.severity == "error"] == ["VTEP302"]


def test_vtep_checks_do_not_apply_to_native_routing():
    report = validate(example("cilium-native-bgp"))
    assert not [d for d in report.diagnostics if d.code.startswith("VTEP3")]


def test_geneve_on_another_port_validates_and_builds_its_own_profile():
    """The built-in geneve profile's port is fixed; vtepc creates one with the topology's port."""
    from vtepc.api import render

    text = example("cilium-geneve").replace("  tunnelProtocol: geneve\n", "  tunnelProtocol: geneve\n  tunnelPort: 7081\n")
    report = validate(text)
    assert report.ok, [d.format_text() for d in report.diagnostics]
    tmsh = render(report.topology)["bigip/bigip-1/network.tmsh"]
    assert "tmsh create net tunnels geneve cilium_geneve_geneve port 7081" in tmsh
