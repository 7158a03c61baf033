"""Services (AS3 virtual servers) and the CIS deployment that fills their pools."""

from __future__ import annotations

import difflib
import re
from typing import Iterator, Mapping
from urllib.parse import urlsplit

from ..addresses import parse_ip
from .. import facts
from ..diagnostics import path_to_str, register_code
from ..state.as3 import as3_declaration
from . import Context, Finding, check, self_ips
from ._networks import IpValue, ip_value

# f5-appsvcs-extension 3.56.0: src/lib/constants.js MAX_PATH_LENGTH, enforced by
# src/lib/postValidator.js validatePathLengths (the JSON schema alone does not check it).
AS3_MAX_PATH = 195

UNKNOWN_BIGIP = register_code(
    "VTEP801",
    "error",
    "service names an unknown BIG-IP",
    "set service.bigip to the name of one of the bigips entries, or remove it to deploy on every BIG-IP",
)
DUPLICATE_VIRTUAL = register_code(
    "VTEP802",
    "error",
    "two services listen on the same address and port",
    "give each virtual server on a BIG-IP its own virtualAddress:virtualPort",
)
MONITOR_TIMEOUT = register_code(
    "VTEP803",
    "warning",
    "monitor timeout not longer than its interval",
    "F5 recommends timeout = 3 x interval + 1 (interval 5 -> timeout 16), so one lost probe does not mark a member down",
)
CIS_WITHOUT_MANAGEMENT_URL = register_code(
    "VTEP804",
    "warning",
    "BIG-IP without managementURL gets no CIS",
    "add managementURL (e.g. https://192.0.2.10) if CIS should manage this BIG-IP: CIS is started with --bigip-url",
)
SERVICES_WITHOUT_CIS = register_code(
    "VTEP805",
    "warning",
    "services without cis",
    "add a cis section: CIS is what fills the virtual servers' pools with pod addresses",
)
NODEPORT_WITH_TUNNEL = register_code(
    "VTEP806",
    "warning",
    "cis.poolMemberType nodeport with a tunnel",
    "use poolMemberType: cluster to send traffic to pod addresses through the tunnel",
)
SERVICE_ROUTE_DOMAINS = register_code(
    "VTEP807",
    "error",
    "service spans BIG-IPs in different route domains",
    "pin the service to one BIG-IP with service.bigip, or put its BIG-IPs in one route domain: "
    "the service's one CIS ConfigMap carries one virtual address (IP%RD)",
)
PINNED_SERVICE_EVERYWHERE = register_code(
    "VTEP808",
    "warning",
    "service pinned to one BIG-IP, but every CIS deploys every AS3 ConfigMap",
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
                PINNED_SERVICE_EVERYWHERE,
                ("services", i, "bigip"),
                f"service '{service.name}' targets BIG-IP '{service.bigip}', but the CIS of {others} will also deploy its AS3 ConfigMap",
            )


@check(SERVICE_ROUTE_DOMAINS)
def service_route_domains(ctx: Context) -> Iterator[Finding]:
    for i, service in enumerate(ctx.topology.services):
        domains = facts.service_route_domains(ctx.topology, service)
        if len(domains) > 1:
            yield Finding(
                SERVICE_ROUTE_DOMAINS,
                ("services", i),
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
                UNKNOWN_BIGIP,
                ("services", i, "bigip"),
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
                    DUPLICATE_VIRTUAL,
                    ("services", i, "virtualAddress"),
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
                MONITOR_TIMEOUT,
                ("services", i, "monitor", "timeout"),
                f"service '{service.name}' monitor timeout {monitor.timeout} is not longer than its interval "
                f"{monitor.interval} (suggested: {3 * monitor.interval + 1})",
            )


@check(CIS_WITHOUT_MANAGEMENT_URL, SERVICES_WITHOUT_CIS, NODEPORT_WITH_TUNNEL)
def cis(ctx: Context) -> Iterator[Finding]:
    topo = ctx.topology
    if topo.cis is None:
        if topo.services:
            yield Finding(
                SERVICES_WITHOUT_CIS,
                ("services",),
                f"{len(topo.services)} service(s) but no cis section: nothing would fill their pools",
                at_key=True,
            )
        return
    for i, bigip in enumerate(topo.bigips):
        if bigip.management_url is None:
            yield Finding(
                CIS_WITHOUT_MANAGEMENT_URL,
                ("bigips", i),
                f"BIG-IP '{bigip.name}' has no managementURL, which CIS needs as its --bigip-url: no CIS is "
                "deployed for it, so nothing fills the pools of its services",
            )
    if topo.cis.pool_member_type == "nodeport" and ctx.is_tunnel:
        yield Finding(
            NODEPORT_WITH_TUNNEL,
            ("cis", "poolMemberType"),
            "cis.poolMemberType is nodeport, so pools hold node ports and the tunnel carries no service traffic "
            "(CIS also rejects nodeport together with --flannel-name/--cilium-name)",
        )


VIP_IS_HOST_ADDRESS = register_code(
    "VTEP809",
    "error",
    "virtual address is a node IP or a BIG-IP self IP",
    "give the virtual server an address of its own: the BIG-IP answers ARP for a virtual address, so it would "
    "take a node's IP away from the node, or clash with its own self IP",
)
SERVICE_SELECTED_TWICE = register_code(
    "VTEP810",
    "error",
    "two services use one Kubernetes Service",
    "point each service at its own Kubernetes Service (namespace/service): CIS finds a pool's pods through the "
    "cis.f5.com/as3-tenant/-app/-pool labels, and one Service carries one value of each",
)
AS3_PATH_TOO_LONG = register_code(
    "VTEP811",
    "error",
    "AS3 object path longer than AS3 allows",
    f"shorten the service name (or metadata.name): AS3 refuses an object path /tenant/application/object longer than "
    f"{AS3_MAX_PATH} characters, and vtepc's tenant is vtepc_<metadata.name>_<service name> (at most 63 characters)",
)
BAD_MANAGEMENT_URL = register_code(
    "VTEP812",
    "error",
    "managementURL is not a plain https URL",
    "write https://HOST or https://HOST:PORT and nothing else; credentials come from the environment "
    "(VTEPC_BIGIP_USERNAME / VTEPC_BIGIP_PASSWORD) and, for CIS, from cis.credentialsSecret",
)

