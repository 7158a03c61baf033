"""Syntax of names, addresses, CIDRs and MACs: every later check relies on these parses."""
from __future__ import annotations

import re
from typing import Iterator

from ..diagnostics import register_code
from ..model import NAME_MAX, NAME_PATTERN
from . import Context, Finding, check

BAD_NAME = register_code(
    "VTEP101", "error", "name not safe for file paths",
    f"use lower-case letters, digits and '-', starting and ending with a letter or digit, at most {NAME_MAX} characters",
)
BAD_IP = register_code("VTEP102", "error", "invalid IP address", "write a plain address such as 10.169.72.239 (no prefix)")
BAD_CIDR = register_code(
    "VTEP103", "error", "invalid CIDR",
    "write network/prefix with no host bits set, such as 10.0.0.0/16",
)
BAD_INTERFACE = register_code(
    "VTEP104", "error", "invalid interface address", "write address/prefix, such as 10.1.6.34/24",
)
BAD_MAC = register_code("VTEP105", "error", "invalid MAC address", "write six hex octets separated by colons, such as 00:50:56:a0:7d:d8")
BAD_NODE_NAME = register_code(
    "VTEP106", "error", "invalid Kubernetes node name",
    "a DNS-1123 subdomain: lower-case letters, digits, '-' and '.', at most 253 characters",
)

_NAME = re.compile(NAME_PATTERN)
_DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


def _path_name(path, value: str) -> Iterator[Finding]:
    if not _NAME.match(value) or len(value) > NAME_MAX:
        yield Finding(BAD_NAME, path, f"'{value}' is not a valid name")


@check(BAD_NAME, BAD_NODE_NAME)
def names(ctx: Context) -> Iterator[Finding]:
    topo = ctx.topology
    yield from _path_name(("metadata", "name"), topo.metadata.name)
    for i, bigip in enumerate(topo.bigips):
        yield from _path_name(("bigips", i, "name"), bigip.name)
    for i, service in enumerate(topo.services):
        yield from _path_name(("services", i, "name"), service.name)
    for i, node in enumerate(topo.cluster.nodes):
        if len(node.name) > 253 or not _DNS1123_SUBDOMAIN.match(node.name):
            yield Finding(BAD_NODE_NAME, ("cluster", "nodes", i, "name"), f"'{node.name}' is not a valid Kubernetes node name")
        elif ctx.topology.cluster.routing == "native" and not _NAME.match(node.name.replace(".", "-")):
            yield Finding(BAD_NAME, ("cluster", "nodes", i, "name"), f"'{node.name}' cannot be used in an output path")


@check(BAD_IP, BAD_CIDR, BAD_INTERFACE, BAD_MAC)
def addresses(ctx: Context) -> Iterator[Finding]:
    topo = ctx.topology
    cluster = topo.cluster
    if ctx.network(cluster.pod_cidr) is None:
        yield Finding(BAD_CIDR, ("cluster", "podCIDR"), f"'{cluster.pod_cidr}' is not a valid CIDR")
    node_ips, pod_spans = ctx.node_ips, ctx.node_pod_spans
    for i, node in enumerate(cluster.nodes):
        base = ("cluster", "nodes", i)
        if node_ips[i] is None:
            yield Finding(BAD_IP, base + ("ip",), f"'{node.ip}' is not a valid IP address")
        if node.pod_cidr is not None and pod_spans[i] is None:
            yield Finding(BAD_CIDR, base + ("podCIDR",), f"'{node.pod_cidr}' is not a valid CIDR")
        if node.public_ip is not None and ctx.ip(node.public_ip) is None:
            yield Finding(BAD_IP, base + ("publicIP",), f"'{node.public_ip}' is not a valid IP address")
        if node.vtep_mac is not None and ctx.mac(node.vtep_mac) is None:
            yield Finding(BAD_MAC, base + ("vtepMAC",), f"'{node.vtep_mac}' is not a valid MAC address")
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
