"""Cross-topology checks: what BIG-IP refuses, or gets wrong, when several clusters share it.

Each check looks at one device as the union of what every topology puts on it (vtepc.fleet.merge)
and reports at the first topology's line, naming the other topology's file and line in the
diagnostic's `related` (text output: a `related:` line). The BIG-IP errors they prevent are those
seen on shared devices (../shared/spec/domain-facts.md, "BIG-IP errors when several clusters
share a device"): "must have a unique VNI" (two tunnels with one VNI and one local address),
01070734 "tunnel FDB record ... and the tunnel local address cannot be in different route
domain", "network is defined on two vlans"; and CIS instances deleting each other's objects.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

from ..diagnostics import Diagnostic, Path, Related, register_code
from ..names import F5_NAME
from ..state.bigip import SelfIp, Tunnel
from .devices import Attachment, Device, normalize_management_url
from .merge import OWN_PREFIX, MergedDevice, Placed, cluster_object_name
from .model import Member

DUPLICATE_TOPOLOGY_NAME = register_code(
    "VTEP1101",
    "error",
    "two topologies of a fleet have the same metadata.name",
    "give each topology its own metadata.name: it names the topology's output directory and its objects on a shared BIG-IP",
)
DEVICE_TWO_URLS = register_code(
    "VTEP1102",
    "error",
    "one BIG-IP name, two management URLs",
    "a BIG-IP name names one device across the fleet: give both entries the same managementURL, or rename one of them",
)
OBJECT_NAME_CLASH = register_code(
    "VTEP1103",
    "error",
    "two topologies put different objects of one name on a BIG-IP",
    "give each cluster's tunnel (bigips[].tunnel.name) and profile its own name on a shared BIG-IP",
)
SELF_IP_CLASH = register_code(
    "VTEP1104",
    "error",
    "one self IP address, declared differently by two topologies",
    "a BIG-IP holds one self IP per address: give both topologies the same address, prefix, VLAN and traffic group, or different addresses",
)
UNIQUE_VNI = register_code(
    "VTEP1105",
    "error",
    "two tunnels with the same VNI and the same local address",
    'BIG-IP refuses it ("must have a unique VNI"): give one cluster\'s tunnel another local address (its own underlay '
    "self IP, or in HA its own floating underlay IP), since Cilium's VNI is fixed",
)
NETWORK_ON_TWO_VLANS = register_code(
    "VTEP1106",
    "error",
    "overlapping self IP networks on two VLANs or tunnels in one route domain",
    'BIG-IP refuses it ("network is defined on two vlans"): give each cluster its own VTEP CIDR (tunnel selfIP), '
    "disjoint from the others, or its own routeDomain",
)
POD_NETWORKS_OVERLAP = register_code(
    "VTEP1107",
    "error",
    "two clusters' pod networks overlap in one route domain",
    "one route domain routes a pod address to one cluster only: give each cluster whose podCIDR overlaps another's "
    "a route domain of its own (bigips[].routeDomain), or make the pod networks disjoint",
)
VLAN_TWO_ROUTE_DOMAINS = register_code(
    "VTEP1108",
    "error",
    "one underlay VLAN in two route domains",
    "a VLAN is in one route domain: give both entries the same routeDomain, or each route domain its own underlay VLAN",
)
CIS_PARTITION_SHARED = register_code(
    "VTEP1109",
    "error",
    "two clusters' CIS manage one partition of a BIG-IP",
    "give each cluster's CIS its own cis.partition: CIS deletes what it finds in its partition and did not create",
)
STATIC_ROUTES_SHARED = register_code(
    "VTEP1110",
    "error",
    "two clusters' CIS keep their static routes where each deletes the other's",
    "give each cluster's CIS its own partition: CIS keeps its static routes in its --bigip-partition, or with "
    "--shared-static-routes in /Common marked <partition>_<BIG-IP host> (ConfigMap mode, vtepc's) or <host>_<--local-cluster-name> "
    "(CRD mode), and f5-cccl deletes every route there it did not make, in /Common those with its own mark "
    "(k8s-bigip-ctlr v2.20.2 main.go, pkg/appmanager/appManager.go, pkg/controller/node_poll_handler.go; f5-cccl service/manager.py)",
)
CLUSTER_OBJECT_NAME = register_code(
    "VTEP1111",
    "error",
    "an object named per cluster on a shared BIG-IP is not a valid BIG-IP name",
    f"shorten metadata.name: on a shared BIG-IP vtepc names its objects vtepc-<metadata.name>-..., which must be "
    f"{F5_NAME.what} ({F5_NAME.hint})",
)

HA_PAIRS_DIFFER = register_code(
    "VTEP1112",
    "error",
    "two topologies pair one BIG-IP with different units",
    "a BIG-IP is in one HA pair (one device group): give every topology that names it the same pair, the same units "
    "by name or managementURL",
)


@dataclass(frozen=True)
class FleetContext:
    members: Sequence[Member]
    merged: Sequence[MergedDevice]

    @property
    def devices(self) -> list[Device]:
        return [m.device for m in self.merged]


FleetCheckFn = Callable[[FleetContext], Iterator[Diagnostic]]


@dataclass(frozen=True)
class FleetCheck:
    """A registered cross-topology check (docs/check-codes.md lists it as `fleet.<name>`)."""

    name: str
    codes: tuple[str, ...]
    run: FleetCheckFn


FLEET_CHECKS: list[FleetCheck] = []


def fleet_check(*codes: str) -> Callable[[FleetCheckFn], FleetCheckFn]:
    def decorate(fn: FleetCheckFn) -> FleetCheckFn:
        FLEET_CHECKS.append(FleetCheck(fn.__name__, codes, fn))
        return fn

    return decorate


def fleet_codes() -> list[str]:
    return sorted(code for check in FLEET_CHECKS for code in check.codes)


def run_fleet_checks(members: Sequence[Member], merged: Sequence[MergedDevice]) -> list[Diagnostic]:
    context = FleetContext(members, merged)
    out: list[Diagnostic] = []
    for registered in FLEET_CHECKS:
        for diagnostic in registered.run(context):
            if diagnostic.code not in registered.codes:
                raise AssertionError(f"{registered.name} emitted undeclared code {diagnostic.code}")
            out.append(diagnostic)
    return out


# --- reporting --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Site:
    """A place in one member: the file, the path in it, and what stands there."""

    member: Member
    path: Path
    what: str


def _finding(code: str, message: str, here: Site, there: Site) -> Diagnostic:
    related = Related(there.member.file, there.member.position(there.path), f"{there.what} (topology {there.member.name})")
    return Diagnostic(code, message, here.path, file=here.member.file, position=here.member.position(here.path), related=(related,))


def _origin_path(obj: Any) -> Path:
    from ..checks.reachability import origin_path

    return origin_path(obj.origin) if obj.origin else ()


def _site(placed: Placed, what: str) -> Site:
    path = _origin_path(placed.obj)
    if isinstance(placed.obj, Tunnel):
        path += ("name",)  # its name where the topology gives one, else the tunnel entry
    return Site(placed.attachment.member, path, what)


def _entry(attachment: Attachment, *rest: str | int) -> Site:
    return Site(attachment.member, attachment.path(*rest), f"BIG-IP {attachment.bigip.name}")


def _other_members(attachments: Sequence[Attachment]) -> Iterator[tuple[Attachment, Attachment]]:
    """Pairs of entries of one device from two different topologies."""
    for first, second in combinations(attachments, 2):
        if first.member is not second.member:
            yield first, second


# --- the checks ---------------------------------------------------------------------------------


@fleet_check(DUPLICATE_TOPOLOGY_NAME)
def topology_names(ctx: FleetContext) -> Iterator[Diagnostic]:
    first: dict[str, Member] = {}
    for member in ctx.members:
        if member.topology is None:
            continue
        other = first.setdefault(member.name, member)
        if other is not member:
            where = ("metadata", "name")
            yield _finding(
                DUPLICATE_TOPOLOGY_NAME,
                f"metadata.name {member.name!r} is also the name of {other.file}",
                Site(member, where, "metadata.name"),
                Site(other, where, "the same metadata.name"),
            )


@fleet_check(DEVICE_TWO_URLS)
def device_identity(ctx: FleetContext) -> Iterator[Diagnostic]:
    for device in ctx.devices:
        for first, second in _other_members(device.attachments):
            a, b = first.bigip, second.bigip
            if a.name != b.name or a.management_url is None or b.management_url is None:
                continue
            if normalize_management_url(a.management_url) != normalize_management_url(b.management_url):
                yield _finding(
                    DEVICE_TWO_URLS,
                    f"BIG-IP {b.name} has managementURL {b.management_url}, but {first.member.file} gives it {a.management_url}",
                    _entry(second, "managementURL"),
                    _entry(first, "managementURL"),
                )


@fleet_check(OBJECT_NAME_CLASH, SELF_IP_CLASH)
def device_objects(ctx: FleetContext) -> Iterator[Diagnostic]:
    for merged in ctx.merged:
        for clash in merged.clashes:
            obj, other = clash.second.obj, clash.first.obj
            if clash.reason == "address":
                yield _finding(
                    SELF_IP_CLASH,
                    f"self IP {_shown(obj.address)} (VLAN {obj.vlan}, {obj.traffic_group}) on BIG-IP {merged.device.name} is also "
                    f"declared by {clash.first.attachment.member.file} as {_shown(other.address)} on VLAN {other.vlan}, {other.traffic_group}",
                    _site(clash.second, "self IP"),
                    _site(clash.first, "the same address"),
                )
            else:
                yield _finding(
                    OBJECT_NAME_CLASH,
                    f"{_kind(obj)} {obj.name} on BIG-IP {merged.device.name} is also defined by {clash.first.attachment.member.file}, "
                    "differently: BIG-IP holds one object of a name",
                    _site(clash.second, _kind(obj)),
                    _site(clash.first, f"{_kind(other)} {other.name}"),
                )


@fleet_check(UNIQUE_VNI)
def tunnel_vnis(ctx: FleetContext) -> Iterator[Diagnostic]:
    for merged in ctx.merged:
        seen: dict[tuple[int, str], Placed] = {}
        for placed in merged.placed:
            tunnel = placed.obj
            if not isinstance(tunnel, Tunnel):
                continue
            other = seen.setdefault((tunnel.key, tunnel.local_address), placed)
            if other.attachment.member is not placed.attachment.member:
                yield _finding(
                    UNIQUE_VNI,
                    f"tunnel {tunnel.name} on BIG-IP {merged.device.name} has VNI {tunnel.key} and local address "
                    f"{_shown(tunnel.local_address)}, as tunnel {other.obj.name} of {other.attachment.member.file} has",
                    _site(placed, "tunnel"),
                    _site(other, f"tunnel {other.obj.name}"),
                )


def _span(address: str) -> tuple[int, int, int, int] | None:
    """(route domain, version, first, last) of a self IP's network."""
    ip, _, prefix = address.partition("/")
    ip, _, domain = ip.partition("%")
    try:
        network = ipaddress.ip_interface(f"{ip}/{prefix}").network
    except ValueError:
        return None
    return int(domain or 0), network.version, int(network.network_address), int(network.broadcast_address)


