"""routing: static (CIS static routing mode): the checks of vtepc/checks/static_routing.py, one case per code,
and what the mode builds (CIS flags, Cilium values) and walks (vtepc trace)."""

import pytest

from vtepc import api
from vtepc.integrations import integration
from vtepc.integrations.cilium.versions import POD_CIDR_ANNOTATION, POD_CIDR_ANNOTATION_BEFORE_1_13, pod_cidr_annotation
from vtepc.reach.model import DROP, Fabric
from vtepc.state.static_routes import cis_static_routes

from .checks_support import Case, assert_case, case_id, example, findings, line_of, validate
from .test_integrations import toy  # noqa: F401 (the fixture that registers the test tree's mode)

CILIUM_HEAD = '  cni: cilium\n  ciliumVersion: "1.17.18"\n'
IPAM_LINE = "  ipam: kubernetes                # pods come from Node.spec.podCIDR, which Cilium copies to its annotation\n"
UNDERLAY = "      selfIP: 10.3.0.100/24       # every node IP is on this subnet: CIS's routes go via the node IPs\n"

CASES = [
    Case("VTEP520", "cilium-static", ((UNDERLAY, UNDERLAY + "    tunnel:\n      selfIP: 10.1.6.34/24\n"),), at="    tunnel:"),
    Case("VTEP521", "cilium-static", ((CILIUM_HEAD, "  cni: toy\n"), (IPAM_LINE, "")), at="routing: static", extra={"toy": True}),
    Case(
        "VTEP522",
        "cilium-static",
        ((example("cilium-static")[example("cilium-static").index("# Required with") :], ""),),
        at="routing: static",
    ),
    Case("VTEP523", "cilium-static", (("poolMemberType: cluster", "poolMemberType: nodeport"),), at="poolMemberType: nodeport"),
    Case("VTEP524", "cilium-static", (("ip: 10.3.0.13,", "ip: 10.3.1.13,"),), at="ip: 10.3.1.13"),
    Case("VTEP524", "flannel-static", (("ip: 172.16.2.11,", "ip: 172.17.2.11,"),), at="ip: 172.17.2.11", id="VTEP524-flannel"),
    Case(
        "VTEP525",
        "cilium-static",
        (("    managementURL: https://10.3.0.100\n", "    managementURL: https://10.3.0.100\n    routeDomain: 5\n"),),
        at="routeDomain: 5",
    ),
    Case("VTEP526", "cilium-static", ((", podCIDR: 10.42.2.0/24}", "}"),), at="name: node3"),
    Case("VTEP527", "cilium-static", (("k8s-bigip-ctlr:2.20.2", "k8s-bigip-ctlr:2.12.1"),), at="image: f5networks"),
]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_code(case, request):
    if case.extra.get("toy"):
        request.getfixturevalue("toy")
    assert_case(case)


@pytest.mark.parametrize("name", ["cilium-static", "flannel-static"])
def test_static_examples_are_clean(name):
    report = validate(example(name))
    assert report.ok and not report.diagnostics


def test_cilium_static_without_ipam_warns_that_the_annotation_depends_on_it():
    text = example("cilium-static").replace(IPAM_LINE, "")
    [diag] = findings(validate(text), "VTEP320")
    assert "routing: static" in diag.message and diag.position.line == line_of(text, "routing: static")


def test_bgp_and_the_native_checks_stay_quiet_or_say_static():
    text = example("cilium-static").replace("cis:\n", "bgp:\n  asn: 64512\n  peers: []\ncis:\n")
    codes = [d.code for d in validate(text).diagnostics]
    assert codes == ["VTEP506"]  # bgp is ignored; no VTEP502 (peers) nor VTEP504 (gateway) for static routing
    assert "routing: static" in findings(validate(text), "VTEP506")[0].message


