"""The forwarding decisions of the BIG-IP <-> pod datapaths, one hop at a time: the engine.

What is the BIG-IP's, or any tunnel's, is decided here; what a mode's datapath decides (how the
BIG-IP resolves a pod to a node's FDB record, what the node accepts, how its reply finds a
BIG-IP tunnel) comes from the mode's DatapathRules (Integration.datapath: Cilium's VTEP in
integrations/cilium/reach.py, flannel in integrations/flannel/reach.py), each citing its sources.

Sources of each rule here (../shared/spec/domain-facts.md unless said otherwise):

BIG-IP
- Route lookup is per route domain and longest prefix first; a self IP adds the connected
  route of its subnet on its VLAN or tunnel; `net route ... interface <tunnel>` sends into
  the tunnel, `gw` to a next hop that must sit on a connected subnet (seed 001's route).
- The tunnel sends from its local-address with its key as the VNI, to the profile's port.
- The ARP request for a pod is flooded to every FDB endpoint only with flooding-type
  multipoint; the built-in `vxlan` profile floods multicast and `none` floods nothing
  (domain facts, "Further facts"; f5-ci-docs cilium-bigip-info.rst). Geneve has no flooding
  setting; the Cilium Geneve guide relies on the same FDB flood (inferred).
- An FDB record whose endpoint is in another route domain than the tunnel's local address
  is refused by the device (01070734); CIS writes its records with bare addresses (%0).
- HA: floating self IPs and a tunnel with a traffic group belong to the active unit
  (seed 001's HA guide); the standby forwards none of the group's traffic.
Any tunnel
- The node accepts a packet on the port it listens on (DatapathRules.node_port, else the
  topology's tunnelPort) with the VNI the mode's nodes use (Integration.node_vni).
Static routing (CIS --static-routing-mode, state/static_routes.py)
- CIS writes, per node, `k8s-<node>-<node IP>`: the node's pod CIDR via the node's InternalIP,
  with a bare gateway (no %RD: f5-cccl config_reader.py), so the route lives in route domain 0
  of a partition whose default route domain is 0; the gateway must be on a connected subnet.
- The node forwards the unencapsulated packet to the pod (Cilium native routing with
  ipv4NativeRoutingCIDR; flannel's bridge); the reply leaves the node by its connected route
  to the underlay subnet, to the BIG-IP's self IP (SNAT automap).
Native routing (seed 004)
- Each node's speaker (BIRD, or the mode's: state/speaker.py) exports its pod CIDR to its peers
  (bgp/announcement objects, read back from either); the BIG-IP's route for the pod network
  points at the gateway, which reaches a pod only if the node announces to it.
"""

from __future__ import annotations

import ipaddress
import socket
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, replace
from functools import cached_property, lru_cache
from itertools import groupby, repeat
from operator import attrgetter, itemgetter
from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Iterator, Mapping, NamedTuple

from ..addresses import ipv4_column
from ..diagnostics import VtepcError
from ..integrations import integration_of
from ..model import VXLAN_PORT
from ..state.bigip import (
    BUILTIN_GENEVE,
    BUILTIN_GENEVE_PORT,
    BUILTIN_VXLAN,
    BUILTIN_VXLAN_PORT,
    LOCAL_ONLY,
    FdbRecord,
    GeneveProfile,
    Route,
    SelfIp,
    Tunnel,
    VxlanProfile,
)
from ..state.cluster import cis_tunnel
from ..state.speaker import BgpAnnouncement, peer_address, speaker_label
from ..state.static_routes import CisRoute
from ..state import objects_from_columns
from ..text import one_line

if TYPE_CHECKING:
    from ..live import ObservedState
    from ..model import ResolvedTopology
    from ..state.bigip import BigipState
    from ..state.cluster import ClusterState

OK, DROP, UNKNOWN = "ok", "drop", "unknown"
IP = ipaddress.IPv4Address | ipaddress.IPv6Address


class TraceError(VtepcError):
    """--from or --to names nothing the topology has."""


BUILTIN_VXLAN_FLOODING = "multicast"  # tmsh list net tunnels vxlan vxlan (domain facts, "Further facts")
BUILTIN_VXLAN_MULTIPOINT = "vxlan-multipoint"
ZERO_MAC = "00:00:00:00:00:00"
_NAME, _IP_TEXT, _POD_CIDR = attrgetter("name"), attrgetter("ip"), attrgetter("pod_cidr")
_MAC, _ENDPOINT, _ORIGIN, _NODE = attrgetter("mac"), attrgetter("endpoint"), attrgetter("origin"), attrgetter("node")


@dataclass(frozen=True, slots=True)
class Hop:
    where: str  # the device or object: "bigip-1", "node1", "pod 10.0.0.130"
    step: str  # route, arp, fdb, encap, accept, vtep, deliver
    decision: str
    origin: str = ""  # the topology path of the field behind the decision
    status: str = OK
    line: int | None = None  # the origin's line in the topology file, once located

    def to_jsonable(self) -> dict[str, Any]:
        return {
            "where": self.where,
            "step": self.step,
            "decision": self.decision,
            "origin": self.origin,
            "line": self.line,
            "status": self.status,
        }


@dataclass(frozen=True)
class Trace:
    source: str  # the active BIG-IP unit the flow leaves
    destination: str  # the pod address
    forward: tuple[Hop, ...]
    reply: tuple[Hop, ...]
    notes: tuple[str, ...] = ()  # what the walk does not speak for (a pod CIDR split by a route)

    @property
    def failure(self) -> Hop | None:
        return next((h for h in self.forward + self.reply if h.status != OK), None)

    @property
    def delivered(self) -> bool:
        return self.failure is None

    def located(self, line_of: Callable[[str], int | None]) -> "Trace":
        """The same trace with each hop's origin line filled in by `line_of(origin)`."""

        def one(hops: tuple[Hop, ...]) -> tuple[Hop, ...]:
            return tuple(replace(h, line=line_of(h.origin)) if h.origin else h for h in hops)

        return replace(self, forward=one(self.forward), reply=one(self.reply))

    def to_jsonable(self) -> dict[str, Any]:
        failure = self.failure
        return {
            "from": self.source,
            "to": self.destination,
            "delivered": self.delivered,
            "failure": None if failure is None else failure.to_jsonable(),
            "forward": [h.to_jsonable() for h in self.forward],
            "reply": [h.to_jsonable() for h in self.reply],
            "notes": list(self.notes),
        }

    def format_text(self) -> str:
        lines = [f"{self.source} -> {self.destination}"]
        for title, hops in (("forward", self.forward), ("reply", self.reply)):
            if not hops:
                continue
            lines.append(f"{title}:")
            for n, hop in enumerate(hops, 1):
                mark = {OK: "ok", DROP: "DROP", UNKNOWN: "UNKNOWN"}[hop.status]
                line = f", line {hop.line}" if hop.line else ""
                origin = f"  [{hop.origin}{line}]" if hop.origin else ""
                lines.append(f"  {n:>2}. {mark:<7} {hop.where} {hop.step}: {hop.decision}{origin}")
        lines.extend(f"note: {note}" for note in self.notes)
        failure = self.failure
        lines.append(
            "delivered, and the reply returns"
            if failure is None
            else f"{'dropped' if failure.status == DROP else 'undecided'} at {failure.where} {failure.step}"
        )
        # Hops quote the topology's names: each line escaped on its own stays one line.
        return "\n".join(map(one_line, lines)) + "\n"


@dataclass(frozen=True, slots=True)
class Scenario:
    """Which unit is active: it owns every floating address of its HA pair."""

    active: str
    pair: tuple[str, ...]  # the units sharing its floating addresses (itself alone without HA)

    @property
    def label(self) -> str:
        if len(self.pair) == 1:
            return self.active
        return f"{self.active} (active; {', '.join(u for u in self.pair if u != self.active)} standby)"


class Addr(NamedTuple):  # a tuple: built once per FDB endpoint, thousands per check
    ip: ipaddress.IPv4Address | ipaddress.IPv6Address
    rd: int
    text: str  # the address alone, canonical

    def __str__(self) -> str:
        return f"{self.text}%{self.rd}"


