import pytest

from .checks_support import Case, assert_case, case_id, example, validate

SERVICE = example("cilium-native-bgp")[example("cilium-native-bgp").index("  - name: demo\n") :]
CIS = (
    "cis:\n  image: f5networks/k8s-bigip-ctlr:2.20.2\n  namespace: kube-system\n  partition: k8s\n"
    "  credentialsSecret: bigip-login\n  poolMemberType: cluster\n\n"
)

CASES = [
    Case("VTEP801", "cilium-native-bgp", (("    virtualPort: 80\n", "    virtualPort: 80\n    bigip: bigip-9\n"),), at="bigip: bigip-9"),
    Case(
        "VTEP802",
        "cilium-native-bgp",
        ((SERVICE, SERVICE + SERVICE.replace("name: demo", "name: demo2")),),
        at="virtualAddress",
        at_occurrence=2,
    ),
    Case(
        "VTEP807",
        "cilium-native-bgp",
        (
            (
                "\nbgp:\n",
                "  - name: bigip-2\n    managementURL: https://10.1.0.101\n    routeDomain: 2\n"
                "    underlay: {vlan: internal, selfIP: 10.1.0.101/24, gateway: 10.1.0.254}\n\nbgp:\n",
            ),
        ),
        at="  - name: demo",
    ),
    Case(
        "VTEP808",
        "cilium-native-bgp",
        (
            (
                "\nbgp:\n",
                "  - name: bigip-2\n    managementURL: https://10.1.0.101\n"
                "    underlay: {vlan: internal, selfIP: 10.1.0.101/24, gateway: 10.1.0.254}\n\nbgp:\n",
            ),
            ("    virtualPort: 80\n", "    virtualPort: 80\n    bigip: bigip-1\n"),
        ),
        at="bigip: bigip-1\n    mode",
    ),
    Case("VTEP803", "cilium-native-bgp", (("timeout: 16", "timeout: 5"),), at="timeout: 5"),
    Case("VTEP804", "cilium-native-bgp", (("    managementURL: https://10.1.0.100\n", ""),), at="- name: bigip-1"),
    Case("VTEP805", "cilium-native-bgp", ((CIS, ""),), at="services:"),
    Case("VTEP806", "cilium-vxlan", (("bigips:\n", CIS.replace("cluster", "nodeport") + "bigips:\n"),), at="poolMemberType: nodeport"),
    Case("VTEP809", "cilium-native-bgp", (("virtualAddress: 10.1.10.100", "virtualAddress: 10.1.0.3"),), at="virtualAddress: 10.1.0.3"),
    Case(
        "VTEP809",
        "cilium-native-bgp",
        (("virtualAddress: 10.1.10.100", "virtualAddress: 10.1.0.100"),),
        at="virtualAddress: 10.1.0.100",
        id="VTEP809-self-ip",
    ),
    Case(
        "VTEP810",
        "cilium-native-bgp",
        (
            (
                SERVICE,
                SERVICE
                + SERVICE.replace("name: demo", "name: demo2")
                .replace("virtualPort: 80", "virtualPort: 81")
                .replace("servicePort: 80", "servicePort: 8080"),
            ),
        ),
        at="service: demoservice",
        at_occurrence=2,
    ),
    Case("VTEP811", "cilium-native-bgp", (("  - name: demo\n", f"  - name: {'d' * 61}\n"),), at="d" * 61),
    Case("VTEP812", "cilium-native-bgp", (("https://10.1.0.100", "http://10.1.0.100"),), at="http://10.1.0.100"),
    Case(
        "VTEP812", "cilium-native-bgp", (("https://10.1.0.100", "https://admin:s3cret@10.1.0.100"),), at="s3cret", id="VTEP812-credentials"
    ),
    Case("VTEP812", "cilium-native-bgp", (("https://10.1.0.100", "https://10.1.0.100/?a=b"),), at="/?a=b", id="VTEP812-query"),
    Case("VTEP812", "cilium-native-bgp", (("https://10.1.0.100", "https://10.1.0.100#x"),), at="#x", id="VTEP812-fragment"),
    Case("VTEP812", "cilium-native-bgp", (("https://10.1.0.100", "10.1.0.100"),), at="managementURL: 10.1.0.100", id="VTEP812-no-scheme"),
    Case("VTEP812", "cilium-native-bgp", (("https://10.1.0.100", "https://10.1.0.100:99999"),), at=":99999", id="VTEP812-port"),
    Case("VTEP812", "cilium-native-bgp", (("https://10.1.0.100", "https://bad_host!"),), at="bad_host", id="VTEP812-host"),
    Case(
        "VTEP809",
        "cilium-native-bgp",
        (("ip: 10.1.0.3,", "ip: 'fd00::3',"), ("virtualAddress: 10.1.10.100", "virtualAddress: 'fd00::3'")),
        at="virtualAddress: 'fd00::3'",
        id="VTEP809-ipv6",
    ),
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


def test_management_url_credentials_never_reach_the_message():
    text = example("cilium-native-bgp").replace("https://10.1.0.100", "https://admin:s3cret@10.1.0.100")
    (diag,) = [d for d in validate(text).diagnostics if d.code == "VTEP812"]
    assert "s3cret" not in diag.format_text() and "admin" not in diag.format_text()


@pytest.mark.parametrize(
    "url",
    [
        "https://10.1.0.100",
        "https://10.1.0.100:8443/",
        "https://bigip-1.example.com",
        "https://[fd00::100]:443",
        "HTTPS://BIGIP.example.com.",
    ],
)
def test_plain_https_urls_are_fine(url):
    text = example("cilium-native-bgp").replace("https://10.1.0.100", url)
    assert "VTEP812" not in [d.code for d in validate(text).diagnostics]


def test_as3_path_limit_matches_the_longest_path_vtepc_writes():
    # 60 characters: the longest path is exactly 195 (accepted); 61: 197 (refused by AS3's postValidator).
    from vtepc.checks.services import AS3_MAX_PATH, as3_paths
    from vtepc.state.as3 import as3_declaration

    for length, refused in ((60, False), (61, True)):
        text = example("cilium-native-bgp").replace("  - name: demo\n", f"  - name: {'d' * length}\n")
        report = validate(text)
        longest = max(as3_paths(as3_declaration(report.topology, report.topology.services)["declaration"]), key=len)
        assert (len(longest) > AS3_MAX_PATH) is refused, longest
        assert ("VTEP811" in [d.code for d in report.diagnostics]) is refused
