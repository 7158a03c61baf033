"""Uniqueness of names and addresses, node pod CIDRs, self IP placement, address families.

Every check here is linear or n log n in the number of nodes: duplicates by dict, CIDR
overlaps by one sort (see _networks.py).
"""
from __future__ import annotations

from typing import Iterator

from ..addresses import IPInterface
from ..diagnostics import Path, path_to_str, register_code
from . import Context, Finding, check, self_ips
from ._networks import IpValue, ip_value, network_span

DUPLICATE_NAME = register_code(
    "VTEP201", "error", "duplicate name",
    "names identify objects in output paths and on the devices: give each entry its own",
)
DUPLICATE_ADDRESS = register_code(
    "VTEP202", "error", "address used twice",
    "every node IP, self IP and floating IP must be unique (only the members of one HA pair share floating IPs)",
)
POD_CIDR_OUTSIDE = register_code(
    "VTEP203", "error", "node pod CIDR outside cluster.podCIDR",
    "a node's pod CIDR is a slice of cluster.podCIDR: fix the node's podCIDR or widen cluster.podCIDR",
)
POD_CIDR_OVERLAP = register_code(
    "VTEP204", "error", "node pod CIDRs overlap",
    "each node owns its pod CIDR alone: give every node a disjoint slice of cluster.podCIDR",
)
RESERVED_HOST = register_code(
    "VTEP205", "error", "self IP is a network or broadcast address",
    "pick a host address inside the subnet, e.g. .1 to .254 of a /24",
)
IPV4_REQUIRED = register_code(
    "VTEP206", "error", "IPv6 where IPv4 is required",
    "use an IPv4 address here; dual-stack pods are fine, but this address feeds IPv4-only settings",
)


@check(DUPLICATE_NAME)
def unique_names(ctx: Context) -> Iterator[Finding]:
    topo = ctx.topology
    collections: list[tuple[str, Path, list]] = [
        ("node", ("cluster", "nodes"), topo.cluster.nodes),
        ("BIG-IP", ("bigips",), topo.bigips),
        ("service", ("services",), topo.services),
    ]
    if topo.bgp is not None:
        collections.append(("BGP peer", ("bgp", "peers"), topo.bgp.peers))
    for kind, base, entries in collections:
        first: dict[str, int] = {}
        for i, entry in enumerate(entries):
            j = first.setdefault(entry.name, i)
            if j != i:
                yield Finding(
                    DUPLICATE_NAME, base + (i, "name"),
                    f"{kind} name '{entry.name}' is already used by {path_to_str(base + (j,))}",
                )


def _addresses(ctx: Context) -> Iterator[tuple[IpValue, str, Path, str, bool, int | None]]:
    """(address, as text, path, what, is floating, BIG-IP index) for every address that must be unique."""
    topo = ctx.topology
    for i, (node, value) in enumerate(zip(topo.cluster.nodes, ctx.node_ips)):
        if value is not None:
            yield value, node.ip, ("cluster", "nodes", i, "ip"), f"node '{node.name}' IP", False, None
    for i, bigip in enumerate(topo.bigips):
        for self_ip in self_ips(bigip):
            interface = ctx.interface(self_ip.text)
            if interface is not None:
                value = IpValue(interface.version, int(interface.ip))
                what = f"BIG-IP '{bigip.name}' {self_ip.what}"
                yield value, str(interface.ip), ("bigips", i) + self_ip.path, what, self_ip.floating, i


@check(DUPLICATE_ADDRESS)
def unique_addresses(ctx: Context) -> Iterator[Finding]:
    first: dict[IpValue, tuple[Path, str, bool, int | None]] = {}
    for value, address, path, what, floating, bigip in _addresses(ctx):
        seen = first.get(value)
        if seen is None:
            first[value] = (path, what, floating, bigip)
            continue
        seen_path, seen_what, seen_floating, seen_bigip = seen
        if floating and seen_floating and ctx.same_pair(bigip, seen_bigip):
            continue  # the members of an HA pair share their floating addresses
        yield Finding(
            DUPLICATE_ADDRESS, path,
            f"{what} {address} is already the {seen_what} ({path_to_str(seen_path)})",
        )


