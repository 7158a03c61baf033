import pytest

from .checks_support import Case, assert_case, case_id, validate

FLOAT_UNDERLAY = "floatingUnderlayIP: 10.169.72.40/24"
FLOAT_TUNNEL = "floatingTunnelIP: 10.1.6.40/24"
GROUP = "trafficGroup: traffic-group-1"

THIRD_UNIT = (
    "  - name: bigip-3\n    underlay:\n      vlan: external\n      selfIP: 10.169.72.37/24\n"
    "    tunnel:\n      selfIP: 10.1.6.37/24\n      mac: 00:50:56:a0:7d:d8\n"
    "    ha:\n      trafficGroup: traffic-group-1\n      floatingUnderlayIP: 10.169.72.40/24\n"
    "      floatingTunnelIP: 10.1.6.40/24\n"
)
VTEP708_CASE = Case(
    "VTEP708", "cilium-vxlan-ha", ((f"{FLOAT_TUNNEL}\n", f"{FLOAT_TUNNEL}\n" + THIRD_UNIT, 2),), at=FLOAT_UNDERLAY, at_occurrence=3
)

CASES = [
    VTEP708_CASE,
    Case("VTEP701", "cilium-vxlan-ha", ((FLOAT_UNDERLAY, "floatingUnderlayIP: 10.169.73.40/24"),), at="10.169.73.40/24"),
    Case("VTEP702", "cilium-vxlan-ha", ((FLOAT_TUNNEL, "floatingTunnelIP: 10.1.7.40/24"),), at="10.1.7.40/24"),
    Case("VTEP703", "cilium-vxlan-ha", ((FLOAT_TUNNEL, "floatingTunnelIP: 10.1.6.34/24"),), at="floatingTunnelIP: 10.1.6.34/24"),
    Case(
        "VTEP703",
        "cilium-vxlan-ha",
        ((FLOAT_UNDERLAY, "floatingUnderlayIP: 10.169.72.34/24"),),
        at="floatingUnderlayIP: 10.169.72.34/24",
        id="VTEP703-underlay",
    ),
    Case("VTEP704", "cilium-vxlan-ha", ((GROUP, "trafficGroup: traffic-group-2", 2),), at="traffic-group-2"),
    Case(
        "VTEP704",
        "cilium-vxlan-ha",
        ((FLOAT_TUNNEL, "floatingTunnelIP: 10.1.6.41/24", 2),),
        at="10.1.6.41/24",
        id="VTEP704-floating-tunnel",
    ),
    Case(
        "VTEP704",
        "cilium-vxlan-ha",
        (("selfIP: 10.1.6.36/24", "selfIP: 10.1.7.36/24"), ("floatingTunnelIP: 10.1.6.40/24\n", "floatingTunnelIP: 10.1.7.40/24\n", 2)),
        at="selfIP: 10.1.7.36/24",
        id="VTEP704-tunnel-subnet",
    ),
    Case(
        "VTEP704",
        "cilium-vxlan-ha",
        (("    tunnel:\n      selfIP: 10.1.6.36/24", "    tunnel:\n      vni: 9\n      selfIP: 10.1.6.36/24"),),
        at="vni: 9",
        id="VTEP704-synced-tunnel-vni",
    ),
    Case(
        "VTEP704",
        "cilium-vxlan-ha",
        (("  - name: bigip-2\n", "  - name: bigip-2\n    routeDomain: 2\n"),),
        at="routeDomain: 2",
        id="VTEP704-route-domain",
    ),
    Case("VTEP705", "cilium-vxlan-ha", ((f"      {FLOAT_TUNNEL}\n", "", 1), (f"      {FLOAT_TUNNEL}\n", "", 1)), at="    ha:"),
    Case("VTEP706", "cilium-vxlan-ha", ((GROUP, "trafficGroup: traffic-group-local-only"),), at="traffic-group-local-only"),
    Case(
        "VTEP709",
        "cilium-vxlan-ha",
        ((FLOAT_UNDERLAY, "floatingUnderlayIP: 10.169.72.41/24", 2),),
        at="floatingUnderlayIP: 10.169.72.41/24",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_code(case):
    assert_case(case)


def test_three_units_sharing_a_floating_address_are_an_error():
    report = validate(VTEP708_CASE.broken_text())
    assert not report.ok
    groups = [d for d in report.diagnostics if d.code == "VTEP708"]
    assert [d.path for d in groups] == [("bigips", 2, "ha", "floatingUnderlayIP")]
    assert "unit 3" in groups[0].message