@fleet_check(NETWORK_ON_TWO_VLANS)
def self_ip_networks(ctx: FleetContext) -> Iterator[Diagnostic]:
    for merged in ctx.merged:
        if len(merged.device.members) < 2:
            continue
        spans = sorted(
            (span, index, placed)
            for index, placed in enumerate(merged.placed)
            if isinstance(placed.obj, SelfIp) and (span := _span(placed.obj.address)) is not None
        )
        reported: set[tuple[str, str, str, str]] = set()
        for i, (span, _, placed) in enumerate(spans):
            for later, _, other in spans[i + 1 :]:
                if later[:2] != span[:2] or later[2] > span[3]:
                    break  # sorted by (route domain, version, first): nothing after this overlaps
                if placed.attachment.member is other.attachment.member or placed.obj.vlan == other.obj.vlan:
                    continue
                first, second = sorted((placed, other), key=lambda p: (p.attachment.member.name, p.obj.name))
                key = (first.attachment.member.file, second.attachment.member.file, first.obj.vlan, second.obj.vlan)
                if key in reported:  # one finding per pair of topologies and VLANs
                    continue
                reported.add(key)
                yield _finding(
                    NETWORK_ON_TWO_VLANS,
                    f"self IP {_shown(second.obj.address)} on {second.obj.vlan} overlaps {_shown(first.obj.address)} on "
                    f"{first.obj.vlan} of {first.attachment.member.file}: BIG-IP {merged.device.name} would have one network on two VLANs",
                    _site(second, "self IP"),
                    _site(first, f"self IP on {first.obj.vlan}"),
                )


