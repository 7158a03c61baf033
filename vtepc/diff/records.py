"""The diff's records: what a difference is, per object and field, and what to do about it.

Plain frozen dataclasses, so formatters and callers read the same data; the engine makes them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any, Mapping, Protocol

DRIFT_ORIGIN = "drift: not in the topology"
BIGIP_TARGET = "bigip"
CLUSTER_TARGET = "cluster"
# The tunnel MAC as the device reports it vs as the topology states it: fixed in the topology.
TUNNEL_MAC_KIND = "net/tunnels/tunnel/mac"


class _Absent:
    """The value of a side that has no such object or key (distinct from a None/null value)."""

    _instance: "_Absent | None" = None

    def __new__(cls) -> "_Absent":
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "(absent)"

    def __bool__(self) -> bool:
        return False


ABSENT: Any = _Absent()


class Action(str, enum.Enum):
    ADD = "add"  # only in `after`: applying the topology creates it
    REMOVE = "remove"  # only in `before`: drift, or removed from the topology
    CHANGE = "change"  # in both, a field differs


@dataclass(frozen=True)
class Change:
    target: str  # "bigip/<name>" or "cluster/<name>"
    action: Action
    kind: str
    name: str
    field: str  # "" for a whole object added or removed; else e.g. "data.vtep-mac"
    before: Any  # ABSENT when the object or key is not there
    after: Any
    origin: str  # the topology element that causes it, or DRIFT_ORIGIN


@dataclass(frozen=True)
class TargetDiff:
    target: str
    changes: tuple[Change, ...]
    objects_compared: int

    def count(self, action: Action) -> int:
        return sum(1 for change in self.changes if change.action is action)


@dataclass(frozen=True)
class FollowUp:
    step: int  # the order to do them in
    target: str
    action: str  # what to do, in words
    reason: str
    command: str = ""  # the command that does it, when there is one


@dataclass(frozen=True)
class WouldDrop:
    """Pods a BIG-IP unit cannot reach on the observed state, or whose reply does not come back:
    the packet model (vtepc.reach) walked over what the devices hold now."""

    summary: str  # "bigip-1 -> pods on node1 and 2 more node(s): dropped at bigip-1 arp: ..."
    origin: str  # the topology field behind the deciding hop ("" when none)
    nodes: tuple[str, ...]


@dataclass(frozen=True)
class DiffResult:
    targets: tuple[TargetDiff, ...]
    follow_ups: tuple[FollowUp, ...] = ()
    ignored: int = 0  # changes dropped by user ignore rules
    masked: int = 0  # changes with a secret value masked (none with --show-secrets)
    notes: tuple[str, ...] = ()  # what was not compared, and why
    would_drop: tuple[WouldDrop, ...] = ()  # on observed state (live or snapshot): what it cannot deliver today

    @property
    def changes(self) -> list[Change]:
        return [change for target in self.targets for change in target.changes]

    @property
    def has_changes(self) -> bool:
        return any(target.changes for target in self.targets)


class StateSide(Protocol):
    """What diff_states compares: a DesiredState, an ObservedState (read-only attributes of either)."""

    @property
    def bigips(self) -> Mapping[str, Any]: ...

    @property
    def cluster(self) -> Any: ...


def target_label(kind: str, name: str) -> str:
    return f"{kind}/{name}"
