"""The typed topology, format v1 (../shared/spec/topology-v1.yaml).

Addresses are kept as the strings the user wrote: the checks parse them and report each
bad value with its own code and line, which pydantic's generic errors could not do.
Mode-dependent defaults are None here and decided by `resolve`, which asks the mode's
integration (vtepc.integrations) for them and returns the resolved view (Resolved* types).

`cluster` is a discriminated union on `cluster.cni`: each integration mode contributes its
own cluster class (ClusterBase plus its own fields), and registering a mode rebuilds
`Topology` (vtepc.integrations.register), so a mode registered at runtime is accepted too.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Annotated, Literal, TypeVar, cast

from pydantic import BaseModel, ConfigDict, Field

from .names import (
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
)


VXLAN_PORT = 8472
GENEVE_PORT = 6081
DEFAULT_TUNNEL_NAME = "flannel_vxlan"
GENEVE_BUILTIN_PROFILE = "geneve"


def default_vxlan_profile(tunnel_name: str) -> str:
    """The VXLAN profile's name when the topology gives none: the name DO gives it, `<tunnel>_vxlan`."""
    return f"{tunnel_name}_vxlan"


IpFamily = Literal["ipv4", "ipv6"]


def _ipv4_only() -> list[IpFamily]:
    return ["ipv4"]


class _Model(BaseModel):
    # strict: no coercion, so `vni: true`, `virtualPort: 80.0` or `insecure: "yes"` are errors, not 1, 80 and True.
    # defer_build: a class's validator is built when first used, not when the class is defined: only
    # Topology's is used (its nested models' schemas are built inside it, once), the Resolved* types are
    # only ever model_construct-ed, and every process (`vtepc validate`) would otherwise build them all.
    model_config = ConfigDict(
        extra="forbid", populate_by_name=False, frozen=True, str_strip_whitespace=False, strict=True, defer_build=True
    )


Port = Annotated[int, Field(ge=1, le=65535)]
# BIG-IP's VXLAN flooding types, nothing else (DO network.schema.json Tunnel floodingType; REST listings).
FloodingType = Literal["none", "multicast", "multipoint", "replicator"]
Asn = Annotated[int, Field(ge=1, le=4294967295)]


class Metadata(_Model):
    name: str = Field(
        description="[a-z0-9]([-a-z0-9]*[a-z0-9])?, at most 63 characters; used in output paths",
        json_schema_extra=METADATA_NAME.json_schema(),
    )
    description: str | None = None


class Node(_Model):
    """A cluster node as every mode sees it; a mode whose nodes carry more fields subclasses it."""

    name: str = Field(description="the Kubernetes Node name (DNS-1123 subdomain)", json_schema_extra=DNS1123_SUBDOMAIN.json_schema())
    ip: str = Field(description="node IP: the underlay address tunnels are sent to")
    pod_cidr: str | None = Field(None, alias="podCIDR", description="the node's pod CIDR, inside cluster.podCIDR")


class ClusterBase(_Model):
    """The cluster fields every integration mode has. Each mode's class (vtepc/integrations/<mode>/)
    narrows `cni` to its own name, adds its own fields and declares `nodes` with its node class."""

    name: str = Field(json_schema_extra=CLUSTER_NAME.json_schema())
    cni: str = Field(description="the integration mode (vtepc.integrations)")
    ip_families: list[IpFamily] = Field(default_factory=_ipv4_only, alias="ipFamilies")
    routing: Literal["tunnel", "native", "static"] = Field(
        "tunnel",
        description="tunnel: a BIG-IP tunnel into the overlay; native: the nodes announce their pod CIDRs over BGP; "
        "static: CIS static routing mode, a BIG-IP route to each node's pod CIDR via the node IP (no tunnel)",
    )
    tunnel_protocol: Literal["vxlan", "geneve"] = Field("vxlan", alias="tunnelProtocol")
    tunnel_port: Port | None = Field(None, alias="tunnelPort", description="[8472 for vxlan, 6081 for geneve]")
    pod_cidr: str = Field(alias="podCIDR", description="the cluster's whole pod network")
    nodes: Sequence[Node] = Field(default_factory=list)


