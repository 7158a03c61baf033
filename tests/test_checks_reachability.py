"""VTEP1001: validate walks every BIG-IP unit -> every node's pods and the reply (vtepc.reach).

The CASES are topologies every other check lets through (a warning at most) whose datapath the
model proves broken; tests/test_reach.py covers the failure classes other checks refuse first,
by building the broken state directly.
"""

import pytest

from vtepc.checks.reachability import origin_path

from .checks_support import Case, assert_case, case_id, validate

CASES = [
    # HA failover to a unit with another tunnel MAC: Cilium's vtep-mac is the first unit's, so
    # after failover bigip-2 receives frames for a MAC it does not have (VTEP707 only warns).
    Case(
        "VTEP1001",
        "cilium-vxlan-ha",
        (("mac: 00:50:56:a0:7d:d8", "mac: 00:50:56:86:6b:28", 2),),
        at="00:50:56:86:6b:28",
        id="VTEP1001-ha-failover-mac",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_code(case):
    assert_case(case)


def test_failover_names_the_breaking_hop_and_the_unit():
    report = validate(CASES[0].broken_text())
    [found] = [d for d in report.diagnostics if d.code == "VTEP1001"]
    assert found.message.startswith("bigip-2 (active; bigip-1 standby) -> pods on node1 and 1 more node(s): dropped at bigip-2 accept")
    assert "inner destination MAC 00:50:56:a0:7d:d8 is not bigip-2's tunnel MAC 00:50:56:86:6b:28" in found.message
    assert "DROP    bigip-2 accept" in found.hint  # the trace rides in the hint
    assert found.path == ("bigips", 1, "tunnel", "mac")


def test_the_trace_in_the_hint_prints_one_hop_per_line():
    report = validate(CASES[0].broken_text())
    [found] = [d for d in report.diagnostics if d.code == "VTEP1001"]
    _, hint, *trace = found.format_text().split("\n")
    assert hint == "  hint: trace (vtepc trace):" and "\\n" not in found.format_text()
    assert trace[0] == "    bigip-2 (active; bigip-1 standby) -> 10.0.0.1"
    assert any(line.startswith("       2. DROP    bigip-2 accept") for line in trace)


def test_reachability_stays_quiet_when_another_check_already_failed():
    text = CASES[0].broken_text().replace("selfIP: 10.1.6.36/24", "selfIP: 10.1.6.36/33")
    report = validate(text)
    assert report.errors and not [d for d in report.diagnostics if d.code == "VTEP1001"]


@pytest.mark.parametrize(
    "origin, path",
    [
        ("bigips[0].tunnel.vni", ("bigips", 0, "tunnel", "vni")),
        ("cluster.nodes[12].podCIDR", ("cluster", "nodes", 12, "podCIDR")),
        ("bigips[0].tunnel.selfIP, bigips[1].tunnel.selfIP", ("bigips", 0, "tunnel", "selfIP")),
        ("cis", ("cis",)),
    ],
)
def test_origin_path(origin, path):
    assert origin_path(origin) == path


def test_broken_release_stays_the_version_warning():
    report = validate(CASES[0].broken_text().replace("00:50:56:86:6b:28", "00:50:56:a0:7d:d8").replace('"1.16.19"', '"1.19.1"'))
    assert report.ok
    assert [d.code for d in report.diagnostics] == ["VTEP605"]
