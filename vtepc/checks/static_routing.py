"""routing: static: what breaks CIS's static routes to the nodes (state/static_routes.py has the sources).

CIS (k8s-bigip-ctlr v2.20.2) writes one route per node, `k8s-<node>-<node IP>`, to the node's
pod CIDR with the node's InternalIP as the gateway; the BIG-IP resolves that gateway on a
connected subnet only, and CIS writes it without a route domain.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..addresses import IPNetwork
from ..diagnostics import register_code
from ..state.static_routes import is_static
from . import Context, Finding, check

TUNNEL_WITH_STATIC = register_code(
    "VTEP520",
    "error",
    "tunnel given with routing: static",
    "remove the tunnel section: with routing: static the BIG-IP reaches each pod through CIS's route via the node IP, "
    "and CIS refuses a tunnel name (--flannel-name, --cilium-name) beside --static-routing-mode (k8s-bigip-ctlr main.go)",
)
STATIC_UNSUPPORTED = register_code(
    "VTEP521",
    "error",
    "routing: static for a CNI vtepc has no static routing for",
    "use routing: tunnel, or a cni whose pod CIDRs CIS's --orchestration-cni reads (cilium, flannel)",
)
STATIC_WITHOUT_CIS = register_code(
    "VTEP522",
    "error",
    "routing: static without CIS",
    "add a cis section (partition, credentialsSecret, a managementURL per BIG-IP): CIS writes the route to each node's "
    "pod CIDR (--static-routing-mode), vtepc writes none",
)
STATIC_NOT_CLUSTER_MEMBERS = register_code(
    "VTEP523",
    "error",
    "routing: static with poolMemberType nodeport or nodeportlocal",
    "use poolMemberType: cluster: CIS refuses --static-routing-mode with nodeport pool members (k8s-bigip-ctlr main.go), "
    "and the routes exist to reach the pod addresses",
)
NODE_OFF_LINK = register_code(
    "VTEP524",
    "error",
    "routing: static and a node IP is not on a BIG-IP's underlay subnet",
    "CIS's route to a node's pod CIDR has the node IP as gateway, which the BIG-IP resolves on a connected subnet only: "
    "put the BIG-IP's underlay self IP on the nodes' subnet (or the node on the BIG-IP's), or use routing: native with BGP",
)
STATIC_ROUTE_DOMAIN = register_code(
    "VTEP525",
    "error",
    "routing: static on a BIG-IP in a route domain other than 0",
    "put the BIG-IP's cluster-facing network in route domain 0: CIS writes its static routes with a bare gateway, "
    "without %RD (f5-cccl config_reader.py), so they are not routes of another route domain",
)
STATIC_NODE_WITHOUT_POD_CIDR = register_code(
    "VTEP526",
    "warning",
    "routing: static and a node has no podCIDR",
    "give every node its podCIDR (`vtepc discover` reads it): CIS makes its route from the live node, and vtepc can only "
    "check, trace and diff the routes it knows",
)
CIS_TOO_OLD_FOR_STATIC = register_code(
    "VTEP527",
    "error",
    "routing: static with a CIS release before 2.13",
    "use k8s-bigip-ctlr 2.13 or later: --static-routing-mode and --orchestration-cni first ship in 2.13.0 "
    "(k8s-bigip-ctlr docs/config_examples/StaticRoute/README.md)",
)

CIS_STATIC_FROM = (2, 13)
_IMAGE_TAG_VERSION = re.compile(r":v?(\d+)\.(\d+)(?:\.(\d+))?$")


@check(
    TUNNEL_WITH_STATIC,
    STATIC_UNSUPPORTED,
    STATIC_WITHOUT_CIS,
    STATIC_NOT_CLUSTER_MEMBERS,
    STATIC_ROUTE_DOMAIN,
    STATIC_NODE_WITHOUT_POD_CIDR,
    CIS_TOO_OLD_FOR_STATIC,
)
def static_routing(ctx: Context) -> Iterator[Finding]:
    topo = ctx.topology
    if not is_static(topo):
        return
    if ctx.integration.static_routing is None:
        yield Finding(STATIC_UNSUPPORTED, ("cluster", "routing"), f"cni {topo.cluster.cni} has no static routing in vtepc")
    for i, bigip in enumerate(topo.bigips):
        if bigip.tunnel is not None:
            yield Finding(
                TUNNEL_WITH_STATIC, ("bigips", i, "tunnel"), f"BIG-IP '{bigip.name}' has a tunnel, but routing is static", at_key=True
            )
        if bigip.route_domain != 0:
            yield Finding(
                STATIC_ROUTE_DOMAIN,
                ("bigips", i, "routeDomain"),
                f"BIG-IP '{bigip.name}' faces the nodes in route domain {bigip.route_domain}, but CIS's static routes "
                "and their gateways carry no route domain",
            )
    cis = topo.cis
    if cis is None:
        yield Finding(STATIC_WITHOUT_CIS, ("cluster", "routing"), "routing is static, but no CIS is deployed to write the routes")
    else:
        if cis.pool_member_type != "cluster":
            yield Finding(
                STATIC_NOT_CLUSTER_MEMBERS,
                ("cis", "poolMemberType"),
                f"poolMemberType is {cis.pool_member_type}; CIS runs --static-routing-mode with cluster pool members only",
            )
        match = _IMAGE_TAG_VERSION.search(cis.image)
        if match is not None and (int(match[1]), int(match[2])) < CIS_STATIC_FROM:
            yield Finding(
                CIS_TOO_OLD_FOR_STATIC,
                ("cis", "image"),
                f"{cis.image} is CIS {match[1]}.{match[2]}, which has no --static-routing-mode",
            )
    for i, node in enumerate(topo.cluster.nodes if None in ctx.node_columns.pod_cidrs else ()):
        if node.pod_cidr is None:
            yield Finding(
                STATIC_NODE_WITHOUT_POD_CIDR,
                ("cluster", "nodes", i),
                f"node '{node.name}' has no podCIDR: CIS routes it from the live node, vtepc cannot say where to",
            )


@check(NODE_OFF_LINK)
def nodes_on_link(ctx: Context) -> Iterator[Finding]:
    # The gateway of every CIS route is a node IP (--use-node-internal, default true), resolved by
    # the BIG-IP on a connected subnet: the underlay self IP's (a floating one shares its subnet).
    topo = ctx.topology
    if not is_static(topo):
        return
    subnets = []
    for bigip in topo.bigips:
        interface = ctx.interface(bigip.underlay.self_ip)
        if interface is not None:
            subnets.append((bigip.name, interface.network))
    ips = ctx.node_columns.sorted_ip4
    if ips is not None and all(_holds(network, ips) for _, network in subnets):
        return
    for i, node in enumerate(topo.cluster.nodes):
        ip = ctx.ip(node.ip)
        if ip is None:
            continue
        for name, network in subnets:
            if ip.version != network.version or ip not in network:
                yield Finding(
                    NODE_OFF_LINK,
                    ("cluster", "nodes", i, "ip"),
                    f"node '{node.name}' IP {node.ip} is not on BIG-IP '{name}''s underlay subnet {network}: CIS's route "
                    f"k8s-{node.name}-{node.ip} has a gateway the BIG-IP cannot reach directly",
                )


def _holds(network: IPNetwork, sorted_ips: list[int]) -> bool:
    """Whether the network holds every one of these IPv4 addresses (sorted integers)."""
    if not sorted_ips:
        return True
    return network.version == 4 and int(network.network_address) <= sorted_ips[0] and sorted_ips[-1] <= int(network.broadcast_address)
