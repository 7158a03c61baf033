"""flannel VXLAN: the BIG-IP joins the flannel network as one more node.

Source: the k8s-bigip-ctlr flannel guide (seed 003): the tunnel self IP is an address of
the BIG-IP's own node-sized subnet, written with the flannel Network's mask
(10.244.30.15/16); that subnet becomes the BIG-IP Node's spec.podCIDR, so it must not
collide with any real node's; FDB records carry each node's flannel.1 MAC (VtepMAC).
VTEP951: the BIG-IP reaches a pod only through the static ARP entry CIS creates per pod
(k8s-bigip-ctlr v2.20.2 pkg/vxlan/vxlanMgr.go addArpForPods), and F5's flannel guide (seed 003)
sets `flooding-type none`; flooded ARP reaches nodes that do not answer for pods.
"""

from __future__ import annotations

import ipaddress
from operator import attrgetter
from typing import Iterator

from ...addresses import mac_is_group
from ...checks import Context, Finding, check
from ...checks._networks import NetworkIndex, span_of
from ...checks.addressing import IPV4_REQUIRED
from ...diagnostics import register_code
from .model import FlannelCluster
from .state import node_subnet_size

NOT_VXLAN = register_code(
    "VTEP401",
    "error",
    "flannel integration is VXLAN only",
    "use routing: tunnel and tunnelProtocol: vxlan with cni: flannel (or routing: static: CIS routes to each node, no tunnel)",
)
TUNNEL_OUTSIDE_NETWORK = register_code(
    "VTEP402",
    "error",
    "flannel tunnel self IP outside cluster.podCIDR",
    "pick the tunnel self IP from the flannel Network (cluster.podCIDR), e.g. 10.244.30.15 in 10.244.0.0/16",
)
TUNNEL_MASK = register_code(
    "VTEP403",
    "error",
    "flannel tunnel self IP does not carry the Network's mask",
    "write the tunnel self IP with cluster.podCIDR's prefix length, e.g. 10.244.30.15/16",
)
SUBNET_COLLISION = register_code(
    "VTEP404",
    "error",
    "the BIG-IP's flannel subnet collides with a node's",
    "move the tunnel self IP into a node-sized subnet of cluster.podCIDR that no node (or other BIG-IP) uses",
)
NODE_VTEP_MAC_MISSING = register_code(
    "VTEP405",
    "error",
    "node vtepMAC missing with staticFDB",
    "add the node's flannel.1 MAC (`kubectl get node NAME -o jsonpath='{.metadata.annotations.flannel\\.alpha"
    "\\.coreos\\.com/backend-data}'`), or set staticFDB: false on every BIG-IP when CIS keeps the FDB",
)
FLANNEL_FLOODING = register_code(
    "VTEP951",
    "warning",
    "flannel tunnel flooding is not none",
    "set tunnel.floodingType to none (the default for flannel): pods are reached through CIS's static ARP entries",
)
NODE_SUBNET_SIZES = register_code(
    "VTEP408",
    "error",
    "flannel node pod CIDRs of different sizes",
    "flannel gives every node a subnet of one size (SubnetLen): give every node's podCIDR the same prefix length",
)
FLANNEL_MAC_GROUP = register_code(
    "VTEP407",
    "warning",
    "MAC has the group (multicast) bit set",
    "no interface has a multicast MAC: copy the MAC again from the interface",
)


@check(NOT_VXLAN, mode="flannel")
def flannel_mode(ctx: Context) -> Iterator[Finding]:
    cluster = ctx.topology.cluster
    if cluster.routing == "native":
        yield Finding(NOT_VXLAN, ("cluster", "routing"), f"routing is {cluster.routing}; with flannel the BIG-IP joins over VXLAN")
    elif ctx.is_tunnel and cluster.tunnel_protocol != "vxlan":
        yield Finding(
            NOT_VXLAN, ("cluster", "tunnelProtocol"), f"tunnelProtocol is {cluster.tunnel_protocol}; flannel's backend here is vxlan"
        )


