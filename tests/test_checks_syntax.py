import pytest

from .checks_support import Case, assert_case, case_id

CASES = [
    Case("VTEP101", "cilium-vxlan", (("name: cilium-vxlan\n", "name: Cilium_VXLAN\n"),), at="Cilium_VXLAN"),
    Case("VTEP102", "cilium-vxlan", (("ip: 10.169.72.239", "ip: 10.169.72.300"),), at="10.169.72.300"),
    Case("VTEP103", "cilium-vxlan", (("podCIDR: 10.0.0.0/16", "podCIDR: 10.0.0.1/16"),), at="10.0.0.1/16"),
    Case("VTEP104", "cilium-vxlan", (("selfIP: 10.1.6.34/24", "selfIP: 10.1.6.34"),), at="selfIP: 10.1.6.34"),
    Case("VTEP105", "cilium-vxlan", (("mac: 00:50:56:a0:7d:d8", "mac: 00:50:56:a0:7d"),), at="mac: 00:50:56:a0:7d"),
    Case("VTEP106", "cilium-vxlan", (("- name: node1", "- name: Node_1"),), at="Node_1"),
    # A trailing newline is no match: `$` alone would accept it (re.match, not fullmatch).
    Case(
        "VTEP101",
        "cilium-vxlan",
        (("name: cilium-vxlan\n", 'name: "cilium-vxlan\\n"\n'),),
        at="cilium-vxlan",
        id="VTEP101-trailing-newline",
    ),
    Case("VTEP101", "cilium-vxlan", (("name: prod", "name: Prod"),), at="name: Prod", id="VTEP101-cluster-name"),
    Case(
        "VTEP101",
        "cilium-native-bgp",
        (("- name: bigip-1", "- name: " + "b" * 49),),
        at="b" * 49,
        id="VTEP101-bigip-name-too-long-for-cis-label",
    ),
    Case(
        "VTEP101",
        "cilium-native-bgp",
        (("- name: demo", "- name: " + "s" * 55),),
        at="s" * 55,
        id="VTEP101-service-name-too-long-for-pool-label",
    ),
    Case("VTEP102", "cilium-native-bgp", (("address: 10.1.0.253", "address: 'fe80::1%eth0'"),), at="fe80::1%eth0", id="VTEP102-ipv6-zone"),
    Case("VTEP104", "cilium-vxlan", (("selfIP: 10.1.6.34/24", "selfIP: 'fd00::34%2/64'"),), at="fd00::34%2/64", id="VTEP104-ipv6-zone"),
    Case(
        "VTEP105", "cilium-vxlan", (("mac: 00:50:56:a0:7d:d8", 'mac: "00:50:56:a0:7d:d8\\n"'),), at="mac: ", id="VTEP105-trailing-newline"
    ),
    Case("VTEP106", "cilium-vxlan", (("- name: node1", '- name: "node1\\n"'),), at="node1", id="VTEP106-trailing-newline"),
    Case("VTEP107", "cilium-vxlan", (("vlan: external", 'vlan: "ext $(touch PWNED)"'),), at="vlan:"),
    Case(
        "VTEP107",
        "cilium-vxlan-ha",
        (("trafficGroup: traffic-group-1", "trafficGroup: 'tg;reboot'"),),
        at="tg;reboot",
        id="VTEP107-traffic-group",
    ),
    Case("VTEP107", "cilium-native-bgp", (("partition: k8s", "partition: " + "p" * 49),), at="partition:", id="VTEP107-partition-too-long"),
    # 42 characters: the tunnel's own profile <name>_geneve would pass BIG-IP's 48.
    Case(
        "VTEP107",
        "cilium-geneve",
        (("name: cilium_geneve", "name: " + "t" * 42),),
        at="name: ttt",
        id="VTEP107-tunnel-name-leaves-no-room-for-its-profile",
    ),
    Case("VTEP108", "cilium-native-bgp", (("credentialsSecret: bigip-login", "credentialsSecret: Bigip_Login"),), at="Bigip_Login"),
    Case("VTEP108", "cilium-native-bgp", (("namespace: kube-system", "namespace: kube.system"),), at="kube.system", id="VTEP108-namespace"),
    Case("VTEP108", "cilium-native-bgp", (("service: demoservice", "service: 1demo"),), at="1demo", id="VTEP108-service"),
    Case("VTEP109", "cilium-native-bgp", (("name: uplink0", "name: uplink-0"),), at="uplink-0"),
    Case("VTEP109", "cilium-native-bgp", (("name: uplink0", "name: router"),), at="name: router", id="VTEP109-keyword"),
    Case("VTEP109", "cilium-native-bgp", (("name: uplink0", "name: static1"),), at="static1", id="VTEP109-default-protocol-name"),
    Case("VTEP110", "cilium-native-bgp", (("image: f5networks/k8s-bigip-ctlr:2.20.2", "image: F5Networks/CIS:2.20.2"),), at="image:"),
    Case(
        "VTEP110",
        "cilium-native-bgp",
        (("image: f5networks/k8s-bigip-ctlr:2.20.2", "image: 'f5networks/k8s-bigip-ctlr:2.20.2 --insecure'"),),
        at="image:",
        id="VTEP110-space",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_code(case):
    assert_case(case)