@check(POD_CIDR_OUTSIDE, POD_CIDR_OVERLAP)
def node_pod_cidrs(ctx: Context) -> Iterator[Finding]:
    cluster_span = network_span(ctx.topology.cluster.pod_cidr)
    nodes = ctx.topology.cluster.nodes
    if cluster_span is not None:
        for i, span in enumerate(ctx.node_pod_spans):
            if span is not None and not cluster_span.contains(span):
                yield Finding(
                    POD_CIDR_OUTSIDE, ("cluster", "nodes", i, "podCIDR"),
                    f"node '{nodes[i].name}' pod CIDR {nodes[i].pod_cidr} is not inside cluster.podCIDR "
                    f"{ctx.topology.cluster.pod_cidr}",
                )
    for pair in ctx.node_pod_networks.overlapping_pairs():
        first, second = sorted(pair)  # report on the entry further down the file
        yield Finding(
            POD_CIDR_OVERLAP, ("cluster", "nodes", second, "podCIDR"),
            f"node '{nodes[second].name}' pod CIDR {nodes[second].pod_cidr} overlaps node "
            f"'{nodes[first].name}' pod CIDR {nodes[first].pod_cidr}",
        )


def _reserved_host(interface: IPInterface) -> str | None:
    """'network' or 'broadcast' when the address is one of its subnet's reserved addresses."""
    network = interface.network
    if interface.version == 4 and network.prefixlen >= 31:  # RFC 3021 point-to-point: no reserved addresses
        return None
    if interface.version == 6 and network.prefixlen >= 127:
        return None
    if interface.ip == network.network_address:
        return "network"
    if interface.version == 4 and interface.ip == network.broadcast_address:
        return "broadcast"
    return None


@check(RESERVED_HOST)
def self_ip_hosts(ctx: Context) -> Iterator[Finding]:
    for i, bigip in enumerate(ctx.topology.bigips):
        for self_ip in self_ips(bigip):
            interface = ctx.interface(self_ip.text)
            reserved = _reserved_host(interface) if interface is not None else None
            if reserved is not None:
                yield Finding(
                    RESERVED_HOST, ("bigips", i) + self_ip.path,
                    f"{self_ip.text} is the {reserved} address of {interface.network}, not a usable self IP",
                )


@check(IPV4_REQUIRED)
def ipv4_only(ctx: Context) -> Iterator[Finding]:
    cluster = ctx.topology.cluster
    pod_net = ctx.cluster_pod_network
    if pod_net is not None and pod_net.version != 4:
        yield Finding(
            IPV4_REQUIRED, ("cluster", "podCIDR"),
            f"cluster.podCIDR {pod_net} is IPv6: it is Cilium's IPv4 cluster-pool / native-routing CIDR "
            "or flannel's Network, and the BIG-IP's route to the pods",
        )
    if not ctx.is_tunnel:
        return
    # Tunnel endpoints: BIG-IP VXLAN/Geneve tunnels here are IPv4 (Cilium's VTEP endpoints and
    # the fake FDB MACs 0a:0a:+IPv4 octets, flannel's IPv4 public-ip annotations).
    for i, (node, ip) in enumerate(zip(cluster.nodes, ctx.node_ips)):
        public_ip = ip_value(node.public_ip) if node.public_ip is not None else None
        for value, text, key in ((ip, node.ip, "ip"), (public_ip, node.public_ip, "publicIP")):
            if value is not None and value.version != 4:
                yield Finding(
                    IPV4_REQUIRED, ("cluster", "nodes", i, key),
                    f"node '{node.name}' {key} {text} is IPv6, but BIG-IP tunnels reach nodes over IPv4",
                )
    if ctx.is_flannel:
        for i, bigip in enumerate(ctx.topology.bigips):
            interface = ctx.interface(bigip.underlay.self_ip)
            if interface is not None and interface.version != 4:
                yield Finding(
                    IPV4_REQUIRED, ("bigips", i, "underlay", "selfIP"),
                    f"BIG-IP '{bigip.name}' underlay self IP {interface} is IPv6, but it is the flannel "
                    "public-ip of an IPv4 VXLAN network",
                )
