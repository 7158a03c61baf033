"""Cilium VTEP integration: what the agent and its datapath require of each BIG-IP.

Sources: Cilium's VTEP guide and pkg/option/config.go validateVTEP (IPv4 endpoints, at most
8 entries: MaxVTEPDevices, the size of cilium_vtep_map), one `vtep-mask` for every CIDR,
VNI 2 = the reserved world identity (bpf/lib/identity.h; WORLD_IPV4_ID, 9, on dual-stack
clusters from 1.15: versions.vtep_vni). The seeds' 01:50:56:A0:7D:D8 has the group bit
set. pkg/datapath/vtep/vtep_manager.go deletes every VTEP route when the L7 proxy is off.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from ...addresses import IPInterface, mac_is_group
from ...checks import Context, Finding, check, self_ips
from ...checks._networks import NetworkIndex, span_of
from ...checks.addressing import VTEP_CIDR_HOLDS_UNDERLAY, underlay_address_in
from ...diagnostics import Path, register_code
from ...model import GENEVE_PORT, VXLAN_PORT
from .model import CILIUM_DUAL_STACK_VNI, CILIUM_VNI, CiliumCluster
from .state import mask_mismatches
from .versions import WORLD_IPV4_SPLIT_FROM_MINOR, vtep_vni

MAX_VTEPS = 8
# The self IPs Cilium's VTEP settings are made of, and what each becomes there.
VTEP_ROLES: dict[Path, str] = {
    ("underlay", "selfIP"): "VTEP endpoint (underlay self IP)",
    ("ha", "floatingUnderlayIP"): "VTEP endpoint (floating underlay IP)",
    ("tunnel", "selfIP"): "VTEP CIDR (tunnel self IP)",
}

WRONG_VNI = register_code(
    "VTEP301",
    "error",
    "VNI is not Cilium's world identity",
    f"remove tunnel.vni (the default is the world identity: {CILIUM_VNI}, or {CILIUM_DUAL_STACK_VNI} on a "
    f"dual-stack cluster from Cilium 1.{WORLD_IPV4_SPLIT_FROM_MINOR}) or set it to that value",
)
DUAL_STACK_VNI_UNKNOWN = register_code(
    "VTEP302",
    "error",
    "dual-stack VTEP on a Cilium release whose VTEP VNI is not proven",
    f"from Cilium 1.{WORLD_IPV4_SPLIT_FROM_MINOR} a dual-stack agent tags VTEP traffic with WORLD_IPV4_ID "
    f"({CILIUM_DUAL_STACK_VNI}, cilium PR 22625); for older releases vtepc cannot tell which patch releases "
    f"carry that change: upgrade to 1.{WORLD_IPV4_SPLIT_FROM_MINOR} or later, or use ipFamilies: [ipv4]",
)
NATIVE_IPAM_UNSTATED = register_code(
    "VTEP320",
    "warning",
    "native or static routing without cluster.ipam",
    "vtepc leaves ipam.mode to the cluster (never change it on a live cluster: Cilium's IPAM docs), so every "
    "cluster.nodes[].podCIDR must be the CIDR Cilium really gives that node (Node.spec.podCIDR with ipam "
    "kubernetes, CiliumNode spec.ipam.podCIDRs with cluster-pool): state the cluster's mode as cluster.ipam "
    "(kubernetes | cluster-pool) and vtepc sets exactly that",
)
L7_PROXY_OFF = register_code(
    "VTEP321",
    "error",
    "l7Proxy: false with VTEP",
    "remove cluster.l7Proxy or set it to true: with the L7 proxy off the Cilium agent deletes every VTEP route "
    "(pkg/datapath/vtep/vtep_manager.go) and pods cannot reach the BIG-IP",
)
VTEP_CIDR_IN_POD_NETWORK = register_code(
    "VTEP303",
    "error",
    "VTEP CIDR overlaps the pod network",
    "the BIG-IP tunnel subnet must lie outside cluster.podCIDR and every node's pod CIDR "
    "(pod network 10.0.0.0/16 -> tunnel subnet such as 10.1.6.0/24)",
)
VTEP_CIDRS_OVERLAP = register_code(
    "VTEP304",
    "error",
    "VTEP CIDRs of two BIG-IPs overlap",
    "give every BIG-IP (or HA pair) its own tunnel subnet; Cilium routes each VTEP CIDR to one endpoint",
)
VTEP_MASK_MISMATCH = register_code(
    "VTEP305",
    "error",
    "VTEP CIDRs have different prefix lengths",
    "Cilium has a single vtep-mask for all VTEP CIDRs: use the same prefix length on every tunnel self IP",
)
TOO_MANY_VTEPS = register_code(
    "VTEP306",
    "error",
    "more than 8 VTEPs",
    f"Cilium's VTEP map holds {MAX_VTEPS} entries (an HA pair is one): split the BIG-IPs across clusters",
)
VTEP_NOT_IPV4 = register_code(
    "VTEP307",
    "error",
    "VTEP endpoint or CIDR is not IPv4",
    "Cilium accepts only IPv4 vtep-endpoint and vtep-cidr values: use IPv4 underlay and tunnel self IPs",
)
FLOODING_NOT_MULTIPOINT = register_code(
    "VTEP308",
    "error",
    "tunnel flooding is not multipoint",
    "set tunnel.floodingType to multipoint (the default for cilium) so ARP for pod addresses reaches every node",
)
VTEP_MAC_GROUP = register_code(
    "VTEP309",
    "warning",
    "VTEP MAC has the group (multicast) bit set",
    "no interface has a multicast MAC: copy the tunnel's MAC again (the docs' 01:50:56:A0:7D:D8 is a typo for 00:50:56:a0:7d:d8)",
)
CILIUM_VERSION_MISSING = register_code(
    "VTEP310",
    "error",
    "cluster.ciliumVersion is missing",
    'add ciliumVersion: "1.16.19" (your release): it selects the Helm/ConfigMap keys and the version lints',
)
PORT_OF_OTHER_PROTOCOL = register_code(
    "VTEP312",
    "warning",
    "tunnelPort is the other protocol's port",
    f"vxlan uses {VXLAN_PORT} and geneve {GENEVE_PORT}: check tunnelProtocol and tunnelPort agree with Cilium's",
)


@dataclass(frozen=True)
class Vtep:
    """One entry of Cilium's VTEP map: a lone BIG-IP, or the first member of an HA pair."""

    bigip: int
    cidr_source: IPInterface  # the tunnel self IP whose network is the VTEP CIDR