class Underlay(_Model):
    vlan: str = Field(description="the VLAN that faces the nodes", json_schema_extra=F5_NAME.json_schema())
    self_ip: str = Field(alias="selfIP", description="address/prefix; the tunnel local-address (VTEP endpoint)")
    gateway: str | None = Field(None, description="next hop for cluster.podCIDR with routing: native")


class Tunnel(_Model):
    name: str = Field(DEFAULT_TUNNEL_NAME, json_schema_extra=TUNNEL_NAME.json_schema())
    profile: str | None = Field(
        None,
        description="[<name>_vxlan, the name DO gives it; a built-in vxlan profile is never used, it floods multicast]; "
        "geneve uses the built-in geneve profile",
        json_schema_extra=F5_NAME.json_schema(),
    )
    vni: int | None = Field(None, ge=0, le=16777215, description="[the mode's: 2 for cilium, 1 for flannel]")
    flooding_type: FloodingType | None = Field(
        None, alias="floodingType", description="[the mode's: multipoint for cilium, none for flannel]"
    )
    self_ip: str = Field(alias="selfIP", description="address/prefix on the tunnel")
    mac: str | None = Field(None, description="the tunnel interface's MAC (vtepc discover fills it)")


class Ha(_Model):
    traffic_group: str = Field("traffic-group-1", alias="trafficGroup", json_schema_extra=F5_NAME.json_schema())
    floating_underlay_ip: str = Field(alias="floatingUnderlayIP")
    floating_tunnel_ip: str | None = Field(None, alias="floatingTunnelIP")


class Bigip(_Model):
    name: str = Field(json_schema_extra=BIGIP_NAME.json_schema())
    management_url: str | None = Field(None, alias="managementURL")
    route_domain: int = Field(0, ge=0, le=65534, alias="routeDomain")
    underlay: Underlay
    tunnel: Tunnel | None = None
    static_fdb: bool = Field(True, alias="staticFDB")
    ha: Ha | None = None


class BgpPeer(_Model):
    name: str = Field(description="the BIRD protocol name of the session", json_schema_extra=BIRD_SYMBOL.json_schema())
    address: str
    asn: Asn | None = Field(None, description="[bgp.asn]: iBGP unless given")


# BIRD is every mode's speaker; the speakers the registered modes supply (Integration.bgp_speakers)
# join bgp.speaker's values and its description when the registry rebuilds the model.
BIRD = "bird"
SPEAKER_DESCRIPTION = "what announces each node's pod CIDR: BIRD on every node (bgp/bird-<node>.conf)"


class Bgp(_Model):
    asn: Asn
    peers: list[BgpPeer] = Field(default_factory=list)
    speaker: str = Field(BIRD, description=SPEAKER_DESCRIPTION)  # Literal[BIRD, <the modes' speakers>] once registered


class Cis(_Model):
    image: str = Field("f5networks/k8s-bigip-ctlr:2.20.2", json_schema_extra=IMAGE_REFERENCE.json_schema())
    namespace: str = Field("kube-system", json_schema_extra=DNS1123_LABEL.json_schema())
    partition: str = Field(json_schema_extra=F5_NAME.json_schema())
    credentials_secret: str = Field(
        alias="credentialsSecret", description="a Secret name (DNS-1123 subdomain)", json_schema_extra=DNS1123_SUBDOMAIN.json_schema()
    )
    pool_member_type: Literal["cluster", "nodeport", "nodeportlocal"] = Field("cluster", alias="poolMemberType")
    trusted_certs_config_map: str | None = Field(
        None,
        alias="trustedCertsConfigMap",
        description="<namespace>/<configmap> holding the BIG-IP's CA certificate(s) (PEM), which CIS adds to the "
        "system CAs (--trusted-certs-cfgmap): the way to verify a BIG-IP with a self-signed certificate",
    )
    insecure: bool = Field(False, description="skip BIG-IP TLS verification (off by default); prefer trustedCertsConfigMap")


class Monitor(_Model):
    type: Literal["http", "https", "tcp"] = "http"
    send: str | None = None
    receive: str | None = None
    # AS3's bounds for every monitor type (f5-appsvcs-extension 3.56.0 src/schema/latest/adc-schema.json,
    # Monitor_HTTP/_HTTPS/_TCP: interval 0-3600, timeout 0-900 seconds).
    interval: int = Field(5, ge=1, le=3600)
    timeout: int = Field(16, ge=1, le=900)


