"""BIG-IP desired state and its renderers, mode by mode."""

from __future__ import annotations

import copy
import json

import pytest
from ruamel.yaml import YAML

from vtepc import api
from vtepc.model import Topology, resolve
from vtepc.render import render_all
from vtepc.state import compile_desired_state
from vtepc.state.bigip import (
    BigipCompileError,
    BigipState,
    FdbRecord,
    GeneveProfile,
    Route,
    RouteDomainVlan,
    SelfIp,
    SysDb,
    Tunnel,
    VxlanProfile,
    compile_bigips,
    display_address,
    normalize_address,
)

from .conftest import EXAMPLES


def _data(example: str) -> dict:
    return YAML(typ="safe").load((EXAMPLES / f"{example}.yaml").read_text())


def _states(data: dict) -> dict[str, BigipState]:
    return compile_bigips(resolve(Topology.model_validate(data)))


def _artifacts(data: dict) -> dict[str, str]:
    return render_all(compile_desired_state(resolve(Topology.model_validate(data))))


def _one(state: BigipState, cls: type, name: str | None = None):
    found = [o for o in state.of_kind(cls) if name is None or o.name == name]
    assert len(found) == 1, found
    return found[0]


def test_seed_000_tmsh_has_the_seeds_values():
    artifacts, _ = api.build(EXAMPLES / "cilium-vxlan.yaml")
    tmsh = artifacts["bigip/bigip-1/network.tmsh"]
    lines = tmsh.splitlines()
    # The profile is named as DO names it (<tunnel>_vxlan), so network.tmsh and the DO declaration agree.
    assert "tmsh create net tunnels vxlan flannel_vxlan_vxlan port 8472 flooding-type multipoint" in lines
    tunnel = next(line for line in lines if line.startswith("tmsh create net tunnels tunnel "))
    assert " key 2 " in tunnel and " local-address 10.169.72.34 " in tunnel and " profile flannel_vxlan_vxlan " in tunnel
    assert "tmsh create net self vtepc-tunnel address 10.1.6.34/24 allow-service default vlan flannel_vxlan" in lines
    assert "tmsh create net route vtepc-pods network 10.0.0.0/16 interface flannel_vxlan" in lines
    assert "    0a:0a:0a:a9:48:ef { endpoint 10.169.72.239%0 } \\" in lines
    assert lines[-1] == "tmsh save sys config"
    # every command line but FDB continuations starts with tmsh; comments with #
    body = [line for line in lines if line and not line.startswith("#")]
    assert all(line.startswith(("tmsh ", "    ", "}")) for line in body)


def test_state_round_trips_through_json_and_ignores_origin():
    for example in ("cilium-vxlan-ha", "cilium-native-bgp", "flannel"):
        for state in _states(_data(example)).values():
            again = BigipState.from_jsonable(state.to_jsonable())
            assert again == state
            assert [o.origin for o in again.objects()] == [o.origin for o in state.objects()]
            stripped = BigipState.from_jsonable(
                {**state.to_jsonable(), "objects": [{k: v for k, v in o.items() if k != "origin"} for o in state.to_jsonable()["objects"]]}
            )
            assert stripped == state  # origin is attribution, not identity


def test_objects_sorted_by_kind_and_name():
    state = _states(_data("cilium-vxlan-ha"))["bigip-1"]
    keys = [(o.kind, o.name) for o in state.objects()]
    assert keys == sorted(keys) and len(keys) == len(set(keys))


def test_cilium_vxlan_vtep_entry_and_fdb():
    state = _states(_data("cilium-vxlan"))["bigip-1"]
    assert (state.vtep.endpoint, state.vtep.cidr, state.vtep.mac) == ("10.169.72.34", "10.1.6.0/24", "00:50:56:a0:7d:d8")
    records = {r.mac: r for r in state.of_kind(FdbRecord)}
    assert records["0a:0a:0a:a9:48:ef"].endpoint == "10.169.72.239%0"
    assert records["0a:0a:0a:a9:48:ef"].name == "flannel_vxlan/0a:0a:0a:a9:48:ef"
    assert records["0a:0a:0a:a9:48:ef"].origin == "cluster.nodes[0]"


