"""Semantic checks: a registry of small functions over one shared, parsed context.

Each check is a generator of Findings registered with `@check(CODE, ...)`, listing every
code it may emit so the reference docs and the tests can enumerate them. A check never
raises for a user's mistake; it yields a Finding and moves on, so one run reports all.
Checks that need parsed addresses take them from the Context, which parses each value
once and hands back None for values the syntax checks already reported.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Callable, ClassVar, Iterable, Sequence, TypeVar, cast

from .. import facts
from ..addresses import IPAddress, IPInterface, IPNetwork, parse_interface, parse_ip, parse_mac, parse_network
from ..diagnostics import CODES, Diagnostic, Path
from ..integrations import Integration, NodeField, cluster_as, integration_of, integrations
from ..loader import Document
from ..model import Bigip, ClusterBase, Node, ResolvedTopology
from ._columns import NodeColumns
from ._networks import IpValue, NetworkIndex, Span, ip_value, network_span

if TYPE_CHECKING:
    from ..state import DesiredState


@dataclass(frozen=True)
class Partial:
    """What was left out of a topology that failed schema validation only in some entries.

    The checks then run on the rest; `original_indices` maps each list that lost entries (by
    path) to the file index of every kept entry, so findings still point at the right lines.
    Checks that would misread a missing entry as absent ask `lost_entries` first. Findings
    about a mapping that held an unknown key are dropped: `tunel:` would otherwise also
    report "no tunnel", a consequence of the typo rather than a second problem.
    """

    original_indices: dict[Path, list[int]] = field(default_factory=dict)
    dropped_bigip_names: frozenset[str] = frozenset()
    typo_parents: frozenset[Path] = frozenset()

    def lost_entries(self, list_path: Path) -> bool:
        return list_path in self.original_indices

    def file_path(self, path: Path) -> Path:
        for list_path, kept in self.original_indices.items():
            n = len(list_path)
            index = path[n] if len(path) > n else None
            if path[:n] == list_path and isinstance(index, int) and index < len(kept):
                return list_path + (kept[index],) + tuple(path[n + 1 :])
        return path


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    path: Path
    message: str
    hint: str = ""
    at_key: bool = False  # point at the key rather than the value (e.g. for a missing sibling)


_Cluster = TypeVar("_Cluster", bound=ClusterBase)


class Context:
    """The resolved topology plus memoized parses of its addresses."""

    # False: every check runs its per-node code (the equivalence tests compare the two; tests/test_checks_columns.py)
    fast_verdicts: ClassVar[bool] = True

    def __init__(self, topology: ResolvedTopology, document: Document | None = None, partial: Partial | None = None):
        self.topology = topology
        self.document = document
        self.partial = partial or Partial()
        self.errors_reported = 0  # errors the checks that ran before reported (run_checks counts them)
        self._cache: dict[tuple[str, str], object] = {}

    def _parsed(self, kind: str, text: object, parser: Callable[[object], object]) -> object:
        if not isinstance(text, str):
            return None
        key = (kind, text)
        try:
            return self._cache[key]
        except KeyError:
            value = self._cache[key] = parser(text)
            return value

    def ip(self, text: object) -> IPAddress | None:
        return cast("IPAddress | None", self._parsed("ip", text, parse_ip))

    def network(self, text: object) -> IPNetwork | None:
        return cast("IPNetwork | None", self._parsed("net", text, parse_network))

    def interface(self, text: object) -> IPInterface | None:
        return cast("IPInterface | None", self._parsed("if", text, parse_interface))

    def mac(self, text: object) -> str | None:
        return cast("str | None", self._parsed("mac", text, parse_mac))

    @cached_property
    def integration(self) -> Integration:
        """The topology's mode (checks of a mode's own package run only for it: `@check(mode=...)`)."""
        return integration_of(self.topology)

    def cluster_as(self, cls: type[_Cluster]) -> _Cluster:
        """The cluster section as its mode's class (for a mode's own checks, which run only for its topologies)."""
        return cluster_as(self.topology.cluster, cls)

    @property
    def is_tunnel(self) -> bool:
        return self.topology.cluster.routing == "tunnel"

    @cached_property
    def pair_of(self) -> dict[int, IPAddress]:
        """BIG-IP index -> its HA pair's key, the floating underlay address it shares with its peers."""
        return facts.pair_of(self.topology)

    @cached_property
    def pair_members(self) -> dict[IPAddress, list[int]]:
        return facts.ha_pairs(self.topology)

    def same_pair(self, a: int, b: int) -> bool:
        key = self.pair_of.get(a)
        return key is not None and key == self.pair_of.get(b)

    @cached_property
    def node_ips(self) -> list[IpValue | None]:
        """Each node's IP as (version, integer) (None when invalid), by node index."""
        return [ip_value(node.ip) for node in self.topology.cluster.nodes]

    @cached_property
    def node_pod_spans(self) -> list[Span | None]:
        """Each node's pod CIDR as integers (None when absent or invalid), by node index."""
        return [network_span(node.pod_cidr) for node in self.topology.cluster.nodes]

    @cached_property
    def node_pod_prefixlens(self) -> Sequence[int | None]:
        """Each node's pod CIDR prefix length (None when absent or invalid), by node index."""
        pods = self.node_columns.pod_cidrs
        fast = self.node_columns.pods4
        if fast is None:
            return [span.prefixlen if span is not None else None for span in self.node_pod_spans]
        if None not in pods:
            return fast.prefixlens
        lengths = iter(fast.prefixlens)
        return [None if text is None else next(lengths) for text in pods]

    @cached_property
    def node_pod_networks(self) -> NetworkIndex[int]:
        """Every valid node pod CIDR, labelled with its node's index."""
        fast = self.node_columns.pod_index()
        if fast is not None:
            return fast
        return NetworkIndex((span, i) for i, span in enumerate(self.node_pod_spans) if span is not None)

    @cached_property
    def node_columns(self) -> NodeColumns:
        """The nodes' facts as columns, for the checks' fast verdicts (see _columns.py)."""
        integration = self.integration
        return NodeColumns(self.topology.cluster.nodes, integration.node_addresses, integration.node_macs, enabled=self.fast_verdicts)

    @cached_property
    def cluster_pod_network(self) -> IPNetwork | None:
        return self.network(self.topology.cluster.pod_cidr)

    @cached_property
    def desired_state(self) -> "DesiredState | None":
        """The compiled state, once for every check that judges it (ask only when no check reported
        an error); None when it does not compile (a problem the checks do not cover; build reports it)."""
        from ..diagnostics import VtepcError
        from ..state import compile_desired_state

        try:
            return compile_desired_state(self.topology)
        except VtepcError:
            return None

    def compiled(self) -> "DesiredState | None":
        """The desired state if a check compiled it (without compiling it): `build` renders it."""
        state: DesiredState | None = self.__dict__.get("desired_state")
        return state