_DNS_NAME = re.compile(r"[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?(\.[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?)*\.?")


@check(VIP_IS_HOST_ADDRESS)
def virtual_addresses(ctx: Context) -> Iterator[Finding]:
    topo = ctx.topology
    hosts: dict[IpValue, str] = {}
    node_ips = ctx.node_columns.ip4_set
    virtual = [ip_value(service.virtual_address) for service in topo.services]
    if node_ips is None or any(value is not None and value.version == 4 and value.value in node_ips for value in virtual):
        for node, value in zip(topo.cluster.nodes, ctx.node_ips):
            if value is not None:
                hosts.setdefault(value, f"node '{node.name}' IP")
    # else no virtual address is a node's: the BIG-IPs' addresses are the only hosts to name
    for bigip in topo.bigips:
        for self_ip in self_ips(bigip):
            interface = ctx.interface(self_ip.text)
            if interface is not None:
                hosts.setdefault(IpValue(interface.version, int(interface.ip)), f"BIG-IP '{bigip.name}' {self_ip.what}")
    for i, (service, value) in enumerate(zip(topo.services, virtual)):
        owner = None if value is None else hosts.get(value)
        if owner is not None:
            yield Finding(
                VIP_IS_HOST_ADDRESS,
                ("services", i, "virtualAddress"),
                f"service '{service.name}' virtualAddress {service.virtual_address} is the {owner}",
            )


@check(SERVICE_SELECTED_TWICE)
def kubernetes_services(ctx: Context) -> Iterator[Finding]:
    # The port does not matter: the labels sit on the Service object (README, "Service labels for CIS discovery").
    first: dict[tuple[str, str], int] = {}
    services = ctx.topology.services
    for i, service in enumerate(services):
        j = first.setdefault((service.namespace, service.service), i)
        if j != i:
            yield Finding(
                SERVICE_SELECTED_TWICE,
                ("services", i, "service"),
                f"service '{service.name}' uses Kubernetes Service {service.namespace}/{service.service}, like service "
                f"'{services[j].name}' ({path_to_str(('services', j))}): CIS fills only the pool the Service's labels name",
            )


def as3_paths(declaration: Mapping[str, object]) -> Iterator[str]:
    """Every /tenant/application/object path of an AS3 declaration, as AS3's validatePathLengths walks them
    (f5-appsvcs-extension 3.56.0 src/lib/postValidator.js: objects with a class in Applications in Tenants)."""
    for tenant_name, tenant in declaration.items():
        if not (isinstance(tenant, dict) and tenant.get("class") == "Tenant"):
            continue
        for app_name, app in tenant.items():
            if not (isinstance(app, dict) and app.get("class") == "Application"):
                continue
            for item_name, item in app.items():
                if isinstance(item, dict) and "class" in item:
                    yield f"/{tenant_name}/{app_name}/{item_name}"


@check(AS3_PATH_TOO_LONG)
def as3_path_lengths(ctx: Context) -> Iterator[Finding]:
    topo = ctx.topology
    for i, service in enumerate(topo.services):
        longest = max(as3_paths(as3_declaration(topo, [service])["declaration"]), key=len)
        if len(longest) > AS3_MAX_PATH:
            yield Finding(
                AS3_PATH_TOO_LONG,
                ("services", i, "name"),
                f"service '{service.name}' becomes the AS3 object {longest} ({len(longest)} characters); "
                f"AS3 refuses paths longer than {AS3_MAX_PATH}",
            )


def management_url_problem(text: str) -> str | None:
    """What is wrong with a managementURL, or None; never repeats credentials the URL may carry."""
    if any(ch.isspace() or not ch.isprintable() for ch in text):
        return "holds whitespace or control characters"
    try:
        parts = urlsplit(text)
        port = parts.port  # ValueError for a port that is not a number in 0-65535
    except ValueError:
        return "is not a valid URL"
    if parts.scheme.lower() != "https":
        return f"uses {parts.scheme or 'no scheme'}, not https" + (
            ": the BIG-IP's credentials would cross the network in clear text" if parts.scheme.lower() == "http" else ""
        )
    if "@" in parts.netloc:
        return "carries credentials (user:password@)"
    if "?" in text or "#" in text:
        return "has a query or a fragment"
    if parts.path not in ("", "/"):
        return f"has a path ({parts.path}); CIS and vtepc add the REST paths themselves"
    host = parts.hostname or ""
    if parse_ip(host) is None and ("%" in host or len(host) > 253 or not _DNS_NAME.fullmatch(host)):
        return "has no valid host name or address"
    if port == 0:
        return "has port 0"
    return None


@check(BAD_MANAGEMENT_URL)
def management_urls(ctx: Context) -> Iterator[Finding]:
    for i, bigip in enumerate(ctx.topology.bigips):
        url = bigip.management_url
        problem = management_url_problem(url) if url is not None else None
        if problem is not None:
            yield Finding(BAD_MANAGEMENT_URL, ("bigips", i, "managementURL"), f"BIG-IP '{bigip.name}' managementURL {problem}")
