"""The all-pairs walk (vtepc.reach.unreachable) finds what walking each node on its own finds.

unreachable() reads the nodes as columns, groups them by a signature computed at C speed and walks
one node per group (one per class of groups whose walks can only agree). The reference here is the
definition it stands for, one node at a time: each node's TraceNode built from its topology node,
its signature from a route lookup per node, each group walked with fabric.trace. Both run on the
examples and on generated clusters of every mode, each with one node or one object broken, so a
single node that differs in any way that matters still gets a finding of its own.
"""

from __future__ import annotations

import ipaddress
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vtepc.reach import Fabric, unreachable
from vtepc.reach.model import DROP, TraceNode, _entry, _ip_key, _lookup, _pod_key, addr
from vtepc.state import compile_desired_state
from vtepc.state.bigip import FdbRecord, Tunnel
from vtepc.state.cluster import ExpectedNode
from vtepc.state.speaker import BgpAnnouncement, peer_address
from vtepc.state.static_routes import CisRoute
from vtepc.validate import load_topology, validate_text

from .conftest import EXAMPLE_FILES

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from bench_modes import CASES, case_text  # noqa: E402


def reference_nodes(fabric: Fabric) -> list[TraceNode]:
    """Each state node as a TraceNode, one at a time (the mode's MAC and endpoint of the topology node of its name)."""
    spec_nodes = {n.name: n for n in fabric.topology.cluster.nodes}
    out = []
    for index, expected in enumerate(fabric.cluster.nodes):
        spec = spec_nodes.get(expected.name)
        vtep = fabric.integration.node_vtep(spec) if spec is not None else None
        mac = vtep.mac.lower() if vtep is not None and vtep.mac else None
        endpoint = vtep.endpoint if vtep is not None and spec is not None and vtep.endpoint != spec.ip else expected.ip
        pod_net, probe = _pod_key(expected.pod_cidr)
        ip_key = _ip_key(expected.ip)
        endpoint_key = ip_key if endpoint == expected.ip else _ip_key(endpoint)
        out.append(TraceNode(index, expected.name, expected.ip, ip_key, expected.pod_cidr, pod_net, probe, mac, endpoint, endpoint_key))
    return out


def _index(table, ip, rd) -> int:
    entry = _lookup(table, ip, rd)
    return -1 if entry is None else next(i for i, e in enumerate(table) if e is entry)


def reference(fabric: Fabric) -> list[tuple[str, tuple[str, ...], object]]:
    """(scenario, nodes, trace) of each dropped group: every node's signature by a route lookup of its own."""
    nodes = [n for n in reference_nodes(fabric) if n.probe is not None]
    peers = {a.name: frozenset(a.peers) for a in fabric.cluster.of_kind(BgpAnnouncement)}
    out = []
    for scenario in fabric.scenarios():
        unit = fabric.units[scenario.active]
        table = fabric._table(unit, True)
        groups: dict[tuple, list[TraceNode]] = {}
        for node in nodes:
            r = _index(table, node.pod, unit.rd)
            entry = table[r] if r >= 0 else None
            if entry is None:
                key: tuple = (r, False)
            elif entry.gw is not None:
                key = (r, entry.gw.text in peers.get(node.name, ()))
            elif (entry.interface or "") not in unit.tunnels:
                key = (r,)
            else:
                tables = fabric._fdb_tables(unit, unit.tunnels[entry.interface or ""])
                record = tables.by_mac.get(node.vtep_mac or "") if fabric.rules.fdb_by_mac else tables.by_endpoint.get(node.endpoint)
                verdict = None
                if record is not None:
                    found = addr(record.endpoint)
                    verdict = found.rd if found.text == node.endpoint else found.text
                u = _index(table, ipaddress.ip_address(node.endpoint), unit.rd)
                key = (r, verdict, u) if type(verdict) is int else (r, verdict)
            groups.setdefault(key, []).append(node)
        for members in groups.values():
            trace = fabric.trace(scenario.active, members[0].pod)
            if trace.failure is not None and trace.failure.status == DROP:
                out.append((scenario.label, tuple(n.name for n in members), trace))
    return out


def found(fabric: Fabric) -> list[tuple[str, tuple[str, ...], object]]:
    return [(u.scenario.label, u.nodes, u.trace) for u in unreachable(fabric)]


