"""The compiler's column-at-a-time fast paths give what the one-node-at-a-time definitions give.

The desired state of a cluster of thousands of nodes is built column by column (vtepc.state
.objects_from_columns, Integration.vteps_of, addresses.fake_fdb_macs); each is compared here with
the definition it stands for, on generated nodes of every mode (node_vtep per node, the dataclass's
own __init__, fake_fdb_mac per address, the records one per node as fdb_record builds them).
"""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vtepc.addresses import fake_fdb_mac, fake_fdb_macs
from vtepc.integrations import integration, names
from vtepc.model import Topology, resolve
from vtepc.state import objects_from_columns
from vtepc.state.bigip import FdbRecord, compile_bigips, fdb_record, with_route_domain
from vtepc.state.cluster import ExpectedNode, compile_cluster

IPV4 = st.tuples(*[st.integers(0, 255)] * 4).map(lambda t: ".".join(map(str, t)))
MAC = st.from_regex(r"[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}", fullmatch=True)


def _fields(obj: object) -> dict[str, object]:
    return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}  # origin too, which == ignores


@settings(max_examples=50)
@given(st.lists(st.tuples(st.text(max_size=8), st.text(max_size=8), st.none() | st.text(max_size=8), st.text(max_size=8)), max_size=20))
def test_objects_from_columns_equal_the_objects_init_builds(rows):
    columns = {name: [row[i] for row in rows] for i, name in enumerate(("name", "ip", "pod_cidr", "origin"))}
    built = objects_from_columns(ExpectedNode, len(rows), columns)
    expected = [ExpectedNode(*row) for row in rows]
    assert built == expected
    assert [_fields(o) for o in built] == [_fields(o) for o in expected]
    assert [hash(o) for o in built] == [hash(o) for o in expected]


def test_objects_from_columns_refuses_a_missing_field_and_a_short_column():
    with pytest.raises(AssertionError):
        objects_from_columns(FdbRecord, 1, {"name": ["a"], "tunnel": ["t"], "mac": ["m"], "endpoint": ["e"]})
    with pytest.raises(AssertionError):
        objects_from_columns(ExpectedNode, 2, {"name": ["a"], "ip": ["i", "j"], "pod_cidr": [None, None], "origin": ["", ""]})


@settings(max_examples=50)
@given(st.lists(IPV4, max_size=20))
def test_fake_fdb_macs_are_fake_fdb_mac_of_each(ips):
    assert fake_fdb_macs(ips) == [fake_fdb_mac(ip) for ip in ips]


def test_fake_fdb_macs_raise_as_fake_fdb_mac_does():
    with pytest.raises(ValueError):
        fake_fdb_mac("2001:db8::1")
    with pytest.raises(ValueError):
        fake_fdb_macs(["10.0.0.1", "2001:db8::1"])


NODE = st.fixed_dictionaries(
    {"ip": IPV4},
    optional={"podCIDR": st.just("10.9.0.0/24"), "vtepMAC": MAC, "publicIP": IPV4},
)


def _topology(mode: str, nodes: list[dict[str, str]], bigips: int = 2, route_domain: int = 0, tunnel_names: bool = False):
    cluster: dict[str, object] = {"name": "c", "cni": mode, "podCIDR": "10.0.0.0/8", "nodes": []}
    if mode == "cilium":
        cluster["ciliumVersion"] = "1.16.19"
    for i, node in enumerate(nodes):
        keep = {k: v for k, v in node.items() if mode == "flannel" or k not in ("vtepMAC", "publicIP")}
        cluster["nodes"].append({"name": f"n{i}", **keep})  # type: ignore[attr-defined]
    data = {
        "apiVersion": "vtepc/v1",
        "kind": "Topology",
        "metadata": {"name": "t"},
        "cluster": cluster,
        "bigips": [
            {
                "name": f"b{i}",
                "routeDomain": route_domain,
                "underlay": {"vlan": "ext", "selfIP": f"172.16.0.{i + 1}/12"},
                "tunnel": {"selfIP": f"192.168.{i}.1/24", **({"name": f"t{i % 2}"} if tunnel_names else {})},
            }
            for i in range(bigips)
        ],
    }
    return resolve(Topology.model_validate(data))


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(["cilium", "flannel"]), st.lists(NODE, max_size=12), st.integers(0, 3), st.booleans())
def test_the_fdb_records_and_expected_nodes_are_those_built_node_by_node(mode, nodes, route_domain, tunnel_names):
    topology = _topology(mode, nodes, bigips=3, route_domain=route_domain, tunnel_names=tunnel_names)
    mode_of = integration(mode)
    states = compile_bigips(topology)
    for index, bigip in enumerate(topology.bigips):
        expected = []
        for i, node in enumerate(topology.cluster.nodes):
            vtep = mode_of.node_vtep(node)
            endpoint = with_route_domain(vtep.endpoint, bigip.route_domain)
            expected.append(fdb_record(bigip.tunnel.name, vtep.mac or fake_fdb_mac(node.ip), endpoint, f"cluster.nodes[{i}]"))
        expected.sort(key=lambda r: r.name)
        records = states[bigip.name].of_kind(FdbRecord)
        assert [_fields(r) for r in records] == [_fields(r) for r in expected], index
    cluster = compile_cluster(topology, states)
    assert [_fields(n) for n in cluster.nodes] == [
        _fields(ExpectedNode(n.name, n.ip, n.pod_cidr, origin=f"cluster.nodes[{i}]")) for i, n in enumerate(topology.cluster.nodes)
    ]


