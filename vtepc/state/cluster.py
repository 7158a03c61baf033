"""Cluster desired state: what the topology implies on the Kubernetes side.

Every object is a frozen dataclass with `kind`, `name` (namespace/name when namespaced) and a
non-compared `origin` (the topology path that caused it). The live reader builds the same
classes from the cluster with origin "", so fields stay what the live objects carry:

- CiliumConfig holds only the cilium-config keys vtepc manages (`data`); compare a live
  ConfigMap by projecting its data onto those keys. `key_origins` attributes each key.
- CiliumHelmValues are the values vtepc sets for the cilium chart (`helm get values`).
- BigipNode is the BIG-IP as a flannel Node: the four flannel annotations and spec.podCIDR.
- CisController is the k8s-bigip-ctlr Deployment of one BIG-IP: image and container args.
- As3ConfigMap is an AS3 declaration wrapped for CIS: labels and the parsed data.template.
- BirdConfig is one node's BIRD 2 configuration (routing: native); no live reader exists.
- BgpSession is one (peer, node) session the BGP peer must have (routing: native; state/bgp.py);
  it lives on the routers, so no live reader exists.
- CiliumBgpResource is a resource of Cilium's BGP control plane (bgp.speaker: cilium;
  state/cilium_bgp.py); BgpAnnouncement is what a node's speaker announces to which peers, read
  back from BIRD's or Cilium's configuration alike. Neither is read live yet.

`ClusterState.nodes` are the cluster nodes the topology expects, for drift detection
(a live Node's name, InternalIP and spec.podCIDR).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any, ClassVar, Mapping

from ..diagnostics import VtepcError
from .. import facts
from .as3 import as3_declaration, as3_tenant, service_discovery_labels
from .bgp import BgpSession, compile_sessions
from .cilium_bgp import BgpAnnouncement, CiliumBgpResource, cilium_announcements, compile_cilium_bgp, peer_address

if TYPE_CHECKING:
    from ..integrations import Integration
    from ..model import Cis, ResolvedTopology
    from .bigip import BigipState

CILIUM_NAMESPACE = "kube-system"
CILIUM_RELEASE = "cilium"
CILIUM_CONFIGMAP = "cilium-config"
CIS_BINARY = "/app/bin/k8s-bigip-ctlr"
CIS_NAME_PREFIX = "k8s-bigip-ctlr-"  # + the BIG-IP name: Deployment, ServiceAccount and RBAC names
CIS_USERNAME_ENV = "BIGIP_USERNAME"
CIS_PASSWORD_ENV = "BIGIP_PASSWORD"
CIS_TRUSTED_CERTS_ARG = "--trusted-certs-cfgmap="
FLANNEL_ANNOTATION_PREFIX = "flannel.alpha.coreos.com/"
CILIUM_HOST_DEVICE = "cilium_host"
FLANNEL_DEFAULT_SUBNET_LEN = 24  # flannel's SubnetLen default for an IPv4 Network


def _integration_of(topology: "ResolvedTopology") -> "Integration":
    from ..integrations import integration_of  # (the registry's mode packages import this module)

    return integration_of(topology)


class ClusterCompileError(VtepcError):
    """The topology passed validation but its cluster side cannot be compiled."""


@dataclass(frozen=True)
class CiliumHelmValues:
    kind: ClassVar[str] = "cilium/helm-values"
    name: str  # "<namespace>/<release>"
    values: dict  # nested, as in values.yaml
    key_origins: dict = field(default_factory=dict, compare=False)  # dotted value path -> topology path
    origin: str = field(default="", compare=False)
    chart_version: str | None = field(default=None, compare=False)  # the chart the values are for (compiled state only)


@dataclass(frozen=True)
class CiliumConfig:
    kind: ClassVar[str] = "cilium/config"
    name: str  # "kube-system/cilium-config"
    data: dict  # ConfigMap key -> string value, only the keys vtepc manages
    key_origins: dict = field(default_factory=dict, compare=False)  # ConfigMap key -> topology path
    origin: str = field(default="", compare=False)


@dataclass(frozen=True)
class BigipNode:
    kind: ClassVar[str] = "Node"
    name: str
    pod_cidr: str
    annotations: dict
    origin: str = field(default="", compare=False)


@dataclass(frozen=True)
class CisController:
    kind: ClassVar[str] = "Deployment"
    name: str  # "<namespace>/k8s-bigip-ctlr-<bigip>"
    image: str
    args: tuple[str, ...]
    credentials_secret: str  # the Secret the username/password env vars come from
    service_account: str
    replicas: int = 1
    origin: str = field(default="", compare=False)

    @property
    def namespace(self) -> str:
        return self.name.split("/", 1)[0]

    @property
    def short_name(self) -> str:
        return self.name.split("/", 1)[1]

    @property
    def bigip(self) -> str:
        return self.short_name.removeprefix(CIS_NAME_PREFIX)

    @property
    def trusted_certs_config_map(self) -> str | None:
        """The ConfigMap whose CA certificates CIS trusts for the BIG-IP (--trusted-certs-cfgmap), if any."""
        return next((a.removeprefix(CIS_TRUSTED_CERTS_ARG) for a in self.args if a.startswith(CIS_TRUSTED_CERTS_ARG)), None)


@dataclass(frozen=True)
class As3ConfigMap:
    kind: ClassVar[str] = "ConfigMap"
    name: str  # "<service namespace>/<configmap>": CIS looks the Service up in this namespace
    labels: dict
    declaration: dict  # the AS3 request CIS reads from data.template (JSON)
    service: str = ""  # the topology service name (output file name)
    origin: str = field(default="", compare=False)


@dataclass(frozen=True)
class BirdConfig:
    kind: ClassVar[str] = "bird/config"
    name: str  # the node name
    router_id: str  # the node IP
    pod_cidr: str
    local_asn: int
    peers: tuple  # ({"name", "address", "asn"}, ...) in topology order
    origin: str = field(default="", compare=False)


@dataclass(frozen=True)
class ExpectedNode:
    kind: ClassVar[str] = "cluster/node"
    name: str
    ip: str
    pod_cidr: str | None = None
    origin: str = field(default="", compare=False)


OBJECT_KINDS: dict[str, type] = {
    cls.kind: cls
    for cls in (
        CiliumHelmValues,
        CiliumConfig,
        BigipNode,
        CisController,
        As3ConfigMap,
        BirdConfig,
        BgpSession,
        CiliumBgpResource,
        BgpAnnouncement,
    )
}


def _sorted_objects(items) -> tuple:
    return tuple(sorted(items, key=lambda o: (o.kind, o.name)))


def _object_to_jsonable(obj) -> dict:
    out: dict[str, Any] = {"kind": obj.kind}
    for f in fields(obj):
        value = getattr(obj, f.name)
        if f.name in ("origin", "key_origins", "chart_version") and not value:
            continue
        out[f.name] = list(value) if isinstance(value, tuple) else value
    return out


def _object_from_jsonable(cls: type, raw: dict):
    values = {k: tuple(v) if isinstance(v, list) and k in ("args", "peers", "prefixes") else v for k, v in raw.items() if k != "kind"}
    return cls(**values)


@dataclass(frozen=True)
class Omission:
    """Something the topology implies but the build leaves out for now, and why.

    `artifact` names the area ("cilium", "flannel-node", "cis") so each renderer notes only
    its own omissions; kubernetes/kustomization.yaml lists them all."""

    artifact: str
    why: str

    def __str__(self) -> str:
        return self.why


@dataclass(frozen=True)
class ClusterState:
    name: str
    items: tuple = ()  # every object, sorted by (kind, name)
    nodes: tuple[ExpectedNode, ...] = ()
    # Why an artifact was left out (e.g. a tunnel MAC is not known yet); renderers skip it.
    omitted: tuple[Omission, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "items", _sorted_objects(self.items))

    def objects(self) -> tuple:
        return self.items

    def of_kind(self, cls: type) -> list:
        return [o for o in self.items if isinstance(o, cls)]

    def one(self, cls: type):
        """The single object of a kind, or None."""
        found = self.of_kind(cls)
        return found[0] if found else None

    def to_jsonable(self) -> dict:
        return {
            "name": self.name,
            "objects": [_object_to_jsonable(o) for o in self.items],
            "nodes": [_object_to_jsonable(n) for n in self.nodes],
            "omitted": [{"artifact": o.artifact, "why": o.why} for o in self.omitted],
        }

    @classmethod
    def from_jsonable(cls, data: Mapping) -> "ClusterState":
        items = []
        for raw in data.get("objects", []):
            kind_cls = OBJECT_KINDS.get(raw.get("kind"))
            if kind_cls is None:
                raise VtepcError(f"unknown cluster object kind {raw.get('kind')!r} in recorded state")
            items.append(_object_from_jsonable(kind_cls, raw))
        nodes = tuple(_object_from_jsonable(ExpectedNode, raw) for raw in data.get("nodes", []))
        omitted = tuple(Omission(o["artifact"], o["why"]) for o in data.get("omitted", []))
        return cls(data["name"], tuple(items), nodes, omitted)


# --- CIS, AS3 -------------------------------------------------------------------------------


def cis_tunnel(topology: "ResolvedTopology", index: int) -> str | None:
    """The tunnel CIS is told to maintain for this BIG-IP (--cilium-name/--flannel-name), or None.

    CIS maintains a tunnel's FDB only in cluster mode (k8s-bigip-ctlr v2.20.2
    cmd/k8s-bigip-ctlr/main.go verifyArgs refuses a tunnel name with nodeport). With routing:
    native there is no tunnel, and no --static-routing-mode either: the BIG-IP already routes
    the pod network via the BGP-fed switch, and CIS static routes would be a second writer.
    CIS writes its FDB records (pkg/vxlan/vxlanMgr.go ProcessNodeUpdate) and flannel ARP entries
    (addArpForPods) with bare addresses, no %RD, so for a BIG-IP in another route domain the
    device refuses them (01070734: FDB record and tunnel local address in different route
    domains). For Cilium CIS writes no ARP, so there vtepc's static FDB (with %RD) stands alone;
    flannel needs CIS's ARP entries, and validation refuses flannel in a route domain (VTEP905).
    """
    bigip = topology.bigips[index]
    cis = topology.cis
    if cis is None or bigip.management_url is None or bigip.tunnel is None:
        return None
    if topology.cluster.routing != "tunnel" or cis.pool_member_type != "cluster":
        return None
    if bigip.route_domain != 0 and not _integration_of(topology).cis_writes_arp:
        return None
    return f"/Common/{bigip.tunnel.name}"


def _cis_args(topology: "ResolvedTopology", cis: "Cis", index: int) -> list[str]:
    bigip = topology.bigips[index]
    args = [
        # Kubernetes expands $(VAR) in args from the container env, which comes from the Secret.
        f"--bigip-username=$({CIS_USERNAME_ENV})",
        f"--bigip-password=$({CIS_PASSWORD_ENV})",
        f"--bigip-url={bigip.management_url}",
        f"--bigip-partition={cis.partition}",
        f"--pool-member-type={cis.pool_member_type}",
    ]
    if bigip.route_domain != 0:
        # CIS overwrites every AS3 tenant's defaultRouteDomain with this flag (default 0):
        # pkg/agent/as3/as3ConfigMap.go (v2.20.2, line 205), so it must be the BIG-IP's.
        args.append(f"--default-route-domain={bigip.route_domain}")
    tunnel = cis_tunnel(topology, index)
    if tunnel is not None:
        args.append(f"{_integration_of(topology).cis_tunnel_flag(cis)}={tunnel}")
    if cis.trusted_certs_config_map is not None:
        # CIS adds every value of this ConfigMap to its trusted CAs (main.go getBIGIPTrustedCerts).
        args.append(CIS_TRUSTED_CERTS_ARG + cis.trusted_certs_config_map)
    if cis.insecure:
        args.append("--insecure=true")
    return args


def _cis_controllers(topology: "ResolvedTopology") -> tuple[list[CisController], list[str]]:
    cis = topology.cis
    out, omitted = [], []
    for index, bigip in enumerate(topology.bigips):
        if bigip.management_url is None:  # validation warns (VTEP804)
            omitted.append(Omission("cis", f"CIS for {bigip.name} (no managementURL for --bigip-url: bigips[{index}].managementURL)"))
            continue
        name = CIS_NAME_PREFIX + bigip.name
        out.append(
            CisController(
                f"{cis.namespace}/{name}",
                cis.image,
                tuple(_cis_args(topology, cis, index)),
                cis.credentials_secret,
                service_account=name,
                origin="cis",
            )
        )
    return out, omitted


def _as3_configmaps(topology: "ResolvedTopology") -> list[As3ConfigMap]:
    out = []
    for index, service in enumerate(topology.services):
        route_domains = facts.service_route_domains(topology, service)
        if len(route_domains) > 1:
            raise ClusterCompileError(
                f"services[{index}] targets BIG-IPs in route domains {route_domains}; one CIS ConfigMap carries one virtual address"
            )
        declaration = as3_declaration(
            topology, [service], route_domain=route_domains[0] if route_domains else 0, label=f"vtepc {topology.metadata.name}"
        )
        labels = {"as3": "true", "f5type": "virtual-server"}
        out.append(As3ConfigMap(f"{service.namespace}/vtepc-as3-{service.name}", labels, declaration, service.name, f"services[{index}]"))
    return out


def service_labels(topology: "ResolvedTopology") -> dict[str, dict[str, str]]:
    """The labels each topology service's Kubernetes Service needs for CIS discovery."""
    return {s.name: service_discovery_labels(s, as3_tenant(topology, s)) for s in topology.services}


