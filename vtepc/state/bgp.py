"""The peer side of native routing: one BGP session per (peer, node) pair.

With `routing: native` every node's speaker (BIRD, or Cilium's BGP control plane) opens a
session to every `bgp.peers` address; each peer needs the mirror image, one neighbor per node
(seed 004: six nodes and two switches are twelve sessions). vtepc knows both ends, so it
compiles the peer's half here and renders it per peer (render/bgp_peers.py); the session table
(`session_table`) compares the nodes' half with a peer's half as vtepc builds it or as read
from the router, in the spirit of Batfish's BGP session compatibility
(batfish/batfish, questions `bgpSessionCompatibility`: UNIQUE_MATCH, HALF_OPEN, ...).

A peer is a BIG-IP when its address is a BIG-IP's underlay self IP or floating underlay IP
(`peer_bigip`); its configuration is then imish (ZebOS), else a switch's (FRR syntax).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from itertools import repeat
from operator import attrgetter
from typing import TYPE_CHECKING, ClassVar, Literal

from ..addresses import IPAddress, parse_interface, parse_ip
from . import node_origins, objects_from_columns

if TYPE_CHECKING:
    from ..model import Bgp, Bigip, BgpPeer, Topology

SessionStatus = Literal["matched", "half open", "ASN mismatch"]


@dataclass(frozen=True, slots=True)  # slots: one per node and peer, built column by column (state.objects_from_columns)
class BgpSession:
    """One session as the peer must configure it: the node is its neighbor."""

    kind: ClassVar[str] = "bgp/session"
    name: str  # "<peer>/<node>"
    peer: str
    peer_address: str
    peer_asn: int  # the peer's own ASN (router bgp <asn>)
    node: str
    node_address: str
    node_asn: int  # the node's ASN: the peer's remote-as for it
    bigip: str = ""  # the BIG-IP the peer is, or "" for a switch
    route_domain: int = 0  # the BIG-IP's route domain (imish -r)
    origin: str = field(default="", compare=False)


def peer_bigip(topology: "Topology", peer: "BgpPeer") -> "Bigip | None":
    """The BIG-IP whose underlay (or floating underlay) self IP is the peer's address, if any."""
    address = parse_ip(peer.address)
    if address is None:
        return None
    for bigip in topology.bigips:
        own = [bigip.underlay.self_ip] + ([bigip.ha.floating_underlay_ip] if bigip.ha is not None else [])
        for text in own:
            interface = parse_interface(text)
            if interface is not None and interface.ip == address:
                return bigip
    return None


def _nodes_peer(topology: "Topology") -> "Bgp | None":
    """The topology's bgp section when the nodes open sessions to its peers (routing: native)."""
    return topology.bgp if topology.cluster.routing == "native" else None


def peer_addresses(topology: "Topology") -> set[IPAddress]:
    """The addresses the nodes open BGP sessions to (TCP port 179 on each)."""
    bgp = _nodes_peer(topology)
    found = (parse_ip(peer.address) for peer in (bgp.peers if bgp is not None else ()))
    return {address for address in found if address is not None}


def compile_sessions(topology: "Topology") -> list[BgpSession]:
    """Every (peer, node) session of a native-routing topology, peers then nodes in topology order."""
    bgp = _nodes_peer(topology)
    if bgp is None:
        return []
    nodes = topology.cluster.nodes
    names, ips = list(map(attrgetter("name"), nodes)), list(map(attrgetter("ip"), nodes))
    out: list[BgpSession] = []
    for p, peer in enumerate(bgp.peers):  # (a session per node and peer: thousands, built column by column)
        bigip = peer_bigip(topology, peer)
        columns = {
            "name": list(map(f"{peer.name}/".__add__, names)),
            "peer": repeat(peer.name),
            "peer_address": repeat(peer.address),
            "peer_asn": repeat(peer.asn or bgp.asn),
            "node": names,
            "node_address": ips,
            "node_asn": repeat(bgp.asn),
            "bigip": repeat(bigip.name if bigip is not None else ""),
            "route_domain": repeat(bigip.route_domain if bigip is not None else 0),
            "origin": [f"bgp.peers[{p}], {origin}" for origin in node_origins(len(nodes))],
        }
        out += objects_from_columns(BgpSession, len(nodes), columns)
    return out


# --- the session table ------------------------------------------------------------------------


@dataclass(frozen=True)
class PeerConfig:
    """A peer's BGP configuration as read from the router (`parse_peer_config`): its ASN and its
    neighbors (address -> remote-as)."""

    asn: int | None
    neighbors: dict[str, int | None]


@dataclass(frozen=True)
class SessionRow:
    """One row of the session table: both ends as configured, and whether they agree."""

    peer: str
    peer_address: str
    peer_asn: int | None  # the peer's own ASN as its side has it
    node: str  # "" for a neighbor the peer has that is no node of the topology
    node_address: str
    node_asn: int | None
    status: SessionStatus
    detail: str = ""

    def to_json(self) -> dict[str, object]:
        return {
            "peer": self.peer,
            "peer_address": self.peer_address,
            "peer_asn": self.peer_asn,
            "node": self.node,
            "node_address": self.node_address,
            "node_asn": self.node_asn,
            "status": self.status,
            "detail": self.detail,
        }


