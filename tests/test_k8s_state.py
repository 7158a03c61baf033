"""Cluster desired state and the artifacts built from it: consistency with the BIG-IP side,
omission when a tunnel MAC is unknown, CIS flags, flannel Node, AS3 ConfigMaps, round-trip."""

from __future__ import annotations

import ipaddress
import json
import re

import pytest
import yaml

from vtepc import api
from vtepc.state import compile_desired_state
from vtepc.state.bigip import TUNNEL_SELF, SelfIp, Tunnel
from vtepc.integrations.cilium.state import cis_supports_cilium_name
from vtepc.integrations.cilium.state import CiliumConfig
from vtepc.state.cluster import As3ConfigMap, ClusterState, CisController
from vtepc.validate import load_topology

from .conftest import EXAMPLE_FILES, EXAMPLES

TUNNEL_CILIUM_EXAMPLES = [
    p for p in EXAMPLE_FILES if "ciliumVersion" in p.read_text() and not re.search("routing: (native|static)", p.read_text())
]


def _load(name: str):
    return load_topology(EXAMPLES / f"{name}.yaml")


def strip_route_domain(address: str) -> str:
    return re.sub(r"%\d+", "", address)


def _bigip_vteps(state) -> list[tuple[str, str, str]]:
    """(endpoint, cidr, mac) read from the BIG-IP network objects, one per distinct endpoint+CIDR."""
    out = []
    for bigip in state.bigips.values():
        tunnel = bigip.of_kind(Tunnel)[0]
        self_ip = next(s for s in bigip.of_kind(SelfIp) if s.name == TUNNEL_SELF)
        endpoint = strip_route_domain(tunnel.local_address)
        cidr = str(ipaddress.ip_interface(strip_route_domain(self_ip.address)).network)
        if all((endpoint, cidr) != (e, c) for e, c, _ in out):
            out.append((endpoint, cidr, bigip.vtep.mac))
    return out


@pytest.mark.parametrize("example", TUNNEL_CILIUM_EXAMPLES, ids=lambda p: p.stem)
def test_vtep_lists_agree_with_the_bigip_side(example):
    topology = load_topology(example)
    artifacts = api.render(topology)
    values = yaml.safe_load(artifacts["kubernetes/cilium-values.yaml"])["vtep"]
    config = yaml.safe_load(artifacts["kubernetes/cilium-config.yaml"])["data"]
    expected = _bigip_vteps(compile_desired_state(topology))
    for field, key, position in (("endpoint", "vtep-endpoint", 0), ("cidr", "vtep-cidr", 1), ("mac", "vtep-mac", 2)):
        assert values[field].split(" ") == config[key].split(" ") == [v[position] for v in expected]
        assert "," not in config[key] and "  " not in config[key]
    masks = {str(ipaddress.ip_network(cidr).netmask) for _, cidr, _ in expected}
    assert [values["mask"]] == [config["vtep-mask"]] == sorted(masks)
    assert values["enabled"] is True and config["enable-vtep"] == "true"


def test_ha_pair_is_one_vtep():
    state = compile_desired_state(_load("cilium-vxlan-ha"))
    config = state.cluster.one(CiliumConfig)
    assert config.data["vtep-endpoint"] == "10.169.72.40"
    assert config.key_origins["vtep-endpoint"] == "bigips[0].ha.floatingUnderlayIP"


def test_unknown_mac_omits_vtep_settings_but_keeps_routing():
    topology = _load("cilium-vxlan-two-bigips")
    bigips = list(topology.bigips)
    bigips[1] = bigips[1].model_copy(update={"tunnel": bigips[1].tunnel.model_copy(update={"mac": None})})
    topology = topology.model_copy(update={"bigips": bigips})
    state = compile_desired_state(topology)
    assert state.cluster.omitted and "bigips[1].tunnel.mac" in state.cluster.omitted[0].why
    artifacts = api.render(topology)
    values = yaml.safe_load(artifacts["kubernetes/cilium-values.yaml"])
    config = yaml.safe_load(artifacts["kubernetes/cilium-config.yaml"])["data"]
    assert "vtep" not in values and not any(k.startswith("vtep") or k == "enable-vtep" for k in config)
    assert values["routingMode"] == "tunnel"
    assert "bigips[1].tunnel.mac" in artifacts["kubernetes/cilium-values.yaml"]  # the file says why


