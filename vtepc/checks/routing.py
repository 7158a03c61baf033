"""routing: tunnel (a BIG-IP tunnel per device) versus native (BIRD/BGP on the nodes, seed 004);
routing: static has its own checks (checks/static_routing.py)."""

from __future__ import annotations

from typing import Iterator

from .. import facts
from ..diagnostics import register_code
from ..model import BIRD
from ..state.speaker import mode_speaker
from . import Context, Finding, check, self_ips
from ._networks import IpValue, ip_value

# RFC 6793 AS_TRANS and the RFC 7300 last ASNs: never a real speaker's ASN.
RESERVED_ASNS = {23456: "AS_TRANS (RFC 6793)", 65535: "reserved (RFC 7300)", 4294967295: "reserved (RFC 7300)"}

NATIVE_WITHOUT_BGP = register_code(
    "VTEP501",
    "error",
    "routing: native without bgp",
    "add a bgp section (asn and peers): with native routing the switches learn every node's pod CIDR over BGP",
)
BGP_WITHOUT_PEERS = register_code(
    "VTEP502",
    "error",
    "bgp has no peers",
    "list the switches the nodes peer with under bgp.peers (name, address, optional asn)",
)
RESERVED_ASN = register_code(
    "VTEP503",
    "error",
    "reserved ASN",
    "use a private ASN (64512-65534 or 4200000000-4294967294) or the one your network assigns",
)
NATIVE_WITHOUT_GATEWAY = register_code(
    "VTEP504",
    "warning",
    "routing: native and no underlay.gateway",
    "set underlay.gateway to the BGP-fed switch so vtepc routes cluster.podCIDR through it",
)
TUNNEL_MISSING = register_code(
    "VTEP505",
    "error",
    "routing: tunnel and a BIG-IP has no tunnel",
    "add a tunnel section (at least selfIP) to every BIG-IP, or use routing: native",
)
BGP_IGNORED = register_code(
    "VTEP506",
    "warning",
    "bgp given with routing: tunnel or static",
    "remove the bgp section, or set routing: native if the nodes announce their pod CIDRs",
)
TUNNEL_IGNORED = register_code(
    "VTEP507",
    "warning",
    "tunnel given with routing: native",
    "remove the tunnel section, or set routing: tunnel",
)
NATIVE_NODE_WITHOUT_POD_CIDR = register_code(
    "VTEP508",
    "error",
    "routing: native and a node has no podCIDR",
    "give every node its podCIDR: it is the route its BIRD announces",
)
NO_FDB_SOURCE = register_code(
    "VTEP509",
    "warning",
    "static FDB on, but no nodes and no CIS",
    "list the nodes under cluster.nodes (`vtepc discover` fills them from the cluster), "
    "or deploy CIS (cis section, staticFDB: false) to keep the FDB",
)


@check(NO_FDB_SOURCE)
def fdb_source(ctx: Context) -> Iterator[Finding]:
    # With an empty FDB the BIG-IP floods its ARP requests to nobody: pods are unreachable.
    topo = ctx.topology
    if topo.cluster.routing != "tunnel" or topo.cluster.nodes or topo.cis is not None:
        return
    for i, bigip in enumerate(topo.bigips):
        if bigip.tunnel is not None and bigip.static_fdb:
            yield Finding(
                # Points at staticFDB when written, else at the BIG-IP (positions fall back to the parent).
                NO_FDB_SOURCE,
                ("bigips", i, "staticFDB"),
                f"BIG-IP '{bigip.name}' compiles static FDB records, but cluster.nodes is empty and no CIS "
                "keeps them: its tunnel FDB stays empty and no pod is reachable",
            )