class Service(_Model):
    name: str = Field(json_schema_extra=SERVICE_NAME.json_schema())
    namespace: str = Field("default", json_schema_extra=DNS1123_LABEL.json_schema())
    service: str = Field(description="the Kubernetes Service name (DNS-1035 label)", json_schema_extra=DNS1035_LABEL.json_schema())
    service_port: Port = Field(alias="servicePort")
    virtual_address: str = Field(alias="virtualAddress")
    virtual_port: Port = Field(alias="virtualPort")
    bigip: str | None = Field(None, description="[every BIG-IP]")
    mode: Literal["http", "tcp"] = "http"
    balance: str = "round-robin"
    monitor: Monitor | None = None


class Topology(_Model):
    api_version: Literal["vtepc/v1"] = Field(alias="apiVersion")
    kind: Literal["Topology"]
    metadata: Metadata
    # The discriminated union of the registered modes' cluster classes (vtepc.integrations.register
    # rebuilds the model); ClusterBase is what code outside the mode packages may read.
    cluster: ClusterBase
    bigips: Sequence[Bigip] = Field(min_length=1)
    bgp: Bgp | None = None
    cis: Cis | None = None
    services: list[Service] = Field(default_factory=list)


# --- The resolved view ------------------------------------------------------------------------
# What `resolve` returns: the same topology with every mode-dependent default decided, typed so
# that those fields are no longer optional. The checks, the compiler, the graph and the diff read
# these types; they are built with model_construct from already validated values (no second
# validation), and each mode's cluster gets a resolved subclass of its own class, so the mode's
# code still recognizes it (isinstance) while generic code reads a non-optional tunnelPort.


class ResolvedTunnel(Tunnel):
    profile: str
    vni: int
    flooding_type: FloodingType = Field(alias="floodingType")


class ResolvedBigip(Bigip):
    tunnel: ResolvedTunnel | None = None


class ResolvedCluster(ClusterBase):
    tunnel_port: int = Field(alias="tunnelPort")


class ResolvedTopology(Topology):
    cluster: ResolvedCluster
    bigips: Sequence[ResolvedBigip]


@functools.cache
def resolved_cluster_class(cls: type[ClusterBase]) -> type[ResolvedCluster]:
    """The resolved form of a mode's cluster class: a subclass of both."""
    return cast("type[ResolvedCluster]", type(f"Resolved{cls.__name__}", (cls, ResolvedCluster), {"__module__": cls.__module__}))


_M = TypeVar("_M", bound=BaseModel)


def _resolved(cls: type[_M], source: BaseModel, **decided: object) -> _M:
    values = dict(source.__dict__)
    values.update(decided)
    return cls.model_construct(source.model_fields_set, **values)


def resolve(topology: Topology) -> ResolvedTopology:
    """The topology with every mode-dependent default decided (the mode's integration decides its own)."""
    if isinstance(topology, ResolvedTopology):
        return topology
    from .integrations import integration_of

    cluster = topology.cluster
    defaults = integration_of(topology).tunnel_defaults(cluster)
    geneve = cluster.tunnel_protocol == "geneve"
    port = cluster.tunnel_port if cluster.tunnel_port is not None else GENEVE_PORT if geneve else VXLAN_PORT
    bigips = []
    for bigip in topology.bigips:
        tunnel = bigip.tunnel
        resolved_tunnel = None
        if tunnel is not None:
            resolved_tunnel = _resolved(
                ResolvedTunnel,
                tunnel,
                profile=tunnel.profile
                if tunnel.profile is not None
                else GENEVE_BUILTIN_PROFILE
                if geneve
                else default_vxlan_profile(tunnel.name),
                vni=tunnel.vni if tunnel.vni is not None else defaults.vni,
                flooding_type=tunnel.flooding_type if tunnel.flooding_type is not None else defaults.flooding_type,
            )
        bigips.append(_resolved(ResolvedBigip, bigip, tunnel=resolved_tunnel))
    resolved_cluster = _resolved(resolved_cluster_class(type(cluster)), cluster, tunnel_port=port)
    return _resolved(ResolvedTopology, topology, cluster=resolved_cluster, bigips=bigips)


# The built-in modes register on import and rebuild Topology's cluster union (kept last: the
# mode packages import this module's classes).
from . import integrations as _integrations  # noqa: E402,F401