def test_unknown_mac_omits_the_flannel_node():
    topology = _load("flannel")
    bigip = topology.bigips[0]
    topology = topology.model_copy(update={"bigips": [bigip.model_copy(update={"tunnel": bigip.tunnel.model_copy(update={"mac": None})})]})
    artifacts = api.render(topology)
    assert "kubernetes/bigip-node-bigip-1.yaml" not in artifacts
    assert "kubernetes/cis-bigip-1.yaml" in artifacts  # CIS does not need the MAC
    assert compile_desired_state(topology).cluster.omitted


def test_flannel_node():
    node = yaml.safe_load(api.render(_load("flannel"))["kubernetes/bigip-node-bigip-1.yaml"])
    assert node["spec"] == {"podCIDR": "10.244.30.0/24"}
    annotations = node["metadata"]["annotations"]
    assert json.loads(annotations["flannel.alpha.coreos.com/backend-data"]) == {"VtepMAC": "00:50:56:bb:70:8b"}
    assert annotations["flannel.alpha.coreos.com/public-ip"] == "172.16.1.28"
    assert annotations["flannel.alpha.coreos.com/backend-type"] == "vxlan"
    assert annotations["flannel.alpha.coreos.com/kube-subnet-manager"] == "true"


def _cis_topology(example: str, **cis):
    topology = _load(example)
    base = {"partition": "k8s", "credentialsSecret": "bigip-login"}
    from vtepc.model import Cis

    bigips = [b.model_copy(update={"management_url": b.management_url or "https://192.0.2.10"}) for b in topology.bigips]
    return topology.model_copy(update={"cis": Cis.model_validate(base | cis), "bigips": bigips})


def _cis_args(topology, bigip: int = 0) -> tuple[str, ...]:
    return compile_desired_state(topology).cluster.of_kind(CisController)[bigip].args


@pytest.mark.parametrize(
    "example, image, expected",
    [
        ("cilium-vxlan", "f5networks/k8s-bigip-ctlr:2.20.2", "--cilium-name=/Common/flannel_vxlan"),
        ("cilium-vxlan", "f5networks/k8s-bigip-ctlr:2.12.1", "--flannel-name=/Common/flannel_vxlan"),
        ("cilium-vxlan", "f5networks/k8s-bigip-ctlr:v2.13.0", "--cilium-name=/Common/flannel_vxlan"),
        ("cilium-geneve", "f5networks/k8s-bigip-ctlr:latest", "--cilium-name=/Common/cilium_geneve"),
        ("flannel", "f5networks/k8s-bigip-ctlr:2.20.2", "--flannel-name=/Common/flannel_vxlan"),
    ],
)
def test_cis_tunnel_flag_by_mode_and_version(example, image, expected):
    args = _cis_args(_cis_topology(example, image=image))
    tunnel_flags = [a for a in args if a.startswith(("--cilium-name", "--flannel-name"))]
    assert tunnel_flags == [expected]


def test_cis_native_routing_has_no_tunnel_or_static_routes():
    args = _cis_args(_load("cilium-native-bgp"))
    assert not [a for a in args if a.startswith(("--cilium-name", "--flannel-name", "--static-routing-mode", "--orchestration-cni"))]
    assert "--bigip-url=https://10.1.0.100" in args and "--bigip-partition=k8s" in args and "--pool-member-type=cluster" in args


def test_cis_nodeport_gets_no_tunnel_name():
    args = _cis_args(_cis_topology("cilium-vxlan", poolMemberType="nodeport"))
    assert "--pool-member-type=nodeport" in args
    assert not [a for a in args if a.startswith(("--cilium-name", "--flannel-name"))]


def test_cis_tls_verified_unless_insecure():
    assert not [a for a in _cis_args(_load("cilium-native-bgp")) if "insecure" in a]
    assert "--insecure=true" in _cis_args(_cis_topology("cilium-vxlan", insecure=True))