@lru_cache(maxsize=None)
def addr(text: str) -> Addr:
    """'10.1.6.34%0' or '10.1.6.34%0/24' (state's normalized form) -> the address and route domain.
    Cached: the same FDB endpoints recur on every BIG-IP of a route domain."""
    address = text.split("/", 1)[0]
    ip, _, rd = address.partition("%")
    try:  # a dotted quad (no leading zeros) is already canonical; the C parser reads it (every FDB endpoint)
        return Addr(ipaddress.IPv4Address(int.from_bytes(socket.inet_pton(socket.AF_INET, ip), "big")), int(rd or 0), ip)
    except (OSError, ValueError):
        parsed = ipaddress.ip_address(ip)
        return Addr(parsed, int(rd or 0), str(parsed))


@dataclass(frozen=True, slots=True)
class _RouteEntry:
    version: int
    net: int
    mask: int
    prefixlen: int
    rd: int
    interface: str | None  # VLAN or tunnel (connected and interface routes)
    gw: Addr | None
    what: str
    origin: str
    learned: bool = False  # learned over BGP from the node it points at (the BIG-IP is a peer of the nodes)
    cis_node: str | None = None  # routing: static: the node CIS wrote this route for


def _entry(network_text: str, interface: str | None, gw: Addr | None, what: str, origin: str) -> _RouteEntry:
    address, _, prefix = network_text.partition("/")
    base = addr(address)
    net = ipaddress.ip_network(f"{base.ip}/{prefix}", strict=False)
    return _RouteEntry(net.version, int(net.network_address), int(net.netmask), net.prefixlen, base.rd, interface, gw, what, origin)


def _ip_key(text: str) -> tuple[int, int]:
    """(IP version, integer) of an address, parsed by the C library (thousands of nodes per check)."""
    try:
        return 4, int.from_bytes(socket.inet_pton(socket.AF_INET, text), "big")
    except OSError:
        return 6, int.from_bytes(socket.inet_pton(socket.AF_INET6, text), "big")


def _ip(key: tuple[int, int]) -> IP:
    return ipaddress.IPv4Address(key[1]) if key[0] == 4 else ipaddress.IPv6Address(key[1])


def _pod_key(pod_cidr: str | None) -> tuple[tuple[int, int, int] | None, tuple[int, int] | None]:
    """(pod_net, probe) of a node's pod CIDR (see TraceNode); (None, None) without one."""
    if not pod_cidr:
        return None, None
    base, _, prefix = pod_cidr.partition("/")
    version, value = _ip_key(base)
    bits = 32 if version == 4 else 128
    mask = ((1 << bits) - 1) ^ ((1 << (bits - int(prefix or bits))) - 1)
    return (version, value & mask, mask), (version, (value & mask) + (1 if int(prefix or bits) < bits else 0))


_V4_MASKS = {str(p): ((1 << 32) - 1) ^ ((1 << (32 - p)) - 1) for p in range(33)} | {"": (1 << 32) - 1}
_V4_PREFIXLEN = {mask: p for p, mask in ((int(p), mask) for p, mask in _V4_MASKS.items() if p)}
_V4_PROBE_STEP = {str(p): 1 if p < 32 else 0 for p in range(33)} | {"": 0}


def _v4_values(texts: list[str]) -> list[int] | None:
    """Each dotted quad as an integer, at C speed; None when one is not a dotted quad."""
    column = ipv4_column(texts)
    return None if column is None else column.tolist()


def _v4_pods(pod_cidrs: list[str]) -> tuple[list[int], list[int], list[int]] | None:
    """(network, mask, probe) integers of IPv4 pod CIDRs written plainly (_pod_key's values), at C
    speed; None when one is not."""
    prefix = pod_cidrs[0].rpartition("/")[2] if pod_cidrs else ""
    joined, end, n = "\n".join(pod_cidrs) + "\n", f"/{prefix}\n", len(pod_cidrs)
    if prefix in _V4_MASKS and joined.count("\n") == n and joined.count("/") == n and joined.count(end) == n:
        # every one '<address>/<prefix>' with the same prefix (the usual node subnet size): no tuple per node
        values = _v4_values(joined.replace(end, "\n").split("\n")[:-1])
        if values is None:
            return None
        mask, step = _V4_MASKS[prefix], _V4_PROBE_STEP[prefix]
        nets = list(map(mask.__and__, values))
        return nets, [mask] * n, list(map(step.__add__, nets))
    parts = list(map(str.partition, pod_cidrs, repeat("/")))
    values = _v4_values(list(map(itemgetter(0), parts)))
    prefixes = list(map(itemgetter(2), parts))
    if values is None or not set(prefixes) <= _V4_MASKS.keys():
        return None
    masks = list(map(_V4_MASKS.__getitem__, prefixes))
    nets = list(map(int.__and__, values, masks))
    return nets, masks, list(map(int.__add__, nets, map(_V4_PROBE_STEP.__getitem__, prefixes)))


@dataclass(frozen=True, slots=True)
class TraceNode:
    index: int
    name: str
    ip_text: str
    ip_key: tuple[int, int]
    pod_text: str | None  # the node's pod CIDR as written
    pod_net: tuple[int, int, int] | None  # (version, network integer, mask integer)
    probe: tuple[int, int] | None  # the all-pairs probe: the pod CIDR's first address after the network
    vtep_mac: str | None  # the node's tunnel MAC when the mode's topology states it (Integration.node_vtep)
    endpoint: str  # where the node's tunnel packets come from and go to: the mode's own endpoint, else the node IP
    endpoint_key: tuple[int, int]

    @property
    def path(self) -> str:
        return f"cluster.nodes[{self.index}]"

    @property
    def pod(self) -> IP | None:
        return None if self.probe is None else _ip(self.probe)

    def holds(self, ip: IP) -> bool:
        return self.pod_net is not None and ip.version == self.pod_net[0] and int(ip) & self.pod_net[2] == self.pod_net[1]