@fleet_check(POD_NETWORKS_OVERLAP)
def pod_networks(ctx: FleetContext) -> Iterator[Diagnostic]:
    for device in ctx.devices:
        for first, second in _other_members(device.attachments):
            if first.bigip.route_domain != second.bigip.route_domain:
                continue
            a, b = _network(first.member), _network(second.member)
            if a is None or b is None or a.version != b.version or not a.overlaps(b):
                continue
            domain = first.bigip.route_domain
            yield _finding(
                POD_NETWORKS_OVERLAP,
                f"podCIDR {b} overlaps {a}, the pod network of {first.member.file}, and both reach BIG-IP {device.name} "
                f"in route domain {domain}",
                Site(second.member, ("cluster", "podCIDR"), "podCIDR"),
                Site(first.member, ("cluster", "podCIDR"), f"podCIDR {a}"),
            )


def _network(member: Member) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    from ..addresses import parse_network

    assert member.topology is not None
    return parse_network(member.topology.cluster.pod_cidr)


@fleet_check(VLAN_TWO_ROUTE_DOMAINS)
def vlan_route_domains(ctx: FleetContext) -> Iterator[Diagnostic]:
    for device in ctx.devices:
        for first, second in _other_members(device.attachments):
            a, b = first.bigip, second.bigip
            if a.underlay.vlan == b.underlay.vlan and a.route_domain != b.route_domain:
                yield _finding(
                    VLAN_TWO_ROUTE_DOMAINS,
                    f"VLAN {b.underlay.vlan} of BIG-IP {device.name} is in route domain {b.route_domain} here and in route domain "
                    f"{a.route_domain} in {first.member.file}: the VLAN is in one of them, so one tunnel's local address and its "
                    f'FDB endpoints %{b.route_domain} end up in different route domains (BIG-IP 01070734: "tunnel FDB record ... '
                    'and the tunnel local address cannot be in different route domain")',
                    _entry(second, "routeDomain"),
                    _entry(first, "routeDomain"),
                )


