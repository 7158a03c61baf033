"""The forwarding decisions of both datapaths, one hop at a time.

Sources of each rule (../shared/spec/domain-facts.md unless said otherwise):

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
- flannel: flooding none, so the BIG-IP reaches a pod only through the static ARP entry
  k8s-<podIP> -> the node's VtepMAC that CIS writes (k8s-bigip-ctlr v2.20.2
  pkg/vxlan/vxlanMgr.go addArpForPods), then the FDB record VtepMAC -> public-ip (seed 003).
- HA: floating self IPs and a tunnel with a traffic group belong to the active unit
  (seed 001's HA guide); the standby forwards none of the group's traffic.
Cilium
- The node accepts a VTEP packet on its tunnel port (tunnel-port, 8472/6081 by default) with the
  VNI the agent sends on (2, or 9 on dual stack: bpf/lib/identity.h WORLD_IPV4_ID); 1.15.0-1.15.1
  drop every VTEP packet (issue 31023). The packet's inner source must fall in a vtep-cidr whose
  endpoint is the outer source (bpf/bpf_overlay.c, ENABLE_VTEP; inferred).
- The node hosting a pod answers the flooded ARP request for it (seed 000); 1.18.7 and
  1.19.0-1.19.1 answer with 00:00:00:00:00:00 (issue 44453).
- Egress: `daddr & vtep-mask` against the vtep-cidr list, then VXLAN to that endpoint with the
  VNI above and the vtep-mac as inner destination (seed 000's ipcache); l7Proxy off deletes
  every VTEP route (pkg/datapath/vtep/vtep_manager.go).
flannel
- The node's flannel routes the BIG-IP Node's spec.podCIDR over flannel.1 to its
  backend-data VtepMAC at its public-ip with VNI 1 (flannel backend/vxlan default VNI).
Native routing (seed 004)
- Each node's speaker (BIRD, or Cilium's BGP control plane) exports its pod CIDR to its peers
  (bgp/announcement objects, read back from either); the BIG-IP's route for the pod network
  points at the gateway, which reaches a pod only if the node announces to it.
"""

from __future__ import annotations

import ipaddress
import json
import socket
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, replace
from functools import cached_property, lru_cache
from itertools import groupby
from operator import attrgetter
from typing import TYPE_CHECKING, Any, Callable, Iterator, Mapping, NamedTuple

from ..addresses import fake_fdb_mac
from ..integrations import CILIUM_VTEP, FLANNEL_NODE, integration_of
from ..integrations.cilium.model import CiliumCluster
from ..integrations.cilium.version_checks import ARP_ZERO_MAC_BROKEN, VNI_DROP_BROKEN
from ..integrations.cilium.versions import match_cilium_version
from ..diagnostics import VtepcError
from ..model import GENEVE_PORT, VXLAN_PORT
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
from ..integrations.cilium.state import CiliumConfig
from ..integrations.flannel.state import BigipNode
from ..integrations.flannel.model import FLANNEL_ANNOTATION_PREFIX
from ..state.cluster import cis_tunnel
from ..state.speaker import BgpAnnouncement, peer_address, speaker_label

if TYPE_CHECKING:
    from ..live import ObservedState
    from ..model import Topology
    from ..state.bigip import BigipState
    from ..state.cluster import ClusterState

OK, DROP, UNKNOWN = "ok", "drop", "unknown"


class TraceError(VtepcError):
    """--from or --to names nothing the topology has."""


BUILTIN_VXLAN_FLOODING = "multicast"  # tmsh list net tunnels vxlan vxlan (domain facts, "Further facts")
BUILTIN_VXLAN_MULTIPOINT = "vxlan-multipoint"
ZERO_MAC = "00:00:00:00:00:00"


@dataclass(frozen=True, slots=True)
class Hop:
    where: str  # the device or object: "bigip-1", "node1", "pod 10.0.0.130"
    step: str  # route, arp, fdb, encap, accept, vtep, deliver
    decision: str
    origin: str = ""  # the topology path of the field behind the decision
    status: str = OK
    line: int | None = None  # the origin's line in the topology file, once located

    def to_jsonable(self) -> dict:
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

    def to_jsonable(self) -> dict:
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
        return "\n".join(lines) + "\n"


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