class NodeTable:
    """A Fabric's nodes as columns, one entry per node of the cluster state: the all-pairs walk
    reads thousands of nodes at C speed and makes a TraceNode only of the nodes it walks. With
    every address and pod CIDR IPv4 (`v4`), the keys are integers alone (version 4)."""

    def __init__(self, names: list[str], ips: list[str], pods: list[str | None], macs: list[str | None], endpoints: list[str]):
        self.names, self.ips, self.pods, self.macs, self.endpoints = names, ips, pods, macs, endpoints
        self.walked = [i for i, pod in enumerate(pods) if pod] if None in pods or "" in pods else range(len(pods))
        ip_values = _v4_values(ips)
        endpoint_values = ip_values if endpoints == ips else _v4_values(endpoints)
        walked_pods = [pods[i] for i in self.walked] if len(self.walked) < len(pods) else pods
        pod_values = _v4_pods(walked_pods) if ip_values is not None else None  # type: ignore[arg-type]
        self.v4 = ip_values is not None and endpoint_values is not None and pod_values is not None
        if self.v4:
            assert ip_values is not None and endpoint_values is not None and pod_values is not None
            self.ip_values, self.endpoint_values = ip_values, endpoint_values
            self.pod_values = pod_values  # (networks, masks, probes) of the walked nodes
            self._walked_at = {i: n for n, i in enumerate(self.walked)} if len(self.walked) < len(pods) else None
        else:
            self.ip_keys = [_ip_key(ip) for ip in ips]
            self.endpoint_keys = self.ip_keys if endpoints == ips else [_ip_key(e) for e in endpoints]
            pod_keys = [_pod_key(pod) for pod in pods]
            self.pod_nets, self.probes = [k[0] for k in pod_keys], [k[1] for k in pod_keys]

    def __len__(self) -> int:
        return len(self.names)

    def node(self, i: int) -> TraceNode:
        if not self.v4:
            ip_key, endpoint_key, pod_net, probe = self.ip_keys[i], self.endpoint_keys[i], self.pod_nets[i], self.probes[i]
        else:
            ip_key, endpoint_key = (4, self.ip_values[i]), (4, self.endpoint_values[i])
            at = i if self._walked_at is None else self._walked_at.get(i)
            nets, masks, probes = self.pod_values
            pod_net, probe = (None, None) if at is None else ((4, nets[at], masks[at]), (4, probes[at]))
        return TraceNode(i, self.names[i], self.ips[i], ip_key, self.pods[i], pod_net, probe, self.macs[i], self.endpoints[i], endpoint_key)

    def nodes(self) -> list[TraceNode]:
        """Every node's TraceNode (what node(i) gives), built column by column."""
        if not self.v4:
            ip_keys, endpoint_keys, pod_nets, probes = self.ip_keys, self.endpoint_keys, self.pod_nets, self.probes
        else:
            nets, masks, probe_values = self.pod_values
            walked_nets: list[tuple[int, int, int] | None] = list(zip(repeat(4), nets, masks))
            walked_probes: list[tuple[int, int] | None] = list(zip(repeat(4), probe_values))
            if len(self.walked) < len(self):
                pod_nets, probes = [None] * len(self), [None] * len(self)
                for n, i in enumerate(self.walked):
                    pod_nets[i], probes[i] = walked_nets[n], walked_probes[n]
            else:
                pod_nets, probes = walked_nets, walked_probes
            ip_keys = list(zip(repeat(4), self.ip_values))
            endpoint_keys = ip_keys if self.endpoint_values is self.ip_values else list(zip(repeat(4), self.endpoint_values))
        columns = {
            "index": range(len(self)),
            "name": self.names,
            "ip_text": self.ips,
            "ip_key": ip_keys,
            "pod_text": self.pods,
            "pod_net": pod_nets,
            "probe": probes,
            "vtep_mac": self.macs,
            "endpoint": self.endpoints,
            "endpoint_key": endpoint_keys,
        }
        return objects_from_columns(TraceNode, len(self), columns)

    def probe_keys(self) -> tuple[list[Any], bool]:
        """The walked nodes' probes as sort keys: integers (IPv4 only: True) or (version, integer)."""
        if self.v4:
            return self.pod_values[2], True
        return [probe for probe in self.probes if probe is not None], False

    def endpoint_sort_keys(self) -> tuple[list[Any], bool]:
        """Every node's tunnel endpoint as a sort key, as probe_keys."""
        return (self.endpoint_values, True) if self.v4 else (self.endpoint_keys, False)

    @cached_property
    def pods_disjoint(self) -> bool:
        """Whether no two pod CIDRs overlap (IPv4 only), so each node's probe is held by that node alone."""
        if not self.v4:
            return False
        starts, masks, _ = self.pod_values
        ends = list(map(int.__or__, starts, map(int.__xor__, masks, repeat(0xFFFFFFFF))))
        order = sorted(range(len(starts)), key=starts.__getitem__)
        starts, ends = list(map(starts.__getitem__, order)), list(map(ends.__getitem__, order))
        return all(map(int.__lt__, ends[:-1], starts[1:]))


class Unit:
    """One BIG-IP's forwarding tables, built once from its state."""

    def __init__(self, state: "BigipState", index: int, tunnel_mac: str | None):
        self.state = state
        self.name = state.name
        self.index = index
        self.path = f"bigips[{index}]"
        self.rd = state.route_domain
        self.tunnel_mac = tunnel_mac
        # One pass over the items (thousands of FDB records), not one per kind; sorted by kind,
        # so each class comes in one run.
        by_type: dict[type, list[Any]] = {}
        for cls, run in groupby(state.items, type):
            by_type.setdefault(cls, []).extend(run)
        self.tunnels = {t.name: t for t in by_type.get(Tunnel, ())}
        self.selfs: list[SelfIp] = by_type.get(SelfIp, [])
        self.static_routes: list[Route] = by_type.get(Route, [])
        self.vxlan_profiles = {p.name: p for p in by_type.get(VxlanProfile, ())}
        self.geneve_profiles = {p.name: p for p in by_type.get(GeneveProfile, ())}
        self.fdb: dict[str, list[FdbRecord]] = {}
        for name, records in groupby(by_type.get(FdbRecord, ()), attrgetter("tunnel")):
            self.fdb.setdefault(name, []).extend(records)

    def routes(self, active: bool) -> list[_RouteEntry]:
        """Connected routes of the self IPs this unit holds, then its static routes; longest prefix
        first, connected before static on a tie."""
        entries = [
            _entry(s.address, s.vlan, None, f"connected {s.address} (self IP {s.name})", s.origin)
            for s in self.selfs
            if s.traffic_group == LOCAL_ONLY or active
        ]
        for route in self.static_routes:
            gw = addr(route.gw) if route.gw else None
            via = f"interface {route.interface}" if route.interface else f"gw {route.gw}"
            entries.append(_entry(route.network, route.interface, gw, f"route {route.name} {route.network} {via}", route.origin))
        return sorted(entries, key=lambda e: (-e.prefixlen, e.gw is not None))

    def owned_selfs(self, active: bool) -> list[SelfIp]:
        return [s for s in self.selfs if s.traffic_group == LOCAL_ONLY or active]


def _addresses(texts: list[str]) -> tuple[list[str], list[int]]:
    """addr(text).text and addr(text).rd of each: at C speed when all are 'a.b.c.d%rd' of one route domain."""
    rd = texts[0].rpartition("%")[2] if texts else ""
    joined, end = "\n".join(texts) + "\n", f"%{rd}\n"
    n = len(texts)
    if rd.isascii() and rd.isdigit() and joined.count("\n") == n and joined.count("%") == n and joined.count(end) == n:
        ips = joined.replace(end, "\n").split("\n")[:-1]  # every line ends with its only %: '<ip>%<rd>'
        if _v4_values(ips) is not None:
            return ips, [int(rd)] * n
    found = [addr(text) for text in texts]
    return [a.text for a in found], [a.rd for a in found]


class FdbTables:
    """A tunnel's FDB by MAC and by endpoint address, and what it decides for each node."""

    def __init__(self, by_mac: dict[str, FdbRecord]):
        self.by_mac = by_mac
        self._records = list(by_mac.values())
        self._texts, self._rds = _addresses(list(map(_ENDPOINT, self._records)))
        self._verdicts: dict[bool, tuple[NodeTable, list[int | str | None]]] = {}

    @cached_property
    def by_endpoint(self) -> dict[str, FdbRecord]:
        """The first record of each endpoint address, as the ARP answer from that node finds it."""
        texts = self._texts
        first = dict(zip(texts, self._records))
        if len(first) == len(texts):  # no address twice
            return first
        out: dict[str, FdbRecord] = {}
        for text, record in zip(texts, self._records):
            out.setdefault(text, record)
        return out

    def verdicts(self, nodes: NodeTable, by_mac: bool) -> list[int | str | None]:
        """Per node: None when no record sends to it (the record of its tunnel MAC, or of its endpoint:
        DatapathRules.fdb_by_mac), its record's route domain when the record's endpoint is the node's,
        else that other endpoint's address."""
        known = self._verdicts.get(by_mac)
        if known is None or known[0] is not nodes:
            texts, rds = self._texts, self._rds
            out: list[int | str | None]
            if by_mac:
                found = map(dict(zip(self.by_mac, zip(texts, rds))).get, [mac or "" for mac in nodes.macs])
                out = [None if f is None else f[1] if f[0] == e else f[0] for f, e in zip(found, nodes.endpoints)]
            else:  # the record found by the node's endpoint address has that address: its route domain
                if len(set(rds)) == 1:  # one route domain (the usual): whether the node's address has a record
                    hits = list(map(self.by_endpoint.__contains__, nodes.endpoints))
                    out = [rds[0]] * len(hits) if all(hits) else [rds[0] if hit else None for hit in hits]
                else:
                    rd_of: dict[str, int] = {}
                    for text, rd in zip(texts, rds):
                        rd_of.setdefault(text, rd)
                    out = list(map(rd_of.get, nodes.endpoints))
            known = self._verdicts[by_mac] = (nodes, out)
        return known[1]


def _lookup(table: list[_RouteEntry], ip: IP, rd: int) -> _RouteEntry | None:
    value, version = int(ip), ip.version
    for entry in table:
        if entry.version == version and entry.rd == rd and value & entry.mask == entry.net:
            return entry
    return None


