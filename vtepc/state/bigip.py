"""BIG-IP desired state: the single place where a topology becomes BIG-IP network objects.

The compiler below and the live readers (iControl REST) build the same classes, so the diff
compares objects, never text. Normalized forms, which readers must produce too:

- Names carry no partition: "flannel_vxlan_vxlan", not "/Common/flannel_vxlan_vxlan" (profile, vlan, traffic group).
- Addresses always carry their route domain explicitly: "10.169.72.34%0", "10.1.6.34%0/24",
  "10.0.0.0%0/16". BIG-IP omits %RD for the partition's default route domain, which makes its
  text ambiguous across partitions; `normalize_address` adds it back (default 0 for /Common),
  and `display_address` drops %0 again for tmsh and DO.
- Self IP allow-service is a tuple: () = none, ("default",), ("all",) or ("tcp:22", ...);
  REST gives a list, the string "all", or nothing for none.
- FDB records are named "<tunnel>/<mac>" (the REST path .../fdb/tunnel/~Common~T/records/MAC),
  MACs lower case. Route-domain membership is one object per VLAN, "<id>/<vlan>" (vtepc owns
  only its tunnel's, so it never claims the route domain's whole VLAN list).

Objects vtepc creates itself are named "vtepc-...", so the diff can tell them from the admin's;
tunnel and profile names come from the topology because CIS is told them (--flannel-name).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field, fields
from functools import cached_property
from itertools import groupby, repeat
from operator import attrgetter
from typing import TYPE_CHECKING, Any, ClassVar, Mapping, TypeVar, Union

from .. import facts
from ..addresses import fake_fdb_macs, parse_interface, with_route_domain
from ..diagnostics import VtepcError
from ..integrations import integration_of
from . import node_origins, objects_from_columns

if TYPE_CHECKING:
    from ..model import ResolvedBigip, ResolvedTopology, ResolvedTunnel

LOCAL_ONLY = "traffic-group-local-only"
# The built-in profiles. vtepc never runs a VXLAN tunnel on a built-in profile: `vxlan` floods
# multicast (a separate built-in `vxlan-multipoint` exists; REST listing in CiscoTestAutomation
# genieparser tests/test_get_net_tunnelsvxlan.py), and DO always creates a profile of its own
# for a vxlan Tunnel. So every VXLAN tunnel gets a profile named as DO names it, `<tunnel>_vxlan`
# (f5-declarative-onboarding v1.45.0 src/lib/networkHandler.js handleTunnel), with its port and
# flooding type written out, and network.tmsh and the DO declaration set up the same device.
BUILTIN_VXLAN = "vxlan"
BUILTIN_VXLAN_PORT = 4789  # the built-in profiles' port (vtepc.reach models a device that uses one)
BUILTIN_VXLAN_PROFILES = frozenset({"vxlan", "vxlan-multipoint", "vxlan-gpe"})
BUILTIN_GENEVE = "geneve"
BUILTIN_GENEVE_PORT = 6081
# Port lockdown of the underlay self IPs. F5's "Allow Default" list (K17333, Overview of port
# lockdown behavior 12.x-17.x; `tmsh list net self-allow defaults`) opens ssh, https (the
# Configuration utility), snmp, iQuery, DNS, RIP, OSPF and network failover, none of which the
# tunnel uses, on the node-facing network. A self IP accepts only what its allow-service list
# names, so the tunnel's local-address allows exactly the tunnel's UDP port (8472/6081 or the
# topology's tunnelPort), which the nodes encapsulate to; outbound connections (pool members,
# monitors) and their replies are not subject to port lockdown. Native routing needs nothing,
# unless the BIG-IP is itself a BGP peer of the nodes (a `bgp.peers` address is its underlay or
# floating underlay self IP): every node opens its session to that address on TCP port 179
# (RFC 4271 section 8.2.1), which the default lists do not open, so that self IP allows tcp:179
# (DO 1.45 SelfIp.allowService takes "<protocol>:<port>" entries, network.schema.json).
BGP_SERVICE = "tcp:179"

UNDERLAY_SELF = "vtepc-underlay"
UNDERLAY_FLOATING_SELF = "vtepc-underlay-floating"
TUNNEL_SELF = "vtepc-tunnel"
TUNNEL_FLOATING_SELF = "vtepc-tunnel-floating"
POD_ROUTE = "vtepc-pods"
IPTUNNEL_CONFIGSYNC = "iptunnel.configsync"


class BigipCompileError(VtepcError):
    """The topology passed validation but cannot be compiled (a check is missing for it)."""


@dataclass(frozen=True)
class VxlanProfile:
    kind: ClassVar[str] = "net/tunnels/vxlan"
    name: str
    port: int
    flooding_type: str
    defaults_from: str = BUILTIN_VXLAN
    origin: str = field(default="", compare=False)


@dataclass(frozen=True)
class GeneveProfile:
    kind: ClassVar[str] = "net/tunnels/geneve"
    name: str
    port: int
    defaults_from: str = BUILTIN_GENEVE
    origin: str = field(default="", compare=False)


@dataclass(frozen=True)
class Tunnel:
    kind: ClassVar[str] = "net/tunnels/tunnel"
    name: str
    profile: str
    key: int
    local_address: str
    remote_address: str = "any"
    secondary_address: str | None = None
    traffic_group: str | None = None
    origin: str = field(default="", compare=False)


@dataclass(frozen=True)
class SelfIp:
    kind: ClassVar[str] = "net/self"
    name: str
    address: str
    vlan: str
    allow_service: tuple[str, ...] = ()
    traffic_group: str = LOCAL_ONLY
    origin: str = field(default="", compare=False)


@dataclass(frozen=True)
class Route:
    kind: ClassVar[str] = "net/route"
    name: str
    network: str
    gw: str | None = None
    interface: str | None = None
    origin: str = field(default="", compare=False)


@dataclass(frozen=True, slots=True)  # slots: built column by column (state.objects_from_columns), one per node
class FdbRecord:
    kind: ClassVar[str] = "net/fdb/record"
    name: str  # "<tunnel>/<mac>"
    tunnel: str
    mac: str
    endpoint: str
    origin: str = field(default="", compare=False)


@dataclass(frozen=True)
class RouteDomainVlan:
    """Membership of one VLAN or tunnel in a route domain; vtepc owns only the tunnel's."""

    kind: ClassVar[str] = "net/route-domain/vlan"
    name: str  # "<route domain id>/<vlan>"
    route_domain: int
    vlan: str
    origin: str = field(default="", compare=False)