class _Addr(NamedTuple):  # a tuple: built once per FDB endpoint, thousands per check
    ip: ipaddress.IPv4Address | ipaddress.IPv6Address
    rd: int
    text: str  # the address alone, canonical

    def __str__(self) -> str:
        return f"{self.text}%{self.rd}"


@lru_cache(maxsize=None)
def _addr(text: str) -> _Addr:
    """'10.1.6.34%0' or '10.1.6.34%0/24' (state's normalized form) -> the address and route domain.
    Cached: the same FDB endpoints recur on every BIG-IP of a route domain."""
    address = text.split("/", 1)[0]
    ip, _, rd = address.partition("%")
    try:  # a dotted quad (no leading zeros) is already canonical; the C parser reads it (every FDB endpoint)
        return _Addr(ipaddress.IPv4Address(int.from_bytes(socket.inet_pton(socket.AF_INET, ip), "big")), int(rd or 0), ip)
    except (OSError, ValueError):
        parsed = ipaddress.ip_address(ip)
        return _Addr(parsed, int(rd or 0), str(parsed))


@dataclass(frozen=True, slots=True)
class _RouteEntry:
    version: int
    net: int
    mask: int
    prefixlen: int
    rd: int
    interface: str | None  # VLAN or tunnel (connected and interface routes)
    gw: _Addr | None
    what: str
    origin: str
    learned: bool = False  # learned over BGP from the node it points at (the BIG-IP is a peer of the nodes)


def _entry(network_text: str, interface: str | None, gw: _Addr | None, what: str, origin: str) -> _RouteEntry:
    address, _, prefix = network_text.partition("/")
    base = _addr(address)
    net = ipaddress.ip_network(f"{base.ip}/{prefix}", strict=False)
    return _RouteEntry(net.version, int(net.network_address), int(net.netmask), net.prefixlen, base.rd, interface, gw, what, origin)


def _ip_key(text: str) -> tuple[int, int]:
    """(IP version, integer) of an address, parsed by the C library (thousands of nodes per check)."""
    try:
        return 4, int.from_bytes(socket.inet_pton(socket.AF_INET, text), "big")
    except OSError:
        return 6, int.from_bytes(socket.inet_pton(socket.AF_INET6, text), "big")


def _ip(key: tuple[int, int]):
    return ipaddress.IPv4Address(key[1]) if key[0] == 4 else ipaddress.IPv6Address(key[1])


@dataclass(frozen=True, slots=True)
class _Node:
    index: int
    name: str
    ip_text: str
    ip_key: tuple[int, int]
    pod_text: str | None  # the node's pod CIDR as written
    pod_net: tuple[int, int, int] | None  # (version, network integer, mask integer)
    probe: tuple[int, int] | None  # the all-pairs probe: the pod CIDR's first address after the network
    vtep_mac: str | None  # flannel.1 MAC when the topology states it
    public_ip: str  # flannel public-ip annotation: publicIP or the node IP

    @classmethod
    def build(cls, index: int, name: str, ip: str, pod_cidr: str | None, vtep_mac: str | None, public_ip: str) -> "_Node":
        pod_net = probe = None
        if pod_cidr:
            base, _, prefix = pod_cidr.partition("/")
            version, value = _ip_key(base)
            bits = 32 if version == 4 else 128
            mask = ((1 << bits) - 1) ^ ((1 << (bits - int(prefix or bits))) - 1)
            pod_net = (version, value & mask, mask)
            probe = (version, (value & mask) + (1 if int(prefix or bits) < bits else 0))
        return cls(index, name, ip, _ip_key(ip), pod_cidr, pod_net, probe, vtep_mac, public_ip)

    @property
    def path(self) -> str:
        return f"cluster.nodes[{self.index}]"

    @property
    def pod(self):
        return None if self.probe is None else _ip(self.probe)

    def holds(self, ip) -> bool:
        return self.pod_net is not None and ip.version == self.pod_net[0] and int(ip) & self.pod_net[2] == self.pod_net[1]


class _Unit:
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
            gw = _addr(route.gw) if route.gw else None
            via = f"interface {route.interface}" if route.interface else f"gw {route.gw}"
            entries.append(_entry(route.network, route.interface, gw, f"route {route.name} {route.network} {via}", route.origin))
        return sorted(entries, key=lambda e: (-e.prefixlen, e.gw is not None))

    def owned_selfs(self, active: bool) -> list[SelfIp]:
        return [s for s in self.selfs if s.traffic_group == LOCAL_ONLY or active]


