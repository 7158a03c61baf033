"""Checks on what the BIG-IP's consumers do with vtepc's objects (vtepc/checks/bigip.py)."""

import pytest

from .checks_support import Case, assert_case, case_id

CASES = [
    Case("VTEP313", "cilium-vxlan", (("      mac: 00:50:56:a0:7d:d8\n", ""),), at="    tunnel:"),
    Case("VTEP313", "flannel", (("      mac: 00:50:56:bb:70:8b\n", ""),), at="    tunnel:", id="VTEP313-flannel"),
    Case("VTEP950", "cilium-vxlan", (("    underlay:", "    routeDomain: 2\n    underlay:"),), at="routeDomain: 2"),
    Case(
        "VTEP950",
        "cilium-geneve",
        (("tunnelProtocol: geneve", "tunnelProtocol: geneve\n  tunnelPort: 6082"),),
        at="tunnelPort: 6082",
        id="VTEP950-geneve-port",
    ),
    Case(
        "VTEP950",
        "cilium-vxlan",
        (("      selfIP: 10.1.6.34/24", "      profile: fl-vxlan\n      selfIP: 10.1.6.34/24"),),
        at="profile: fl-vxlan",
        id="VTEP950-profile-name",
    ),
    Case(
        "VTEP950",
        "cilium-geneve",
        (("      selfIP: 10.1.6.34/24", "      profile: own-geneve\n      selfIP: 10.1.6.34/24"),),
        at="profile: own-geneve",
        id="VTEP950-geneve-own-profile",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_code(case):
    assert_case(case)


@pytest.mark.parametrize("profile", ["vxlan", "flannel_vxlan_vxlan"])
def test_a_profile_named_as_do_names_it_or_a_builtin_one_keeps_the_do_declaration(profile):
    from .checks_support import edit, example, findings, validate

    text = edit(example("cilium-vxlan"), "      selfIP: 10.1.6.34/24", f"      profile: {profile}\n      selfIP: 10.1.6.34/24")
    assert not findings(validate(text), "VTEP950")


@pytest.mark.parametrize("flooding", ["point-to-point", "flood"])
def test_flooding_types_bigip_does_not_have_are_refused(flooding):
    from .checks_support import edit, example, validate

    text = edit(example("cilium-vxlan"), "      selfIP: 10.1.6.34/24", f"      floodingType: {flooding}\n      selfIP: 10.1.6.34/24")
    report = validate(text)
    assert not report.ok and any(d.code == "VTEP012" and "floodingType" in ".".join(map(str, d.path)) for d in report.diagnostics)