def _cis_args(attachment: Attachment) -> tuple[str, ...] | None:
    """The container args of the CIS that manages this entry's BIG-IP, None when none does."""
    from ..state.cluster import CisController

    state = attachment.member.state
    assert state is not None
    for controller in state.cluster.of_kind(CisController):
        if controller.bigip == attachment.bigip.name:
            return tuple(controller.args)
    return None


@fleet_check(CIS_PARTITION_SHARED)
def cis_partitions(ctx: FleetContext) -> Iterator[Diagnostic]:
    for device in ctx.devices:
        for first, second in _other_members(device.attachments):
            a, b = first.member.topology, second.member.topology
            assert a is not None and b is not None
            if a.cis is None or b.cis is None or _cis_args(first) is None or _cis_args(second) is None:
                continue
            if a.cis.partition == b.cis.partition:
                yield _finding(
                    CIS_PARTITION_SHARED,
                    f"CIS of this cluster and CIS of {first.member.file} both manage partition {b.cis.partition} of BIG-IP {device.name}",
                    Site(second.member, ("cis", "partition"), "cis.partition"),
                    Site(first.member, ("cis", "partition"), "the same partition"),
                )


def _flag(args: Sequence[str], name: str) -> str | None:
    for arg in args:
        if arg == name:
            return "true"
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
    return None


def _static_routes_kept(args: Sequence[str]) -> tuple[str, str | None]:
    """Where a CIS in static routing mode keeps its routes, and the mark its clean-up keeps to (None: the
    whole partition). Without --shared-static-routes: its --bigip-partition, all of it (f5-cccl bigip.py
    lists the partition's routes, service/manager.py deletes those it was not given). With it: /Common
    (main.go), where f5-cccl deletes only routes whose description is CIS's identifier: in ConfigMap mode
    (vtepc's CIS) `<--bigip-partition>_<BIG-IP host>` (pkg/appmanager/appManager.go processStaticRouteUpdate,
    DEFAULT_PARTITION being the first --bigip-partition), in CRD mode `<host>_<--local-cluster-name>`
    (pkg/controller/node_poll_handler.go setCISIdentifierForRoutes); --local-cluster-name counts only there."""
    partition = _flag(args, "--bigip-partition") or ""
    if _flag(args, "--shared-static-routes") != "true":
        return partition, None
    host = (_flag(args, "--bigip-url") or "").removeprefix("https://")
    if _flag(args, "--custom-resource-mode") == "true" or _flag(args, "--controller-mode") is not None:
        name = _flag(args, "--local-cluster-name")
        return "Common", f"{host}_{name}" if name else host
    return "Common", f"{partition}_{host}"


