import pytest

from .checks_support import Case, assert_case, case_id

CASES = [
    Case("VTEP101", "cilium-vxlan", (("name: cilium-vxlan\n", "name: Cilium_VXLAN\n"),), at="Cilium_VXLAN"),
    Case("VTEP102", "cilium-vxlan", (("ip: 10.169.72.239", "ip: 10.169.72.300"),), at="10.169.72.300"),
    Case("VTEP103", "cilium-vxlan", (("podCIDR: 10.0.0.0/16", "podCIDR: 10.0.0.1/16"),), at="10.0.0.1/16"),
    Case("VTEP104", "cilium-vxlan", (("selfIP: 10.1.6.34/24", "selfIP: 10.1.6.34"),), at="selfIP: 10.1.6.34"),
    Case("VTEP105", "cilium-vxlan", (("mac: 00:50:56:a0:7d:d8", "mac: 00:50:56:a0:7d"),), at="mac: 00:50:56:a0:7d"),
    Case("VTEP106", "cilium-vxlan", (("- name: node1", "- name: Node_1"),), at="Node_1"),
]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_code(case):
    assert_case(case)