@dataclass(frozen=True)
class SysDb:
    kind: ClassVar[str] = "sys/db"
    name: str
    value: str
    origin: str = field(default="", compare=False)


# Every object kind a BigipState holds (OBJECT_KINDS by its kind string).
BigipObject = Union[VxlanProfile, GeneveProfile, Tunnel, RouteDomainVlan, SelfIp, Route, FdbRecord, SysDb]
_O = TypeVar("_O")

OBJECT_KINDS: dict[str, type] = {
    cls.kind: cls for cls in (VxlanProfile, GeneveProfile, Tunnel, RouteDomainVlan, SelfIp, Route, FdbRecord, SysDb)
}


def fdb_record(tunnel: str, mac: str, endpoint: str, origin: str = "") -> FdbRecord:
    mac = mac.lower()
    return FdbRecord(f"{tunnel}/{mac}", tunnel, mac, endpoint, origin)


@dataclass(frozen=True)
class VtepEntry:
    """This BIG-IP as one Cilium VTEP: what the cluster must be told about it."""

    endpoint: str  # tunnel local-address without %RD
    cidr: str  # the tunnel self IP's network
    mac: str | None  # tunnel MAC, lower case; None until known (vtepc discover)


_KIND, _NAME = attrgetter("kind"), attrgetter("name")