class _FdbTables:
    """A tunnel's FDB by MAC and by endpoint address, and what it decides for each node."""

    def __init__(self, by_mac: dict[str, FdbRecord], by_endpoint: dict[str, FdbRecord]):
        self.by_mac = by_mac
        self.by_endpoint = by_endpoint
        self._verdicts: dict[bool, tuple[list[_Node], list[int | str | None]]] = {}

    def verdicts(self, nodes: list[_Node], flannel: bool) -> list[int | str | None]:
        """Per node: None when no record sends to it, its record's route domain when the record's
        endpoint is the node's (flannel: its public IP), else that other endpoint's address."""
        known = self._verdicts.get(flannel)
        if known is None or known[0] is not nodes:
            out: list[int | str | None] = []
            for node in nodes:
                record = self.by_mac.get(node.vtep_mac or "") if flannel else self.by_endpoint.get(node.ip_text)
                if record is None:
                    out.append(None)
                    continue
                endpoint = _addr(record.endpoint)
                out.append(endpoint.rd if endpoint.text == (node.public_ip if flannel else node.ip_text) else endpoint.text)
            known = self._verdicts[flannel] = (nodes, out)
        return known[1]


def _lookup(table: list[_RouteEntry], ip, rd: int) -> _RouteEntry | None:
    value, version = int(ip), ip.version
    for entry in table:
        if entry.version == version and entry.rd == rd and value & entry.mask == entry.net:
            return entry
    return None


