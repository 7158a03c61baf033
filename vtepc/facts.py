"""Facts derived from a topology that more than one layer reads: HA pairs, services per BIG-IP.

Each is computed here only, so the checks, the compiler (vtepc.state), the graph and the diff
can never disagree about which BIG-IPs form a pair or which services a BIG-IP serves.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .addresses import IPAddress, parse_interface

if TYPE_CHECKING:
    from .model import Service, Topology


def pair_of(topology: Topology) -> dict[int, IPAddress]:
    """BIG-IP index -> its HA pair's key: the floating underlay address it shares with its peers.

    BIG-IPs without `ha` (or with an unparsable floating address, which the checks report) are in no pair.
    """
    pairs = {}
    for index, bigip in enumerate(topology.bigips):
        floating = parse_interface(bigip.ha.floating_underlay_ip) if bigip.ha is not None else None
        if floating is not None:
            pairs[index] = floating.ip
    return pairs


def ha_pairs(topology: Topology) -> dict[IPAddress, list[int]]:
    """HA pair key -> the indexes of its members, in topology order; pairs in order of their first member."""
    members: dict[IPAddress, list[int]] = {}
    for index, key in pair_of(topology).items():
        members.setdefault(key, []).append(index)
    return members


def services_for_bigip(topology: Topology, bigip_name: str) -> list[Service]:
    """The services one BIG-IP serves: those pinned to it and those with no `bigip` (every BIG-IP)."""
    return [s for s in topology.services if s.bigip is None or s.bigip == bigip_name]