def _same_address(a: str, b: str) -> bool:
    try:
        return ipaddress.ip_address(a) == ipaddress.ip_address(b)
    except ValueError:
        return a == b


def session_table(topology: "Topology", observed: dict[str, PeerConfig] | None = None) -> list[SessionRow]:
    """One row per (peer, node) pair, then one per neighbor a peer has that is no node.

    The nodes' half is the topology's (each node's speaker is compiled from it). The peer's
    half is `observed[peer name]` when given (a router's configuration), else the half vtepc
    builds, which matches by construction. Statuses: matched (both ends name each other with
    the ASNs the other has), half open (one end has no session for the other), ASN mismatch
    (both ends have the session, but one expects an ASN the other does not have).
    """
    observed = observed or {}
    bgp = topology.bgp
    rows: list[SessionRow] = []
    sessions = compile_sessions(topology)
    if bgp is None:
        return rows
    for peer in bgp.peers:
        seen = observed.get(peer.name)
        mine = [s for s in sessions if s.peer == peer.name]
        for s in mine:
            if seen is None:
                rows.append(SessionRow(s.peer, s.peer_address, s.peer_asn, s.node, s.node_address, s.node_asn, "matched"))
                continue
            remote_as = next((asn for address, asn in seen.neighbors.items() if _same_address(address, s.node_address)), None)
            known = any(_same_address(address, s.node_address) for address in seen.neighbors)
            if not known:
                status: SessionStatus = "half open"
                detail = f"the node's speaker opens a session to {s.peer_address}, but the peer has no neighbor {s.node_address}"
            elif seen.asn != s.peer_asn or remote_as != s.node_asn:
                status = "ASN mismatch"
                detail = (
                    f"the node expects AS {s.peer_asn} at the peer, which runs AS {seen.asn}; "
                    f"the peer expects AS {remote_as} at the node, which runs AS {s.node_asn}"
                )
            else:
                status, detail = "matched", ""
            rows.append(SessionRow(s.peer, s.peer_address, seen.asn, s.node, s.node_address, s.node_asn, status, detail))
        if seen is not None:
            for address, asn in sorted(seen.neighbors.items()):
                if not any(_same_address(address, s.node_address) for s in mine):
                    rows.append(
                        SessionRow(
                            peer.name,
                            peer.address,
                            seen.asn,
                            "",
                            address,
                            asn,
                            "half open",
                            f"the peer has neighbor {address}, which is no node of the topology (a node removed, or another speaker)",
                        )
                    )
    return rows


def parse_peer_config(text: str) -> PeerConfig:
    """The BGP ASN and neighbors of a router's configuration in the industry-standard CLI that
    FRR (`show running-config`), BIG-IP imish/ZebOS and Cisco-like switches share:
    `router bgp <asn>`, `neighbor <address|group> remote-as <asn>`, `neighbor <group> peer-group`,
    `neighbor <address> peer-group <group>` (batfish/batfish, grammar f5_bigip_imish/
    F5BigipImish_bgp.g4 reads BIG-IP imish with exactly these). Everything else is ignored.
    """
    asn: int | None = None
    in_bgp = False
    remote: dict[str, int | None] = {}
    group_of: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        top = not raw[:1].isspace()
        if line.startswith("!"):
            in_bgp = in_bgp and not top  # a comment; unindented, it ends the block (running-config layout)
            continue
        words = line.split()
        if top and words[0] in _TOP_LEVEL:
            in_bgp = words[:2] == ["router", "bgp"] and len(words) >= 3
            if in_bgp:
                asn = _asn(words[2], None)
            continue
        if not in_bgp or words[0] != "neighbor" or len(words) < 4:
            continue
        target, verb, value = words[1], words[2], words[3]
        if verb == "remote-as":
            remote[target] = _asn(value, asn)
        elif verb == "peer-group":
            group_of[target] = value
    neighbors: dict[str, int | None] = {}
    for target in set(remote) | set(group_of):
        if parse_ip(target) is None:
            continue  # a peer group's own line
        neighbors[target] = remote.get(target, remote.get(group_of.get(target, ""), None))
    return PeerConfig(asn, dict(sorted(neighbors.items())))


# Statements that open a block of their own (and so end `router bgp`) in FRR and imish configurations.
_TOP_LEVEL = frozenset({"router", "interface", "line", "end", "exit", "vrf", "route-map", "access-list", "ip", "ipv6", "hostname", "log"})


def _asn(text: str, own: int | None) -> int | None:
    """An ASN in plain (64512) or asdot (1.10) notation; FRR's `internal` is the router's own ASN."""
    if text == "internal":
        return own
    major, dot, minor = text.partition(".")
    if major.isdigit() and (not dot or minor.isdigit()):
        return int(major) * 65536 + int(minor) if dot else int(major)
    return None