def test_the_registry_names_the_cni_and_where_cis_reads_the_pod_cidr():
    cilium, flannel = integration("cilium").static_routing, integration("flannel").static_routing
    assert cilium is not None and flannel is not None
    assert (cilium.orchestration_cni, flannel.orchestration_cni) == ("cilium-k8s", "flannel")
    topology = validate(example("cilium-static")).topology
    assert cilium.pod_cidr_annotation(topology.cluster) == POD_CIDR_ANNOTATION == "network.cilium.io/ipv4-pod-cidr"
    assert flannel.pod_cidr_annotation(validate(example("flannel-static")).topology.cluster) is None  # node.spec.podCIDR
    old = validate(example("cilium-static").replace('"1.17.18"', '"1.12.19"')).topology
    assert pod_cidr_annotation(old.cluster) == POD_CIDR_ANNOTATION_BEFORE_1_13 == "io.cilium.network.ipv4-pod-cidr"


@pytest.mark.parametrize("name, cni", [("cilium-static", "cilium-k8s"), ("flannel-static", "flannel")])
def test_cis_runs_in_static_routing_mode_without_a_tunnel(name, cni):
    files, _ = api.build_from_bytes(example(name).encode(), "topology.yaml")
    cis = files["kubernetes/cis-bigip-1.yaml"]
    assert '"--static-routing-mode=true"' in cis and f'"--orchestration-cni={cni}"' in cis
    assert "--flannel-name" not in cis and "--cilium-name" not in cis
    tmsh = files["bigip/bigip-1/network.tmsh"]
    assert "tunnel" not in tmsh.split("# Underlay self IPs")[1] and "fdb" not in tmsh and "net route" not in tmsh
    assert "CIS's (--static-routing-mode)" in tmsh
    assert not any(path.startswith("kubernetes/flannel") for path in files)  # the BIG-IP is no flannel node


def test_cilium_static_values_annotate_the_node_and_route_natively():
    files, _ = api.build_from_bytes(example("cilium-static").encode(), "topology.yaml")
    values = files["kubernetes/cilium-values.yaml"]
    for line in ("annotateK8sNode: true", "routingMode: native", 'ipv4NativeRoutingCIDR: "10.42.0.0/16"', "autoDirectNodeRoutes: true"):
        assert line in values
    old, _ = api.build_from_bytes(example("cilium-static").replace('"1.17.18"', '"1.13.18"').encode(), "topology.yaml")
    assert "tunnel: disabled" in old["kubernetes/cilium-values.yaml"] and "annotateK8sNode: true" in old["kubernetes/cilium-values.yaml"]


def test_the_routes_cis_makes_are_named_as_cis_names_them():
    topology = validate(example("cilium-static")).topology
    routes = cis_static_routes(topology)
    assert [(r.name, r.partition, r.network, r.gw) for r in routes] == [
        ("k8s-node1-10.3.0.11", "k8s", "10.42.0.0/24", "10.3.0.11"),
        ("k8s-node2-10.3.0.12", "k8s", "10.42.1.0/24", "10.3.0.12"),
        ("k8s-node3-10.3.0.13", "k8s", "10.42.2.0/24", "10.3.0.13"),
    ]


def test_trace_walks_the_cis_route_to_the_node_and_back():
    fabric = Fabric.from_topology(validate(example("cilium-static")).topology)
    trace = fabric.trace("bigip-1", fabric.resolve_destination("node2"))
    assert trace.delivered
    assert [(h.where, h.step) for h in trace.forward] == [("bigip-1", "route"), ("bigip-1", "arp"), ("node2", "deliver")]
    assert "k8s-node2-10.3.0.12" in trace.forward[0].decision
    assert [(h.where, h.step) for h in trace.reply] == [("node2", "route"), ("bigip-1", "accept")]


def test_trace_names_the_first_failing_hop_for_a_node_off_link():
    """The negative example: node3 off the BIG-IP's subnet; the BIG-IP has CIS's route but cannot reach its gateway."""
    text = example("cilium-static").replace("ip: 10.3.0.13,", "ip: 10.3.1.13,")
    report = validate(text)
    assert [d.code for d in report.diagnostics] == ["VTEP524"]
    fabric = Fabric.from_topology(report.topology)
    trace = fabric.trace("bigip-1", fabric.resolve_destination("node3"))
    failure = trace.failure
    assert failure is not None and failure.status == DROP
    assert (failure.where, failure.step) == ("bigip-1", "route") and "10.3.1.13%0 is not on a connected subnet" in failure.decision
    assert fabric.trace("bigip-1", fabric.resolve_destination("node1")).delivered