# --- BIRD -----------------------------------------------------------------------------------


def _bird_configs(topology: "ResolvedTopology") -> list[BirdConfig]:
    bgp = topology.bgp
    if facts.native_without_bgp(topology) or bgp is None:
        raise ClusterCompileError("routing: native needs a bgp section (asn and peers) for the nodes' BIRD")
    for index in facts.native_nodes_without_pod_cidr(topology):
        raise ClusterCompileError(f"cluster.nodes[{index}].podCIDR is needed to announce the node's pods over BGP")
    peers = tuple({"name": p.name, "address": p.address, "asn": p.asn or bgp.asn} for p in bgp.peers)
    out = []
    for index, node in enumerate(topology.cluster.nodes):
        assert node.pod_cidr is not None  # (native_nodes_without_pod_cidr)
        out.append(BirdConfig(node.name, node.ip, node.pod_cidr, bgp.asn, peers, origin=f"cluster.nodes[{index}]"))
    return out


def _speaker(topology: "ResolvedTopology") -> list:
    """The nodes' BGP speaker configuration and what it announces (bgp/announcement)."""
    from ..integrations.cilium.model import CiliumCluster  # (the registry's packages import this module)
    from ..integrations.cilium.versions import parse_cilium_version

    cluster = topology.cluster
    if topology.bgp is not None and topology.bgp.speaker == "cilium" and isinstance(cluster, CiliumCluster):
        resources = compile_cilium_bgp(topology, parse_cilium_version(cluster.cilium_version))
        return resources + cilium_announcements(resources, topology)
    birds = _bird_configs(topology)
    announced = [
        BgpAnnouncement(b.name, (b.pod_cidr,), tuple(sorted({peer_address(p["address"]) for p in b.peers})), origin=b.origin)
        for b in birds
        if b.peers
    ]
    return birds + announced


def compile_cluster(topology: "ResolvedTopology", bigips: Mapping[str, "BigipState"]) -> ClusterState:
    """The cluster desired state of a validated, defaults-resolved topology."""
    cluster = topology.cluster
    items: list = []
    omitted: list[Omission] = []
    contribution = _integration_of(topology).compile_cluster(topology, bigips)
    items += contribution.items
    omitted += contribution.omitted
    if topology.cis is not None:
        controllers, why = _cis_controllers(topology)
        items += controllers
        omitted += why
    items += _as3_configmaps(topology)
    if cluster.routing == "native":
        items += _speaker(topology)
        items += compile_sessions(topology)
    expected = tuple(ExpectedNode(n.name, n.ip, n.pod_cidr, origin=f"cluster.nodes[{i}]") for i, n in enumerate(cluster.nodes))
    return ClusterState(cluster.name, tuple(items), expected, tuple(omitted))