@dataclass(frozen=True)
class BigipState:
    name: str
    route_domain: int = 0
    items: tuple[BigipObject, ...] = ()  # every object vtepc owns on the device, sorted by (kind, name)
    vtep: VtepEntry | None = None
    as3: dict[str, Any] | None = field(default=None, hash=False)  # the AS3 request for services on this device
    # The underlay VLAN the objects assume exists (compiled state only: a device reading leaves it empty).
    underlay_vlan: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        # By (kind, name): by name, then (stable) by kind, which spares a key tuple per object (thousands of FDB records).
        object.__setattr__(self, "items", tuple(sorted(sorted(self.items, key=_NAME), key=_KIND)))

    def objects(self) -> tuple[BigipObject, ...]:
        return self.items

    def of_kind(self, cls: type[_O]) -> list[_O]:
        groups = self._by_type
        matching = [kind for kind in groups if issubclass(kind, cls)]
        if len(matching) <= 1:  # the items of one class, in item order: no scan of thousands of FDB records per kind
            return list(groups[matching[0]]) if matching else []
        return [o for o in self.items if isinstance(o, cls)]

    @cached_property
    def _by_type(self) -> dict[type, list[Any]]:
        groups: dict[type, list[Any]] = {}
        for kind, run in groupby(self.items, type):  # sorted by kind: each kind one run
            groups.setdefault(kind, []).extend(run)
        return groups

    def to_jsonable(self) -> dict[str, Any]:
        def one(obj: BigipObject) -> dict[str, Any]:
            out: dict[str, Any] = {"kind": obj.kind}
            for f in fields(obj):
                value = getattr(obj, f.name)
                if f.name == "origin" and not value:
                    continue
                out[f.name] = list(value) if isinstance(value, tuple) else value
            return out

        return {
            "name": self.name,
            "route_domain": self.route_domain,
            "objects": [one(o) for o in self.items],
            "vtep": None if self.vtep is None else {"endpoint": self.vtep.endpoint, "cidr": self.vtep.cidr, "mac": self.vtep.mac},
            "as3": self.as3,
        }

    @classmethod
    def from_jsonable(cls, data: Mapping[str, Any]) -> "BigipState":
        items = []
        for raw in data.get("objects", []):
            kind_cls = OBJECT_KINDS.get(raw.get("kind"))
            if kind_cls is None:
                raise VtepcError(f"unknown BIG-IP object kind {raw.get('kind')!r} in recorded state")
            values = {k: tuple(v) if isinstance(v, list) else v for k, v in raw.items() if k != "kind"}
            items.append(kind_cls(**values))
        vtep = data.get("vtep")
        return cls(
            name=data["name"],
            route_domain=data.get("route_domain", 0),
            items=tuple(items),
            vtep=None if vtep is None else VtepEntry(**vtep),
            as3=data.get("as3"),
        )


def normalize_address(text: str, default_route_domain: int = 0) -> str:
    """An address as BIG-IP wrote it (REST/tmsh) in the normalized form: explicit %RD."""
    addr, _, prefix = text.partition("/")
    if "%" not in addr:
        addr = f"{addr}%{default_route_domain}"
    return f"{addr}/{prefix}" if prefix else addr


def allow_service_json(services: tuple[str, ...]) -> str | list[str]:
    """A self IP's allow-service as iControl REST and DO both take it: "none", "default", "all" or the list."""
    if not services:
        return "none"
    if services in (("default",), ("all",)):
        return services[0]
    return list(services)


def display_address(address: str) -> str:
    """The normalized form as an admin writes it for /Common: %0 dropped, other route domains kept."""
    addr, _, prefix = address.partition("/")
    if addr.endswith("%0"):
        addr = addr[:-2]
    return f"{addr}/{prefix}" if prefix else addr


def _ip_of(interface: str) -> str:
    return interface.split("/", 1)[0]


def do_vxlan_profile_name(tunnel_name: str) -> str:
    """The name DO gives a vxlan Tunnel's profile (networkHandler.js handleTunnel)."""
    return f"{tunnel_name}_vxlan"


def _profile(topology: "ResolvedTopology", tunnel: "ResolvedTunnel", path: str) -> tuple[str, VxlanProfile | GeneveProfile | None]:
    """(profile name the tunnel uses, profile object to create or None for the built-in geneve)."""
    port = topology.cluster.tunnel_port
    origin = f"{path}.tunnel.profile"
    if topology.cluster.tunnel_protocol == "geneve":
        if tunnel.profile == BUILTIN_GENEVE and port == BUILTIN_GENEVE_PORT:
            return BUILTIN_GENEVE, None
        # The built-in geneve profile's port cannot change; another port needs a profile of our own.
        if tunnel.profile == BUILTIN_GENEVE:
            return f"{tunnel.name}_geneve", GeneveProfile(f"{tunnel.name}_geneve", port, origin="cluster.tunnelPort")
        return tunnel.profile, GeneveProfile(tunnel.profile, port, origin=origin)
    name = do_vxlan_profile_name(tunnel.name) if tunnel.profile in BUILTIN_VXLAN_PROFILES else tunnel.profile
    return name, VxlanProfile(name, port, tunnel.flooding_type, origin=origin)


class FdbShare:
    """What compile_bigips builds once for every BIG-IP: the nodes' MACs, endpoints and origins,
    and the records per (tunnel, route domain), which BIG-IPs with the same tunnel name and route
    domain share (the frozen objects themselves)."""

    def __init__(self) -> None:
        self.records: dict[tuple[str, int], tuple[FdbRecord, ...]] = {}
        self.nodes: tuple[list[str], list[str], list[str]] | None = None  # (MACs, endpoints, origins), sorted by MAC