def test_ha_is_a_config_synced_tunnel_on_the_floating_address():
    """F5's synced-tunnel design: floating local-address, no per-unit secondary-address (config
    sync would copy one unit's to the other), tunnel config sync on. Fails on 09d71d9, which
    disabled iptunnel.configsync and gave the synced tunnel each unit's secondary-address."""
    state = _states(_data("cilium-vxlan-ha"))["bigip-2"]
    tunnel = _one(state, Tunnel)
    assert (tunnel.local_address, tunnel.secondary_address, tunnel.traffic_group) == ("10.169.72.40%0", None, "traffic-group-1")
    assert _one(state, SelfIp, "vtepc-underlay-floating").traffic_group == "traffic-group-1"
    assert _one(state, SelfIp, "vtepc-tunnel-floating").address == "10.1.6.40%0/24"
    assert _one(state, SelfIp, "vtepc-tunnel").traffic_group == "traffic-group-local-only"
    assert _one(state, SysDb) == SysDb("iptunnel.configsync", "enable")
    assert state.vtep.endpoint == "10.169.72.40"
    artifacts = _artifacts(_data("cilium-vxlan-ha"))
    tmsh = artifacts["bigip/bigip-2/network.tmsh"]
    assert "secondary-address" not in tmsh and "secondaryAddress" not in artifacts["bigip/bigip-2/declarative-onboarding.json"]
    assert "local-address 10.169.72.40 remote-address any traffic-group traffic-group-1" in tmsh
    assert tmsh.index("modify sys db iptunnel.configsync value enable") < tmsh.index("create net tunnels tunnel")
    assert "the tunnel is up on the active unit only and moves with the traffic group" in tmsh
    assert "run only its own\n# (non-floating) self IPs, which config sync does not carry: vtepc-tunnel, vtepc-underlay." in tmsh


def test_underlay_self_ips_allow_only_the_tunnel_port():
    """Port lockdown: not F5's "Allow Default" list (ssh, https, snmp, ... on the node-facing
    network), only the tunnel's UDP port; nothing for native routing. Fails on 09d71d9 (default)."""
    vxlan = _states(_data("cilium-vxlan-ha"))["bigip-1"]
    assert {s.allow_service for s in vxlan.of_kind(SelfIp) if s.vlan == "external"} == {("udp:8472",)}
    geneve = _states(_data("cilium-geneve"))["bigip-1"]
    assert _one(geneve, SelfIp, "vtepc-underlay").allow_service == ("udp:6081",)
    native = _states(_data("cilium-native-bgp"))["bigip-1"]
    assert _one(native, SelfIp, "vtepc-underlay").allow_service == ()
    artifacts = _artifacts(_data("cilium-vxlan"))
    assert "allow-service replace-all-with { udp:8472 } vlan external" in artifacts["bigip/bigip-1/network.tmsh"]
    assert '"udp:8472"' in artifacts["bigip/bigip-1/declarative-onboarding.json"]


def test_geneve_uses_builtin_profile_and_remote_any():
    state = _states(_data("cilium-geneve"))["bigip-1"]
    assert not state.of_kind(VxlanProfile) and not state.of_kind(GeneveProfile)
    tunnel = _one(state, Tunnel)
    assert (tunnel.profile, tunnel.remote_address, tunnel.key) == ("geneve", "any", 2)


def test_geneve_custom_port_creates_own_profile_and_no_do_declaration():
    """DO's geneve Tunnel always uses the built-in profile (port 6081): tmsh creates the port's
    profile, and no DO declaration (which would set up port 6081) is written. Fails on 09d71d9,
    whose DO declaration set up the built-in port."""
    data = _data("cilium-geneve")
    data["cluster"]["tunnelPort"] = 6082
    state = _states(data)["bigip-1"]
    profile = _one(state, GeneveProfile)
    assert (profile.name, profile.port) == ("cilium_geneve_geneve", 6082)
    assert _one(state, Tunnel).profile == "cilium_geneve_geneve"
    artifacts = _artifacts(data)
    tmsh = artifacts["bigip/bigip-1/network.tmsh"]
    assert "tmsh create net tunnels geneve cilium_geneve_geneve port 6082" in tmsh
    assert "bigip/bigip-1/declarative-onboarding.json" not in artifacts
    assert "# No declarative-onboarding.json for this BIG-IP: a DO geneve Tunnel always uses the built-in geneve profile" in tmsh


