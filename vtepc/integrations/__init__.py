"""The integration registry: one entry per mode (`cluster.cni`), one package per mode.

An Integration declares everything that differs between modes, so the generic code (model,
checks, state, render, diff, discover, reach, graph) asks the registry and never compares
mode names:

- its cluster model (a ClusterBase subclass with `cni: Literal[<name>]` and its own fields),
  which joins the discriminated union of `Topology.cluster` on `register`;
- its defaults (the tunnel's VNI and flooding type);
- its checks and renderers (modules imported when the checks run or the renderers load;
  checks registered with `@check(..., mode=<name>)` run only for topologies of the mode);
- its desired-state contributions: the cluster objects it compiles, what each node's FDB
  record on the BIG-IP tunnel points at, the tunnel self IPs' port lockdown, how CIS is given
  the tunnel;
- its cluster object kinds and how the live reader reads each (ClusterKind), and the BGP
  speakers it supplies beyond BIRD (BgpSpeaker: bgp.speaker);
- its datapath rules for the packet model (vtepc.reach: DatapathRules), its lines in the graph;
- its live projection (which fields of a live Node `vtepc discover` writes into the topology)
  and its follow-up steps after a diff;
- the routings it supports beyond `tunnel`: with `static_routing` given, `routing: static`
  (CIS static routing mode: no BIG-IP tunnel, CIS adds one route per node) names the
  `--orchestration-cni` CIS is started with and where CIS reads each node's pod CIDR.

The built-in modes are the packages of this directory (vtepc/integrations/<mode>/), each
registering itself on import; a mode registered from elsewhere (a test) goes through
`register` just the same. `integration(name)` raises UnknownIntegration for a mode nobody registered.
"""

from __future__ import annotations

import importlib
import os
import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from pydantic import BaseModel

from ..diagnostics import VtepcError
from ..model import BIRD, SPEAKER_DESCRIPTION, Bgp, ClusterBase, FloodingType, Node, ResolvedTopology, Topology

if TYPE_CHECKING:
    from ..diff.records import Change, FollowUp
    from ..live.kube import KubeSession, LiveNode
    from ..reach.model import DatapathRules, Fabric
    from ..model import Cis
    from ..state.bigip import BigipState
    from ..state.cluster import ClusterObject, ClusterState, Omission


class UnknownIntegration(VtepcError):
    """No integration is registered under this mode name."""


@dataclass(frozen=True)
class TunnelDefaults:
    """What a BIG-IP tunnel gets when the topology leaves it out."""

    vni: int
    flooding_type: FloodingType


# One of a mode's own node fields: its key as written (publicIP) and its attribute on the mode's node class (public_ip).
NodeField = tuple[str, str]


@dataclass(frozen=True)
class NodeVtep:
    """Where a node's tunnel traffic goes, as the mode tells it: the node's tunnel MAC when the
    topology states it (None: the BIG-IP uses a made-up one), and the underlay address."""

    mac: str | None
    endpoint: str


@dataclass(frozen=True)
class StaticRouting:
    """How CIS's static routing mode (`--static-routing-mode=true`) serves a mode (`routing: static`).

    CIS adds, for every Ready node, a route `k8s-<node>-<node IP>` to the node's pod CIDR via the
    node's InternalIP; it reads the pod CIDR per `--orchestration-cni`: `cilium-k8s` from a node
    annotation, `flannel` (and every CNI without a case of its own) from `node.spec.podCIDR`
    (k8s-bigip-ctlr v2.20.2 pkg/controller/node_poll_handler.go processStaticRouteUpdate).
    """

    orchestration_cni: str  # the value of CIS's --orchestration-cni
    # The node annotation CIS reads the pod CIDR from for this cluster, or None: node.spec.podCIDR.
    pod_cidr_annotation: Callable[[ClusterBase], str | None]


@dataclass(frozen=True)
class ClusterContribution:
    """The cluster objects a mode compiles, and what it leaves out for now (and why)."""

    items: Sequence[object] = ()
    omitted: Sequence[Omission] = ()


@dataclass(frozen=True)
class ClusterKind:
    """A cluster object kind (state/cluster.py's conventions: a frozen dataclass with a `kind`
    ClassVar, `name` and a non-compared `origin`), and how vtepc/live/kube.py reads it: `read`,
    `read_node` (an object that is a Node: the BIG-IP as a node), or neither, saying why (`unread`)."""

    cls: type[ClusterObject]
    # (session, the desired objects of the kind) -> the live ones found; raises live.kube.KindUnread(why) to leave it unread.
    read: Callable[[KubeSession, Sequence[Any]], Iterable[object]] | None = None
    # (the live Node document of a desired object's name, that object) -> the live object.
    read_node: Callable[[dict[str, Any], Any], object] | None = None
    unread: str = ""


