"""Uniqueness of names and addresses, node pod CIDRs, self IP placement, address families.

Every check here is linear or n log n in the number of nodes: duplicates by dict, CIDR
overlaps by one sort (see _networks.py).
"""

from __future__ import annotations

from itertools import chain
from typing import Iterable, Iterator, Protocol, Sequence
from urllib.parse import urlsplit
from weakref import WeakKeyDictionary

from ..addresses import IPInterface
from ..diagnostics import Path, path_to_str, register_code
from . import Context, Finding, check, node_values, self_ips
from ._columns import any_between
from ._networks import IpValue, Span, ip_value, network_span

DUPLICATE_NAME = register_code(
    "VTEP201",
    "error",
    "duplicate name",
    "names identify objects in output paths and on the devices: give each entry its own",
)
DUPLICATE_ADDRESS = register_code(
    "VTEP202",
    "error",
    "address used twice",
    "every node IP, self IP and floating IP must be unique (only the members of one HA pair share floating IPs)",
)
POD_CIDR_OUTSIDE = register_code(
    "VTEP203",
    "error",
    "node pod CIDR outside cluster.podCIDR",
    "a node's pod CIDR is a slice of cluster.podCIDR: fix the node's podCIDR or widen cluster.podCIDR",
)
POD_CIDR_OVERLAP = register_code(
    "VTEP204",
    "error",
    "node pod CIDRs overlap",
    "each node owns its pod CIDR alone: give every node a disjoint slice of cluster.podCIDR",
)
RESERVED_HOST = register_code(
    "VTEP205",
    "error",
    "self IP is a network or broadcast address",
    "pick a host address inside the subnet, e.g. .1 to .254 of a /24",
)
IPV4_REQUIRED = register_code(
    "VTEP206",
    "error",
    "IPv6 where IPv4 is required",
    "use an IPv4 address here; dual-stack pods are fine, but this address feeds IPv4-only settings",
)


class _Named(Protocol):
    @property
    def name(self) -> str: ...


@check(DUPLICATE_NAME)
def unique_names(ctx: Context) -> Iterator[Finding]:
    topo = ctx.topology
    collections: list[tuple[str, Path, Sequence[_Named]]] = [
        ("node", ("cluster", "nodes"), topo.cluster.nodes),
        ("BIG-IP", ("bigips",), topo.bigips),
        ("service", ("services",), topo.services),
    ]
    if topo.bgp is not None:
        collections.append(("BGP peer", ("bgp", "peers"), topo.bgp.peers))
    for kind, base, entries in collections:
        if entries is topo.cluster.nodes and ctx.node_columns.names_unique():
            continue  # no two nodes share a name
        first: dict[str, int] = {}
        for i, entry in enumerate(entries):
            j = first.setdefault(entry.name, i)
            if j != i:
                yield Finding(
                    DUPLICATE_NAME,
                    base + (i, "name"),
                    f"{kind} name '{entry.name}' is already used by {path_to_str(base + (j,))}",
                )


UniqueAddress = tuple[IpValue, str, Path, str, bool, "int | None"]  # (address, as text, path, what, is floating, BIG-IP index)


def _node_addresses(ctx: Context) -> Iterator[UniqueAddress]:
    for i, (node, value) in enumerate(zip(ctx.topology.cluster.nodes, ctx.node_ips)):
        if value is not None:
            yield value, node.ip, ("cluster", "nodes", i, "ip"), f"node '{node.name}' IP", False, None


def _bigip_addresses(ctx: Context) -> Iterator[UniqueAddress]:
    for i, bigip in enumerate(ctx.topology.bigips):
        for self_ip in self_ips(bigip):
            interface = ctx.interface(self_ip.text)
            if interface is not None:
                value = IpValue(interface.version, int(interface.ip))
                what = f"BIG-IP '{bigip.name}' {self_ip.what}"
                yield value, str(interface.ip), ("bigips", i) + self_ip.path, what, self_ip.floating, i