@check(TUNNEL_OUTSIDE_NETWORK, TUNNEL_MASK, SUBNET_COLLISION, mode="flannel")
def flannel_subnets(ctx: Context) -> Iterator[Finding]:
    network = ctx.cluster_pod_network
    if not ctx.is_tunnel or network is None:
        return
    bigips = ctx.topology.bigips
    nodes = ctx.topology.cluster.nodes
    node_prefix, _ = node_subnet_size(ctx.node_pod_prefixlens)
    subnets = []
    for i, bigip in enumerate(bigips):
        interface = ctx.interface(bigip.tunnel.self_ip) if bigip.tunnel is not None else None
        if interface is None:
            continue
        path = ("bigips", i, "tunnel", "selfIP")
        if interface.version != network.version or interface.ip not in network:
            yield Finding(
                TUNNEL_OUTSIDE_NETWORK,
                path,
                f"BIG-IP '{bigip.name}' tunnel self IP {interface.ip} is not inside the flannel Network {network}",
            )
            continue
        if interface.network.prefixlen != network.prefixlen:
            yield Finding(
                TUNNEL_MASK,
                path,
                f"BIG-IP '{bigip.name}' tunnel self IP is a /{interface.network.prefixlen}; flannel needs the "
                f"Network's /{network.prefixlen} ({interface.ip}/{network.prefixlen})",
            )
        if not network.prefixlen <= node_prefix <= interface.max_prefixlen:
            continue  # (a node size of the other IP version: its pod CIDRs are outside the Network, VTEP203)
        subnet = ipaddress.ip_interface((interface.ip, node_prefix)).network
        node = ctx.node_pod_networks.overlapping(span_of(subnet))
        if node is not None:
            yield Finding(
                SUBNET_COLLISION,
                path,
                f"BIG-IP '{bigip.name}' flannel subnet {subnet} (from {interface.ip}) collides with node "
                f"'{nodes[node].name}' pod CIDR {nodes[node].pod_cidr}",
            )
        subnets.append((span_of(subnet), i))
    for pair in NetworkIndex(subnets).overlapping_pairs():
        earlier, later = sorted(pair)
        if not ctx.same_pair(earlier, later):
            yield Finding(
                SUBNET_COLLISION,
                ("bigips", later, "tunnel", "selfIP"),
                f"BIG-IP '{bigips[later].name}' flannel subnet collides with BIG-IP '{bigips[earlier].name}''s: "
                "each BIG-IP node needs its own subnet",
            )


@check(NODE_SUBNET_SIZES, mode="flannel")
def flannel_node_sizes(ctx: Context) -> Iterator[Finding]:
    # The BIG-IP Node's subnet takes the nodes' size, so one odd node makes it ambiguous.
    if not ctx.is_tunnel:
        return  # routing: static: the BIG-IP is no flannel node
    prefixlens = ctx.node_pod_prefixlens
    size, odd = node_subnet_size(prefixlens)
    for i in odd:
        node = ctx.topology.cluster.nodes[i]
        yield Finding(
            NODE_SUBNET_SIZES,
            ("cluster", "nodes", i, "podCIDR"),
            f"node '{node.name}' pod CIDR {node.pod_cidr} is a /{prefixlens[i]}, other nodes' are /{size}",
        )


@check(NODE_VTEP_MAC_MISSING, FLANNEL_MAC_GROUP, mode="flannel")
def flannel_macs(ctx: Context) -> Iterator[Finding]:
    topo = ctx.topology
    static = [b.name for b in topo.bigips if b.static_fdb and b.tunnel is not None]
    nodes = ctx.cluster_as(FlannelCluster).nodes
    if (not static or None not in map(attrgetter("vtep_mac"), nodes)) and ctx.node_columns.no_group_macs():
        nodes = []  # every node has its vtepMAC (or none needs it), and no vtepMAC is a group MAC
    for i, node in enumerate(nodes):
        if node.vtep_mac is None:
            if static:
                yield Finding(
                    NODE_VTEP_MAC_MISSING,
                    ("cluster", "nodes", i),
                    f"node '{node.name}' has no vtepMAC, but BIG-IP '{static[0]}' compiles static FDB records for it",
                )
            continue
        mac = ctx.mac(node.vtep_mac)
        if mac is not None and mac_is_group(mac):
            yield Finding(
                FLANNEL_MAC_GROUP, ("cluster", "nodes", i, "vtepMAC"), f"node '{node.name}' vtepMAC {node.vtep_mac} is a multicast MAC"
            )
    for i, bigip in enumerate(topo.bigips):
        text = bigip.tunnel.mac if bigip.tunnel is not None else None
        mac = ctx.mac(text)
        if mac is not None and mac_is_group(mac):
            yield Finding(
                FLANNEL_MAC_GROUP,
                ("bigips", i, "tunnel", "mac"),
                f"BIG-IP '{bigip.name}' tunnel MAC {text} is a multicast MAC; nodes would send pod traffic to it",
            )


@check(FLANNEL_FLOODING, mode="flannel")
def flannel_flooding(ctx: Context) -> Iterator[Finding]:
    if not ctx.is_tunnel:
        return
    for i, bigip in enumerate(ctx.topology.bigips):
        if bigip.tunnel is not None and bigip.tunnel.flooding_type != "none":
            yield Finding(
                FLANNEL_FLOODING,
                ("bigips", i, "tunnel", "floodingType"),
                f"BIG-IP '{bigip.name}' tunnel floodingType is {bigip.tunnel.flooding_type}; with flannel no node "
                "answers flooded ARP for a pod, CIS's static ARP entries do",
            )


@check(IPV4_REQUIRED, mode="flannel")
def ipv4_public_ip(ctx: Context) -> Iterator[Finding]:
    # The BIG-IP Node's public-ip annotation is its underlay address (the tunnel's local-address).
    if not ctx.is_tunnel:
        return
    for i, bigip in enumerate(ctx.topology.bigips):
        interface = ctx.interface(bigip.underlay.self_ip)
        if interface is not None and interface.version != 4:
            yield Finding(
                IPV4_REQUIRED,
                ("bigips", i, "underlay", "selfIP"),
                f"BIG-IP '{bigip.name}' underlay self IP {interface} is IPv6, but it is the flannel public-ip of an IPv4 VXLAN network",
            )
