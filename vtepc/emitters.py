"""What every BIG-IP target does with each object kind: one table per target, keyed by kind.

The BIG-IP objects of a state (vtepc.state.bigip.OBJECT_KINDS) reach several targets: the
network.tmsh script (vtepc.render.tmsh.TMSH), the Declarative Onboarding declaration
(vtepc.render.declarative_onboarding.DO), the live reader (vtepc.live.bigip.READERS), the
plan's REST writer (vtepc.plan.rest.WRITERS) and the test emulator. Each keeps a table
{object class: how this target handles it}; an entry is either the handler or
`NotExpressible(reason)`, a kind the target cannot carry. A not-expressible kind is never
dropped silently: the target says so where its output would have had it, and a blocking one
(the target would set up another device without it) keeps the target from being used at all
(the DO declaration: do_gaps, VTEP950). tests/test_object_kinds.py requires an entry for every
kind in every table, so a new kind fails there until every target has decided.

`STAGES` is the dependency order the objects are created in (deleted in reverse): what a
network.tmsh section, a plan step and an apply transaction follow.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import groupby
from typing import Any, Iterable, Mapping, TypeVar

from .state.bigip import FdbRecord, GeneveProfile, Route, RouteDomainVlan, SelfIp, SysDb, Tunnel, VxlanProfile

T = TypeVar("T")


@dataclass(frozen=True)
class NotExpressible:
    """This target cannot carry the object (a table entry for a whole kind, or what an entry returns for one object)."""

    reason: str
    blocking: bool = True  # without the object the target would set up another device


def entry(table: Mapping[type, T], kind: type, target: str) -> T:
    """The table's entry for a kind; a kind without one is a programming error naming the target."""
    try:
        return table[kind]
    except KeyError:
        raise AssertionError(f"{target} has no entry for object kind {kind.__name__} (vtepc/emitters.py)") from None


def missing_kinds(table: Mapping[type, Any], kinds: Iterable[type]) -> list[str]:
    """The kinds a table has no entry for (tests/test_object_kinds.py wants none)."""
    return sorted(cls.__name__ for cls in kinds if cls not in table)


# The order objects are created in. Each stage is (name, kinds in emit order); a self IP is an
# underlay one (before the tunnel, whose local-address it is) or one on a tunnel (after the
# tunnel and its route-domain membership). The db key comes first: the HA design needs tunnel
# config sync on before the tunnel exists.
STAGES: tuple[tuple[str, tuple[type, ...]], ...] = (
    ("db", (SysDb,)),
    ("underlay-self", (SelfIp,)),
    ("profile", (VxlanProfile, GeneveProfile)),
    ("tunnel", (Tunnel,)),
    ("route-domain", (RouteDomainVlan,)),
    ("tunnel-self", (SelfIp,)),
    ("route", (Route,)),
    ("fdb", (FdbRecord,)),
)


# Each kind's stage, looked up per object (thousands of FDB records); reversed, so a kind in several
# stages maps to its first (a self IP's stage depends on its VLAN: stage_of decides it).
_STAGE_OF_KIND: dict[type, str] = {kind: name for name, kinds in reversed(STAGES) for kind in kinds}


def stage_of(obj: Any, tunnel_names: Iterable[str]) -> str:
    """The stage an object is created in; tunnel_names are the tunnels of its state."""
    if isinstance(obj, SelfIp):
        return "tunnel-self" if obj.vlan in set(tunnel_names) else "underlay-self"
    stage = _STAGE_OF_KIND.get(type(obj))
    if stage is None:
        raise AssertionError(f"object kind {type(obj).__name__} has no stage in vtepc.emitters.STAGES")
    return stage


def staged(objects: Iterable[Any], tunnel_names: Iterable[str]) -> list[tuple[str, list[Any]]]:
    """Objects grouped by stage in creation order, each stage's objects by kind (emit order) then as given."""
    tunnels = set(tunnel_names)
    by_stage: dict[str, list[Any]] = {name: [] for name, _ in STAGES}
    for kind, run in groupby(objects, type):  # a kind's objects come in runs (a state's thousands of FDB records in one)
        if issubclass(kind, SelfIp):
            for obj in run:
                by_stage[stage_of(obj, tunnels)].append(obj)
        else:
            same_kind = list(run)
            by_stage[stage_of(same_kind[0], tunnels)].extend(same_kind)
    out = []
    for name, kinds in STAGES:
        rank = {kind: i for i, kind in enumerate(kinds)}
        out.append((name, sorted(by_stage[name], key=lambda o: rank[type(o)]) if len(kinds) > 1 else by_stage[name]))
    return out