def _vteps(ctx: Context) -> list[Vtep]:
    vteps = []
    seen_pairs = set()
    for i, bigip in enumerate(ctx.topology.bigips):
        if bigip.tunnel is None:
            continue
        interface = ctx.interface(bigip.tunnel.self_ip)
        if interface is None:
            continue
        pair = ctx.pair_of.get(i)
        if pair is not None:
            if pair in seen_pairs:
                continue
            seen_pairs.add(pair)
        vteps.append(Vtep(i, interface))
    return vteps


@check(CILIUM_VERSION_MISSING, mode="cilium")
def cilium_version_given(ctx: Context) -> Iterator[Finding]:
    if ctx.cluster_as(CiliumCluster).cilium_version is None:
        yield Finding(CILIUM_VERSION_MISSING, ("cluster",), "cluster.ciliumVersion is required with cni: cilium", at_key=True)


@check(WRONG_VNI, DUAL_STACK_VNI_UNKNOWN, FLOODING_NOT_MULTIPOINT, VTEP_MAC_GROUP, mode="cilium")
def tunnel_settings(ctx: Context) -> Iterator[Finding]:
    if not ctx.is_tunnel:
        return
    cluster = ctx.cluster_as(CiliumCluster)
    expected = vtep_vni(cluster)
    if expected is None and cluster.cilium_version is not None and any(b.tunnel is not None for b in ctx.topology.bigips):
        yield Finding(
            DUAL_STACK_VNI_UNKNOWN,
            ("cluster", "ipFamilies"),
            f"ipFamilies is dual-stack with Cilium {cluster.cilium_version}: which VNI its agent sends to a VTEP "
            f"({CILIUM_VNI} or WORLD_IPV4_ID {CILIUM_DUAL_STACK_VNI}) is proven only from 1.{WORLD_IPV4_SPLIT_FROM_MINOR}",
        )
    for i, bigip in enumerate(ctx.topology.bigips):
        tunnel = bigip.tunnel
        if tunnel is None:
            continue
        base = ("bigips", i, "tunnel")
        if expected is not None and tunnel.vni != expected:
            why = "WORLD_IPV4_ID on a dual-stack cluster" if expected == CILIUM_DUAL_STACK_VNI else "the world identity"
            yield Finding(
                WRONG_VNI,
                base + ("vni",),
                f"BIG-IP '{bigip.name}' tunnel VNI is {tunnel.vni}; Cilium {cluster.cilium_version} sends VTEP "
                f"traffic with VNI {expected} ({why})",
            )
        if tunnel.flooding_type != "multipoint":
            yield Finding(
                FLOODING_NOT_MULTIPOINT,
                base + ("floodingType",),
                f"BIG-IP '{bigip.name}' tunnel floodingType is {tunnel.flooding_type}; Cilium VTEP needs multipoint",
            )
        mac = ctx.mac(tunnel.mac)
        if mac is not None and mac_is_group(mac):
            yield Finding(
                VTEP_MAC_GROUP,
                base + ("mac",),
                f"BIG-IP '{bigip.name}' tunnel MAC {tunnel.mac} has the group bit set; Cilium would send pod traffic to a multicast MAC",
            )