@fleet_check(STATIC_ROUTES_SHARED)
def cis_static_routes(ctx: FleetContext) -> Iterator[Diagnostic]:
    for device in ctx.devices:
        static = [
            (a, args) for a in device.attachments if (args := _cis_args(a)) is not None and _flag(args, "--static-routing-mode") == "true"
        ]
        for (first, first_args), (second, args) in combinations(static, 2):
            if first.member is second.member:
                continue
            kept = _static_routes_kept(args)
            if kept != _static_routes_kept(first_args):
                continue
            partition, mark = kept
            problem = f"in partition {partition}" if mark is None else f"in /Common, both marked {mark}"
            yield _finding(
                STATIC_ROUTES_SHARED,
                f"CIS of this cluster and CIS of {first.member.file} both keep their static routes on BIG-IP {device.name} {problem}: "
                "each deletes the other's",
                Site(second.member, ("cis",), "cis"),
                Site(first.member, ("cis",), "CIS in static routing mode"),
            )


@fleet_check(CLUSTER_OBJECT_NAME)
def cluster_object_names(ctx: FleetContext) -> Iterator[Diagnostic]:
    for merged in ctx.merged:
        if len(merged.device.members) < 2:
            continue
        others = {a.member.name: a for a in merged.device.attachments}
        for attachment in merged.device.attachments:
            bad = sorted(
                {
                    cluster_object_name(attachment.member.name, obj.name)
                    for obj in attachment.state.items
                    if obj.name.startswith(OWN_PREFIX) and not F5_NAME.matches(cluster_object_name(attachment.member.name, obj.name))
                }
            )
            if not bad:
                continue
            other = next(a for name, a in others.items() if name != attachment.member.name)
            yield _finding(
                CLUSTER_OBJECT_NAME,
                f"on BIG-IP {merged.device.name}, shared with {other.member.file}, this cluster's objects would be named "
                f"{', '.join(bad)}: longer than {F5_NAME.max_length} characters or not {F5_NAME.what}",
                Site(attachment.member, ("metadata", "name"), "metadata.name"),
                _entry(other),
            )


@fleet_check(HA_PAIRS_DIFFER)
def ha_pairs_agree(ctx: FleetContext) -> Iterator[Diagnostic]:
    """The pair each topology puts a device in (vtepc.facts.ha_pairs, as devices): the same for all.
    The fleet's plan syncs each pair from its first unit; a device in two pairs has no such unit."""
    from ..facts import ha_pairs

    device_of = {(a.member.file, a.bigip.name): m.device.name for m in ctx.merged for a in m.device.attachments}
    first: dict[str, tuple[frozenset[str], Attachment]] = {}  # unit -> its pair, as the first topology by name says
    for member in sorted(ctx.members, key=lambda m: m.name):
        topology = member.topology
        if topology is None:
            continue
        for indexes in ha_pairs(topology).values():
            units = frozenset(device_of[(member.file, topology.bigips[i].name)] for i in indexes)
            for index in indexes:
                here = Attachment(member, index)
                unit = device_of[(member.file, here.bigip.name)]
                pair, there = first.setdefault(unit, (units, here))
                if pair != units and there.member is not member:
                    yield _finding(
                        HA_PAIRS_DIFFER,
                        f"BIG-IP {unit} is paired here with {', '.join(sorted(units - {unit}))}, but {there.member.file} pairs it "
                        f"with {', '.join(sorted(pair - {unit}))}",
                        _entry(here, "ha"),
                        _entry(there, "ha"),
                    )


# --- wording ------------------------------------------------------------------------------------

_KINDS = {
    "net/tunnels/tunnel": "tunnel",
    "net/tunnels/vxlan": "VXLAN profile",
    "net/tunnels/geneve": "Geneve profile",
    "net/self": "self IP",
    "net/route": "route",
    "sys/db": "sys db",
}


def _kind(obj: Any) -> str:
    return _KINDS.get(obj.kind, str(obj.kind))


def _shown(address: str) -> str:
    from ..state.bigip import display_address

    return display_address(address)