@pytest.mark.parametrize("profile", [None, "vxlan", "vxlan-multipoint"])
def test_a_cilium_vxlan_tunnel_never_uses_a_builtin_profile(profile):
    """The built-in `vxlan` floods multicast: every VXLAN tunnel gets its own profile, named as
    DO names it, flooding stated. Fails on 09d71d9, which reused `vxlan` at port 4789."""
    data = _data("cilium-vxlan")
    data["cluster"]["tunnelPort"] = 4789
    if profile:
        data["bigips"][0]["tunnel"]["profile"] = profile
    state = _states(data)["bigip-1"]
    assert _one(state, VxlanProfile) == VxlanProfile("flannel_vxlan_vxlan", 4789, "multipoint")
    assert _one(state, Tunnel).profile == "flannel_vxlan_vxlan"
    tunnel = json.loads(_artifacts(data)["bigip/bigip-1/declarative-onboarding.json"])["Common"]["flannel_vxlan"]
    assert (tunnel["tunnelType"], tunnel["port"], tunnel["floodingType"]) == ("vxlan", 4789, "multipoint")


def test_flannel_key_flooding_allow_none_public_ip_and_no_route():
    data = _data("flannel")
    data["cluster"]["nodes"].append({"name": "node2", "ip": "172.16.2.11", "publicIP": "192.0.2.11", "vtepMAC": "AA:BB:CC:DD:EE:01"})
    state = _states(data)["bigip-1"]
    assert _one(state, Tunnel).key == 1
    assert _one(state, VxlanProfile).flooding_type == "none"
    assert _one(state, SelfIp, "vtepc-tunnel").allow_service == ()
    assert not state.of_kind(Route)  # the /16 self IP's connected route covers the flannel network
    records = {r.mac: r.endpoint for r in state.of_kind(FdbRecord)}
    assert records == {"98:ba:76:dc:54:fe": "172.16.2.10%0", "aa:bb:cc:dd:ee:01": "192.0.2.11%0"}
    assert "allow-service none vlan flannel_vxlan" in _artifacts(data)["bigip/bigip-1/network.tmsh"]


def test_native_routing_route_via_gateway_and_no_tunnel():
    state = _states(_data("cilium-native-bgp"))["bigip-1"]
    assert not state.of_kind(Tunnel) and state.vtep is None
    assert _one(state, Route) == Route("vtepc-pods", "10.16.0.0%0/16", gw="10.1.0.254%0")


def test_native_routing_without_gateway_builds_no_route():
    """Validation only warns (VTEP504): the pods may be reachable through routes vtepc does not own."""
    data = _data("cilium-native-bgp")
    del data["bigips"][0]["underlay"]["gateway"]
    state = _states(data)["bigip-1"]
    assert not state.of_kind(Route) and not state.of_kind(Tunnel)
    assert "net route" not in _artifacts(data)["bigip/bigip-1/network.tmsh"]


def test_tunnel_routing_without_tunnel_is_a_typed_error():
    data = _data("cilium-vxlan")
    del data["bigips"][0]["tunnel"]
    with pytest.raises(BigipCompileError, match="tunnel"):
        _states(data)