@check(NATIVE_WITHOUT_BGP, BGP_WITHOUT_PEERS, RESERVED_ASN, BGP_IGNORED)
def bgp(ctx: Context) -> Iterator[Finding]:
    topo = ctx.topology
    if facts.native_without_bgp(topo):
        yield Finding(NATIVE_WITHOUT_BGP, ("cluster", "routing"), "routing is native but the topology has no bgp section")
    if topo.bgp is None:
        return
    if topo.cluster.routing != "native":
        routing = topo.cluster.routing
        yield Finding(BGP_IGNORED, ("bgp",), f"bgp is ignored with routing: {routing} (no BIRD configuration is built)", at_key=True)
        return
    if not topo.bgp.peers and not ctx.partial.lost_entries(("bgp", "peers")):
        yield Finding(BGP_WITHOUT_PEERS, ("bgp",), "routing is native but bgp.peers is empty", at_key=True)
    if topo.bgp.asn in RESERVED_ASNS:
        yield Finding(RESERVED_ASN, ("bgp", "asn"), f"bgp.asn {topo.bgp.asn} is {RESERVED_ASNS[topo.bgp.asn]}")
    for i, peer in enumerate(topo.bgp.peers):
        if peer.asn in RESERVED_ASNS:
            yield Finding(RESERVED_ASN, ("bgp", "peers", i, "asn"), f"peer '{peer.name}' asn {peer.asn} is {RESERVED_ASNS[peer.asn]}")


SPEAKER_WITHOUT_CILIUM = register_code(
    "VTEP513",
    "error",
    "bgp.speaker: cilium without Cilium",
    "use bgp.speaker: bird (BIRD on every node announces its pod CIDR), or run Cilium as the CNI",
)


@check(SPEAKER_WITHOUT_CILIUM)
def speaker(ctx: Context) -> Iterator[Finding]:
    """A speaker other than BIRD is one the topology's mode supplies (Integration.bgp_speakers);
    the mode's own checks judge it further (Cilium's release: VTEP514)."""
    topo = ctx.topology
    if topo.bgp is None or topo.bgp.speaker == BIRD or topo.cluster.routing != "native":
        return
    if mode_speaker(topo) is None:
        yield Finding(
            SPEAKER_WITHOUT_CILIUM, ("bgp", "speaker"), f"bgp.speaker is {topo.bgp.speaker} but the cluster's CNI is {topo.cluster.cni}"
        )


@check(NATIVE_WITHOUT_GATEWAY, TUNNEL_MISSING, TUNNEL_IGNORED, NATIVE_NODE_WITHOUT_POD_CIDR)
def bigip_routing(ctx: Context) -> Iterator[Finding]:
    topo = ctx.topology
    for i in facts.bigips_without_tunnel(topo):
        yield Finding(TUNNEL_MISSING, ("bigips", i), f"BIG-IP '{topo.bigips[i].name}' has no tunnel, but routing is tunnel")
    for i, bigip in enumerate(topo.bigips):
        if topo.cluster.routing != "native":
            continue  # routing: static refuses a tunnel itself (VTEP520) and needs no gateway
        if bigip.tunnel is not None:
            yield Finding(
                TUNNEL_IGNORED,
                ("bigips", i, "tunnel"),
                f"BIG-IP '{bigip.name}' tunnel is ignored with routing: native",
                at_key=True,
            )
        # A warning, not an error: without a gateway vtepc builds no pod route, yet the BIG-IP may
        # still reach the pods through a default route to the same switch or through routing it
        # is given outside vtepc (its own BGP); vtepc cannot tell, so it says what it leaves out.
        if bigip.underlay.gateway is None:
            yield Finding(
                NATIVE_WITHOUT_GATEWAY,
                ("bigips", i, "underlay"),
                f"BIG-IP '{bigip.name}' has no underlay.gateway: no route to cluster.podCIDR "
                f"{topo.cluster.pod_cidr} is built, so pods are reachable only if its existing routes lead there",
                at_key=True,
            )
    for i in facts.native_nodes_without_pod_cidr(topo):
        yield Finding(
            NATIVE_NODE_WITHOUT_POD_CIDR,
            ("cluster", "nodes", i),
            f"node '{topo.cluster.nodes[i].name}' has no podCIDR, so its BIRD has nothing to announce",
        )


PEER_IS_NODE = register_code(
    "VTEP510",
    "error",
    "BGP peer is a node",
    "list the switches (or route reflectors outside the cluster) the nodes peer with: every node's BIRD opens a "
    "session to every bgp.peers address",
)
GATEWAY_OUTSIDE_SUBNET = register_code(
    "VTEP511",
    "error",
    "gateway outside the underlay subnet",
    "set underlay.gateway to a router on the underlay self IP's subnet (not the BIG-IP's own address): "
    "a next hop must be directly reachable",
)