@pytest.mark.parametrize("mode", names())
def test_vteps_of_is_node_vtep_of_each_node(mode):
    nodes = [
        {"ip": "10.1.0.1", "vtepMAC": "AA:bb:cc:dd:ee:01", "publicIP": "10.2.0.1"},
        {"ip": "10.1.0.2"},
        {"ip": "10.1.0.3", "publicIP": "10.2.0.3"},
    ]
    topology = _topology(mode, nodes)
    mode_of = integration(mode)
    vteps = [mode_of.node_vtep(node) for node in topology.cluster.nodes]
    assert mode_of.vteps_of(topology.cluster.nodes) == ([v.mac for v in vteps], [v.endpoint for v in vteps])


@pytest.mark.parametrize("peers", [0, 1, 3])
def test_the_speakers_and_sessions_are_those_built_node_by_node(peers):
    from vtepc.state.bgp import BgpSession, compile_sessions, peer_bigip
    from vtepc.state.speaker import BgpAnnouncement, BirdConfig, compile_speaker, peer_address

    nodes = [{"ip": f"10.1.0.{i + 1}", "podCIDR": f"10.9.{i}.0/24"} for i in range(7)]
    data = _topology("cilium", nodes, bigips=1).model_dump(by_alias=True, exclude_none=True)
    data["cluster"]["routing"] = "native"
    data["bigips"][0].pop("tunnel")
    data["bgp"] = {"asn": 64512, "peers": [{"name": f"p{i}", "address": f"10.1.0.{250 - i}", "asn": 64600 + i} for i in range(peers)]}
    if peers:
        data["bgp"]["peers"][0]["address"] = "172.16.0.1"  # the BIG-IP's own underlay address: a BIG-IP peer
    topology = resolve(Topology.model_validate(data))
    bgp, cluster = topology.bgp, topology.cluster
    listed = tuple({"name": p.name, "address": p.address, "asn": p.asn or bgp.asn} for p in bgp.peers)
    birds = [BirdConfig(n.name, n.ip, n.pod_cidr, bgp.asn, listed, origin=f"cluster.nodes[{i}]") for i, n in enumerate(cluster.nodes)]
    announced = [
        BgpAnnouncement(b.name, (b.pod_cidr,), tuple(sorted({peer_address(str(p["address"])) for p in b.peers})), origin=b.origin)
        for b in birds
        if b.peers
    ]
    assert [_fields(o) for o in compile_speaker(topology)] == [_fields(o) for o in [*birds, *announced]]
    sessions = []
    for p, peer in enumerate(bgp.peers):
        bigip = peer_bigip(topology, peer)
        for n, node in enumerate(cluster.nodes):
            sessions.append(
                BgpSession(
                    f"{peer.name}/{node.name}",
                    peer.name,
                    peer.address,
                    peer.asn or bgp.asn,
                    node.name,
                    node.ip,
                    bgp.asn,
                    bigip.name if bigip is not None else "",
                    bigip.route_domain if bigip is not None else 0,
                    origin=f"bgp.peers[{p}], cluster.nodes[{n}]",
                )
            )
    assert [_fields(o) for o in compile_sessions(topology)] == [_fields(o) for o in sessions]
