"""Syntax of names, addresses, CIDRs and MACs: every later check relies on these parses."""

from __future__ import annotations

from typing import Iterator

from ..diagnostics import Path, register_code
from ..names import (
    BIGIP_NAME,
    BIRD_SYMBOL,
    CLUSTER_NAME,
    DNS1035_LABEL,
    DNS1123_LABEL,
    DNS1123_SUBDOMAIN,
    F5_NAME,
    IMAGE_REFERENCE,
    METADATA_NAME,
    SERVICE_NAME,
    TUNNEL_NAME,
    NameRule,
)
from . import Context, Finding, check, node_values

BAD_NAME = register_code(
    "VTEP101",
    "error",
    "name not safe for file paths",
    f"use lower-case letters, digits and '-', starting and ending with a letter or digit, at most {METADATA_NAME.max_length} "
    f"characters ({BIGIP_NAME.max_length} for a BIG-IP, {SERVICE_NAME.max_length} for a service: Kubernetes labels carry them)",
)
BAD_IP = register_code(
    "VTEP102",
    "error",
    "invalid IP address",
    "write a plain address such as 10.169.72.239 (no prefix, no %zone suffix)",
)
BAD_CIDR = register_code(
    "VTEP103",
    "error",
    "invalid CIDR",
    "write network/prefix with no host bits set, such as 10.0.0.0/16",
)
BAD_INTERFACE = register_code(
    "VTEP104",
    "error",
    "invalid interface address",
    "write address/prefix, such as 10.1.6.34/24",
)
BAD_MAC = register_code("VTEP105", "error", "invalid MAC address", "write six hex octets separated by colons, such as 00:50:56:a0:7d:d8")
BAD_NODE_NAME = register_code("VTEP106", "error", "invalid Kubernetes node name", DNS1123_SUBDOMAIN.hint)
BAD_F5_NAME = register_code("VTEP107", "error", "invalid BIG-IP object name", F5_NAME.hint)
BAD_K8S_NAME = register_code(
    "VTEP108",
    "error",
    "invalid Kubernetes name",
    "namespaces are DNS-1123 labels, Service names DNS-1035 labels, Secret names DNS-1123 subdomains: "
    "lower-case letters, digits and '-' ('.' too in a subdomain)",
)
BAD_BIRD_NAME = register_code("VTEP109", "error", "BGP peer name is not a BIRD protocol name", BIRD_SYMBOL.hint)
BAD_IMAGE = register_code("VTEP110", "error", "invalid container image reference", IMAGE_REFERENCE.hint)


def _refuse(code: str, rule: NameRule, path: Path, value: str, hint: str = "") -> Iterator[Finding]:
    if not rule.matches(value):
        yield Finding(code, path, f"{value!r} is not {rule.what}", hint or rule.hint)


def _named_fields(ctx: Context, nodes: bool) -> Iterator[tuple[str, NameRule, Path, str]]:
    """(code, rule, path, value) for every name in the topology that reaches an artifact (the nodes' only with `nodes`)."""
    topo = ctx.topology
    yield BAD_NAME, METADATA_NAME, ("metadata", "name"), topo.metadata.name
    yield BAD_NAME, CLUSTER_NAME, ("cluster", "name"), topo.cluster.name
    for i, node in enumerate(topo.cluster.nodes if nodes else ()):
        yield BAD_NODE_NAME, DNS1123_SUBDOMAIN, ("cluster", "nodes", i, "name"), node.name
    for i, bigip in enumerate(topo.bigips):
        base = ("bigips", i)
        yield BAD_NAME, BIGIP_NAME, base + ("name",), bigip.name
        yield BAD_F5_NAME, F5_NAME, base + ("underlay", "vlan"), bigip.underlay.vlan
        if bigip.tunnel is not None:
            yield BAD_F5_NAME, TUNNEL_NAME, base + ("tunnel", "name"), bigip.tunnel.name
            if bigip.tunnel.profile is not None:
                yield BAD_F5_NAME, F5_NAME, base + ("tunnel", "profile"), bigip.tunnel.profile
        if bigip.ha is not None:
            yield BAD_F5_NAME, F5_NAME, base + ("ha", "trafficGroup"), bigip.ha.traffic_group
    if topo.bgp is not None:
        for i, peer in enumerate(topo.bgp.peers):
            yield BAD_BIRD_NAME, BIRD_SYMBOL, ("bgp", "peers", i, "name"), peer.name
    if topo.cis is not None:
        yield BAD_IMAGE, IMAGE_REFERENCE, ("cis", "image"), topo.cis.image
        yield BAD_K8S_NAME, DNS1123_LABEL, ("cis", "namespace"), topo.cis.namespace
        yield BAD_F5_NAME, F5_NAME, ("cis", "partition"), topo.cis.partition
        yield BAD_K8S_NAME, DNS1123_SUBDOMAIN, ("cis", "credentialsSecret"), topo.cis.credentials_secret
    for i, service in enumerate(topo.services):
        base = ("services", i)
        yield BAD_NAME, SERVICE_NAME, base + ("name",), service.name
        yield BAD_K8S_NAME, DNS1123_LABEL, base + ("namespace",), service.namespace
        yield BAD_K8S_NAME, DNS1035_LABEL, base + ("service",), service.service


