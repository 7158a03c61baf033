"""Facts derived from a topology that more than one layer reads: HA pairs, services per BIG-IP,
and the rules that the checks report and the compiler relies on.

Each is computed here only, so the checks, the compiler (vtepc.state), the graph and the diff
can never disagree about which BIG-IPs form a pair or which services a BIG-IP serves. A rule
the compiler needs (a tunnel per BIG-IP with routing: tunnel, a bgp section and a podCIDR per
node with routing: native, one route domain per service) is a predicate here that the check
reports and the compiler raises on, so "validates" implies "compiles" by construction.
A mode's own rules live in its package the same way (e.g. vtepc.integrations.cilium.versions.is_supported).
"""

from __future__ import annotations

from operator import attrgetter
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


def serves(service: Service, bigip_name: str) -> bool:
    """Whether the BIG-IP serves the service: pinned to it, or with no `bigip` (every BIG-IP)."""
    return service.bigip is None or service.bigip == bigip_name


def services_for_bigip(topology: Topology, bigip_name: str) -> list[Service]:
    """The services one BIG-IP serves."""
    return [s for s in topology.services if serves(s, bigip_name)]


def service_route_domains(topology: Topology, service: Service) -> list[int]:
    """The route domains of the BIG-IPs that serve a service, sorted. One CIS ConfigMap carries one
    virtual address, so more than one is an error (VTEP807 reports it, the compiler refuses it)."""
    return sorted({b.route_domain for b in topology.bigips if serves(service, b.name)})


def bigips_without_tunnel(topology: Topology) -> list[int]:
    """With routing: tunnel, the BIG-IPs that have no tunnel (VTEP505; the compiler refuses them)."""
    if topology.cluster.routing != "tunnel":
        return []
    return [i for i, bigip in enumerate(topology.bigips) if bigip.tunnel is None]


def native_without_bgp(topology: Topology) -> bool:
    """routing: native without a bgp section: the nodes' BIRD has no session (VTEP501; the compiler refuses it)."""
    return topology.cluster.routing == "native" and topology.bgp is None


def native_nodes_without_pod_cidr(topology: Topology) -> list[int]:
    """With routing: native, the nodes with no podCIDR for their BIRD to announce (VTEP508; the compiler refuses them)."""
    nodes = topology.cluster.nodes
    if topology.cluster.routing != "native" or None not in map(attrgetter("pod_cidr"), nodes):
        return []
    return [i for i, node in enumerate(nodes) if node.pod_cidr is None]