def test_route_domain_everywhere():
    data = _data("cilium-vxlan")
    data["bigips"][0]["routeDomain"] = 2
    state = _states(data)["bigip-1"]
    assert _one(state, Tunnel).local_address == "10.169.72.34%2"
    assert _one(state, SelfIp, "vtepc-tunnel").address == "10.1.6.34%2/24"
    assert _one(state, Route).network == "10.0.0.0%2/16"
    assert {r.endpoint for r in state.of_kind(FdbRecord)} == {"10.169.72.239%2", "10.169.72.233%2"}
    assert _one(state, RouteDomainVlan) == RouteDomainVlan("2/flannel_vxlan", 2, "flannel_vxlan")
    tmsh = _artifacts(data)["bigip/bigip-1/network.tmsh"]
    assert "local-address 10.169.72.34%2 " in tmsh
    assert "tmsh modify net route-domain 2 vlans add { flannel_vxlan }" in tmsh
    assert tmsh.index("route-domain 2 vlans add") < tmsh.index("create net self vtepc-tunnel ")


def test_static_fdb_off_compiles_no_records():
    data = _data("cilium-vxlan")
    data["bigips"][0]["staticFDB"] = False
    assert not _states(data)["bigip-1"].of_kind(FdbRecord)
    assert "fdb" not in _artifacts(data)["bigip/bigip-1/network.tmsh"].split("# Persist")[0].split("# Route to")[1]


def test_fdb_records_batched_into_valid_commands():
    data = _data("cilium-vxlan")
    data["cluster"]["nodes"] = [{"name": f"n{i}", "ip": f"10.169.{72 + i // 250}.{i % 250 + 1}"} for i in range(1200)]
    tmsh = _artifacts(data)["bigip/bigip-1/network.tmsh"]
    commands = [line for line in tmsh.splitlines() if line.startswith("tmsh modify net fdb tunnel")]
    assert len(commands) == 3
    assert tmsh.count(" { endpoint ") == 1200
    assert tmsh.count("records add { \\") == tmsh.count("\n}\n")


def test_services_only_on_their_bigip():
    data = _data("cilium-vxlan-two-bigips")
    data["services"] = [
        {
            "name": "web",
            "service": "websvc",
            "servicePort": 8080,
            "virtualAddress": "10.169.72.100",
            "virtualPort": 80,
            "bigip": "bigip-2",
            "mode": "tcp",
        }
    ]
    artifacts = _artifacts(data)
    assert "bigip/bigip-2/as3.json" in artifacts and "bigip/bigip-1/as3.json" not in artifacts
    assert '"class": "Service_TCP"' in artifacts["bigip/bigip-2/as3.json"]


def test_address_normal_forms():
    assert normalize_address("10.1.6.34/24") == "10.1.6.34%0/24"
    assert normalize_address("10.1.6.34%2/24") == "10.1.6.34%2/24"
    assert normalize_address("10.1.6.34", default_route_domain=3) == "10.1.6.34%3"
    assert display_address("10.1.6.34%0/24") == "10.1.6.34/24"
    assert display_address("10.1.6.34%20") == "10.1.6.34%20"


def test_renderers_do_not_mutate_state():
    topology = resolve(Topology.model_validate(_data("cilium-native-bgp")))
    state = compile_desired_state(topology)
    before = copy.deepcopy(state.bigips["bigip-1"].to_jsonable())
    render_all(state)
    assert state.bigips["bigip-1"].to_jsonable() == before


def test_each_service_gets_its_own_as3_tenant():
    """CIS merges AS3 ConfigMaps by tenant, last one wins: two services must not share one."""
    from vtepc.state.as3 import TENANT_MAX, as3_declaration, as3_tenant
    from vtepc.validate import load_topology

    topology = load_topology(EXAMPLES / "cilium-native-bgp.yaml")
    first = topology.services[0]
    second = first.model_copy(update={"name": "second", "virtual_address": "10.1.10.101"})
    long_named = first.model_copy(update={"name": "s" * 63})
    declaration = as3_declaration(topology, [first, second, long_named])["declaration"]
    tenants = [key for key, value in declaration.items() if isinstance(value, dict) and value.get("class") == "Tenant"]
    assert tenants == [as3_tenant(topology, first), as3_tenant(topology, second), as3_tenant(topology, long_named)]
    assert len(set(tenants)) == 3
    assert all(len(t) <= TENANT_MAX for t in tenants)