def _attributed(observed: Any, desired: Any) -> Any:
    """`observed` (a BigipState or ClusterState read from a device) with the topology origins of the
    desired objects of the same kind and name: a device does not say which topology field made an object."""
    origins = {(o.kind, o.name): o for o in desired.items}
    items = []
    for item in observed.items:
        twin = origins.get((item.kind, item.name))
        kept = {f: getattr(twin, f) for f in ("origin", "key_origins") if twin is not None and hasattr(item, f) and not getattr(item, f)}
        items.append(replace(item, **kept) if kept else item)
    return replace(observed, items=tuple(items))


class Fabric:
    """Both sides of one topology's datapath, from state (desired, or observed by a reader)."""

    def __init__(
        self,
        topology: "ResolvedTopology",
        bigips: Mapping[str, "BigipState"],
        cluster: "ClusterState",
        tunnel_macs: Mapping[str, str | None] | None = None,
        cis_writes: bool = True,
    ):
        """`tunnel_macs` overrides the BIG-IPs' tunnel MACs (observed state may not carry them);
        `cis_writes` adds the FDB records CIS will write (desired state: CIS has not run yet)."""
        self.topology = topology
        self.cis_writes = cis_writes
        self.cluster = cluster
        self.integration = integration_of(topology)
        datapath = self.integration.datapath
        if datapath is None:
            raise TraceError(f"vtepc.reach has no model of the {self.integration.name} mode's datapath")
        self.routing = topology.cluster.routing
        self.units: dict[str, Unit] = {}
        for index, bigip in enumerate(topology.bigips):
            state = bigips.get(bigip.name)
            if state is not None:
                mac = state.vtep.mac if state.vtep is not None else None
                mac = (tunnel_macs or {}).get(bigip.name) or mac
                self.units[bigip.name] = Unit(state, index, mac)
        self.node_table = self._node_table(topology, cluster)
        self._tables: dict[tuple[str, bool], list[_RouteEntry]] = {}
        self._probe_cache: dict[str, _Keys] = {}
        self._fdb_cache: dict[tuple[str, str], FdbTables] = {}
        self._fdb_shared: dict[tuple[str, bool, tuple[int, ...]], FdbTables] = {}
        self.rules = datapath(self)

    def _node_table(self, topology: "ResolvedTopology", cluster: "ClusterState") -> NodeTable:
        """The cluster state's nodes, each with the MAC and endpoint its mode gives the topology's node
        of the same name (Integration.node_vtep): the mode's own endpoint (flannel's publicIP) when it
        states one, else the node's IP."""
        expected = cluster.nodes
        names, ips, pods = list(map(_NAME, expected)), list(map(_IP_TEXT, expected)), list(map(_POD_CIDR, expected))
        if self.integration.plain_nodes:  # every node's endpoint its IP, no MAC: the state's nodes as they are
            return NodeTable(names, ips, pods, [None] * len(names), ips)
        spec = topology.cluster.nodes
        stated, endpoints = self.integration.vteps_of(spec)
        spec_ips = list(map(_IP_TEXT, spec))
        if not any(stated) and endpoints == spec_ips:  # the mode gives no node anything of its own: the state's nodes as they are
            return NodeTable(names, ips, pods, [None] * len(names), ips)
        if list(map(_NAME, spec)) != names or len(set(names)) != len(names):  # observed nodes: match them by name
            index = {node.name: i for i, node in enumerate(spec)}
            at = [index.get(name) for name in names]
            stated = [None if i is None else stated[i] for i in at]
            endpoints = [ips[n] if i is None else endpoints[i] for n, i in enumerate(at)]
            spec_ips = [ips[n] if i is None else spec_ips[i] for n, i in enumerate(at)]
        macs: list[str | None] = [mac.lower() if mac else None for mac in stated] if any(stated) else [None] * len(stated)
        return NodeTable(names, ips, pods, macs, [e if e != s else x for e, s, x in zip(endpoints, spec_ips, ips)])

    @cached_property
    def nodes(self) -> list[TraceNode]:
        return self.node_table.nodes()

    @classmethod
    def from_topology(cls, topology: "ResolvedTopology") -> "Fabric":
        from ..state import compile_desired_state

        desired = compile_desired_state(topology)
        return cls(topology, desired.bigips, desired.cluster)

    @classmethod
    def from_observed(cls, topology: "ResolvedTopology", observed: "ObservedState") -> "Fabric":
        """Observed state (a snapshot or a live read); what was not read comes from the topology:
        BIG-IPs not read, the cluster when unread, the node list, and the tunnel MACs. An observed
        object named as the topology names it is attributed to the same topology field."""
        from dataclasses import replace

        from ..state import compile_desired_state

        desired = compile_desired_state(topology)
        bigips = {name: _attributed(observed.bigips.get(name, state), state) for name, state in desired.bigips.items()}
        cluster = _attributed(observed.cluster, desired.cluster) if observed.cluster else desired.cluster
        if not cluster.nodes:
            cluster = replace(cluster, nodes=desired.cluster.nodes)
        macs = {name: s.vtep.mac for name, s in desired.bigips.items() if s.vtep is not None}
        return cls(topology, bigips, cluster, macs, cis_writes=False)

    # --- HA ---------------------------------------------------------------------------------

    @cached_property
    def pairs(self) -> dict[str, tuple[str, ...]]:
        """Unit -> the units sharing its floating self IPs (topology order)."""
        by_address: dict[str, list[str]] = {}
        for unit in self.units.values():
            for s in unit.selfs:
                if s.traffic_group != LOCAL_ONLY:
                    names = by_address.setdefault(s.address, [])
                    if unit.name not in names:
                        names.append(unit.name)
        out: dict[str, tuple[str, ...]] = {name: (name,) for name in self.units}
        for names in by_address.values():
            for name in names:
                if len(names) > len(out[name]):
                    out[name] = tuple(names)
        return out

    def scenarios(self) -> list[Scenario]:
        """Every unit as the active one: each BIG-IP, and each unit of a pair before and after failover."""
        return [Scenario(name, self.pairs[name]) for name in self.units]

    def scenario(self, active: str) -> Scenario:
        return Scenario(active, self.pairs[active])

    def _is_active(self, scenario: Scenario, unit: str) -> bool:
        pair = self.pairs[unit]
        return unit == scenario.active if scenario.active in pair else unit == pair[0]

    def _table(self, unit: Unit, active: bool) -> list[_RouteEntry]:
        key = (unit.name, active)
        if key not in self._tables:
            learned = self._bgp_learned(unit, active) + self._cis_static(unit)
            entries = unit.routes(active)
            # Longest prefix first; on a tie connected, then static, then BGP: BIG-IP prefers connected
            # and static routes to dynamically learned ones (TMOS Routing Administration, "Dynamic Routing").
            self._tables[key] = sorted(entries + learned, key=lambda e: (-e.prefixlen, e.gw is not None, e.learned))
        return self._tables[key]

    def _bgp_learned(self, unit: Unit, active: bool) -> list[_RouteEntry]:
        """The routes a BIG-IP that is itself a BGP peer of the nodes learns: each node's announced
        prefixes via the node, when the node announces to a self IP this unit holds."""
        if self.routing != "native" or not self._announcements:
            return []
        own = {addr(s.address).text for s in unit.owned_selfs(active)}
        peers = self.topology.bgp.peers if self.topology.bgp is not None else []
        origin = next((f"bgp.peers[{i}]" for i, p in enumerate(peers) if peer_address(p.address) in own), "bgp.peers")
        nodes, rd = self.node_table, unit.rd
        found = list(map(self._announcements.get, nodes.names))
        to_us = {a.peers: not own.isdisjoint(a.peers) for a in self._announcements.values()}
        node_of: list[int] = []
        prefixes: list[str] = []
        for i, announced in enumerate(found):  # (each node that announces to this unit: thousands)
            if announced is not None and to_us[announced.peers]:
                node_of += repeat(i, len(announced.prefixes))
                prefixes += announced.prefixes
        names, ips = nodes.names, nodes.ips
        whats = [f"BGP route {prefix} via {ips[i]} (announced by {names[i]})" for i, prefix in zip(node_of, prefixes)]
        plain = "%" not in "".join(prefixes) and all(map(str.__contains__, prefixes, repeat("/")))
        parsed = _v4_pods(prefixes) if nodes.v4 and plain and not any(map(str.endswith, prefixes, repeat("/"))) else None
        if parsed is None:
            out = []
            for i, prefix, what in zip(node_of, prefixes, whats):
                network, _, length = prefix.partition("/")
                gw = addr(f"{ips[i]}%{rd}")
                out.append(replace(_entry(f"{network}%{rd}/{length}", None, gw, what, origin), learned=True))
            return out
        nets, masks, _ = parsed  # (_entry's values at C speed; the gateway as addr reads a dotted quad)
        columns = {
            "version": repeat(4),
            "net": nets,
            "mask": masks,
            "prefixlen": list(map(_V4_PREFIXLEN.__getitem__, masks)),
            "rd": repeat(rd),
            "interface": repeat(None),
            "gw": [Addr(ipaddress.IPv4Address(nodes.ip_values[i]), rd, ips[i]) for i in node_of],
            "what": whats,
            "origin": repeat(origin),
            "learned": repeat(True),
            "cis_node": repeat(None),
        }
        return objects_from_columns(_RouteEntry, len(prefixes), columns)

    def _cis_static(self, unit: Unit) -> list[_RouteEntry]:
        """routing: static: the routes CIS makes on this BIG-IP, from the cluster state: the
        topology's nodes (desired), or the live nodes as CIS reads them (observed)."""
        if self.routing != "static":
            return []
        routes = [route for route in self.cluster.of_kind(CisRoute) if route.bigip == unit.name and route.network]
        whats = [f"CIS route {route.name.split('/', 1)[1]} {route.network} gw {route.gw}" for route in routes]
        # No %RD in what CIS writes: the route and its gateway are in route domain 0.
        gws = [addr(route.gw) for route in routes]
        networks = [route.network for route in routes]
        plain = "%" not in "".join(networks) and all(map(str.__contains__, networks, repeat("/")))
        parsed = _v4_pods(networks) if plain and not any(map(str.endswith, networks, repeat("/"))) else None
        if parsed is None:
            return [replace(_entry(r.network, None, gw, what, r.origin), cis_node=r.node) for r, gw, what in zip(routes, gws, whats)]
        nets, masks, _ = parsed  # (one per node: thousands, _entry's values at C speed)
        columns = {
            "version": repeat(4),
            "net": nets,
            "mask": masks,
            "prefixlen": list(map(_V4_PREFIXLEN.__getitem__, masks)),
            "rd": repeat(0),
            "interface": repeat(None),
            "gw": gws,
            "what": whats,
            "origin": list(map(_ORIGIN, routes)),
            "learned": repeat(False),
            "cis_node": list(map(_NODE, routes)),
        }
        return objects_from_columns(_RouteEntry, len(routes), columns)

    # --- shared facts -----------------------------------------------------------------------

    @cached_property
    def node_vni(self) -> int | None:
        """The VNI the nodes send and expect (Integration.node_vni)."""
        return self.integration.node_vni(self.topology.cluster)

    @cached_property
    def node_port(self) -> int:
        """The UDP port the nodes listen on: as the cluster state says (DatapathRules.node_port), else the topology's."""
        port = self.rules.node_port()
        return port if port is not None else self.topology.cluster.tunnel_port or VXLAN_PORT

    def node_of(self, ip: IP) -> TraceNode | None:
        return next((n for n in self.nodes if n.holds(ip)), None)

    def _flooding(self, unit: Unit, tunnel: Tunnel) -> tuple[str, int, str]:
        """(flooding type, UDP port, origin) of the tunnel's profile."""
        origin = f"{unit.path}.tunnel.profile"
        if tunnel.profile in unit.vxlan_profiles:
            p = unit.vxlan_profiles[tunnel.profile]
            return p.flooding_type, p.port, f"{unit.path}.tunnel.floodingType"
        if tunnel.profile in unit.geneve_profiles:
            return "multipoint", unit.geneve_profiles[tunnel.profile].port, origin
        if tunnel.profile == BUILTIN_GENEVE:
            return "multipoint", BUILTIN_GENEVE_PORT, origin
        if tunnel.profile == BUILTIN_VXLAN_MULTIPOINT:
            return "multipoint", BUILTIN_VXLAN_PORT, origin
        if tunnel.profile == BUILTIN_VXLAN:
            return BUILTIN_VXLAN_FLOODING, BUILTIN_VXLAN_PORT, origin
        return "unknown", 0, origin

    def _fdb(self, unit: Unit, tunnel: Tunnel) -> dict[str, FdbRecord]:
        """The tunnel's FDB by MAC: the state's records plus those CIS writes (bare address = %0)."""
        own = unit.fdb.get(tunnel.name, [])
        records = dict(zip(map(_MAC, own), own))
        if self.cis_writes and cis_tunnel(self.topology, unit.index) == f"/Common/{tunnel.name}":
            # CIS: pkg/vxlan/vxlanMgr.go ProcessNodeUpdate, one record per node (DatapathRules.cis_record).
            for written in self.rules.cis_records(self.node_table):
                if written is None:
                    continue
                mac, endpoint = written
                if mac not in records:
                    records[mac] = FdbRecord(f"{tunnel.name}/{mac}", tunnel.name, mac, f"{endpoint}%0", "cis")
        return records

    def _fdb_tables(self, unit: Unit, tunnel: Tunnel) -> FdbTables:
        key = (unit.name, tunnel.name)
        if key not in self._fdb_cache:
            # BIG-IPs whose tunnels hold the very same record objects (the compiler shares them,
            # see state.bigip._fdb_records) and get the same CIS records share one table.
            records = unit.fdb.get(tunnel.name, [])
            cis = self.cis_writes and cis_tunnel(self.topology, unit.index) == f"/Common/{tunnel.name}"
            content = (tunnel.name, cis, tuple(map(id, records)))
            tables = self._fdb_shared.get(content)
            if tables is None:
                tables = self._fdb_shared[content] = FdbTables(self._fdb(unit, tunnel))
            self._fdb_cache[key] = tables
        return self._fdb_cache[key]

    def resolve_destination(self, destination: str) -> IP:
        """A pod address, or a node name (the first address of its pod CIDR)."""
        node = next((n for n in self.nodes if n.name == destination), None)
        if node is not None:
            if node.pod is None:
                raise TraceError(f"node {destination!r} has no podCIDR to send to")
            return node.pod
        try:
            return ipaddress.ip_address(destination)
        except ValueError:
            raise TraceError(
                f"--to {destination!r} is neither an IP address nor a node name ({', '.join(n.name for n in self.nodes)})"
            ) from None

    def partial_routes(self, active: str, node_name: str) -> tuple[str, ...]:
        """The routes of unit `active` (in its route domain) more specific than node `node_name`'s pod
        CIDR and inside it: they take part of that CIDR elsewhere, so one walk does not speak for it all."""
        node = next((n for n in self.nodes if n.name == node_name), None)
        unit = self.units.get(active)
        if node is None or node.pod_net is None or unit is None:
            return ()
        version, net, mask = node.pod_net
        table = self._table(unit, True)
        return tuple(e.what for e in table if e.version == version and e.rd == unit.rd and e.mask > mask and e.net & mask == net)

    # --- the walk ---------------------------------------------------------------------------

    def trace(self, active: str, destination: str | IP) -> Trace:
        """One flow from the active unit `active` to `destination` (a pod address) and its reply."""
        pod = ipaddress.ip_address(destination)
        return self._trace(self.scenario(active), pod, self.node_of(pod))

    def _trace(self, scenario: Scenario, pod: IP, node: TraceNode | None) -> Trace:
        forward: list[Hop] = []
        source = self._walk_forward(scenario, pod, node, forward)
        reply: list[Hop] = []
        if forward[-1].status == OK and node is not None:
            if source is None:
                reply.append(
                    Hop(
                        scenario.active,
                        "snat",
                        "no self IP on the egress VLAN or tunnel to take the reply",
                        self.units[scenario.active].path,
                        UNKNOWN,
                    )
                )
            else:
                self._walk_reply(scenario, pod, node, source, reply)
        return Trace(scenario.label, str(pod), tuple(forward), tuple(reply))

    def _walk_forward(self, scenario: Scenario, pod: IP, node: TraceNode | None, hops: list[Hop]) -> SelfIp | None:
        """The forward hops; returns the self IP the flow leaves from (the reply's destination)."""
        unit = self.units[scenario.active]
        table = self._table(unit, True)
        entry = _lookup(table, pod, unit.rd)
        if entry is None:
            hops.append(Hop(unit.name, "route", f"no route to {pod} in route domain {unit.rd}", f"{unit.path}", DROP))
            return None
        if entry.gw is not None:
            return self._forward_native(unit, table, entry, pod, node, hops)
        tunnel = unit.tunnels.get(entry.interface or "")
        if tunnel is None:
            hops.append(
                Hop(
                    unit.name,
                    "route",
                    f"{pod} matches {entry.what}, which leads to VLAN {entry.interface}, not a tunnel",
                    entry.origin,
                    DROP,
                )
            )
            return None
        hops.append(Hop(unit.name, "route", f"{pod} matches {entry.what} -> tunnel {tunnel.name}", entry.origin))
        source = self._source_self(unit, tunnel.name)
        flooding, port, flooding_origin = self._flooding(unit, tunnel)
        tables = self._fdb_tables(unit, tunnel)
        local = addr(tunnel.local_address)
        record = self.rules.arp(unit, tunnel, pod, node, flooding, flooding_origin, tables, hops)
        if record is None:
            return None
        endpoint = addr(record.endpoint)
        if endpoint.rd != local.rd:
            hops.append(
                Hop(
                    unit.name,
                    "fdb",
                    f"FDB record {record.mac} endpoint {record.endpoint} is in route domain {endpoint.rd}, the tunnel's local address "
                    f"{tunnel.local_address} in {local.rd}: the device refuses the record (01070734)",
                    record.origin or f"{unit.path}.routeDomain",
                    DROP,
                )
            )
            return None
        under = _lookup(table, endpoint.ip, endpoint.rd)
        if under is None or under.interface in unit.tunnels:
            why = "no route" if under is None else f"it matches {under.what}, back into the tunnel"
            hops.append(
                Hop(
                    unit.name,
                    "encap",
                    f"cannot send the encapsulated packet to {record.endpoint}: {why}",
                    under.origin if under else f"{unit.path}.underlay",
                    DROP,
                )
            )
            return None
        hops.append(
            Hop(
                unit.name,
                "encap",
                f"{'geneve' if tunnel.profile in unit.geneve_profiles or tunnel.profile == BUILTIN_GENEVE else 'vxlan'} "
                f"key {tunnel.key} udp/{port} {tunnel.local_address} -> {record.endpoint} out {under.interface} ({under.what})",
                tunnel.origin,
            )
        )
        if node is None or endpoint.text not in (node.ip_text, node.endpoint):
            hops.append(Hop(endpoint.text, "accept", f"{endpoint.text} is not the node that hosts {pod}", record.origin, DROP))
            return None
        if not self._node_accepts(unit, tunnel, port, local, source, node, hops):
            return None
        hops.append(Hop(node.name, "deliver", f"pod {pod} is in {node.name}'s podCIDR {node.pod_text}", f"{node.path}.podCIDR"))
        return source

    def _source_self(self, unit: Unit, vlan: str) -> SelfIp | None:
        """The self IP a flow out of `vlan` leaves from: the floating one when the unit holds it (SNAT automap)."""
        selfs = [s for s in unit.owned_selfs(True) if s.vlan == vlan]
        return next((s for s in selfs if s.traffic_group != LOCAL_ONLY), selfs[0] if selfs else None)

    def _node_accepts(
        self, unit: Unit, tunnel: Tunnel, port: int, local: Addr, source: SelfIp | None, node: TraceNode, hops: list[Hop]
    ) -> bool:
        cluster_path = "cluster"
        if port != self.node_port:
            hops.append(
                Hop(
                    node.name,
                    "accept",
                    f"listens on udp/{self.node_port}, the tunnel sends to udp/{port}",
                    f"{cluster_path}.tunnelPort",
                    DROP,
                )
            )
            return False
        if self.node_vni is None:
            decision, origin = self.rules.vni_unknown
            hops.append(Hop(node.name, "accept", decision, origin, UNKNOWN))
            return False
        if tunnel.key != self.node_vni:
            hops.append(
                Hop(node.name, "accept", f"expects VNI {self.node_vni}, the tunnel's key is {tunnel.key}", f"{unit.path}.tunnel.vni", DROP)
            )
            return False
        return self.rules.accept(unit, tunnel, port, local, source, node, hops)

    def _forward_native(
        self, unit: Unit, table: list[_RouteEntry], entry: _RouteEntry, pod: IP, node: TraceNode | None, hops: list[Hop]
    ) -> SelfIp | None:
        gw = entry.gw
        assert gw is not None  # (the caller's: a route via a gateway)
        hops.append(Hop(unit.name, "route", f"{pod} matches {entry.what}", entry.origin))
        via = _lookup(table, gw.ip, gw.rd)
        if via is None or via.gw is not None or via.interface in unit.tunnels:
            hops.append(Hop(unit.name, "route", f"gateway {gw} is not on a connected subnet", entry.origin, DROP))
            return None
        if node is None:
            hops.append(Hop(str(gw.ip), "route", f"no node has {pod} in its podCIDR", "cluster.nodes", DROP))
            return None
        if entry.learned and gw.text == node.ip_text:  # the BIG-IP peers with the node itself
            hops.append(Hop(node.name, "deliver", f"pod {pod} is in {node.name}'s podCIDR {node.pod_text}", f"{node.path}.podCIDR"))
            return self._source_self(unit, via.interface or "")
        if self.routing == "static":
            if gw.text != node.ip_text:
                hops.append(
                    Hop(str(gw.ip), "accept", f"{gw.ip} is not {node.name} ({node.ip_text}), which hosts {pod}", entry.origin, DROP)
                )
                return None
            hops.append(Hop(unit.name, "arp", f"{gw.ip} on-link via {via.what}", via.origin))
            hops.append(
                Hop(
                    node.name,
                    "deliver",
                    f"pod {pod} is in {node.name}'s podCIDR {node.pod_text}: routed to the pod",
                    f"{node.path}.podCIDR",
                )
            )
            return self._source_self(unit, via.interface or "")
        announced = self._announcements.get(node.name)
        peer_names = self._peer_names
        peers = {a: peer_names.get(a, a) for a in announced.peers} if announced is not None else {}
        if announced is None or str(gw.ip) not in peers:
            names = ", ".join(sorted(peers.values())) or "none"
            hops.append(
                Hop(
                    str(gw.ip),
                    "bgp",
                    f"gateway {gw.ip} learns no route to {node.pod_text}: {node.name}'s {self._speaker} peers are {names}",
                    "bgp.peers",
                    DROP,
                )
            )
            return None
        hops.append(
            Hop(
                str(gw.ip),
                "bgp",
                f"learned {', '.join(announced.prefixes)} from {node.name} ({node.ip_text}) over BGP (peer {peers[str(gw.ip)]})",
                "bgp.peers",
            )
        )
        hops.append(Hop(node.name, "deliver", f"pod {pod} is in {node.name}'s podCIDR {node.pod_text}", f"{node.path}.podCIDR"))
        return self._source_self(unit, via.interface or "")

    @cached_property
    def _announcements(self) -> dict[str, BgpAnnouncement]:
        """What each node's speaker announces and to which peers (BIRD's or the mode's speaker, state/speaker.py)."""
        return {a.name: a for a in self.cluster.of_kind(BgpAnnouncement)}

    @cached_property
    def _peer_names(self) -> dict[str, str]:
        bgp = self.topology.bgp
        return {peer_address(p.address): p.name for p in bgp.peers} if bgp is not None else {}

    @property
    def _speaker(self) -> str:
        return speaker_label(self.topology)

    # --- the reply --------------------------------------------------------------------------

    def _walk_reply(self, scenario: Scenario, pod: IP, node: TraceNode, source: SelfIp, hops: list[Hop]) -> None:
        daddr = addr(source.address).ip
        if self.routing in ("static", "native"):
            if self.routing == "static":
                subnet = ipaddress.ip_interface(source.address.replace(f"%{addr(source.address).rd}", "")).network
                if ipaddress.ip_address(node.ip_text) not in subnet:
                    hops.append(
                        Hop(node.name, "route", f"{daddr} is not on {node.name}'s subnet: its default route decides", node.path, UNKNOWN)
                    )
                    return
                hops.append(Hop(node.name, "route", f"{pod} -> {daddr}: connected {subnet} (the node's underlay)", node.path))
            else:
                hops.append(
                    Hop(node.name, "route", f"{pod} -> {daddr} through the node's own routes (outside vtepc, not modelled)", node.path)
                )
            receiver = self._owner(scenario, lambda u, active: any(s.address == source.address for s in u.owned_selfs(active)))
            if receiver is None or receiver.name != scenario.active:
                hops.append(Hop(str(daddr), "accept", f"{scenario.active} does not hold {source.address}", source.origin, DROP))
                return
            hops.append(Hop(receiver.name, "accept", f"self IP {source.name} {source.address}", source.origin))
            return
        found = self.rules.reply_route(daddr, node, pod, hops)
        if found is None:
            return
        endpoint, mac, origin = found
        self._bigip_accepts(scenario, endpoint, mac, origin, source, hops)

    def _owner(self, scenario: Scenario, holds: Callable[[Unit, bool], bool]) -> Unit | None:
        return next((u for u in self.units.values() if holds(u, self._is_active(scenario, u.name))), None)

    def _bigip_accepts(self, scenario: Scenario, endpoint: str, mac: str, mac_origin: str, source: SelfIp, hops: list[Hop]) -> None:
        def holds_tunnel(unit: Unit, active: bool) -> bool:
            return any(addr(t.local_address).text == endpoint and (t.traffic_group is None or active) for t in unit.tunnels.values())

        receiver = self._owner(scenario, holds_tunnel)
        if receiver is None:
            hops.append(Hop(endpoint, "accept", f"no BIG-IP tunnel has local address {endpoint}", mac_origin, DROP))
            return
        if receiver.name != scenario.active:
            hops.append(
                Hop(
                    receiver.name,
                    "accept",
                    f"the reply reaches {receiver.name}, not {scenario.active} where the flow began",
                    mac_origin,
                    DROP,
                )
            )
            return
        tunnels = [t for t in receiver.tunnels.values() if addr(t.local_address).text == endpoint]
        ports = {t.name: self._flooding(receiver, t)[1] for t in tunnels}
        tunnel = next((t for t in tunnels if t.key == self.node_vni and ports[t.name] == self.node_port), None)
        if tunnel is None:
            have = ", ".join(f"{t.name} key {t.key} udp/{ports[t.name]}" for t in tunnels)
            hops.append(
                Hop(
                    receiver.name,
                    "accept",
                    f"VNI {self.node_vni} udp/{self.node_port} to {endpoint} matches no tunnel ({have})",
                    f"{receiver.path}.tunnel.vni",
                    DROP,
                )
            )
            return
        if receiver.tunnel_mac is not None and mac != receiver.tunnel_mac:
            hops.append(
                Hop(
                    receiver.name,
                    "accept",
                    f"inner destination MAC {mac} is not {receiver.name}'s tunnel MAC {receiver.tunnel_mac}",
                    f"{receiver.path}.tunnel.mac",
                    DROP,
                )
            )
            return
        if not any(s.address == source.address and s.vlan == tunnel.name for s in receiver.owned_selfs(True)):
            hops.append(
                Hop(receiver.name, "accept", f"{receiver.name} holds no self IP {source.address} on {tunnel.name}", source.origin, DROP)
            )
            return
        hops.append(
            Hop(
                receiver.name,
                "accept",
                f"tunnel {tunnel.name} key {tunnel.key} on {tunnel.local_address}, MAC {mac}, self IP {source.address}: delivered",
                tunnel.origin,
            )
        )

    # --- all pairs --------------------------------------------------------------------------

    def _probes(self, kind: str) -> _Keys:
        """The walked nodes' pod probes, or every node's tunnel endpoint, sorted."""
        if kind not in self._probe_cache:
            table = self.node_table
            self._probe_cache[kind] = _Keys(*(table.probe_keys() if kind == "pod" else table.endpoint_sort_keys()))
        return self._probe_cache[kind]

    @property
    def walked(self) -> list[int] | range:
        """The nodes the all-pairs walk goes to: those with a pod CIDR (by index)."""
        return self.node_table.walked

    @cached_property
    def _peer_addresses(self) -> dict[str, frozenset[str]]:
        return {a.name: frozenset(a.peers) for a in self._announcements.values()}

    def _signatures(self, scenario: Scenario) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]] | None]:
        """What the walk decides for each walked node: nodes with equal signatures share a trace.
        Routes are matched per prefix (each route paints the sorted nodes it covers), not per node.
        With routes of one node each (CIS's static routes, routes learned over BGP from the nodes),
        also each node's class: groups of one class go the same way through every decision the walk
        makes (see _node_route_classes), so one delivered walk speaks for the class; None: the signatures."""
        unit = self.units[scenario.active]
        table = self._table(unit, True)
        nodes, walked = self.node_table, self.walked
        pod_routes = self._probes("pod").paint(table, unit.rd)
        underlay = self._probes("endpoint").paint(table, unit.rd)
        if len(walked) < len(nodes):
            underlay = [underlay[i] for i in walked]
        kinds = {r: _route_kind(table[r] if r >= 0 else None, unit) for r in set(pod_routes)}
        if list(kinds.values()) == ["tunnel"]:  # one tunnel route for every node (the usual design): at C speed
            [r] = kinds
            tunnel = unit.tunnels[table[r].interface or ""]
            verdicts = self._fdb_tables(unit, tunnel).verdicts(nodes, self.rules.fdb_by_mac)
            if len(walked) < len(nodes):
                verdicts = [verdicts[i] for i in walked]
            if set(map(type, verdicts)) == {int}:
                return list(zip(repeat(r), verdicts, underlay)), None
        peers = self._peer_addresses
        names = nodes.names
        keys: list[tuple[Any, ...]] = []
        per_node: list[int] = []  # the positions whose route is a node's own
        tunnel_verdicts: dict[str, list[int | str | None]] = {}
        for i, r, u in zip(walked, pod_routes, underlay):
            kind = kinds[r]
            if kind == "none":
                keys.append((r, False))
            elif kind == "gw":
                entry = table[r]
                if entry.learned or entry.cis_node is not None:
                    per_node.append(len(keys))
                keys.append((r, entry.gw.text in peers.get(names[i], ())))  # type: ignore[union-attr]
            elif kind == "vlan":
                keys.append((r,))
            else:
                tunnel = unit.tunnels[table[r].interface or ""]
                if tunnel.name not in tunnel_verdicts:
                    tunnel_verdicts[tunnel.name] = self._fdb_tables(unit, tunnel).verdicts(nodes, self.rules.fdb_by_mac)
                verdict = tunnel_verdicts[tunnel.name][i]
                keys.append((r, verdict, u) if type(verdict) is int else (r, verdict))
        if not per_node:
            return keys, None
        return keys, self._node_route_classes(unit, table, keys, per_node, pod_routes)

    def _node_route_classes(
        self, unit: Unit, table: list[_RouteEntry], keys: list[tuple[Any, ...]], per_node: list[int], pod_routes: list[int]
    ) -> list[tuple[Any, ...]]:
        """The signatures, with a node's own route (which makes each such node a group of its own)
        replaced by what the walk decides on it (_forward_native, _walk_reply): whether the route was
        learned, whether its gateway is the node's own IP, the connected route to the gateway (which
        gives the self IP the flow leaves from), with routing: static whether the node's IP is on that
        self IP's subnet, and (the signature's) whether the node announces to the gateway."""
        classes = list(keys)
        walked, nodes = self.walked, self.node_table
        entries = [table[pod_routes[p]] for p in per_node]
        vias: list[int] = [-1] * len(per_node)
        by_rd: dict[int, list[int]] = {}
        for n, entry in enumerate(entries):
            by_rd.setdefault(entry.gw.rd, []).append(n)  # type: ignore[union-attr]
        for rd, positions in by_rd.items():
            gws = [entries[n].gw.ip for n in positions]  # type: ignore[union-attr]
            v4 = all(ip.version == 4 for ip in gws)
            painted = _Keys([int(ip) for ip in gws] if v4 else [(ip.version, int(ip)) for ip in gws], v4).paint(table, rd)
            for n, via in zip(positions, painted):
                vias[n] = via
        subnets: dict[int, tuple[int, int, int] | None] = {}
        for p, entry, via in zip(per_node, entries, vias):
            i = walked[p]
            ip_text = nodes.ips[i]
            on_subnet = None
            if self.routing == "static" and via >= 0:
                if via not in subnets:
                    subnets[via] = self._source_subnet(unit, table[via])
                subnet = subnets[via]
                if subnet is not None:
                    version, value = _ip_key(ip_text)
                    on_subnet = version == subnet[0] and value & subnet[2] == subnet[1]
            classes[p] = ("node route", entry.learned, entry.gw.text == ip_text, via, on_subnet, keys[p][1])  # type: ignore[union-attr]
        return classes

    def _source_subnet(self, unit: Unit, via: _RouteEntry) -> tuple[int, int, int] | None:
        """(version, network, mask) of the self IP a flow leaves from through `via`, as _walk_reply reads it."""
        if via.gw is not None or via.interface in unit.tunnels:
            return None
        source = self._source_self(unit, via.interface or "")
        if source is None:
            return None
        network = ipaddress.ip_interface(source.address.replace(f"%{addr(source.address).rd}", "")).network
        return network.version, int(network.network_address), int(network.netmask)

    def _walk(self, scenario: Scenario, index: int) -> Trace:
        """trace() to the probe of node `index`, which (pod CIDRs disjoint) is that node's own."""
        node = self.node_table.node(index)
        assert node.probe is not None  # (a walked node)
        pod = _ip(node.probe)
        # The first node is the first to hold its probe; any other, when no pod CIDRs overlap.
        if index != self.walked[0] and not self.node_table.pods_disjoint:
            return self.trace(scenario.active, pod)
        return self._trace(scenario, pod, node)