@check(DUPLICATE_ADDRESS)
def unique_addresses(ctx: Context) -> Iterator[Finding]:
    addresses: Iterable[UniqueAddress] = list(_bigip_addresses(ctx))
    node_ips = ctx.node_columns.distinct_ip4
    if node_ips is None or any(value.version == 4 and value.value in node_ips for value, *_ in addresses):
        addresses = chain(_node_addresses(ctx), addresses)
    # else the node IPs are distinct and none is a BIG-IP's: only the BIG-IPs' addresses can repeat
    first: dict[IpValue, tuple[Path, str, bool, int | None]] = {}
    for value, address, path, what, floating, bigip in addresses:
        seen = first.get(value)
        if seen is None:
            first[value] = (path, what, floating, bigip)
            continue
        seen_path, seen_what, seen_floating, seen_bigip = seen
        if floating and seen_floating and bigip is not None and seen_bigip is not None and ctx.same_pair(bigip, seen_bigip):
            continue  # the members of an HA pair share their floating addresses
        yield Finding(
            DUPLICATE_ADDRESS,
            path,
            f"{what} {address} is already the {seen_what} ({path_to_str(seen_path)})",
        )


@check(POD_CIDR_OUTSIDE, POD_CIDR_OVERLAP)
def node_pod_cidrs(ctx: Context) -> Iterator[Finding]:
    cluster_span = network_span(ctx.topology.cluster.pod_cidr)
    nodes = ctx.topology.cluster.nodes
    pods = ctx.node_columns.pods4
    if cluster_span is not None and (pods is None or not pods.within(cluster_span)):
        for i, span in enumerate(ctx.node_pod_spans):
            if span is not None and not cluster_span.contains(span):
                yield Finding(
                    POD_CIDR_OUTSIDE,
                    ("cluster", "nodes", i, "podCIDR"),
                    f"node '{nodes[i].name}' pod CIDR {nodes[i].pod_cidr} is not inside cluster.podCIDR {ctx.topology.cluster.pod_cidr}",
                )
    for pair in ctx.node_pod_networks.overlapping_pairs():
        first, second = sorted(pair)  # report on the entry further down the file
        yield Finding(
            POD_CIDR_OVERLAP,
            ("cluster", "nodes", second, "podCIDR"),
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
            if interface is None:
                continue
            reserved = _reserved_host(interface)
            if reserved is not None:
                yield Finding(
                    RESERVED_HOST,
                    ("bigips", i) + self_ip.path,
                    f"{self_ip.text} is the {reserved} address of {interface.network}, not a usable self IP",
                )


@check(IPV4_REQUIRED)
def ipv4_only(ctx: Context) -> Iterator[Finding]:
    cluster = ctx.topology.cluster
    pod_net = ctx.cluster_pod_network
    if pod_net is not None and pod_net.version != 4:
        yield Finding(
            IPV4_REQUIRED,
            ("cluster", "podCIDR"),
            f"cluster.podCIDR {pod_net} is IPv6: it is Cilium's IPv4 cluster-pool / native-routing CIDR "
            "or flannel's Network, and the BIG-IP's route to the pods",
        )
    if not ctx.is_tunnel:
        return
    # Tunnel endpoints: BIG-IP VXLAN/Geneve tunnels here are IPv4 (Cilium's VTEP endpoints and
    # the fake FDB MACs 0a:0a:+IPv4 octets, flannel's IPv4 public-ip annotations).
    if ctx.node_columns.ip4 is not None and ctx.node_columns.other_ip4 is not None:
        return  # all dotted quads
    node_addresses = ctx.integration.node_addresses
    for i, (node, ip) in enumerate(zip(cluster.nodes, ctx.node_ips)):
        if ip is not None and ip.version != 4:
            yield _not_ipv4(i, node.name, "ip", node.ip)
        for key, text in node_values(node, node_addresses):
            value = ip_value(text) if text is not None else None
            if value is not None and value.version != 4:
                yield _not_ipv4(i, node.name, key, text)


def _not_ipv4(index: int, name: str, key: str, text: str | None) -> Finding:
    return Finding(
        IPV4_REQUIRED, ("cluster", "nodes", index, key), f"node '{name}' {key} {text} is IPv6, but BIG-IP tunnels reach nodes over IPv4"
    )


NOT_UNICAST = register_code(
    "VTEP207",
    "error",
    "address is not a unicast host address",
    "use the host's own unicast address: not 0.0.0.0 or ::, loopback, multicast, broadcast or 240.0.0.0/4",
)
UNDERLAY_IN_POD_NETWORK = register_code(
    "VTEP208",
    "error",
    "underlay address inside the pod network",
    "node IPs, the BIG-IPs' underlay addresses, gateways and BGP peers must lie outside cluster.podCIDR and every "
    "node's podCIDR: the BIG-IP and the nodes route the pod network into the cluster, so these would be unreachable",
)
POD_CIDR_DEFAULT_ROUTE = register_code(
    "VTEP209",
    "error",
    "pod CIDR would replace the default route",
    "give the pods a network of their own (e.g. 10.0.0.0/16): the BIG-IP and the nodes install a route to every "
    "pod CIDR, which must not take over their default route",
)
VTEP_CIDR_HOLDS_UNDERLAY = register_code(
    "VTEP210",
    "error",
    "VTEP CIDR contains the underlay",
    "pick the tunnel subnet outside the underlay: every node routes the VTEP CIDR into its tunnel, so an underlay "
    "network, a VTEP endpoint or a node IP inside it becomes unreachable (e.g. underlay 10.169.72.0/24, tunnel 10.1.6.0/24)",
)
ZERO_MAC = register_code(
    "VTEP211",
    "error",
    "all-zero MAC",
    "00:00:00:00:00:00 is no interface's MAC: copy the real one (`vtepc discover` fills tunnel.mac)",
)
DUPLICATE_MAC = register_code(
    "VTEP212",
    "error",
    "MAC used twice",
    "every tunnel and node interface has its own MAC; only the two units of an HA pair may share one",
)
BIGIP_NAMED_LIKE_NODE = register_code(
    "VTEP213",
    "error",
    "BIG-IP has a node's name",
    "rename the BIG-IP: with flannel it joins the cluster as a Node of its name, and `vtepc discover` leaves out "
    "every cluster node named like a BIG-IP",
)

ZERO_MAC_TEXT = "00:00:00:00:00:00"
# The self IPs that live on the underlay (the tunnel ones live in the VTEP / pod network).
UNDERLAY_SELF_IPS = {("underlay", "selfIP"), ("ha", "floatingUnderlayIP")}
_BROADCAST = 0xFFFFFFFF
_NON_UNICAST_V4 = (
    (0, 8, "in 0.0.0.0/8 ('this network', never a host)"),
    (127 << 24, 8, "a loopback address"),
    (224 << 24, 4, "a multicast address"),
    (240 << 24, 4, "in 240.0.0.0/4 (reserved)"),
)


def _non_unicast(value: IpValue) -> str | None:
    """Why the address cannot be a host's unicast address (unspecified, loopback, multicast...), or None."""
    v = value.value
    if value.version == 4:
        if v == _BROADCAST:
            return "the broadcast address"
        if v == 0:
            return "the unspecified address"
        for start, prefixlen, why in _NON_UNICAST_V4:
            if v >> (32 - prefixlen) == start >> (32 - prefixlen):
                return why
        return None
    if v == 0:
        return "the unspecified address"
    if v == 1:
        return "the loopback address"
    if v >> 120 == 0xFF:
        return "a multicast address"
    return None


UnderlayAddress = tuple[IpValue, str, Path, str]  # (address, as text, path, what)
_UNDERLAY: WeakKeyDictionary[Context, dict[bool, list[UnderlayAddress]]] = WeakKeyDictionary()


def underlay_addresses(ctx: Context, nodes: bool = True) -> list[UnderlayAddress]:
    """(address, as text, path, what) for every address of the underlay: nodes, BIG-IP underlay, next
    hops (with nodes=False all but the nodes'); listed once per context (several checks read them)."""
    found = _UNDERLAY.setdefault(ctx, {})
    if False not in found:
        found[False] = list(_other_underlay_addresses(ctx))
    if nodes and True not in found:
        found[True] = list(_node_underlay_addresses(ctx)) + found[False]
    return found[nodes]


def _nodes_unicast(sorted_values: list[int]) -> bool:
    """Whether _non_unicast passes every one of these IPv4 addresses (sorted integers)."""
    return (
        not any_between(sorted_values, 0, 0)
        and not any_between(sorted_values, _BROADCAST, _BROADCAST)
        and not any(any_between(sorted_values, start, start | ((1 << (32 - prefixlen)) - 1)) for start, prefixlen, _ in _NON_UNICAST_V4)
    )


def underlay_address_in(ctx: Context, span: Span) -> tuple[str, str] | None:
    """(as text, what) of the highest underlay address inside `span` (the first listed among equal
    ones), or None: one pass per query, where an index of every node's address would sort them all;
    the nodes' addresses only when some of them is inside."""
    nodes = ctx.node_columns.sorted_underlay4
    with_nodes = nodes is None or (span.version == 4 and any_between(nodes, span.start, span.end))
    best: tuple[int, str, str] | None = None
    for value, text, _, what in underlay_addresses(ctx, with_nodes):
        if value.version == span.version and span.start <= value.value <= span.end and (best is None or value.value > best[0]):
            best = (value.value, text, what)
    return None if best is None else best[1:]


def _node_underlay_addresses(ctx: Context) -> Iterator[UnderlayAddress]:
    node_addresses = ctx.integration.node_addresses
    for i, (node, value) in enumerate(zip(ctx.topology.cluster.nodes, ctx.node_ips)):
        if value is not None:
            yield value, node.ip, ("cluster", "nodes", i, "ip"), f"node '{node.name}' IP"
        for key, text in node_values(node, node_addresses):
            if text is not None and (further := ip_value(text)) is not None:
                yield further, text, ("cluster", "nodes", i, key), f"node '{node.name}' {key}"


def _other_underlay_addresses(ctx: Context) -> Iterator[UnderlayAddress]:
    topo = ctx.topology
    for i, bigip in enumerate(topo.bigips):
        for self_ip in self_ips(bigip):
            interface = ctx.interface(self_ip.text)
            if interface is not None and self_ip.path in UNDERLAY_SELF_IPS:
                value = IpValue(interface.version, int(interface.ip))
                yield value, str(interface.ip), ("bigips", i) + self_ip.path, f"BIG-IP '{bigip.name}' {self_ip.what}"
        gateway_text = bigip.underlay.gateway
        if gateway_text is not None and (gateway := ip_value(gateway_text)) is not None:
            yield gateway, gateway_text, ("bigips", i, "underlay", "gateway"), f"BIG-IP '{bigip.name}' gateway"
        host = _url_host(bigip.management_url)
        # CIS (in a pod, --bigip-url) and vtepc's live commands reach the BIG-IP there
        if host is not None and (management := ip_value(host)) is not None:
            yield management, host, ("bigips", i, "managementURL"), f"BIG-IP '{bigip.name}' management address"
    if topo.bgp is not None:
        for i, peer in enumerate(topo.bgp.peers):
            if (peer_ip := ip_value(peer.address)) is not None:
                yield peer_ip, peer.address, ("bgp", "peers", i, "address"), f"BGP peer '{peer.name}' address"


def _url_host(url: str | None) -> str | None:
    """The host of a URL (None when there is none or the URL is invalid: VTEP812)."""
    if url is None:
        return None
    try:
        return urlsplit(url).hostname
    except ValueError:
        return None


def address_span(value: IpValue) -> Span:
    return Span(value.version, value.value, value.value, 32 if value.version == 4 else 128)


@check(NOT_UNICAST)
def unicast_addresses(ctx: Context) -> Iterator[Finding]:
    nodes = ctx.node_columns.sorted_underlay4
    for value, text, path, what in underlay_addresses(ctx, nodes is None or not _nodes_unicast(nodes)):
        why = _non_unicast(value)
        if why is not None:
            yield Finding(NOT_UNICAST, path, f"{what} {text} is {why}, not a host's address")


@check(UNDERLAY_IN_POD_NETWORK)
def underlay_outside_pods(ctx: Context) -> Iterator[Finding]:
    # With flannel the pod network is also the VTEP network (the tunnel self IP's /16): one check covers both.
    cluster_span = network_span(ctx.topology.cluster.pod_cidr)
    nodes = ctx.topology.cluster.nodes
    pods = ctx.node_columns.pods4
    # With every node pod CIDR inside cluster.podCIDR, an address outside that is outside them all.
    pods_inside = cluster_span is not None and pods is not None and pods.within(cluster_span)
    underlay = ctx.node_columns.sorted_underlay4
    with_nodes = (
        not pods_inside
        or underlay is None
        or (cluster_span is not None and cluster_span.version == 4 and any_between(underlay, cluster_span.start, cluster_span.end))
    )
    for value, text, path, what in underlay_addresses(ctx, with_nodes):
        point = address_span(value)
        if cluster_span is not None and cluster_span.contains(point):
            yield Finding(UNDERLAY_IN_POD_NETWORK, path, f"{what} {text} is inside cluster.podCIDR {ctx.topology.cluster.pod_cidr}")
            continue
        if pods_inside:
            continue
        node = ctx.node_pod_networks.overlapping(point)
        if node is not None:
            yield Finding(
                UNDERLAY_IN_POD_NETWORK,
                path,
                f"{what} {text} is inside node '{nodes[node].name}' pod CIDR {nodes[node].pod_cidr}",
            )


@check(POD_CIDR_DEFAULT_ROUTE)
def pod_cidr_routes(ctx: Context) -> Iterator[Finding]:
    # /0 is a default route; a /1 is half of one (0.0.0.0/1 + 128.0.0.0/1 is the classic way to
    # override a default route without deleting it), so either takes over the BIG-IP's and the
    # nodes' routes for everything it covers.
    cluster = ctx.topology.cluster
    # (the CIDR as integers, as written, path, what); a node without a podCIDR has neither
    spans: list[tuple[Span | None, str | None, Path, str]] = [
        (network_span(cluster.pod_cidr), cluster.pod_cidr, ("cluster", "podCIDR"), "cluster.podCIDR")
    ]
    pods = ctx.node_columns.pods4
    if pods is None or min(pods.prefixlens, default=32) <= 1:
        spans += [
            (span, node.pod_cidr, ("cluster", "nodes", i, "podCIDR"), f"node '{node.name}' pod CIDR")
            for i, (node, span) in enumerate(zip(cluster.nodes, ctx.node_pod_spans))
        ]
    for span, text, path, what in spans:
        if span is None or span.prefixlen > 1:
            continue
        effect = "is a default route" if span.prefixlen == 0 else "covers half of every address (half a default route)"
        yield Finding(
            POD_CIDR_DEFAULT_ROUTE,
            path,
            f"{what} {text} {effect}: the route to it would take over the BIG-IP's and the nodes' default route",
        )


@check(ZERO_MAC, DUPLICATE_MAC)
def macs(ctx: Context) -> Iterator[Finding]:
    topo = ctx.topology
    entries: list[tuple[str, Path, str, int | None]] = []  # (mac, path, what, BIG-IP index)
    for i, bigip in enumerate(topo.bigips):
        mac = ctx.mac(bigip.tunnel.mac) if bigip.tunnel is not None else None
        if mac is not None:
            entries.append((mac, ("bigips", i, "tunnel", "mac"), f"BIG-IP '{bigip.name}' tunnel MAC", i))
    distinct = ctx.node_columns.distinct_macs
    if distinct is None or ZERO_MAC_TEXT in distinct or not distinct.isdisjoint(mac for mac, *_ in entries):
        node_macs = ctx.integration.node_macs
        for i, node in enumerate(topo.cluster.nodes):
            for key, text in node_values(node, node_macs):
                mac = ctx.mac(text)
                if mac is not None:
                    entries.append((mac, ("cluster", "nodes", i, key), f"node '{node.name}' {key}", None))
    # else every node MAC is valid, none zero, none used twice or by a BIG-IP: nothing to report on them
    first: dict[str, tuple[Path, str, int | None]] = {}
    for mac, path, what, owner in entries:
        if mac == ZERO_MAC_TEXT:
            yield Finding(ZERO_MAC, path, f"{what} is {mac}")
            continue
        seen = first.setdefault(mac, (path, what, owner))
        if seen[0] == path:
            continue
        if owner is not None and seen[2] is not None and ctx.same_pair(owner, seen[2]):
            continue  # an HA pair's units may share a MAC (MAC masquerade on the traffic group)
        yield Finding(DUPLICATE_MAC, path, f"{what} {mac} is already the {seen[1]} ({path_to_str(seen[0])})")


@check(BIGIP_NAMED_LIKE_NODE)
def bigip_node_names(ctx: Context) -> Iterator[Finding]:
    columns = ctx.node_columns
    if columns.enabled and columns.name_set.isdisjoint(bigip.name for bigip in ctx.topology.bigips):
        return
    nodes = {node.name: i for i, node in enumerate(ctx.topology.cluster.nodes)}
    for i, bigip in enumerate(ctx.topology.bigips):
        j = nodes.get(bigip.name)
        if j is not None:
            yield Finding(
                BIGIP_NAMED_LIKE_NODE,
                ("bigips", i, "name"),
                f"BIG-IP name '{bigip.name}' is also the name of node {path_to_str(('cluster', 'nodes', j))}",
            )
