"""Semantic checks: a registry of small functions over one shared, parsed context.

Each check is a generator of Findings registered with `@check(CODE, ...)`, listing every
code it may emit so the reference docs and the tests can enumerate them. A check never
raises for a user's mistake; it yields a Finding and moves on, so one run reports all.
Checks that need parsed addresses take them from the Context, which parses each value
once and hands back None for values the syntax checks already reported.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable

from ..addresses import parse_interface, parse_ip, parse_mac, parse_network
from ..diagnostics import CODES, Diagnostic, Path
from ..loader import Document
from ..model import Topology


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    path: Path
    message: str
    hint: str = ""
    at_key: bool = False  # point at the key rather than the value (e.g. for a missing sibling)


class Context:
    """The resolved topology plus memoized parses of its addresses."""

    def __init__(self, topology: Topology, document: Document | None = None):
        self.topology = topology
        self.document = document
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

    def ip(self, text: object):
        return self._parsed("ip", text, parse_ip)

    def network(self, text: object):
        return self._parsed("net", text, parse_network)

    def interface(self, text: object):
        return self._parsed("if", text, parse_interface)

    def mac(self, text: object):
        return self._parsed("mac", text, parse_mac)

    @property
    def is_cilium(self) -> bool:
        return self.topology.cluster.cni == "cilium"

    @property
    def is_flannel(self) -> bool:
        return self.topology.cluster.cni == "flannel"


CheckFn = Callable[[Context], Iterable[Finding]]


@dataclass(frozen=True, slots=True)
class RegisteredCheck:
    name: str
    codes: tuple[str, ...]
    run: CheckFn


CHECKS: list[RegisteredCheck] = []


def check(*codes: str) -> Callable[[CheckFn], CheckFn]:
    """Register a check and the codes it may emit (each must be in diagnostics.CODES)."""
    for code in codes:
        if code not in CODES:
            raise ValueError(f"check code {code} is not registered")

    def decorate(fn: CheckFn) -> CheckFn:
        CHECKS.append(RegisteredCheck(fn.__name__, codes, fn))
        return fn

    return decorate


def run_checks(topology: Topology, document: Document) -> list[Diagnostic]:
    _load_check_modules()
    ctx = Context(topology, document)
    out: list[Diagnostic] = []
    for registered in CHECKS:
        for finding in registered.run(ctx):
            if finding.code not in registered.codes:
                raise AssertionError(f"{registered.name} emitted undeclared code {finding.code}")
            position = document.key_position(finding.path) if finding.at_key else document.position(finding.path)
            out.append(
                Diagnostic(finding.code, finding.message, finding.path, finding.hint, document.file, position)
            )
    return out


def all_codes() -> list[str]:
    """Every code the validator can emit (loader, schema and semantic checks)."""
    _load_check_modules()
    return sorted(CODES)


def _load_check_modules() -> None:
    # Importing registers the checks; the import order is the run order.
    from . import addressing, cilium, flannel, ha, routing, services, syntax, versions  # noqa: F401