def _break(kind: str, pick: int):
    """Edits (bigip object -> object or None, cluster object -> object, expected nodes -> nodes) that break one thing."""

    def nth(objects, cls):
        matching = [o for o in objects if isinstance(o, cls)]
        return matching[pick % len(matching)] if matching else None

    def edit_items(state_items, cls, change):
        victim = nth(state_items, cls)
        return tuple(o for o in (change(o) if o is victim else o for o in state_items) if o is not None)

    if kind == "drop-fdb":
        return (lambda items: edit_items(items, FdbRecord, lambda o: None)), None, None
    if kind == "fdb-endpoint":
        return (lambda items: edit_items(items, FdbRecord, lambda o: replace(o, endpoint="10.99.0.1%0"))), None, None
    if kind == "fdb-rd":
        return (lambda items: edit_items(items, FdbRecord, lambda o: replace(o, endpoint=o.endpoint.split("%")[0] + "%3"))), None, None
    if kind == "tunnel-key":
        return (lambda items: edit_items(items, Tunnel, lambda o: replace(o, key=o.key + 1))), None, None
    if kind == "cis-route-gw":
        return None, (lambda items: edit_items(items, CisRoute, lambda o: replace(o, gw="172.31.255.1"))), None
    if kind == "drop-cis-route":
        return None, (lambda items: edit_items(items, CisRoute, lambda o: None)), None
    if kind == "silent-node":
        return None, (lambda items: edit_items(items, BgpAnnouncement, lambda o: replace(o, peers=()))), None
    if kind == "node-ip":
        return None, None, (lambda nodes: edit_items(nodes, ExpectedNode, lambda o: replace(o, ip="192.0.2.77")))
    if kind == "node-pod-overlap":
        return None, None, (lambda nodes: edit_items(nodes, ExpectedNode, lambda o: replace(o, pod_cidr=nodes[0].pod_cidr)))
    if kind == "node-pod-gone":
        return None, None, (lambda nodes: edit_items(nodes, ExpectedNode, lambda o: replace(o, pod_cidr=None)))
    if kind == "node-pod-v6":
        return None, None, (lambda nodes: edit_items(nodes, ExpectedNode, lambda o: replace(o, pod_cidr="fd00::/64")))
    raise AssertionError(kind)


BREAKS = [
    "none",
    "drop-fdb",
    "fdb-endpoint",
    "fdb-rd",
    "tunnel-key",
    "cis-route-gw",
    "drop-cis-route",
    "silent-node",
    "node-ip",
    "node-pod-overlap",
    "node-pod-gone",
    "node-pod-v6",
]


def broken_fabric(topology, kind: str, pick: int) -> Fabric:
    desired = compile_desired_state(topology)
    bigips, cluster = dict(desired.bigips), desired.cluster
    if kind != "none":
        edit_bigip, edit_cluster, edit_nodes = _break(kind, pick)
        if edit_bigip is not None:
            name = list(bigips)[pick % len(bigips)]
            bigips[name] = replace(bigips[name], items=edit_bigip(bigips[name].items))
        if edit_cluster is not None:
            cluster = replace(cluster, items=edit_cluster(cluster.items))
        if edit_nodes is not None and cluster.nodes:
            cluster = replace(cluster, nodes=edit_nodes(cluster.nodes))
    return Fabric(topology, bigips, cluster)


EXAMPLE_TOPOLOGIES = {path.stem: path for path in EXAMPLE_FILES}


@pytest.mark.slow  # (a long search: about 10 s of walks)
@settings(max_examples=60, deadline=None)
@given(st.sampled_from(sorted(EXAMPLE_TOPOLOGIES)), st.sampled_from(BREAKS), st.integers(0, 50))
def test_the_examples_broken_one_way_find_what_each_node_walked_alone_finds(example, kind, pick):
    topology = load_topology(EXAMPLE_TOPOLOGIES[example])
    try:
        fabric = broken_fabric(topology, kind, pick)
    except Exception as error:  # noqa: BLE001 (a mode the packet model does not walk)
        pytest.skip(str(error))
    assert fabric.nodes == reference_nodes(fabric)
    assert found(fabric) == reference(fabric)


_GENERATED: dict[str, object] = {}


def _generated(case: str):
    if case not in _GENERATED:
        report = validate_text(case_text(case, 60))
        assert report.ok, case
        _GENERATED[case] = report.topology
    return _GENERATED[case]