@check(NATIVE_IPAM_UNSTATED, L7_PROXY_OFF, mode="cilium")
def cluster_values(ctx: Context) -> Iterator[Finding]:
    cluster = ctx.cluster_as(CiliumCluster)
    if cluster.routing == "native" and cluster.ipam is None:
        yield Finding(
            NATIVE_IPAM_UNSTATED,
            ("cluster", "routing"),
            "routing: native announces each node's cluster.nodes[].podCIDR, but the topology does not say "
            "which IPAM mode gives the nodes their pod CIDRs; vtepc does not set ipam.mode",
        )
    if cluster.routing == "static" and cluster.ipam is None:
        # The agent annotates the node with its one IPv4 allocation CIDR (annotateK8sNode), which
        # the kubernetes and cluster-pool modes give; multi-pool, eni, azure and alibabacloud give
        # no per-node CIDR, so CIS (--orchestration-cni=cilium-k8s) finds no annotation and adds no route.
        yield Finding(
            NATIVE_IPAM_UNSTATED,
            ("cluster", "routing"),
            "routing: static needs one pod CIDR per node in the annotation CIS reads, but the topology does not "
            "say which IPAM mode the cluster runs (kubernetes and cluster-pool give one; multi-pool, eni, azure do not)",
        )
    if ctx.is_tunnel and cluster.l7_proxy is False:
        yield Finding(
            L7_PROXY_OFF,
            ("cluster", "l7Proxy"),
            "l7Proxy is false, but the Cilium agent keeps VTEP routes only while the L7 proxy is enabled",
        )


@check(VTEP_NOT_IPV4, mode="cilium")
def ipv4_vteps(ctx: Context) -> Iterator[Finding]:
    if not ctx.is_tunnel:
        return
    for i, bigip in enumerate(ctx.topology.bigips):
        for self_ip in self_ips(bigip):
            role = VTEP_ROLES.get(self_ip.path)
            interface = ctx.interface(self_ip.text)
            if role is not None and interface is not None and interface.version != 4:
                yield Finding(VTEP_NOT_IPV4, ("bigips", i) + self_ip.path, f"BIG-IP '{bigip.name}' {role} {self_ip.text} is IPv6")


@check(VTEP_CIDR_IN_POD_NETWORK, VTEP_CIDRS_OVERLAP, VTEP_MASK_MISMATCH, TOO_MANY_VTEPS, mode="cilium")
def vtep_cidrs(ctx: Context) -> Iterator[Finding]:
    if not ctx.is_tunnel:
        return
    bigips = ctx.topology.bigips
    nodes = ctx.topology.cluster.nodes
    vteps = _vteps(ctx)
    pod_net = ctx.cluster_pod_network
    for vtep in vteps:
        cidr = vtep.cidr_source.network
        path = ("bigips", vtep.bigip, "tunnel", "selfIP")
        name = bigips[vtep.bigip].name
        if pod_net is not None and cidr.version == pod_net.version and cidr.overlaps(pod_net):
            yield Finding(
                VTEP_CIDR_IN_POD_NETWORK,
                path,
                f"BIG-IP '{name}' VTEP CIDR {cidr} overlaps cluster.podCIDR {pod_net}",
            )
            continue
        node = ctx.node_pod_networks.overlapping(span_of(cidr))
        if node is not None:
            yield Finding(
                VTEP_CIDR_IN_POD_NETWORK,
                path,
                f"BIG-IP '{name}' VTEP CIDR {cidr} overlaps node '{nodes[node].name}' pod CIDR {nodes[node].pod_cidr}",
            )
    index = NetworkIndex((span_of(vtep.cidr_source.network), vtep) for vtep in vteps)
    for pair in index.overlapping_pairs():
        earlier, later = sorted(pair, key=lambda vtep: vtep.bigip)
        yield Finding(
            VTEP_CIDRS_OVERLAP,
            ("bigips", later.bigip, "tunnel", "selfIP"),
            f"BIG-IP '{bigips[later.bigip].name}' VTEP CIDR {later.cidr_source.network} overlaps BIG-IP "
            f"'{bigips[earlier.bigip].name}' VTEP CIDR {earlier.cidr_source.network}",
        )
    for position in mask_mismatches([vtep.cidr_source.network.prefixlen for vtep in vteps]):
        vtep, reference = vteps[position], vteps[0]
        yield Finding(
            VTEP_MASK_MISMATCH,
            ("bigips", vtep.bigip, "tunnel", "selfIP"),
            f"BIG-IP '{bigips[vtep.bigip].name}' VTEP CIDR {vtep.cidr_source.network} is a "
            f"/{vtep.cidr_source.network.prefixlen}, but BIG-IP '{bigips[reference.bigip].name}' has "
            f"{reference.cidr_source.network} (/{reference.cidr_source.network.prefixlen})",
        )
    if len(vteps) > MAX_VTEPS:
        extra = vteps[MAX_VTEPS]
        yield Finding(
            TOO_MANY_VTEPS,
            ("bigips", extra.bigip),
            f"{len(vteps)} VTEPs (BIG-IP '{bigips[extra.bigip].name}' is number {MAX_VTEPS + 1}); Cilium supports at most {MAX_VTEPS}",
        )