@dataclass(frozen=True)
class BgpSpeaker:
    """A BGP speaker a mode runs on the nodes instead of BIRD (routing: native, bgp.speaker: <name>)."""

    name: str  # the value of bgp.speaker
    label: str  # how a trace names it
    # Its cluster objects, with what each node announces to which peers among them (state.speaker.BgpAnnouncement).
    compile: Callable[[ResolvedTopology], Sequence[object]]
    description: str  # what it is, in bgp.speaker's description (the JSON Schema)


def _no_follow_ups(target: str, changes: Sequence[Change], desired: ClusterState | None) -> list[FollowUp]:
    return []


def _plain_node_vtep(node: Node) -> NodeVtep:
    return NodeVtep(None, node.ip)


def _plain_node_fields(node: LiveNode) -> dict[str, str]:
    return {}


def _no_node_labels(node: Node) -> tuple[str, ...]:
    return ()


@dataclass(frozen=True)
class Integration:
    name: str  # the value of cluster.cni
    cluster_model: type[ClusterBase]
    tunnel_defaults: Callable[[ClusterBase], TunnelDefaults]
    # The VNI the nodes send with and expect (None: not known for this cluster, e.g. Cilium dual stack before 1.15).
    node_vni: Callable[[ClusterBase], int | None]
    # The cluster side of the desired state: (topology, BIG-IP states by name) -> objects.
    compile_cluster: Callable[[ResolvedTopology, Mapping[str, BigipState]], ClusterContribution]
    # What the BIG-IP must be told about the mode, in words, where the tunnel MAC goes (VTEP313).
    tunnel_mac_consumer: str
    # Port lockdown of the tunnel self IPs: () = none, ("default",) = BIG-IP's default list.
    tunnel_allow_service: tuple[str, ...] = ("default",)
    node_vtep: Callable[[Node], NodeVtep] = _plain_node_vtep
    # node_vtep of every node at once, as columns (macs, endpoints): a mode with its own node_vtep
    # gives it for speed (thousands of nodes per BIG-IP); without it, node_vtep is asked node by node.
    node_vteps: Callable[[Sequence[Node]], tuple[list[str | None], list[str]]] | None = None
    # The mode's own node fields that hold an underlay address or a MAC: the generic checks parse
    # them, look for duplicates and IPv6 like every other address and MAC. Named, not computed, so
    # the checks read them for 65,000 nodes as columns (operator.attrgetter), not by a call per node.
    node_addresses: tuple[NodeField, ...] = ()
    node_macs: tuple[NodeField, ...] = ()
    # CIS: the k8s-bigip-ctlr flag that names the tunnel it maintains, and whether CIS writes the
    # static ARP entries the mode needs (it writes them without %RD, so such a mode stays in route domain 0).
    cis_tunnel_flag: Callable[[Cis], str] = lambda cis: "--flannel-name"
    cis_writes_arp: bool = False
    check_modules: tuple[str, ...] = ()
    renderer_modules: tuple[str, ...] = ()
    # (path, note) of what its renderers write under kubernetes/ that is no manifest: kubernetes/kustomization.yaml
    # leaves it out and says so.
    non_manifests: tuple[tuple[str, str], ...] = ()
    # Live projection: the fields of a live Node that `vtepc discover` writes beyond name, ip and podCIDR.
    node_fields: Callable[[LiveNode], dict[str, str]] = _plain_node_fields
    # The mode's datapath rules for vtepc.reach (a Fabric -> its DatapathRules), or None when reach
    # has no model of the mode's datapath (then VTEP1001 does not run and `vtepc trace` refuses).
    datapath: Callable[[Fabric], DatapathRules] | None = None
    # The mode's own cluster object kinds (those of every mode: state/cluster.py OBJECT_KINDS).
    cluster_kinds: tuple[ClusterKind, ...] = ()
    # The BGP speakers the mode supplies beyond BIRD (state/speaker.py); validation refuses any other (VTEP513).
    bgp_speakers: tuple[BgpSpeaker, ...] = ()
    # The picture (vtepc graph): the mode's own lines in a node's box, and whether a BIG-IP's box
    # names its tunnel network as the VTEP CIDR the cluster is told.
    node_labels: Callable[[Node], tuple[str, ...]] = _no_node_labels
    vtep_cidr_announced: bool = False
    # After a diff: the steps for the changes of the mode's own object kinds (desired: the desired cluster state, if any).
    follow_ups: Callable[[str, Sequence[Change], ClusterState | None], list[FollowUp]] = _no_follow_ups
    # routing: static (CIS static routes to each node's pod CIDR, no tunnel); None: the mode has none.
    static_routing: StaticRouting | None = None
    description: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        tag = self.cluster_model.model_fields["cni"].annotation
        if typing.get_args(tag) != (self.name,):
            raise ValueError(f"integration {self.name}: its cluster model must declare cni: Literal[{self.name!r}]")

    @property
    def plain_nodes(self) -> bool:
        """Whether node_vtep gives every node its own IP and no MAC (the mode's nodes have no VTEP fields)."""
        return self.node_vteps is None and self.node_vtep is _plain_node_vtep

    def vteps_of(self, nodes: Sequence[Node]) -> tuple[list[str | None], list[str]]:
        """`node_vtep` of each node as two columns: the MACs as stated (None: not stated) and the endpoints."""
        if self.node_vteps is not None:
            return self.node_vteps(nodes)
        if self.plain_nodes:
            return [None] * len(nodes), [node.ip for node in nodes]
        vteps = [self.node_vtep(node) for node in nodes]
        return [v.mac for v in vteps], [v.endpoint for v in vteps]