def _nth_origin(origins: Mapping[str, str], key: str, index: int, count: int) -> str:
    """The origin of one entry of a space-separated list setting (its origins are joined with ", ")."""
    parts = origins.get(key, "bigips").split(", ")
    return parts[index] if len(parts) == count else parts[0]


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
        topology: "Topology",
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
        self.datapath = self.integration.datapath
        self.routing = topology.cluster.routing
        self.units: dict[str, _Unit] = {}
        for index, bigip in enumerate(topology.bigips):
            state = bigips.get(bigip.name)
            if state is not None:
                mac = state.vtep.mac if state.vtep is not None else None
                mac = (tunnel_macs or {}).get(bigip.name) or mac
                self.units[bigip.name] = _Unit(state, index, mac)
        spec_nodes = {n.name: n for n in topology.cluster.nodes}
        self.nodes: list[_Node] = []
        for index, expected in enumerate(cluster.nodes):
            spec = spec_nodes.get(expected.name)
            vtep = self.integration.node_vtep(spec) if spec is not None else None
            self.nodes.append(
                _Node.build(
                    index,
                    expected.name,
                    expected.ip,
                    expected.pod_cidr,
                    vtep.mac.lower() if vtep is not None and vtep.mac else None,
                    # the mode's own endpoint (flannel's publicIP) when it states one, else the node's IP
                    vtep.endpoint if vtep is not None and spec is not None and vtep.endpoint != spec.ip else expected.ip,
                )
            )
        self._tables: dict[tuple[str, bool], list[_RouteEntry]] = {}
        self._probe_cache: dict[str, tuple[list[tuple[int, int]], list[int]]] = {}
        self._fdb_cache: dict[tuple[str, str], _FdbTables] = {}
        self._fdb_shared: dict[tuple[str, bool, tuple[int, ...]], _FdbTables] = {}

    @classmethod
    def from_topology(cls, topology: "Topology") -> "Fabric":
        from ..state import compile_desired_state

        desired = compile_desired_state(topology)
        return cls(topology, desired.bigips, desired.cluster)

    @classmethod
    def from_observed(cls, topology: "Topology", observed: "ObservedState") -> "Fabric":
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
        out = {name: (name,) for name in self.units}
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

    def _table(self, unit: _Unit, active: bool) -> list[_RouteEntry]:
        key = (unit.name, active)
        if key not in self._tables:
            learned = self._bgp_learned(unit, active)
            entries = unit.routes(active)
            # Longest prefix first; on a tie connected, then static, then BGP: BIG-IP prefers connected
            # and static routes to dynamically learned ones (TMOS Routing Administration, "Dynamic Routing").
            self._tables[key] = sorted(entries + learned, key=lambda e: (-e.prefixlen, e.gw is not None, e.learned))
        return self._tables[key]

    def _bgp_learned(self, unit: _Unit, active: bool) -> list[_RouteEntry]:
        """The routes a BIG-IP that is itself a BGP peer of the nodes learns: each node's announced
        prefixes via the node, when the node announces to a self IP this unit holds."""
        if self.routing != "native" or not self._announcements:
            return []
        own = {_addr(s.address).text for s in unit.owned_selfs(active)}
        peers = self.topology.bgp.peers if self.topology.bgp is not None else []
        origin = next((f"bgp.peers[{i}]" for i, p in enumerate(peers) if peer_address(p.address) in own), "bgp.peers")
        out = []
        for node in self.nodes:
            announced = self._announcements.get(node.name)
            if announced is None or own.isdisjoint(announced.peers):
                continue
            gw = _addr(f"{node.ip_text}%{unit.rd}")
            for prefix in announced.prefixes:
                network, _, length = prefix.partition("/")
                what = f"BGP route {prefix} via {node.ip_text} (announced by {node.name})"
                out.append(replace(_entry(f"{network}%{unit.rd}/{length}", None, gw, what, origin), learned=True))
        return out

    # --- shared facts -----------------------------------------------------------------------

    @cached_property
    def cilium_config(self) -> CiliumConfig | None:
        return self.cluster.one(CiliumConfig)

    @cached_property
    def version(self):
        cluster = self.topology.cluster
        return match_cilium_version(cluster.cilium_version) if isinstance(cluster, CiliumCluster) else None

    def _release_in(self, ranges) -> bool:
        release = self.version and (self.version.major, self.version.minor, self.version.patch)
        return bool(release) and any(lo <= release < hi for lo, hi in ranges)

    @cached_property
    def node_vni(self) -> int | None:
        """The VNI the nodes send and expect: Cilium's world identity, flannel's VNI 1."""
        return self.integration.node_vni(self.topology.cluster)

    @cached_property
    def node_port(self) -> int:
        if self.datapath == CILIUM_VTEP and self.cilium_config is not None:
            default = GENEVE_PORT if self.topology.cluster.tunnel_protocol == "geneve" else VXLAN_PORT
            return int(self.cilium_config.data.get("tunnel-port", default))
        return self.topology.cluster.tunnel_port or VXLAN_PORT

    def node_of(self, ip) -> _Node | None:
        return next((n for n in self.nodes if n.holds(ip)), None)

    def _flooding(self, unit: _Unit, tunnel: Tunnel) -> tuple[str, int, str]:
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

    def _fdb(self, unit: _Unit, tunnel: Tunnel) -> dict[str, FdbRecord]:
        """The tunnel's FDB by MAC: the state's records plus those CIS writes (bare address = %0)."""
        records = {r.mac: r for r in unit.fdb.get(tunnel.name, [])}
        if self.cis_writes and cis_tunnel(self.topology, unit.index) == f"/Common/{tunnel.name}":
            # CIS: pkg/vxlan/vxlanMgr.go ProcessNodeUpdate, one record per node (fake MAC for Cilium).
            for node in self.nodes:
                if self.datapath == FLANNEL_NODE:
                    if node.vtep_mac is None:
                        continue
                    mac, endpoint = node.vtep_mac, node.public_ip
                elif node.ip_key[0] == 4:
                    mac, endpoint = fake_fdb_mac(node.ip_text), node.ip_text
                else:
                    continue
                if mac not in records:
                    records[mac] = FdbRecord(f"{tunnel.name}/{mac}", tunnel.name, mac, f"{endpoint}%0", "cis")
        return records

    def _fdb_tables(self, unit: _Unit, tunnel: Tunnel) -> _FdbTables:
        key = (unit.name, tunnel.name)
        if key not in self._fdb_cache:
            # BIG-IPs whose tunnels hold the very same record objects (the compiler shares them,
            # see state.bigip._fdb_records) and get the same CIS records share one table.
            records = unit.fdb.get(tunnel.name, [])
            cis = self.cis_writes and cis_tunnel(self.topology, unit.index) == f"/Common/{tunnel.name}"
            content = (tunnel.name, cis, tuple(map(id, records)))
            tables = self._fdb_shared.get(content)
            if tables is None:
                by_mac = self._fdb(unit, tunnel)
                by_endpoint = {}
                for record in by_mac.values():
                    by_endpoint.setdefault(_addr(record.endpoint).text, record)
                tables = self._fdb_shared[content] = _FdbTables(by_mac, by_endpoint)
            self._fdb_cache[key] = tables
        return self._fdb_cache[key]

    def resolve_destination(self, destination: str):
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

    def trace(self, active: str, destination) -> Trace:
        """One flow from the active unit `active` to `destination` (a pod address) and its reply."""
        scenario = self.scenario(active)
        pod = ipaddress.ip_address(destination)
        node = self.node_of(pod)
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

    def _walk_forward(self, scenario: Scenario, pod, node: _Node | None, hops: list[Hop]) -> SelfIp | None:
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
        local = _addr(tunnel.local_address)
        if self.datapath == FLANNEL_NODE:
            record = self._arp_flannel(unit, tunnel, pod, node, flooding, flooding_origin, tables.by_mac, hops)
        else:
            record = self._arp_cilium(unit, tunnel, pod, node, flooding, flooding_origin, tables.by_endpoint, hops)
        if record is None:
            return None
        endpoint = _addr(record.endpoint)
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
        if node is None or endpoint.text not in (node.ip_text, node.public_ip):
            hops.append(Hop(endpoint.text, "accept", f"{endpoint.text} is not the node that hosts {pod}", record.origin, DROP))
            return None
        if not self._node_accepts(unit, tunnel, port, local, source, node, hops):
            return None
        hops.append(Hop(node.name, "deliver", f"pod {pod} is in {node.name}'s podCIDR {node.pod_text}", f"{node.path}.podCIDR"))
        return source

    def _source_self(self, unit: _Unit, vlan: str) -> SelfIp | None:
        """The self IP a flow out of `vlan` leaves from: the floating one when the unit holds it (SNAT automap)."""
        selfs = [s for s in unit.owned_selfs(True) if s.vlan == vlan]
        return next((s for s in selfs if s.traffic_group != LOCAL_ONLY), selfs[0] if selfs else None)

    def _arp_cilium(self, unit, tunnel, pod, node, flooding, flooding_origin, by_endpoint, hops) -> FdbRecord | None:
        if flooding != "multipoint":
            hops.append(
                Hop(
                    unit.name,
                    "arp",
                    f"flooding-type {flooding}: the ARP request for {pod} does not go to the FDB endpoints, so no node answers",
                    flooding_origin,
                    DROP,
                )
            )
            return None
        if node is None:
            hops.append(
                Hop(
                    unit.name,
                    "arp",
                    f"ARP for {pod} flooded to {len(by_endpoint)} FDB endpoints; no node has it in its podCIDR",
                    "cluster.nodes",
                    DROP,
                )
            )
            return None
        record = by_endpoint.get(node.ip_text)
        if record is None:
            hops.append(
                Hop(
                    unit.name,
                    "arp",
                    f"no FDB record on {tunnel.name} has endpoint {node.ip_text}: the ARP request never reaches {node.name}",
                    f"{unit.path}.staticFDB",
                    DROP,
                )
            )
            return None
        hops.append(
            Hop(
                unit.name,
                "arp",
                f"who-has {pod} flooded (multipoint) to {len(by_endpoint)} FDB endpoints, "
                f"{node.name} via FDB {record.mac} endpoint {record.endpoint}",
                flooding_origin,
            )
        )
        return record

    def _arp_flannel(self, unit, tunnel, pod, node, flooding, flooding_origin, by_mac, hops) -> FdbRecord | None:
        if cis_tunnel(self.topology, unit.index) != f"/Common/{tunnel.name}":
            hops.append(
                Hop(
                    unit.name,
                    "arp",
                    f"no ARP entry for {pod}: flannel answers no ARP over the tunnel (flooding-type {flooding}) "
                    "and no CIS writes the static k8s-<podIP> entries for this tunnel",
                    "cis" if self.topology.cis is not None else f"{unit.path}.managementURL",
                    DROP,
                )
            )
            return None
        if node is None:
            hops.append(Hop(unit.name, "arp", f"CIS writes no ARP entry for {pod}: no node has it in its podCIDR", "cluster.nodes", DROP))
            return None
        if node.vtep_mac is None:
            hops.append(Hop(unit.name, "arp", f"{node.name}'s flannel VtepMAC is not in the topology", f"{node.path}.vtepMAC", UNKNOWN))
            return None
        record = by_mac.get(node.vtep_mac)
        hops.append(Hop(unit.name, "arp", f"static ARP k8s-{pod} -> {node.vtep_mac} (CIS --flannel-name)", "cis"))
        if record is None:
            hops.append(Hop(unit.name, "fdb", f"no FDB record for {node.vtep_mac} on {tunnel.name}", f"{node.path}.vtepMAC", DROP))
            return None
        hops.append(Hop(unit.name, "fdb", f"FDB {record.mac} -> endpoint {record.endpoint}", record.origin))
        return record

    def _node_accepts(self, unit, tunnel, port, local: _Addr, source: SelfIp | None, node: _Node, hops) -> bool:
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
            hops.append(
                Hop(
                    node.name,
                    "accept",
                    "the VNI this Cilium release sends on dual stack is not known",
                    f"{cluster_path}.ipFamilies",
                    UNKNOWN,
                )
            )
            return False
        if tunnel.key != self.node_vni:
            hops.append(
                Hop(node.name, "accept", f"expects VNI {self.node_vni}, the tunnel's key is {tunnel.key}", f"{unit.path}.tunnel.vni", DROP)
            )
            return False
        if self.datapath == CILIUM_VTEP:
            if self._release_in((VNI_DROP_BROKEN,)):
                hops.append(
                    Hop(
                        node.name,
                        "accept",
                        f'Cilium {self.version} drops every VTEP packet ("Incorrect VNI from VTEP", issue 31023)',
                        f"{cluster_path}.ciliumVersion",
                        DROP,
                    )
                )
                return False
            vtep = self._vtep_for(_addr(source.address).ip) if source is not None else None
            if vtep is not None and vtep[1] != local.text:
                hops.append(
                    Hop(
                        node.name,
                        "accept",
                        f"the inner source {source.address} belongs to VTEP {vtep[1]}, the outer source is {local.ip}",
                        vtep[4],
                        DROP,
                    )
                )
                return False
            if self._release_in(ARP_ZERO_MAC_BROKEN):
                hops.append(
                    Hop(
                        node.name,
                        "arp",
                        f"Cilium {self.version} answers the BIG-IP's ARP with {ZERO_MAC} (issue 44453)",
                        f"{cluster_path}.ciliumVersion",
                        DROP,
                    )
                )
                return False
            hops.append(
                Hop(
                    node.name,
                    "accept",
                    f"udp/{port} VNI {tunnel.key} from VTEP {local.ip}; answers ARP for its pods",
                    f"{unit.path}.tunnel.vni",
                )
            )
        else:
            hops.append(Hop(node.name, "accept", f"flannel.1 udp/{port} VNI {tunnel.key}", f"{unit.path}.tunnel.vni"))
        return True

    def _forward_native(
        self, unit: _Unit, table: list[_RouteEntry], entry: _RouteEntry, pod, node: _Node | None, hops: list[Hop]
    ) -> SelfIp | None:
        gw = entry.gw
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
            return self._source_self(unit, via.interface)
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
        return self._source_self(unit, via.interface)

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

    @cached_property
    def _vteps(self) -> tuple[list[tuple], int, bool] | None:
        """Cilium's VTEP map from cilium-config: ([(cidr, endpoint, mac, cidr_int, origin, mac origin)], mask, l7proxy)."""
        config = self.cilium_config
        if config is None or config.data.get("enable-vtep") != "true":
            return None
        data, origins = config.data, config.key_origins
        mask = int(ipaddress.IPv4Address(data["vtep-mask"]))
        cidrs, macs = data["vtep-cidr"].split(), data["vtep-mac"].split()
        rows = []
        for i, (cidr, endpoint, mac) in enumerate(zip(cidrs, data["vtep-endpoint"].split(), macs)):
            net = ipaddress.ip_network(cidr, strict=False)
            rows.append(
                (
                    cidr,
                    endpoint,
                    mac.lower(),
                    int(net.network_address),
                    _nth_origin(origins, "vtep-cidr", i, len(cidrs)),
                    _nth_origin(origins, "vtep-mac", i, len(macs)),
                )
            )
        return rows, mask, data.get("enable-l7-proxy") != "false"

    def _vtep_for(self, ip) -> tuple | None:
        vteps = self._vteps
        if vteps is None or ip.version != 4:
            return None
        rows, mask, _ = vteps
        return next((row for row in rows if int(ip) & mask == row[3]), None)

    def _walk_reply(self, scenario: Scenario, pod, node: _Node, source: SelfIp, hops: list[Hop]) -> None:
        daddr = _addr(source.address).ip
        if self.routing == "native":
            hops.append(Hop(node.name, "route", f"{pod} -> {daddr} through the node's own routes (outside vtepc, not modelled)", node.path))
            receiver = self._owner(scenario, lambda u, active: any(s.address == source.address for s in u.owned_selfs(active)))
            if receiver is None or receiver.name != scenario.active:
                hops.append(Hop(str(daddr), "accept", f"{scenario.active} does not hold {source.address}", source.origin, DROP))
                return
            hops.append(Hop(receiver.name, "accept", f"self IP {source.name} {source.address}", source.origin))
            return
        if self.datapath == FLANNEL_NODE:
            found = self._flannel_route(daddr, node, hops)
        else:
            found = self._cilium_route(daddr, node, pod, hops)
        if found is None:
            return
        endpoint, mac, origin = found
        self._bigip_accepts(scenario, endpoint, mac, origin, source, hops)

    def _cilium_route(self, daddr, node: _Node, pod, hops) -> tuple[str, str, str] | None:
        config = self.cilium_config
        if config is None or self._vteps is None:
            why = "; ".join(str(o) for o in self.cluster.omitted if o.artifact == "cilium") or "enable-vtep is not true"
            hops.append(Hop(node.name, "vtep", f"Cilium has no VTEP settings ({why})", "bigips", UNKNOWN if self.cluster.omitted else DROP))
            return None
        rows, mask, l7 = self._vteps
        if not l7:
            hops.append(
                Hop(
                    node.name,
                    "vtep",
                    "enable-l7-proxy is false: the agent deletes every VTEP route",
                    config.key_origins.get("enable-l7-proxy", "cluster.l7Proxy"),
                    DROP,
                )
            )
            return None
        row = self._vtep_for(daddr)
        mask_text = str(ipaddress.IPv4Address(mask))
        if row is None:
            hops.append(
                Hop(
                    node.name,
                    "vtep",
                    f"{daddr} & {mask_text} matches no vtep-cidr ({', '.join(r[0] for r in rows)}): the reply never reaches a VTEP",
                    config.key_origins.get("vtep-cidr", "bigips"),
                    DROP,
                )
            )
            return None
        cidr, endpoint, mac, _, origin, mac_origin = row
        hops.append(
            Hop(
                node.name,
                "vtep",
                f"pod {pod} -> {daddr}: {daddr} & {mask_text} = {cidr} -> VTEP {endpoint}, "
                f"VNI {self.node_vni}, udp/{self.node_port}, inner MAC {mac}",
                origin,
            )
        )
        return endpoint, mac, mac_origin

    def _flannel_route(self, daddr, node: _Node, hops) -> tuple[str, str, str] | None:
        bigip_nodes = self.cluster.of_kind(BigipNode)
        match = next((b for b in bigip_nodes if daddr in ipaddress.ip_network(b.pod_cidr, strict=False)), None)
        if match is None:
            omitted = [str(o) for o in self.cluster.omitted if o.artifact == "flannel-node"]
            hops.append(
                Hop(
                    node.name,
                    "route",
                    f"no flannel Node subnet holds {daddr}" + (f" ({'; '.join(omitted)})" if omitted else ""),
                    "bigips",
                    UNKNOWN if omitted else DROP,
                )
            )
            return None
        data = json.loads(match.annotations.get(FLANNEL_ANNOTATION_PREFIX + "backend-data", "{}"))
        mac = str(data.get("VtepMAC", "")).lower()
        public = match.annotations.get(FLANNEL_ANNOTATION_PREFIX + "public-ip", "")
        hops.append(
            Hop(
                node.name,
                "route",
                f"{daddr} in Node {match.name} subnet {match.pod_cidr} -> flannel.1, VtepMAC {mac}, "
                f"public-ip {public}, VNI {self.node_vni}, udp/{self.node_port}",
                match.origin,
            )
        )
        return public, mac, match.origin

    def _owner(self, scenario: Scenario, holds) -> _Unit | None:
        return next((u for u in self.units.values() if holds(u, self._is_active(scenario, u.name))), None)

    def _bigip_accepts(self, scenario: Scenario, endpoint: str, mac: str, mac_origin: str, source: SelfIp, hops) -> None:
        def holds_tunnel(unit: _Unit, active: bool) -> bool:
            return any(_addr(t.local_address).text == endpoint and (t.traffic_group is None or active) for t in unit.tunnels.values())

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
        tunnels = [t for t in receiver.tunnels.values() if _addr(t.local_address).text == endpoint]
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

    def _probes(self, nodes: list[_Node], kind: str) -> tuple[list[tuple[int, int]], list[int]]:
        """The nodes' pod probes or tunnel endpoints as sorted (version, integer) keys, with the node order."""
        cache = self._probe_cache
        if kind not in cache:
            if kind == "pod":
                values = [n.probe for n in nodes]
            else:
                values = [_ip_key(n.public_ip) if self.datapath == FLANNEL_NODE else n.ip_key for n in nodes]
            order = sorted(range(len(values)), key=values.__getitem__)
            cache[kind] = ([values[i] for i in order], order)
        return cache[kind]

    @cached_property
    def _peer_addresses(self) -> dict[str, frozenset[str]]:
        return {a.name: frozenset(a.peers) for a in self._announcements.values()}

    def _signatures(self, scenario: Scenario, nodes: list[_Node]) -> list[tuple]:
        """What the walk decides for each node; nodes with equal signatures share a trace. Routes
        are matched per prefix (each route paints the sorted node range it covers), not per node."""
        unit = self.units[scenario.active]
        table = self._table(unit, True)
        pod_routes = _paint(table, unit.rd, *self._probes(nodes, "pod"))
        underlay = _paint(table, unit.rd, *self._probes(nodes, "endpoint"))
        peers = self._peer_addresses
        flannel = self.datapath == FLANNEL_NODE
        keys: list[tuple] = []
        verdicts: dict[str, list[int | str | None]] = {}
        for i, (node, r, u) in enumerate(zip(nodes, pod_routes, underlay)):
            entry = table[r] if r >= 0 else None
            if entry is None or entry.gw is not None:
                keys.append((r, entry is not None and entry.gw.text in peers.get(node.name, ())))
                continue
            tunnel = unit.tunnels.get(entry.interface or "")
            if tunnel is None:
                keys.append((r,))
                continue
            if tunnel.name not in verdicts:
                verdicts[tunnel.name] = self._fdb_tables(unit, tunnel).verdicts(nodes, flannel)
            verdict = verdicts[tunnel.name][i]
            keys.append((r, verdict, u) if type(verdict) is int else (r, verdict))
        return keys