def test_cis_credentials_come_from_the_secret_only():
    text = api.render(_load("cilium-native-bgp"))["kubernetes/cis-bigip-1.yaml"]
    deployment = [d for d in yaml.safe_load_all(text) if d["kind"] == "Deployment"][0]
    assert deployment["spec"]["replicas"] == 1
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert {e["name"]: e["valueFrom"]["secretKeyRef"] for e in container["env"]} == {
        "BIGIP_USERNAME": {"name": "bigip-login", "key": "username"},
        "BIGIP_PASSWORD": {"name": "bigip-login", "key": "password"},
    }
    assert all("value" not in e for e in container["env"])
    assert "--bigip-password=$(BIGIP_PASSWORD)" in container["args"]


def test_one_cis_per_bigip_with_distinct_names():
    topology = _cis_topology("cilium-vxlan-two-bigips")
    artifacts = api.render(topology)
    assert {"kubernetes/cis-bigip-1.yaml", "kubernetes/cis-bigip-2.yaml"} <= set(artifacts)
    names = [
        (d["kind"], d["metadata"]["name"])
        for p in ("kubernetes/cis-bigip-1.yaml", "kubernetes/cis-bigip-2.yaml")
        for d in yaml.safe_load_all(artifacts[p])
    ]
    assert len(names) == len(set(names)) == 8


def test_as3_configmap_wraps_the_bigip_declaration():
    topology = _load("cilium-native-bgp")
    state = compile_desired_state(topology)
    configmap = yaml.safe_load(api.render(topology)["kubernetes/as3-demo.yaml"])
    # CIS discovers the Service in the ConfigMap's own namespace (as3ConfigMap.go processCfgMap).
    assert configmap["metadata"]["namespace"] == topology.services[0].namespace
    assert configmap["metadata"]["labels"] == {"f5type": "virtual-server", "as3": "true"}
    assert json.loads(configmap["data"]["template"]) == state.bigips["bigip-1"].as3
    assert state.cluster.one(As3ConfigMap).origin == "services[0]"


def test_cluster_state_round_trips_through_json():
    for example in EXAMPLE_FILES:
        cluster = compile_desired_state(load_topology(example)).cluster
        data = json.loads(json.dumps(cluster.to_jsonable()))
        again = ClusterState.from_jsonable(data)
        assert again == cluster
        assert [o.origin for o in again.objects()] == [o.origin for o in cluster.objects()]


def test_objects_sorted_and_origins_set():
    cluster = compile_desired_state(_load("cilium-native-bgp")).cluster
    keys = [(o.kind, o.name) for o in cluster.objects()]
    assert keys == sorted(keys)
    assert all(o.origin for o in cluster.objects())
    assert [n.name for n in cluster.nodes] == [f"node{i}" for i in range(1, 7)]


def test_cis_image_tag_parsing():
    assert cis_supports_cilium_name("registry.example/f5/k8s-bigip-ctlr:2.13.0")
    assert not cis_supports_cilium_name("f5networks/k8s-bigip-ctlr:2.9.1")
    assert cis_supports_cilium_name("f5networks/k8s-bigip-ctlr")


def test_yaml_quoting_is_safe_for_yaml_1_1_readers():
    # PyYAML reads YAML 1.1 like go-yaml: 12:34:56 would be a base-60 integer, on/yes booleans.
    topology = _load("cilium-vxlan")
    bigip = topology.bigips[0]
    topology = topology.model_copy(
        update={"bigips": [bigip.model_copy(update={"tunnel": bigip.tunnel.model_copy(update={"mac": "12:34:56:12:34:56"})})]}
    )
    values = yaml.safe_load(api.render(topology)["kubernetes/cilium-values.yaml"])
    assert values["vtep"]["mac"] == "12:34:56:12:34:56"


def test_service_labels_name_the_as3_objects_cis_discovers():
    """README documents vtepc.state.cluster.service_labels as the labels a Service needs."""
    from vtepc.state.as3 import application_name, as3_tenant, pool_name
    from vtepc.state.cluster import service_labels
    from vtepc.validate import load_topology

    topology = load_topology(EXAMPLES / "cilium-native-bgp.yaml")
    service = topology.services[0]
    assert service_labels(topology) == {
        service.name: {
            "app": service.service,
            "cis.f5.com/as3-tenant": as3_tenant(topology, service),
            "cis.f5.com/as3-app": application_name(service),
            "cis.f5.com/as3-pool": pool_name(service),
        }
    }