@pytest.mark.slow  # (a long search: about 10 s of walks)
@settings(max_examples=60, deadline=None)
@given(st.sampled_from(CASES), st.sampled_from(BREAKS), st.integers(0, 59))
def test_generated_clusters_with_one_node_broken_find_what_each_node_walked_alone_finds(case, kind, pick):
    fabric = broken_fabric(_generated(case), kind, pick)
    assert fabric.nodes == reference_nodes(fabric)
    assert found(fabric) == reference(fabric)


@pytest.mark.parametrize("case", CASES)
def test_one_node_without_its_fdb_record_or_route_gets_a_finding_of_its_own(case):
    kinds = {"cilium-static": "drop-cis-route", "flannel-static": "drop-cis-route", "cilium-native-peer": "silent-node"}
    kind = kinds.get(case, "node-ip" if case in ("flannel", "cilium-native-bgp") else "drop-fdb")  # (flannel: CIS writes the FDB)
    fabric = broken_fabric(_generated(case), kind, 17)
    dropped = found(fabric)
    assert dropped == reference(fabric)
    if case != "cilium-native-bgp":  # (the gateway routes every pod: no node of its own to lose)
        assert dropped and all(len(nodes) == 1 for _, nodes, _ in dropped), dropped


@pytest.mark.parametrize("example", sorted(EXAMPLE_TOPOLOGIES))
def test_the_records_cis_writes_are_those_of_each_node(example):
    topology = load_topology(EXAMPLE_TOPOLOGIES[example])
    try:
        fabric = Fabric.from_topology(topology)
    except Exception as error:  # noqa: BLE001 (a mode the packet model does not walk)
        pytest.skip(str(error))
    assert fabric.rules.cis_records(fabric.node_table) == [fabric.rules.cis_record(node) for node in reference_nodes(fabric)]


@pytest.mark.parametrize(
    "network", [None, "10.9.0.0/24", "10.9.0.7/24", "10.9.0.0%0/24", "10.9.0.0/255.255.255.0", "10.9.0.0/0", "fd00::/64"]
)
@pytest.mark.parametrize("case", ["cilium-static", "flannel-static"])
def test_the_cis_routes_in_the_table_are_those_entry_builds(case, network):
    topology = _generated(case)
    desired = compile_desired_state(topology)
    cluster = desired.cluster
    if network is not None:
        victim = cluster.of_kind(CisRoute)[3]
        cluster = replace(cluster, items=tuple(replace(o, network=network) if o is victim else o for o in cluster.items))
    fabric = Fabric(topology, desired.bigips, cluster)
    for unit in fabric.units.values():
        expected = [
            replace(
                _entry(r.network, None, addr(r.gw), f"CIS route {r.name.split('/', 1)[1]} {r.network} gw {r.gw}", r.origin), cis_node=r.node
            )
            for r in cluster.of_kind(CisRoute)
            if r.bigip == unit.name and r.network
        ]
        built = fabric._cis_static(unit)
        assert built == expected
        assert [(e.origin, e.cis_node, e.what) for e in built] == [(e.origin, e.cis_node, e.what) for e in expected]


@pytest.mark.parametrize("kind", ["none", "silent-node", "node-ip", "node-pod-v6"])
def test_the_learned_routes_in_the_table_are_those_entry_builds(kind):
    fabric = broken_fabric(_generated("cilium-native-peer"), kind, 5)
    announcements = {a.name: a for a in fabric.cluster.of_kind(BgpAnnouncement)}
    for unit in fabric.units.values():
        for active in (True, False):
            own = {addr(s.address).text for s in unit.owned_selfs(active)}
            peers = fabric.topology.bgp.peers
            origin = next((f"bgp.peers[{i}]" for i, p in enumerate(peers) if peer_address(p.address) in own), "bgp.peers")
            expected = []
            for node in reference_nodes(fabric):
                announced = announcements.get(node.name)
                if announced is None or own.isdisjoint(announced.peers):
                    continue
                gw = addr(f"{node.ip_text}%{unit.rd}")
                for prefix in announced.prefixes:
                    network, _, length = prefix.partition("/")
                    what = f"BGP route {prefix} via {node.ip_text} (announced by {node.name})"
                    expected.append(replace(_entry(f"{network}%{unit.rd}/{length}", None, gw, what, origin), learned=True))
            assert fabric._bgp_learned(unit, active) == expected
