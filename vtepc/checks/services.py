"""Services (AS3 virtual servers) and the CIS deployment that fills their pools."""
from __future__ import annotations

import difflib
from typing import Iterator

from ..diagnostics import path_to_str, register_code
from . import Context, Finding, check

UNKNOWN_BIGIP = register_code(
    "VTEP801", "error", "service names an unknown BIG-IP",
    "set service.bigip to the name of one of the bigips entries, or remove it to deploy on every BIG-IP",
)
DUPLICATE_VIRTUAL = register_code(
    "VTEP802", "error", "two services listen on the same address and port",
    "give each virtual server on a BIG-IP its own virtualAddress:virtualPort",
)
MONITOR_TIMEOUT = register_code(
    "VTEP803", "warning", "monitor timeout not longer than its interval",
    "F5 recommends timeout = 3 x interval + 1 (interval 5 -> timeout 16), so one lost probe does not mark a member down",
)
CIS_WITHOUT_MANAGEMENT_URL = register_code(
    "VTEP804", "warning", "BIG-IP without managementURL gets no CIS",
    "add managementURL (e.g. https://192.0.2.10) if CIS should manage this BIG-IP: CIS is started with --bigip-url",
)
SERVICES_WITHOUT_CIS = register_code(
    "VTEP805", "warning", "services without cis",
    "add a cis section: CIS is what fills the virtual servers' pools with pod addresses",
)
NODEPORT_WITH_TUNNEL = register_code(
    "VTEP806", "warning", "cis.poolMemberType nodeport with a tunnel",
    "use poolMemberType: cluster to send traffic to pod addresses through the tunnel",
)
SERVICE_ROUTE_DOMAINS = register_code(
    "VTEP807", "error", "service spans BIG-IPs in different route domains",
    "pin the service to one BIG-IP with service.bigip, or put its BIG-IPs in one route domain: "
    "the service's one CIS ConfigMap carries one virtual address (IP%RD)",
)
PINNED_SERVICE_EVERYWHERE = register_code(
    "VTEP808", "warning", "service pinned to one BIG-IP, but every CIS deploys every AS3 ConfigMap",
    "CIS has no ConfigMap filter (only --namespace/--namespace-label): put such services in a namespace only "
    "that BIG-IP's CIS watches, or drop service.bigip",
)


@check(PINNED_SERVICE_EVERYWHERE)
def pinned_services(ctx: Context) -> Iterator[Finding]:
    topo = ctx.topology
    if topo.cis is None:
        return
    with_cis = {b.name for b in topo.bigips if b.management_url is not None}
    for i, service in enumerate(topo.services):
        others = ", ".join(sorted(with_cis - {service.bigip}))
        if service.bigip is not None and others:
            yield Finding(
                PINNED_SERVICE_EVERYWHERE, ("services", i, "bigip"),
                f"service '{service.name}' targets BIG-IP '{service.bigip}', but the CIS of {others} will also "
                "deploy its AS3 ConfigMap",
            )


@check(SERVICE_ROUTE_DOMAINS)
def service_route_domains(ctx: Context) -> Iterator[Finding]:
    bigips = ctx.topology.bigips
    for i, service in enumerate(ctx.topology.services):
        targets = [b for b in bigips if service.bigip is None or b.name == service.bigip]
        domains = sorted({b.route_domain for b in targets})
        if len(domains) > 1:
            yield Finding(
                SERVICE_ROUTE_DOMAINS, ("services", i),
                f"service '{service.name}' is deployed on BIG-IPs in route domains {', '.join(map(str, domains))}",
            )


@check(UNKNOWN_BIGIP, DUPLICATE_VIRTUAL)
def service_targets(ctx: Context) -> Iterator[Finding]:
    topo = ctx.topology
    names = [b.name for b in topo.bigips]
    known = set(names) | ctx.partial.dropped_bigip_names
    listeners: dict[tuple[str, object, int], int] = {}
    for i, service in enumerate(topo.services):
        if service.bigip is not None and service.bigip not in known:
            close = difflib.get_close_matches(service.bigip, names, n=1)
            suggestion = f"; did you mean '{close[0]}'?" if close else f"; BIG-IPs: {', '.join(names)}"
            yield Finding(
                UNKNOWN_BIGIP, ("services", i, "bigip"),
                f"service '{service.name}' names BIG-IP '{service.bigip}', which is not defined{suggestion}",
            )
            continue
        address = ctx.ip(service.virtual_address)
        if address is None:
            continue
        for target in [service.bigip] if service.bigip is not None else names:
            j = listeners.setdefault((target, address, service.virtual_port), i)
            if j != i:
                yield Finding(
                    DUPLICATE_VIRTUAL, ("services", i, "virtualAddress"),
                    f"service '{service.name}' listens on {address}:{service.virtual_port} on BIG-IP '{target}', "
                    f"like service '{topo.services[j].name}' ({path_to_str(('services', j))})",
                )
                break


@check(MONITOR_TIMEOUT)
def monitors(ctx: Context) -> Iterator[Finding]:
    for i, service in enumerate(ctx.topology.services):
        monitor = service.monitor
        if monitor is not None and monitor.timeout <= monitor.interval:
            yield Finding(
                MONITOR_TIMEOUT, ("services", i, "monitor", "timeout"),
                f"service '{service.name}' monitor timeout {monitor.timeout} is not longer than its interval "
                f"{monitor.interval} (suggested: {3 * monitor.interval + 1})",
            )


@check(CIS_WITHOUT_MANAGEMENT_URL, SERVICES_WITHOUT_CIS, NODEPORT_WITH_TUNNEL)
def cis(ctx: Context) -> Iterator[Finding]:
    topo = ctx.topology
    if topo.cis is None:
        if topo.services:
            yield Finding(
                SERVICES_WITHOUT_CIS, ("services",),
                f"{len(topo.services)} service(s) but no cis section: nothing would fill their pools", at_key=True,
            )
        return
    for i, bigip in enumerate(topo.bigips):
        if bigip.management_url is None:
            yield Finding(
                CIS_WITHOUT_MANAGEMENT_URL, ("bigips", i),
                f"BIG-IP '{bigip.name}' has no managementURL, which CIS needs as its --bigip-url: no CIS is "
                "deployed for it, so nothing fills the pools of its services",
            )
    if topo.cis.pool_member_type == "nodeport" and ctx.is_tunnel:
        yield Finding(
            NODEPORT_WITH_TUNNEL, ("cis", "poolMemberType"),
            "cis.poolMemberType is nodeport, so pools hold node ports and the tunnel carries no service traffic "
            "(CIS also rejects nodeport together with --flannel-name/--cilium-name)",
        )
