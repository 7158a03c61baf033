"""`vtepc diff` with routing: static against the emulators: the routes CIS keeps on the BIG-IP (net
route, its partition) and what the live nodes give CIS (the pod CIDR annotation, the InternalIP),
compared with the topology's routes, each difference with its reason."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from tests.conftest import EXAMPLES
from tests.emulators.fixtures import desired_example, emulate
from tests.emulators.fixtures import bigip_env, certificates  # noqa: F401 (fixtures)
from tests.test_e2e_diff_live import _diff
from vtepc.cli import app
from vtepc.integrations.cilium.versions import POD_CIDR_ANNOTATION
from vtepc.state.cluster import ClusterState
from vtepc.state.static_routes import NO_LIVE_NODE, CisRoute

pytestmark = pytest.mark.slow  # the emulated APIs on local sockets

ROUTE = "cis/static-route"
runner = CliRunner()


def _live_args(emulated, certs) -> list[str]:
    return [*emulated.bigip_args(), "--kubeconfig", str(emulated.kubeconfig), "--ca-bundle", str(certs.ca)]


def _changes(result) -> dict[tuple[str, str, str], dict]:
    doc = json.loads(result.stdout)
    return {(c["action"], c["name"], c["field"]): c for c in doc["changes"] if c["kind"] == ROUTE}


def test_cilium_live_nodes_missing_annotation_wrong_pod_cidr_and_a_stale_route(tmp_path, bigip_env, certificates):  # noqa: F811
    with emulate(desired_example("cilium-static"), tmp_path, certificates) as emulated:
        clean = _diff(emulated, "cilium-static", certificates)
        assert clean.exit_code == 0, clean.output
        kube, device = emulated.kube, emulated.bigips["bigip-1"]
        # node1 lost its annotation (annotateK8sNode off), so CIS removed its route;
        del kube.get_object("v1", "Node", "node1")["metadata"]["annotations"][POD_CIDR_ANNOTATION]
        device.remove("net/route", "/k8s/k8s-node1-10.3.0.11")
        # node2's annotation names another CIDR, which CIS routed;
        kube.get_object("v1", "Node", "node2")["metadata"]["annotations"][POD_CIDR_ANNOTATION] = "10.42.9.0/24"
        device.put("net/route", "k8s-node2-10.3.0.12", "k8s", network="10.42.9.0/24", gw="10.3.0.12")
        # a route for node4, which no longer exists.
        device.put("net/route", "k8s-node4-10.3.0.14", "k8s", network="10.42.3.0/24", gw="10.3.0.14")
        result = _diff(emulated, "cilium-static", certificates, "--format", "json")
        text = _diff(emulated, "cilium-static", certificates, "--no-color")
        recorded = runner.invoke(
            app, ["snapshot", str(EXAMPLES / "cilium-static.yaml"), "-o", str(tmp_path / "snap"), *_live_args(emulated, certificates)]
        )
        assert recorded.exit_code == 0, recorded.output
    from_snapshot = runner.invoke(
        app, ["diff", str(EXAMPLES / "cilium-static.yaml"), "--snapshot", str(tmp_path / "snap"), "--format", "json"]
    )
    assert from_snapshot.exit_code == 2 and _changes(from_snapshot) == _changes(result)
    assert result.exit_code == 2, result.output
    changes = _changes(result)
    missing = changes[("change", "bigip-1/k8s-node1-10.3.0.11", "network")]
    assert (missing["before"], missing["after"], missing["origin"]) == ("", "10.42.0.0/24", "cluster.nodes[0]")
    reason = changes[("change", "bigip-1/k8s-node1-10.3.0.11", "podCIDRFrom")]
    assert reason["before"] == f"{POD_CIDR_ANNOTATION} (absent: CIS adds no route)" and reason["after"] == POD_CIDR_ANNOTATION
    wrong = changes[("change", "bigip-1/k8s-node2-10.3.0.12", "network")]
    assert (wrong["before"], wrong["after"]) == ("10.42.9.0/24", "10.42.1.0/24")
    stale = changes[("remove", "bigip-1/k8s-node4-10.3.0.14", "")]
    assert stale["origin"].startswith("drift") and stale["before"]["podCIDRFrom"] == NO_LIVE_NODE
    assert len(changes) == 4
    # The packet model on what CIS makes now: node1 (no route) and node2 (a route elsewhere) are cut off.
    dropped = {node for found in json.loads(result.stdout)["would_drop"] for node in found["nodes"]}
    assert dropped == {"node1", "node2"}
    assert "absent: CIS adds no route" in text.stdout


def test_flannel_reads_node_spec_pod_cidr_and_a_node_added_outside_the_topology_is_a_stale_route(tmp_path, bigip_env, certificates):  # noqa: F811
    with emulate(desired_example("flannel-static"), tmp_path, certificates) as emulated:
        clean = _diff(emulated, "flannel-static", certificates)
        assert clean.exit_code == 0, clean.output
        emulated.kube.add_node("node3", "172.16.2.12", "10.244.3.0/24")  # joined; CIS routed it from spec.podCIDR
        emulated.bigips["bigip-1"].put("net/route", "k8s-node3-172.16.2.12", "k8s", network="10.244.3.0/24", gw="172.16.2.12")
        result = _diff(emulated, "flannel-static", certificates, "--format", "json")
    assert result.exit_code == 2, result.output
    [(key, change)] = _changes(result).items()
    assert key == ("remove", "bigip-1/k8s-node3-172.16.2.12", "")
    assert change["before"] == {"network": "10.244.3.0/24", "gw": "172.16.2.12", "podCIDRFrom": "node.spec.podCIDR"}


def test_the_routes_round_trip_through_a_snapshot():
    state = desired_example("cilium-static").cluster
    routes = state.of_kind(CisRoute)
    assert [r.name for r in routes] == ["bigip-1/k8s-node1-10.3.0.11", "bigip-1/k8s-node2-10.3.0.12", "bigip-1/k8s-node3-10.3.0.13"]
    assert ClusterState.from_jsonable(json.loads(json.dumps(state.to_jsonable()))).of_kind(CisRoute) == routes
