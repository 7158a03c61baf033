"""AS3 declarations for the topology's services: the one place services become AS3.

Signature (shared with the Kubernetes side, which wraps the same declaration into the CIS
ConfigMap kubernetes/as3-<service>.yaml):

    as3_declaration(topology, services, *, route_domain=0, label="") -> dict
        topology      the resolved topology (names the tenants)
        services      the topology Service objects to declare, each in its own Tenant, in order
        route_domain  the target BIG-IP's route domain; non-zero adds %RD to virtual addresses
        label         the ADC label (e.g. "vtepc <metadata.name>")
      returns the whole AS3 request {"class": "AS3", "action": "deploy", "persist": true,
      "declaration": {"class": "ADC", ...}}: POST it to /mgmt/shared/appsvcs/declare, or put it
      (JSON) under a CIS ConfigMap's data.template.

    as3_tenant(topology, service) -> str     the tenant of one service (one tenant per service)
    application_name(service), pool_name(service)
    service_discovery_labels(service, tenant) -> {label: value} for the Kubernetes Service, so
      CIS fills the pool with the Service's pod endpoints.

Pool members are CIS service-discovery placeholders: servicePort with empty serverAddresses and
shareNodes, which CIS replaces with pod addresses (clouddocs.f5.com/containers/latest/userguide/
config-map.html; k8s-bigip-ctlr docs/config_examples/configmap/user-defined-configmap).
"""

from __future__ import annotations

import hashlib
import re
from typing import TYPE_CHECKING, Any, Iterable

from ..addresses import with_route_domain

if TYPE_CHECKING:
    from ..model import Service, Topology

# The lowest AS3 schema version the declaration claims; it uses only long-standing classes
# (Service_HTTP/Service_TCP, Pool, Monitor), and the 3.56 oracle schema accepts 3.0-3.56.
AS3_SCHEMA_VERSION = "3.36.0"

# CIS refuses a user-defined AS3 ConfigMap whose tenant is its own partition (--bigip-partition)
# or <partition>_AS3 ("CIS managed partition <p> should not be used in ConfigMaps as a Tenant",
# k8s-bigip-ctlr appmanager; clouddocs config-map.html), so the tenant is never cis.partition:
# it is derived from the topology name, which also keeps two clusters on one BIG-IP apart.
# Each service gets its own tenant: CIS merges AS3 ConfigMaps by tenant and the last one
# wins (k8s-bigip-ctlr getUnifiedDeclaration; issues 998, 1434), so per-service ConfigMaps
# sharing a tenant would overwrite each other on the BIG-IP.
TENANT_PREFIX = "vtepc_"
# The tenant is also the value of the Service label cis.f5.com/as3-tenant, and Kubernetes
# label values hold at most 63 characters; longer names are shortened with a stable hash
# suffix so two long names never collide.
TENANT_MAX = 63

_AS3_NAME_INVALID = re.compile(r"[^0-9A-Za-z_.-]")


def _as3_name(text: str) -> str:
    """An AS3 object name (^[A-Za-z][0-9A-Za-z_.-]*$) from a DNS-style name."""
    name = _AS3_NAME_INVALID.sub("_", text)
    return name if name[:1].isalpha() else f"app_{name}"


def as3_tenant(topology: "Topology", service: "Service") -> str:
    name = f"{TENANT_PREFIX}{_as3_name(topology.metadata.name)}_{_as3_name(service.name)}"
    if len(name) <= TENANT_MAX:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    return f"{name[: TENANT_MAX - 9]}_{digest}"


def application_name(service: "Service") -> str:
    return _as3_name(service.name)


def pool_name(service: "Service") -> str:
    return f"{application_name(service)}_pool"


def _monitor_name(service: "Service") -> str:
    return f"{application_name(service)}_monitor"


def service_discovery_labels(service: "Service", tenant: str) -> dict[str, str]:
    """Labels CIS matches against the AS3 pool (clouddocs kctlr-k8s-as3.html, "CIS service discovery")."""
    return {
        "app": service.service,
        "cis.f5.com/as3-tenant": tenant,
        "cis.f5.com/as3-app": application_name(service),
        "cis.f5.com/as3-pool": pool_name(service),
    }


def _monitor(service: "Service") -> dict[str, Any]:
    monitor = service.monitor
    assert monitor is not None
    out: dict[str, Any] = {
        "class": "Monitor",
        "monitorType": monitor.type,
        "interval": monitor.interval,
        "timeout": monitor.timeout,
    }
    if monitor.send is not None:
        out["send"] = monitor.send
    if monitor.receive is not None:
        out["receive"] = monitor.receive
    return out


def _application(service: "Service", route_domain: int) -> dict[str, Any]:
    address = service.virtual_address
    if route_domain:
        address = with_route_domain(address, route_domain)
    pool: dict[str, Any] = {
        "class": "Pool",
        "loadBalancingMode": service.balance,
        "members": [{"servicePort": service.service_port, "serverAddresses": [], "shareNodes": True}],
    }
    app: dict[str, Any] = {
        "class": "Application",
        "template": service.mode,
        "serviceMain": {
            "class": "Service_HTTP" if service.mode == "http" else "Service_TCP",
            "virtualAddresses": [address],
            "virtualPort": service.virtual_port,
            "pool": pool_name(service),
        },
        pool_name(service): pool,
    }
    if service.monitor is not None:
        pool["monitors"] = [{"use": _monitor_name(service)}]
        app[_monitor_name(service)] = _monitor(service)
    return app


def as3_declaration(topology: "Topology", services: Iterable["Service"], *, route_domain: int = 0, label: str = "") -> dict[str, Any]:
    """The AS3 request declaring each service as one Application in its own Tenant (see the module docstring)."""
    adc: dict[str, Any] = {"class": "ADC", "schemaVersion": AS3_SCHEMA_VERSION}
    for service in services:
        adc[as3_tenant(topology, service)] = {
            "class": "Tenant",
            application_name(service): _application(service, route_domain),
        }
    if label:
        adc["label"] = label
    return {"class": "AS3", "action": "deploy", "persist": True, "declaration": adc}