def _node_columns(topology: "ResolvedTopology") -> tuple[list[str], list[str], list[str]]:
    """Each node's record MAC (the mode's, lower case, else one made from the node IP), endpoint and
    origin, in the order of the MACs (the order of the records' names)."""
    nodes = topology.cluster.nodes
    stated, endpoints = integration_of(topology).vteps_of(nodes)
    missing = [node.ip for node, mac in zip(nodes, stated) if not mac]
    made = iter(fake_fdb_macs(missing))
    macs = [mac.lower() if mac else next(made) for mac in stated] if len(missing) < len(nodes) else list(made)
    in_order = sorted(macs)
    origins = node_origins(len(macs))
    if in_order == macs:  # (often: nodes listed by address)
        return macs, endpoints, origins
    order = sorted(range(len(macs)), key=macs.__getitem__)
    return in_order, list(map(endpoints.__getitem__, order)), list(map(origins.__getitem__, order))


def _fdb_records(topology: "ResolvedTopology", tunnel: str, route_domain: int, shared: FdbShare) -> tuple[FdbRecord, ...]:
    """One record per node: the MAC and endpoint the mode gives the node (a MAC made from the node
    IP when the topology states none), so the BIG-IP needs no flooding to find a node. Sorted by name."""
    key = (tunnel, route_domain)
    if key in shared.records:
        return shared.records[key]
    if shared.nodes is None:
        shared.nodes = _node_columns(topology)
    macs, endpoints, origins = shared.nodes
    suffix = f"%{route_domain}"
    columns = {
        "name": list(map(f"{tunnel}/".__add__, macs)),
        "tunnel": repeat(tunnel),
        "mac": macs,
        "endpoint": [e + suffix if "/" not in e else with_route_domain(e, route_domain) for e in endpoints],
        "origin": origins,
    }
    shared.records[key] = tuple(objects_from_columns(FdbRecord, len(macs), columns))
    return shared.records[key]


def _tunnel_objects(
    topology: "ResolvedTopology", bigip: "ResolvedBigip", tunnel: "ResolvedTunnel", path: str, fdb_share: FdbShare
) -> tuple[list[BigipObject], VtepEntry]:
    ha, rd = bigip.ha, bigip.route_domain
    profile_name, profile = _profile(topology, tunnel, path)
    objects: list[BigipObject] = [profile] if profile is not None else []
    # HA: F5's design for a config-synced tunnel (TMOS "Configuring Network Virtualization
    # Tunnels", HA section, quoted in the F5 HA guide linked from seed 001): its local-address is
    # the pair's floating self IP, so the tunnel, its profile, route and FDB records are one object
    # set that config sync keeps equal on both units, and the tunnel works on the active unit only.
    # No secondary-address: it is per unit, and a synced tunnel has one value for both.
    local = ha.floating_underlay_ip if ha else bigip.underlay.self_ip
    objects.append(
        Tunnel(
            name=tunnel.name,
            profile=profile_name,
            key=tunnel.vni,
            local_address=with_route_domain(_ip_of(local), rd),
            traffic_group=ha.traffic_group if ha else None,
            origin=f"{path}.tunnel",
        )
    )
    if rd:
        # A self IP %RD on the tunnel needs the tunnel inside that route domain.
        objects.append(RouteDomainVlan(f"{rd}/{tunnel.name}", rd, tunnel.name, origin=f"{path}.routeDomain"))
    allow = integration_of(topology).tunnel_allow_service
    objects.append(SelfIp(TUNNEL_SELF, with_route_domain(tunnel.self_ip, rd), tunnel.name, allow, origin=f"{path}.tunnel.selfIP"))
    if ha and ha.floating_tunnel_ip:
        objects.append(
            SelfIp(
                TUNNEL_FLOATING_SELF,
                with_route_domain(ha.floating_tunnel_ip, rd),
                tunnel.name,
                allow,
                ha.traffic_group,
                origin=f"{path}.ha.floatingTunnelIP",
            )
        )
    tunnel_net = ipaddress.ip_interface(tunnel.self_ip).network
    pods = ipaddress.ip_network(topology.cluster.pod_cidr)
    # The flannel self IP carries the flannel network's mask, so its connected route already
    # covers the pods; Cilium's VTEP CIDR lies outside the pod network and needs the route.
    # (pods.subnet_of(tunnel_net) where the versions agree: an address of the other version is in no network.)
    if not (pods.network_address in tunnel_net and pods.broadcast_address in tunnel_net):
        objects.append(Route(POD_ROUTE, with_route_domain(str(pods), rd), interface=tunnel.name, origin="cluster.podCIDR"))
    if bigip.static_fdb:
        objects.extend(_fdb_records(topology, tunnel.name, rd, fdb_share))
    if ha:
        # The synced design needs tunnel config sync on (BIG-IP's default): stated, so a device
        # where an admin turned it off shows up in the diff.
        objects.append(SysDb(IPTUNNEL_CONFIGSYNC, "enable", origin=f"{path}.ha"))
    vtep = VtepEntry(endpoint=_ip_of(local), cidr=str(tunnel_net), mac=tunnel.mac.lower() if tunnel.mac else None)
    return objects, vtep