def _route_kind(entry: _RouteEntry | None, unit: Unit) -> str:
    """How the walk goes on from a pod's route (a signature's shape): none, gw, vlan or tunnel."""
    if entry is None:
        return "none"
    if entry.gw is not None:
        return "gw"
    return "tunnel" if (entry.interface or "") in unit.tunnels else "vlan"


class _Keys:
    """Addresses as sort keys, sorted for painting by routes, with each one's place in the sorted
    order: integers when every one is IPv4 (`v4`), else (version, integer)."""

    def __init__(self, keys: list[Any], v4: bool):
        self.v4 = v4
        order = sorted(range(len(keys)), key=keys.__getitem__)
        self.sorted = list(map(keys.__getitem__, order))
        self.place = order if self.sorted == keys else sorted(range(len(order)), key=order.__getitem__)

    def paint(self, table: list[_RouteEntry], rd: int) -> list[int]:
        """The index in `table` of the longest-prefix route for each key (-1: none), in the keys' order:
        every route paints the sorted keys it covers, shortest prefix first, so the longest one's paint stays."""
        keys = self.sorted
        ids = [-1] * len(keys)
        for index in range(len(table) - 1, -1, -1):
            entry = table[index]
            if entry.rd != rd or (self.v4 and entry.version != 4):
                continue
            last = entry.net | (((1 << (32 if entry.version == 4 else 128)) - 1) ^ entry.mask)
            if self.v4:
                lo, hi = bisect_left(keys, entry.net), bisect_right(keys, last)
            else:
                lo, hi = bisect_left(keys, (entry.version, entry.net)), bisect_right(keys, (entry.version, last))
            if hi > lo:
                ids[lo:hi] = repeat(index, hi - lo)
        return list(map(ids.__getitem__, self.place))


