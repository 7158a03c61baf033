"""The same topology across Cilium chart versions: the right tunnel keys for each, each
accepted by its own chart's values.yaml (and values.schema.json from 1.16)."""

from __future__ import annotations

import pytest
import yaml

from vtepc import api
from vtepc.integrations.cilium.versions import UnsupportedCiliumVersion, parse_cilium_version
from vtepc.validate import load_topology

from .conftest import EXAMPLES
from .test_oracle_k8s import assert_values_match_chart


def _with(example: str, **cluster_updates):
    topology = load_topology(EXAMPLES / f"{example}.yaml")
    return topology.model_copy(update={"cluster": topology.cluster.model_copy(update=cluster_updates)})


def _rendered(topology) -> tuple[dict, dict]:
    artifacts = api.render(topology)
    values = yaml.safe_load(artifacts["kubernetes/cilium-values.yaml"])
    config = yaml.safe_load(artifacts["kubernetes/cilium-config.yaml"])["data"]
    return values, config


# version -> (tunnel values, tunnel config keys) for VXLAN on port 8473 (not the default)
TUNNEL_MATRIX = {
    "1.12.19": ({"tunnel": "vxlan", "tunnelPort": 8473}, {"tunnel": "vxlan", "tunnel-port": "8473"}),
    "1.13.18": ({"tunnel": "vxlan", "tunnelPort": 8473}, {"tunnel": "vxlan", "tunnel-port": "8473"}),
    "1.14.19": (
        {"routingMode": "tunnel", "tunnelProtocol": "vxlan", "tunnelPort": 8473},
        {"routing-mode": "tunnel", "tunnel-protocol": "vxlan", "tunnel-port": "8473"},
    ),
    "1.16.19": (
        {"routingMode": "tunnel", "tunnelProtocol": "vxlan", "tunnelPort": 8473},
        {"routing-mode": "tunnel", "tunnel-protocol": "vxlan", "tunnel-port": "8473"},
    ),
    "1.19.6": (
        {"routingMode": "tunnel", "tunnelProtocol": "vxlan", "tunnelPort": 8473},
        {"routing-mode": "tunnel", "tunnel-protocol": "vxlan", "tunnel-port": "8473"},
    ),
    "1.20.0": (
        {"routingMode": "tunnel", "tunnelProtocol": "vxlan", "tunnelPort": 8473},
        {"routing-mode": "tunnel", "tunnel-protocol": "vxlan", "tunnel-port": "8473"},
    ),
}
VTEP_KEYS = {"enable-vtep", "vtep-endpoint", "vtep-cidr", "vtep-mask", "vtep-mac"}
VTEP_VALUES = {"vtep", "l7Proxy"}  # VTEP pins l7Proxy on: without it the agent deletes VTEP routes


@pytest.mark.oracle
@pytest.mark.parametrize("version", sorted(TUNNEL_MATRIX, key=lambda v: parse_cilium_version(v)))
def test_tunnel_keys_per_version(version):
    expected_values, expected_config = TUNNEL_MATRIX[version]
    values, config = _rendered(_with("cilium-vxlan", cilium_version=version, tunnel_port=8473))
    assert {k: v for k, v in values.items() if k not in VTEP_VALUES} == expected_values
    assert {k: v for k, v in config.items() if k not in VTEP_KEYS | {"enable-l7-proxy"}} == expected_config
    assert set(config) - set(expected_config) == VTEP_KEYS | {"enable-l7-proxy"}
    assert values["l7Proxy"] is True and config["enable-l7-proxy"] == "true"
    assert "policyEnforcementMode" not in values and "enable-policy" not in config
    assert_values_match_chart(values, parse_cilium_version(version).minor)


@pytest.mark.oracle
@pytest.mark.parametrize("version", ["1.12.19", "1.13.18", "1.14.19", "1.15.19", "1.17.18", "1.18.12", "1.19.6", "1.20.0"])
def test_default_port_is_left_to_the_chart(version):
    values, config = _rendered(_with("cilium-geneve", cilium_version=version))
    assert "tunnelPort" not in values and "tunnel-port" not in config
    key = "tunnelProtocol" if parse_cilium_version(version).has_routing_mode else "tunnel"
    assert values[key] == "geneve"
    assert_values_match_chart(values, parse_cilium_version(version).minor)


@pytest.mark.oracle
@pytest.mark.parametrize(
    "version, routing",
    [
        ("1.12.19", {"tunnel": "disabled"}),
        ("1.13.18", {"tunnel": "disabled"}),
        ("1.14.19", {"routingMode": "native"}),
        ("1.20.0", {"routingMode": "native"}),
    ],
)
def test_native_routing_per_version(version, routing):
    values, config = _rendered(_with("cilium-native-bgp", cilium_version=version))
    assert values == routing | {"autoDirectNodeRoutes": False, "ipv4NativeRoutingCIDR": "10.16.0.0/16", "ipam": {"mode": "kubernetes"}}
    assert config["ipam"] == "kubernetes" and config["ipv4-native-routing-cidr"] == "10.16.0.0/16"
    assert "tunnel-protocol" not in config and not VTEP_KEYS & set(config)
    assert_values_match_chart(values, parse_cilium_version(version).minor)


@pytest.mark.parametrize("text", ["1.11.9", "2.0.0", "latest", None])
def test_versions_outside_the_known_charts_are_refused(text):
    with pytest.raises(UnsupportedCiliumVersion):
        parse_cilium_version(text)


def test_newer_minors_build_with_the_newest_chart_knowledge():
    """Validation warns (VTEP603) and the build follows 1.20, whose VTEP/routing keys it shares."""
    assert parse_cilium_version("1.21.0").has_routing_mode
    assert "vtep" in api.render(_with("cilium-vxlan", cilium_version="1.21.0"))["kubernetes/cilium-values.yaml"]


def test_version_forms():
    assert parse_cilium_version("v1.16") == parse_cilium_version("1.16.0")
    assert parse_cilium_version("1.19.0-rc.1") == parse_cilium_version("1.19.0")
    assert parse_cilium_version("1.16.19") > parse_cilium_version("1.16.2")


@pytest.mark.parametrize("example", ["cilium-native-bgp", "cilium-static", "cilium-vxlan"])
def test_ipam_mode_is_never_set_unless_the_topology_states_it(example):
    """Changing ipam.mode on a live cluster breaks it: without cluster.ipam no ipam value is emitted."""
    topology = _with(example, ipam=None)
    values, config = _rendered(topology)
    assert "ipam" not in values and "ipam" not in config
    said = "ipam.mode stays the cluster's own" in api.render(topology)["kubernetes/cilium-values.yaml"]
    assert said == (topology.cluster.routing != "tunnel")


@pytest.mark.parametrize("ipam", ["kubernetes", "cluster-pool"])
def test_stated_ipam_mode_is_set_as_stated(ipam):
    values, config = _rendered(_with("cilium-native-bgp", ipam=ipam))
    assert values["ipam"] == {"mode": ipam} and config["ipam"] == ipam


def test_l7_proxy_is_the_clusters_own_without_vtep_and_pinned_on_with_it():
    values, config = _rendered(_with("cilium-native-bgp"))
    assert "l7Proxy" not in values and "enable-l7-proxy" not in config
    values, config = _rendered(_with("cilium-native-bgp", l7_proxy=False))
    assert values["l7Proxy"] is False and config["enable-l7-proxy"] == "false"
    values, config = _rendered(_with("cilium-vxlan", l7_proxy=True))
    assert values["l7Proxy"] is True and list(config).count("enable-l7-proxy") == 1