def node_values(node: Node, fields: Sequence[NodeField]) -> list[tuple[str, str | None]]:
    """(key, value) of each of a mode's own node fields (Integration.node_addresses, node_macs)."""
    return [(key, getattr(node, attribute)) for key, attribute in fields]


@dataclass(frozen=True, slots=True)
class SelfIp:
    """One self IP a BIG-IP entry declares: its text, where it sits, and what it is."""

    text: str
    path: Path  # below ("bigips", i)
    what: str
    floating: bool


def self_ips(bigip: Bigip) -> list[SelfIp]:
    """The underlay and tunnel self IPs of a BIG-IP entry, then its floating ones."""
    out = [SelfIp(bigip.underlay.self_ip, ("underlay", "selfIP"), "underlay self IP", False)]
    if bigip.tunnel is not None:
        out.append(SelfIp(bigip.tunnel.self_ip, ("tunnel", "selfIP"), "tunnel self IP", False))
    if bigip.ha is not None:
        out.append(SelfIp(bigip.ha.floating_underlay_ip, ("ha", "floatingUnderlayIP"), "floating underlay IP", True))
        if bigip.ha.floating_tunnel_ip is not None:
            out.append(SelfIp(bigip.ha.floating_tunnel_ip, ("ha", "floatingTunnelIP"), "floating tunnel IP", True))
    return out


CheckFn = Callable[[Context], Iterable[Finding]]


@dataclass(frozen=True, slots=True)
class RegisteredCheck:
    name: str
    codes: tuple[str, ...]
    run: CheckFn
    after_others: bool = False  # runs once every other check has, whatever the import order
    mode: str | None = None  # runs only for topologies of this integration mode; None: every mode


CHECKS: list[RegisteredCheck] = []


def check(*codes: str, after_others: bool = False, mode: str | None = None) -> Callable[[CheckFn], CheckFn]:
    """Register a check and the codes it may emit (each must be in diagnostics.CODES); a mode's
    own checks name the mode and run only for its topologies."""
    for code in codes:
        if code not in CODES:
            raise ValueError(f"check code {code} is not registered")

    def decorate(fn: CheckFn) -> CheckFn:
        CHECKS.append(RegisteredCheck(fn.__name__, codes, fn, after_others, mode))
        return fn

    return decorate


def run_checks(topology: ResolvedTopology, document: Document, partial: Partial | None = None) -> list[Diagnostic]:
    return run_context_checks(Context(topology, document, partial))


def run_context_checks(ctx: Context) -> list[Diagnostic]:
    """Every check on `ctx` (which then holds what they computed, e.g. the desired state)."""
    _load_check_modules()
    document = ctx.document
    assert document is not None, "checks report positions: the context needs the document"
    out: list[Diagnostic] = []
    mode = ctx.integration.name
    for registered in sorted(CHECKS, key=lambda c: c.after_others):
        if registered.mode is not None and registered.mode != mode:
            continue
        for finding in registered.run(ctx):
            if finding.code not in registered.codes:
                raise AssertionError(f"{registered.name} emitted undeclared code {finding.code}")
            path = ctx.partial.file_path(finding.path)
            if path in ctx.partial.typo_parents:
                continue
            position = document.key_position(path) if finding.at_key else document.position(path)
            out.append(Diagnostic(finding.code, finding.message, path, finding.hint, document.file, position))
            ctx.errors_reported += out[-1].is_error
    return out


def all_codes() -> list[str]:
    """Every code the validator can emit (loader, schema and semantic checks, and a fleet's cross-topology checks)."""
    _load_check_modules()
    from ..fleet import checks as fleet_checks  # noqa: F401 (registers the fleet's codes)

    return sorted(CODES)


def _load_check_modules() -> None:
    # Importing registers the checks; the import order is the run order. Then each mode's own.
    from . import addressing, bigip, cis, ha, routing, services, syntax  # noqa: F401
    from . import static_routing  # noqa: F401
    from . import reachability  # noqa: F401

    for registered in integrations():
        for module in registered.check_modules:
            importlib.import_module(module)
