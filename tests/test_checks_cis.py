"""CIS is generated so that it starts and fills its pools (k8s-bigip-ctlr v2.20.2 behaviour)."""

from __future__ import annotations

import pytest
import yaml

from vtepc.api import render

from .checks_support import Case, assert_case, case_id, example, validate

CIS = (
    "\ncis:\n  image: f5networks/k8s-bigip-ctlr:2.20.2\n  namespace: kube-system\n  partition: k8s\n"
    "  credentialsSecret: bigip-login\n  poolMemberType: cluster\n"
)
MGMT = "    managementURL: https://192.0.2.20   # CIS manages this BIG-IP (--bigip-url)\n"
CILIUM_CIS = example("cilium-vxlan") + CIS  # managementURL is set in the example
TUNNEL = "    tunnel:\n"


def cilium_cis(*edits: tuple[str, str]) -> str:
    text = CILIUM_CIS
    for old, new in edits:
        assert old in text
        text = text.replace(old, new, 1)
    return text


CASES = [
    Case("VTEP901", "flannel", (("  poolMemberType: cluster\n", "  poolMemberType: cluster\n  insecure: true\n"),), at="insecure: true"),
    Case("VTEP902", "flannel", (("  partition: k8s\n", "  partition: Common\n"),), at="partition: Common"),
    Case("VTEP903", "cilium-native-bgp", (("  poolMemberType: cluster\n", "  poolMemberType: nodeportlocal\n"),), at="nodeportlocal"),
    Case("VTEP904", "flannel", ((TUNNEL, TUNNEL + "      name: k8s_vxlan\n"),), at="name: k8s_vxlan"),
    Case("VTEP905", "flannel", ((MGMT, MGMT + "    routeDomain: 2\n"),), at="routeDomain: 2", id="VTEP905-flannel"),
    Case("VTEP906", "flannel", ((MGMT, ""),), at="    tunnel:", id="VTEP906-no-management-url"),
    Case(
        "VTEP906",
        "flannel",
        (("  poolMemberType: cluster\n", "  poolMemberType: nodeportlocal\n"),),
        at="    tunnel:",
        id="VTEP906-nodeportlocal",
    ),
    Case(
        "VTEP907",
        "flannel",
        (("  poolMemberType: cluster\n", "  poolMemberType: cluster\n  trustedCertsConfigMap: bigip-ca\n"),),
        at="trustedCertsConfigMap",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_code(case):
    assert_case(case)


def test_flannel_without_cis_is_refused():
    text = example("flannel")
    text = text[: text.index("\n# Required with flannel")] + "\n"
    report = validate(text)
    assert [d.code for d in report.diagnostics if d.severity == "error"] == ["VTEP906"]


def test_flannel_with_nodeport_pools_needs_no_arp_entries():
    """nodeport pools go to node IPs, not through the tunnel: VTEP806 warns, no VTEP906."""
    codes = {d.code for d in validate(example("flannel").replace("poolMemberType: cluster", "poolMemberType: nodeport")).diagnostics}
    assert "VTEP806" in codes and "VTEP906" not in codes


def test_cilium_in_a_route_domain_with_cis_keeping_the_fdb_is_refused():
    text = cilium_cis(("    underlay:\n", "    routeDomain: 2\n    underlay:\n"), (TUNNEL, "    staticFDB: false\n" + TUNNEL))
    report = validate(text)
    assert "VTEP905" in [d.code for d in report.diagnostics if d.severity == "error"]


def _cis_args(text: str, bigip: str = "bigip-1") -> list[str]:
    report = validate(text)
    assert report.ok, [d.format_text() for d in report.diagnostics]
    docs = list(yaml.safe_load_all(render(report.topology)[f"kubernetes/cis-{bigip}.yaml"]))
    deployment = next(d for d in docs if d["kind"] == "Deployment")
    return deployment["spec"]["template"]["spec"]["containers"][0]["args"]


def test_route_domain_reaches_cis_and_cis_leaves_the_fdb_to_vtepc():
    """CIS overwrites every AS3 tenant's defaultRouteDomain with --default-route-domain (default 0);
    its own FDB records carry no %RD, so in RD 2 it is not given the Cilium tunnel."""
    args = _cis_args(cilium_cis(("    underlay:\n", "    routeDomain: 2\n    underlay:\n")))
    assert "--default-route-domain=2" in args
    assert not [a for a in args if a.startswith(("--cilium-name", "--flannel-name"))]
    args = _cis_args(CILIUM_CIS)
    assert "--cilium-name=/Common/flannel_vxlan" in args
    assert not [a for a in args if a.startswith("--default-route-domain")]


def test_trusted_certs_configmap_reaches_cis():
    args = _cis_args(
        cilium_cis(("  poolMemberType: cluster\n", "  poolMemberType: cluster\n  trustedCertsConfigMap: kube-system/bigip-ca\n"))
    )
    assert "--trusted-certs-cfgmap=kube-system/bigip-ca" in args and "--insecure=true" not in args


def test_nodeport_never_gets_a_tunnel_name():
    """CIS refuses --cilium-name/--flannel-name with nodeport ("Cannot run NodePort mode while supplying ...")."""
    args = _cis_args(cilium_cis(("  poolMemberType: cluster\n", "  poolMemberType: nodeport\n")))
    assert "--pool-member-type=nodeport" in args
    assert not [a for a in args if a.startswith(("--cilium-name", "--flannel-name"))]