@check(PEER_IS_NODE)
def peers_not_nodes(ctx: Context) -> Iterator[Finding]:
    # bird-<node>.conf gives each node every peer: the node whose IP a peer has would peer with
    # itself, and the others with a BIRD that has no session for them (render/bird.py).
    topo = ctx.topology
    if topo.bgp is None:
        return
    node_ips = ctx.node_columns.ip4_set
    if node_ips is not None and not any(
        (value := ip_value(peer.address)) is not None and value.version == 4 and value.value in node_ips for peer in topo.bgp.peers
    ):
        return  # no peer has a node's IP
    nodes = {value: i for i, value in enumerate(ctx.node_ips) if value is not None}
    for i, peer in enumerate(topo.bgp.peers):
        value = ip_value(peer.address)
        j = None if value is None else nodes.get(value)
        if j is not None:
            yield Finding(
                PEER_IS_NODE,
                ("bgp", "peers", i, "address"),
                f"BGP peer '{peer.name}' address {peer.address} is node '{topo.cluster.nodes[j].name}''s IP",
            )


@check(GATEWAY_OUTSIDE_SUBNET)
def gateways(ctx: Context) -> Iterator[Finding]:
    for i, bigip in enumerate(ctx.topology.bigips):
        gateway = ctx.ip(bigip.underlay.gateway)
        interface = ctx.interface(bigip.underlay.self_ip)
        if gateway is None or interface is None:
            continue
        path = ("bigips", i, "underlay", "gateway")
        own = [interface.ip]
        if bigip.ha is not None and (floating := ctx.interface(bigip.ha.floating_underlay_ip)) is not None:
            own.append(floating.ip)
        if gateway.version == 6 and interface.version == 6 and gateway.is_link_local:
            continue  # IPv6 routers are commonly reached at their link-local address, off the self IP's subnet
        if gateway.version != interface.version or gateway not in interface.network:
            yield Finding(
                GATEWAY_OUTSIDE_SUBNET,
                path,
                f"BIG-IP '{bigip.name}' gateway {gateway} is not in its underlay subnet {interface.network}",
            )
        elif gateway in own:
            yield Finding(GATEWAY_OUTSIDE_SUBNET, path, f"BIG-IP '{bigip.name}' gateway {gateway} is its own underlay address")
        elif (
            gateway.version == 4
            and interface.network.prefixlen < 31
            and gateway in (interface.network.network_address, interface.network.broadcast_address)
        ):
            yield Finding(
                GATEWAY_OUTSIDE_SUBNET,
                path,
                f"BIG-IP '{bigip.name}' gateway {gateway} is the network or broadcast address of {interface.network}",
            )


PEER_IS_BIGIP = register_code(
    "VTEP512",
    "warning",
    "BGP peer is a BIG-IP self IP",
    "apply bgp/peers/<peer>.imish on the BIG-IP (vtepc builds it but does not apply it: BGP must be enabled in the "
    "route domain first), or peer the nodes with the switches and let the BIG-IP route cluster.podCIDR through underlay.gateway",
)


@check(PEER_IS_BIGIP)
def peers_on_bigips(ctx: Context) -> Iterator[Finding]:
    # Peering the nodes with the BIG-IP itself is a design of its own (BGP on the BIG-IP), not
    # a mistake; vtepc renders the BIG-IP's imish half (render/bgp_peers.py) but applies nothing
    # there, and a tunnel self IP is no address the imish sessions are built for.
    topo = ctx.topology
    if topo.bgp is None or topo.cluster.routing != "native":
        return
    owners: dict[IpValue, str] = {}
    for bigip in topo.bigips:
        for self_ip in self_ips(bigip):
            interface = ctx.interface(self_ip.text)
            if interface is not None:
                owners.setdefault(IpValue(interface.version, int(interface.ip)), f"BIG-IP '{bigip.name}' {self_ip.what}")
    for i, peer in enumerate(topo.bgp.peers):
        value = ip_value(peer.address)
        owner = None if value is None else owners.get(value)
        if owner is not None:
            yield Finding(
                PEER_IS_BIGIP,
                ("bgp", "peers", i, "address"),
                f"BGP peer '{peer.name}' address {peer.address} is the {owner}: the nodes would peer with the "
                "BIG-IP, whose BGP vtepc writes (bgp/peers/) but does not apply",
            )