@dataclass(frozen=True)
class Unreachable:
    """Pods of some nodes a scenario cannot reach (or whose reply does not return)."""

    scenario: Scenario
    nodes: tuple[str, ...]
    trace: Trace  # of the first such node

    @property
    def hop(self) -> Hop:
        return self.trace.failure  # type: ignore[return-value]

    @property
    def summary(self) -> str:
        """'bigip-1 -> pods on node1 and 2 more node(s): dropped at <where> <step>: <decision>'."""
        more = f" and {len(self.nodes) - 1} more node(s)" if len(self.nodes) > 1 else ""
        return f"{self.scenario.label} -> pods on {self.nodes[0]}{more}: dropped at {self.hop.where} {self.hop.step}: {self.hop.decision}"


def unreachable(fabric: Fabric) -> Iterator[Unreachable]:
    """Every (active unit, node group) whose walk is dropped, in topology order: one walk per group,
    and none for a group whose class another group's delivered walk already spoke for."""
    names, walked = fabric.node_table.names, fabric.walked
    for scenario in fabric.scenarios():
        keys, classes = fabric._signatures(scenario)
        first = dict(zip(reversed(keys), reversed(range(len(keys)))))  # each signature's first position
        members: dict[tuple[Any, ...], list[int]] | None = None
        delivered: set[tuple[Any, ...]] = set()
        for key, position in sorted(first.items(), key=itemgetter(1)):
            kind = key if classes is None else classes[position]
            if kind in delivered:
                continue
            trace = fabric._walk(scenario, walked[position])
            failure = trace.failure
            if failure is None:
                delivered.add(kind)
            elif failure.status == DROP:
                if members is None:
                    members = {}
                    for i, k in zip(walked, keys):
                        members.setdefault(k, []).append(i)
                yield Unreachable(scenario, tuple(names[i] for i in members[key]), trace)