_REGISTRY: dict[str, Integration] = {}


def register(integration: Integration) -> Integration:
    """Add a mode; Topology's cluster union is rebuilt to accept it."""
    if integration.name in _REGISTRY:
        raise ValueError(f"integration {integration.name} registered twice")
    _REGISTRY[integration.name] = integration
    if not _loading_builtin:
        _rebuild_topology()
    return integration


def unregister(name: str) -> None:
    """Remove a mode registered at runtime, with its checks and renderers; Topology no longer accepts it."""
    from ..checks import CHECKS
    from ..render import RENDERERS

    removed = _REGISTRY.pop(name)
    CHECKS[:] = [c for c in CHECKS if c.mode != name]
    for renderer_name, fn in list(RENDERERS.items()):
        if fn.__module__ in removed.renderer_modules:
            del RENDERERS[renderer_name]
    _rebuild_topology()


def names() -> tuple[str, ...]:
    return tuple(sorted(_REGISTRY))


def integrations() -> tuple[Integration, ...]:
    return tuple(_REGISTRY[name] for name in names())


def integration(name: str) -> Integration:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise UnknownIntegration(f"unknown integration mode {name!r}; known modes: {', '.join(names())}") from None


def find(name: object) -> Integration | None:
    """The integration of a mode name as written in a file (any value), or None."""
    return _REGISTRY.get(name) if isinstance(name, str) else None


def integration_of(topology: Topology) -> Integration:
    return integration(topology.cluster.cni)


_Cluster = TypeVar("_Cluster", bound=ClusterBase)


def cluster_as(cluster: ClusterBase, cls: type[_Cluster]) -> _Cluster:
    """A cluster section as its mode's class. A mode's code runs only for topologies of the mode
    (checks with `mode=`, the registry's hooks), so any other class is a bug, not a user mistake."""
    if not isinstance(cluster, cls):
        raise TypeError(f"a cluster of mode {cluster.cni!r} is not a {cls.__name__}")
    return cluster


def _rebuild_topology() -> None:
    """Topology as the registered modes make it: the union of their cluster models, and bgp.speaker's
    values (BIRD and the modes' own speakers)."""
    speakers = [s for i in integrations() for s in i.bgp_speakers]
    speaker = Bgp.model_fields["speaker"]
    speaker.annotation = Literal[(BIRD, *(s.name for s in speakers))]  # type: ignore[assignment]
    speaker.description = SPEAKER_DESCRIPTION + "".join(f", or {s.description}" for s in speakers)
    _rebuild(Bgp)
    models = [i.cluster_model for i in integrations()]
    cluster = Topology.model_fields["cluster"]
    if len(models) > 1:
        cluster.annotation = typing.Union[tuple(models)]  # type: ignore[assignment]  # noqa: UP007
        cluster.discriminator = "cni"
    else:
        cluster.annotation = models[0] if models else ClusterBase
        cluster.discriminator = None
    _rebuild(Topology)


def _rebuild(model: type[BaseModel]) -> None:
    """A model whose fields changed: built again now if it was built (a mode registered at runtime),
    else (model.py's defer_build) built with the new fields when first used."""
    if model.__pydantic_complete__:
        model.model_rebuild(force=True)


_loading_builtin = True


def _load_builtin() -> None:
    """Import every mode package of this directory (each registers itself), then build Topology once."""
    global _loading_builtin
    # (the directories holding an __init__.py, by name, as pkgutil.iter_modules lists packages; pkgutil
    # itself costs more to import than this loop)
    for directory in __path__:
        for name in sorted(entry.name for entry in os.scandir(directory) if os.path.isfile(os.path.join(entry.path, "__init__.py"))):
            importlib.import_module(f"{__name__}.{name}")
    _loading_builtin = False
    _rebuild_topology()


_load_builtin()