def underlay_allow_service(topology: "ResolvedTopology") -> tuple[str, ...]:
    """Port lockdown of the underlay self IPs (see the note at the top): the tunnel's UDP port only."""
    if topology.cluster.routing == "tunnel":
        return (f"udp:{topology.cluster.tunnel_port}",)
    return ()


def lockdown_note(services: list[str], tunnel: str = "the tunnel's") -> str:
    """What network.tmsh says the underlay self IPs accept: `tunnel` port(s), and BGP's tcp:179."""
    ports = [service for service in services if service != BGP_SERVICE]
    named = [f"{tunnel} {', '.join(ports)}"] if ports else []
    return " and ".join(named + ([f"BGP's {BGP_SERVICE}"] if BGP_SERVICE in services else []))


def _peer_allow_service(topology: "ResolvedTopology", self_ip: str, allow: tuple[str, ...]) -> tuple[str, ...]:
    """`allow`, plus tcp:179 when the nodes peer with BGP at this self IP's address (see the note at the top)."""
    from .bgp import peer_addresses

    own = parse_interface(self_ip)
    return (*allow, BGP_SERVICE) if own is not None and own.ip in peer_addresses(topology) else allow


def compile_bigip(topology: "ResolvedTopology", index: int, fdb_share: FdbShare | None = None) -> BigipState:
    """The desired state of topology.bigips[index]; the topology has its defaults resolved.
    `fdb_share` lends FDB records already built for another BIG-IP (see _fdb_records)."""
    from .as3 import as3_declaration

    bigip = topology.bigips[index]
    path = f"bigips[{index}]"
    rd = bigip.route_domain
    underlay = bigip.underlay
    # vtepc owns the underlay self IPs: the tunnel's local-address must be one, and a DO
    # declaration is the device's whole network state, so it has to declare them.
    allow = underlay_allow_service(topology)
    objects: list[BigipObject] = [
        SelfIp(
            UNDERLAY_SELF,
            with_route_domain(underlay.self_ip, rd),
            underlay.vlan,
            _peer_allow_service(topology, underlay.self_ip, allow),
            origin=f"{path}.underlay.selfIP",
        )
    ]
    if bigip.ha:
        objects.append(
            SelfIp(
                UNDERLAY_FLOATING_SELF,
                with_route_domain(bigip.ha.floating_underlay_ip, rd),
                underlay.vlan,
                _peer_allow_service(topology, bigip.ha.floating_underlay_ip, allow),
                bigip.ha.traffic_group,
                origin=f"{path}.ha.floatingUnderlayIP",
            )
        )
    vtep = None
    if topology.cluster.routing == "native":
        # Without a gateway the pod network may still be reachable through routes vtepc does
        # not manage (validation warns, VTEP504); vtepc then owns no route.
        if underlay.gateway is not None:
            objects.append(
                Route(
                    POD_ROUTE,
                    with_route_domain(topology.cluster.pod_cidr, rd),
                    gw=with_route_domain(underlay.gateway, rd),
                    origin=f"{path}.underlay.gateway",
                )
            )
    elif topology.cluster.routing == "tunnel":
        if index in facts.bigips_without_tunnel(topology) or bigip.tunnel is None:
            raise BigipCompileError(f"{path}.tunnel is required with routing: tunnel")
        tunnel_objects, vtep = _tunnel_objects(topology, bigip, bigip.tunnel, path, FdbShare() if fdb_share is None else fdb_share)
        objects.extend(tunnel_objects)
    # routing: static: the underlay self IPs only; the route to each node's pod CIDR is CIS's
    # (state/static_routes.py says which), vtepc owns none of them.
    services = facts.services_for_bigip(topology, bigip.name)
    as3 = None
    if services:
        as3 = as3_declaration(topology, services, route_domain=rd, label=f"vtepc {topology.metadata.name}")
    return BigipState(bigip.name, rd, tuple(objects), vtep, as3, underlay.vlan)


def compile_bigips(topology: "ResolvedTopology") -> dict[str, BigipState]:
    fdb_share = FdbShare()
    return {bigip.name: compile_bigip(topology, i, fdb_share) for i, bigip in enumerate(topology.bigips)}