class DatapathRules(ABC):
    """What one mode's datapath decides, for the engine above to walk; Integration.datapath builds
    one per Fabric. Each decision appends its hops (with the topology path behind it) and says
    whether the walk goes on."""

    # The BIG-IP finds a node's FDB record by the node's tunnel MAC (True: an ARP entry names the
    # MAC), or by the node's endpoint (an ARP answer comes from the node reached there).
    fdb_by_mac: ClassVar[bool] = False
    # The hop when Integration.node_vni does not know the nodes' VNI: (decision, origin).
    vni_unknown: ClassVar[tuple[str, str]] = ("the VNI the nodes send with is not known", "cluster")
    # Origins of drops another check reports already (VTEP1001 leaves them to it; `vtepc trace` shows them).
    reported_elsewhere: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, fabric: Fabric) -> None:
        self.fabric = fabric

    def node_port(self) -> int | None:
        """The UDP port the nodes listen on, when the cluster state says (None: the topology's)."""
        return None

    @abstractmethod
    def cis_record(self, node: TraceNode) -> tuple[str, str] | None:
        """(MAC, endpoint) of the FDB record CIS writes for `node` on the tunnel it maintains, or None."""

    def cis_records(self, nodes: NodeTable) -> list[tuple[str, str] | None]:
        """cis_record of every node, in order (a mode may give it column by column: thousands of nodes)."""
        return [self.cis_record(node) for node in self.fabric.nodes]

    @abstractmethod
    def arp(
        self,
        unit: Unit,
        tunnel: Tunnel,
        pod: IP,
        node: TraceNode | None,
        flooding: str,
        flooding_origin: str,
        tables: FdbTables,
        hops: list[Hop],
    ) -> FdbRecord | None:
        """The FDB record the BIG-IP sends `pod`'s packets with (the ARP resolution), or None (dropped)."""

    @abstractmethod
    def accept(self, unit: Unit, tunnel: Tunnel, port: int, local: Addr, source: SelfIp | None, node: TraceNode, hops: list[Hop]) -> bool:
        """Whether `node` takes the encapsulated packet (port and VNI already match)."""

    @abstractmethod
    def reply_route(self, daddr: IP, node: TraceNode, pod: IP, hops: list[Hop]) -> tuple[str, str, str] | None:
        """How `node` sends `pod`'s reply to `daddr`: (BIG-IP tunnel endpoint, inner MAC, origin of the MAC), or None."""