# A Geneve port other than 6081 is fine: the built-in profile's port is fixed, so the BIG-IP
# side then creates a geneve profile of its own with that port (state/bigip.py).
@check(PORT_OF_OTHER_PROTOCOL, mode="cilium")
def tunnel_port(ctx: Context) -> Iterator[Finding]:
    if not ctx.is_tunnel:
        return
    cluster = ctx.topology.cluster
    port = cluster.tunnel_port
    other = {"vxlan": GENEVE_PORT, "geneve": VXLAN_PORT}[cluster.tunnel_protocol]
    if port == other:
        yield Finding(
            PORT_OF_OTHER_PROTOCOL,
            ("cluster", "tunnelPort"),
            f"tunnelPort {port} is the {'geneve' if other == GENEVE_PORT else 'vxlan'} port, "
            f"but tunnelProtocol is {cluster.tunnel_protocol}",
        )


PAIR_MACS_DIFFER = register_code(
    "VTEP707",
    "warning",
    "HA pair tunnels have different MACs (Cilium keeps one per VTEP)",
    "give both units' tunnels the same MAC (e.g. MAC masquerade on the traffic group) and test a failover; "
    "otherwise update the pair's tunnel mac in the topology and rebuild after each failover",
)


@check(PAIR_MACS_DIFFER, mode="cilium")
def pair_tunnel_macs(ctx: Context) -> Iterator[Finding]:
    # The pair is one VTEP entry (shared endpoint and CIDR) with one vtep-mac: after a failover
    # pods still encapsulate to the previous unit's MAC, which the new active unit does not own.
    if not ctx.is_tunnel:
        return
    bigips = ctx.topology.bigips
    for members in ctx.pair_members.values():
        macs = {i: ctx.mac(tunnel.mac) for i in members if (tunnel := bigips[i].tunnel) is not None}
        known = {i: mac for i, mac in macs.items() if mac is not None}
        if len(set(known.values())) > 1:
            first, *others = sorted(known)
            for i in others:
                if known[i] != known[first]:
                    yield Finding(
                        PAIR_MACS_DIFFER,
                        ("bigips", i, "tunnel", "mac"),
                        f"BIG-IP '{bigips[i].name}' tunnel MAC {known[i]} differs from its pair member "
                        f"'{bigips[first].name}''s {known[first]}; Cilium's vtep-mac for the pair is {known[first]}",
                    )


@check(VTEP_CIDR_HOLDS_UNDERLAY, mode="cilium")
def vtep_cidr_outside_underlay(ctx: Context) -> Iterator[Finding]:
    # (With flannel the BIG-IP's tunnel network is the pod network: VTEP208.)
    if not ctx.is_tunnel:
        return
    bigips = ctx.topology.bigips
    underlay_nets = [(interface.network, i) for i, b in enumerate(bigips) if (interface := ctx.interface(b.underlay.self_ip)) is not None]
    for i, bigip in enumerate(bigips):
        interface = ctx.interface(bigip.tunnel.self_ip) if bigip.tunnel is not None else None
        if interface is None:
            continue
        cidr = interface.network
        path = ("bigips", i, "tunnel", "selfIP")
        held = next(((net, j) for net, j in underlay_nets if span_of(cidr).contains(span_of(net))), None)
        if held is not None:
            yield Finding(
                VTEP_CIDR_HOLDS_UNDERLAY,
                path,
                f"BIG-IP '{bigip.name}' VTEP CIDR {cidr} contains BIG-IP '{bigips[held[1]].name}''s underlay network {held[0]}",
            )
            continue
        inside = underlay_address_in(ctx, span_of(cidr))
        if inside is not None:
            text, what = inside
            yield Finding(VTEP_CIDR_HOLDS_UNDERLAY, path, f"BIG-IP '{bigip.name}' VTEP CIDR {cidr} contains the {what} {text}")