def _paint(table: list[_RouteEntry], rd: int, keys: list[tuple[int, int]], order: list[int]) -> list[int]:
    """The index in `table` of the longest-prefix route for each probe (-1: none): every route paints
    the sorted probes it covers, shortest prefix first, so the longest one's paint stays."""
    ids = [-1] * len(keys)
    for index in range(len(table) - 1, -1, -1):
        entry = table[index]
        if entry.rd != rd:
            continue
        hostmask = ((1 << (32 if entry.version == 4 else 128)) - 1) ^ entry.mask
        lo = bisect_left(keys, (entry.version, entry.net))
        hi = bisect_right(keys, (entry.version, entry.net | hostmask))
        for position in order[lo:hi]:
            ids[position] = index
    return ids


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
    """Every (active unit, node group) whose walk is dropped, in topology order."""
    nodes = [n for n in fabric.nodes if n.probe is not None]
    for scenario in fabric.scenarios():
        groups: dict[tuple, list[_Node]] = {}
        for node, key in zip(nodes, fabric._signatures(scenario, nodes)):
            groups.setdefault(key, []).append(node)
        for members in groups.values():
            trace = fabric.trace(scenario.active, members[0].pod)
            failure = trace.failure
            if failure is not None and failure.status == DROP:
                yield Unreachable(scenario, tuple(n.name for n in members), trace)
