"""Cluster desired state: what the topology implies on the Kubernetes side.

Every object is a frozen dataclass with `kind`, `name` (namespace/name when namespaced) and a
non-compared `origin` (the topology path that caused it). The live reader builds the same
classes from the cluster with origin "", so fields stay what the live objects carry. The kinds
of every mode (OBJECT_KINDS below, read by vtepc/live/kube.py):

- CisController is the k8s-bigip-ctlr Deployment of one BIG-IP: image and container args.
- As3ConfigMap is an AS3 declaration wrapped for CIS: labels and the parsed data.template.
- BirdConfig is one node's BIRD 2 configuration and BgpAnnouncement what a node's speaker
  announces to which peers (routing: native; state/speaker.py); no live reader exists.
- BgpSession is one (peer, node) session the BGP peer must have (routing: native; state/bgp.py);
  it lives on the routers, so no live reader exists.

A mode's own kinds (Cilium's Helm values and cilium-config, flannel's BIG-IP Node, ...) are
declared by its package (`Integration.cluster_kinds`), with how the live reader reads them;
`object_kinds()` is the union.

`ClusterState.nodes` are the cluster nodes the topology expects, for drift detection
(a live Node's name, InternalIP and spec.podCIDR).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from operator import attrgetter
from typing import TYPE_CHECKING, Any, ClassVar, Iterable, Mapping, Protocol, TypeVar

from ..diagnostics import VtepcError
from .. import facts
from .as3 import as3_declaration, as3_tenant, service_discovery_labels
from . import node_origins, objects_from_columns
from .bgp import BgpSession, compile_sessions
from .speaker import BgpAnnouncement, BirdConfig, compile_speaker
from .static_routes import CisRoute, cis_routes, static_routing_of

if TYPE_CHECKING:
    from ..integrations import Integration
    from ..model import Cis, ResolvedTopology
    from .bigip import BigipState

CIS_BINARY = "/app/bin/k8s-bigip-ctlr"
CIS_NAME_PREFIX = "k8s-bigip-ctlr-"  # + the BIG-IP name: Deployment, ServiceAccount and RBAC names
CIS_USERNAME_ENV = "BIGIP_USERNAME"
CIS_PASSWORD_ENV = "BIGIP_PASSWORD"
CIS_TRUSTED_CERTS_ARG = "--trusted-certs-cfgmap="
_T = TypeVar("_T")


def _integration_of(topology: "ResolvedTopology") -> "Integration":
    from ..integrations import integration_of  # (the registry's mode packages import this module)

    return integration_of(topology)


class ClusterCompileError(VtepcError):
    """The topology passed validation but its cluster side cannot be compiled."""


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
    labels: dict[str, str]
    declaration: dict[str, Any]  # the AS3 request CIS reads from data.template (JSON)
    service: str = ""  # the topology service name (output file name)
    origin: str = field(default="", compare=False)


@dataclass(frozen=True, slots=True)  # slots: built column by column (state.objects_from_columns), one per node
class ExpectedNode:
    kind: ClassVar[str] = "cluster/node"
    name: str
    ip: str
    pod_cidr: str | None = None
    origin: str = field(default="", compare=False)


class ClusterObject(Protocol):
    """What every cluster object kind is: a frozen dataclass with these and a non-compared `origin`."""

    kind: ClassVar[str]

    @property
    def name(self) -> str: ...


# The kinds every mode may have; a mode's own come from its package (object_kinds).
OBJECT_KINDS: dict[str, type[ClusterObject]] = {
    cls.kind: cls for cls in (CisController, As3ConfigMap, BirdConfig, BgpSession, BgpAnnouncement, CisRoute)
}


def object_kinds() -> dict[str, type[ClusterObject]]:
    """Every cluster object kind: the generic ones and those of each registered mode."""
    from ..integrations import integrations  # (the registry's mode packages import this module)

    return {**OBJECT_KINDS, **{k.cls.kind: k.cls for i in integrations() for k in i.cluster_kinds}}


def _sorted_objects(items: Iterable[Any]) -> tuple[Any, ...]:
    return tuple(sorted(items, key=lambda o: (o.kind, o.name)))


def _object_to_jsonable(obj: Any) -> dict[str, Any]:
    """A cluster object as recorded state: its fields, tuples as lists; a non-compared field
    (origin, attributions) only when it holds something."""
    out: dict[str, Any] = {"kind": obj.kind}
    for f in fields(obj):
        value = getattr(obj, f.name)
        if not f.compare and not value:
            continue
        out[f.name] = list(value) if isinstance(value, tuple) else value
    return out


def _object_from_jsonable(cls: type[_T], raw: Mapping[str, Any]) -> _T:
    tuples = {f.name for f in fields(cls) if str(f.type).startswith("tuple")}  # type: ignore[arg-type]
    return cls(**{k: tuple(v) if isinstance(v, list) and k in tuples else v for k, v in raw.items() if k != "kind"})


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
    items: tuple[Any, ...] = ()  # every object, sorted by (kind, name)
    nodes: tuple[ExpectedNode, ...] = ()
    # Why an artifact was left out (e.g. a tunnel MAC is not known yet); renderers skip it.
    omitted: tuple[Omission, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "items", _sorted_objects(self.items))

    def objects(self) -> tuple[Any, ...]:
        return self.items

    def of_kind(self, cls: type[_T]) -> list[_T]:
        return [o for o in self.items if isinstance(o, cls)]

    def one(self, cls: type[_T]) -> _T | None:
        """The single object of a kind, or None."""
        found = self.of_kind(cls)
        return found[0] if found else None

    def to_jsonable(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "objects": [_object_to_jsonable(o) for o in self.items],
            "nodes": [_object_to_jsonable(n) for n in self.nodes],
            "omitted": [{"artifact": o.artifact, "why": o.why} for o in self.omitted],
        }

    @classmethod
    def from_jsonable(cls, data: Mapping[str, Any]) -> "ClusterState":
        items: list[ClusterObject] = []
        kinds = object_kinds()
        for raw in data.get("objects", []):
            kind_cls = kinds.get(raw.get("kind"))
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
    static = static_routing_of(topology)
    if static is not None:
        # CIS adds a route per node to its pod CIDR (state/static_routes.py); main.go refuses the
        # tunnel flags beside --static-routing-mode, and cis_tunnel gives none with routing: static.
        args += ["--static-routing-mode=true", f"--orchestration-cni={static.orchestration_cni}"]
    if cis.trusted_certs_config_map is not None:
        # CIS adds every value of this ConfigMap to its trusted CAs (main.go getBIGIPTrustedCerts).
        args.append(CIS_TRUSTED_CERTS_ARG + cis.trusted_certs_config_map)
    if cis.insecure:
        args.append("--insecure=true")
    return args


def _cis_controllers(topology: "ResolvedTopology", cis: "Cis") -> tuple[list[CisController], list[Omission]]:
    out: list[CisController] = []
    omitted: list[Omission] = []
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


def compile_cluster(topology: "ResolvedTopology", bigips: Mapping[str, "BigipState"]) -> ClusterState:
    """The cluster desired state of a validated, defaults-resolved topology."""
    cluster = topology.cluster
    items: list[object] = []
    omitted: list[Omission] = []
    contribution = _integration_of(topology).compile_cluster(topology, bigips)
    items += contribution.items
    omitted += contribution.omitted
    if topology.cis is not None:
        controllers, why = _cis_controllers(topology, topology.cis)
        items += controllers
        omitted += why
    items += _as3_configmaps(topology)
    items += cis_routes(topology)  # routing: static: what CIS makes, which vtepc compares, never writes
    if cluster.routing == "native":
        items += compile_speaker(topology)
        items += compile_sessions(topology)
    nodes = cluster.nodes
    columns: dict[str, list[Any]] = {
        "name": list(map(attrgetter("name"), nodes)),
        "ip": list(map(attrgetter("ip"), nodes)),
        "pod_cidr": list(map(attrgetter("pod_cidr"), nodes)),
        "origin": node_origins(len(nodes)),
    }
    expected = tuple(objects_from_columns(ExpectedNode, len(nodes), columns))
    return ClusterState(cluster.name, tuple(items), expected, tuple(omitted))