@check(BAD_NAME, BAD_NODE_NAME, BAD_F5_NAME, BAD_K8S_NAME, BAD_BIRD_NAME, BAD_IMAGE)
def names(ctx: Context) -> Iterator[Finding]:
    node_names_valid = ctx.node_columns.names_match(DNS1123_SUBDOMAIN)
    for code, rule, path, value in _named_fields(ctx, nodes=not node_names_valid):
        yield from _refuse(code, rule, path, value)
    # A DNS-1123 subdomain with its dots made dashes has a label's characters and ends: only its length can fail.
    if node_names_valid and max(map(len, ctx.node_columns.names), default=0) <= METADATA_NAME.max_length:
        return
    if ctx.topology.cluster.routing == "native":
        for i, node in enumerate(ctx.topology.cluster.nodes):
            if DNS1123_SUBDOMAIN.matches(node.name) and not METADATA_NAME.matches(node.name.replace(".", "-")):
                yield Finding(BAD_NAME, ("cluster", "nodes", i, "name"), f"{node.name!r} cannot be used in an output path")


@check(BAD_IP, BAD_CIDR, BAD_INTERFACE, BAD_MAC)
def addresses(ctx: Context) -> Iterator[Finding]:
    topo = ctx.topology
    cluster = topo.cluster
    if ctx.network(cluster.pod_cidr) is None:
        yield Finding(BAD_CIDR, ("cluster", "podCIDR"), f"'{cluster.pod_cidr}' is not a valid CIDR")
    columns = ctx.node_columns
    # the nodes' values are judged one by one only when some is not a dotted quad / IPv4 CIDR / MAC
    fast = columns.ip4 is not None and columns.pods4 is not None and columns.other_ip4 is not None and columns.macs_valid()
    node_ips, pod_spans = (ctx.node_ips, ctx.node_pod_spans) if not fast else ([], [])
    node_addresses, node_macs = ctx.integration.node_addresses, ctx.integration.node_macs
    for i, node in enumerate(cluster.nodes if not fast else ()):
        base: Path = ("cluster", "nodes", i)
        if node_ips[i] is None:
            yield Finding(BAD_IP, base + ("ip",), f"'{node.ip}' is not a valid IP address")
        if node.pod_cidr is not None and pod_spans[i] is None:
            yield Finding(BAD_CIDR, base + ("podCIDR",), f"'{node.pod_cidr}' is not a valid CIDR")
        for key, text in node_values(node, node_addresses):
            if text is not None and ctx.ip(text) is None:
                yield Finding(BAD_IP, base + (key,), f"'{text}' is not a valid IP address")
        for key, text in node_values(node, node_macs):
            if text is not None and ctx.mac(text) is None:
                yield Finding(BAD_MAC, base + (key,), f"'{text}' is not a valid MAC address")
    for i, bigip in enumerate(topo.bigips):
        base = ("bigips", i)
        if ctx.interface(bigip.underlay.self_ip) is None:
            yield Finding(BAD_INTERFACE, base + ("underlay", "selfIP"), f"'{bigip.underlay.self_ip}' is not an address/prefix")
        if bigip.underlay.gateway is not None and ctx.ip(bigip.underlay.gateway) is None:
            yield Finding(BAD_IP, base + ("underlay", "gateway"), f"'{bigip.underlay.gateway}' is not a valid IP address")
        if bigip.tunnel is not None:
            if ctx.interface(bigip.tunnel.self_ip) is None:
                yield Finding(BAD_INTERFACE, base + ("tunnel", "selfIP"), f"'{bigip.tunnel.self_ip}' is not an address/prefix")
            if bigip.tunnel.mac is not None and ctx.mac(bigip.tunnel.mac) is None:
                yield Finding(BAD_MAC, base + ("tunnel", "mac"), f"'{bigip.tunnel.mac}' is not a valid MAC address")
        if bigip.ha is not None:
            for key, value in (("floatingUnderlayIP", bigip.ha.floating_underlay_ip), ("floatingTunnelIP", bigip.ha.floating_tunnel_ip)):
                if value is not None and ctx.interface(value) is None:
                    yield Finding(BAD_INTERFACE, base + ("ha", key), f"'{value}' is not an address/prefix")
    if topo.bgp is not None:
        for i, peer in enumerate(topo.bgp.peers):
            if ctx.ip(peer.address) is None:
                yield Finding(BAD_IP, ("bgp", "peers", i, "address"), f"'{peer.address}' is not a valid IP address")
    for i, service in enumerate(topo.services):
        if ctx.ip(service.virtual_address) is None:
            yield Finding(BAD_IP, ("services", i, "virtualAddress"), f"'{service.virtual_address}' is not a valid IP address")
