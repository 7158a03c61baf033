import pytest

from .checks_support import Case, assert_case, case_id, example, validate

SERVICE = example("cilium-native-bgp")[example("cilium-native-bgp").index("  - name: demo\n"):]
CIS = (
    "cis:\n  image: f5networks/k8s-bigip-ctlr:2.20.2\n  namespace: kube-system\n  partition: k8s\n"
    "  credentialsSecret: bigip-login\n  poolMemberType: cluster\n\n"
)

CASES = [
    Case("VTEP801", "cilium-native-bgp", (("    virtualPort: 80\n", "    virtualPort: 80\n    bigip: bigip-9\n"),), at="bigip: bigip-9"),
    Case("VTEP802", "cilium-native-bgp", ((SERVICE, SERVICE + SERVICE.replace("name: demo", "name: demo2")),),
         at="virtualAddress", at_occurrence=2),
    Case(
        "VTEP807", "cilium-native-bgp",
        (("\nbgp:\n",
          "  - name: bigip-2\n    managementURL: https://10.1.0.101\n    routeDomain: 2\n"
          "    underlay: {vlan: internal, selfIP: 10.1.0.101/24, gateway: 10.1.0.254}\n\nbgp:\n"),),
        at="  - name: demo",
    ),
    Case(
        "VTEP808", "cilium-native-bgp",
        (("\nbgp:\n",
          "  - name: bigip-2\n    managementURL: https://10.1.0.101\n"
          "    underlay: {vlan: internal, selfIP: 10.1.0.101/24, gateway: 10.1.0.254}\n\nbgp:\n"),
         ("    virtualPort: 80\n", "    virtualPort: 80\n    bigip: bigip-1\n")),
        at="bigip: bigip-1\n    mode",
    ),
    Case("VTEP803", "cilium-native-bgp", (("timeout: 16", "timeout: 5"),), at="timeout: 5"),
    Case("VTEP804", "cilium-native-bgp", (("    managementURL: https://10.1.0.100\n", ""),), at="- name: bigip-1"),
    Case("VTEP805", "cilium-native-bgp", ((CIS, ""),), at="services:"),
    Case("VTEP806", "cilium-vxlan", (("bigips:\n", CIS.replace("cluster", "nodeport") + "bigips:\n"),), at="poolMemberType: nodeport"),
]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_code(case):
    assert_case(case)


def test_same_listener_on_different_bigips_is_fine():
    text = example("cilium-vxlan-two-bigips") + (
        "services:\n"
        "  - {name: a, service: s, servicePort: 80, virtualAddress: 10.169.72.100, virtualPort: 80, bigip: bigip-1}\n"
        "  - {name: b, service: s, servicePort: 80, virtualAddress: 10.169.72.100, virtualPort: 80, bigip: bigip-2}\n"
    )
    assert "VTEP802" not in {d.code for d in validate(text).diagnostics}


def test_unknown_bigip_suggests_the_close_name():
    text = edit_service_bigip("bigip-l")
    (diag,) = [d for d in validate(text).diagnostics if d.code == "VTEP801"]
    assert "did you mean 'bigip-1'?" in diag.message


def edit_service_bigip(name: str) -> str:
    return example("cilium-native-bgp").replace("    virtualPort: 80\n", f"    virtualPort: 80\n    bigip: {name}\n")
