"""The diff engine: two states in, typed Change records out. It compares objects, never text.

Both sides are anything with `bigips: {name: BigipState}` and `cluster: ClusterState`: the
compiled DesiredState, the ObservedState of the live readers or a snapshot, or the
DesiredState of the topology at another git revision. A change's `before` is the side that
is there now (live, recorded, or the base revision); `after` is what the topology asks for.

Objects are matched by (kind, name) per target. Object equality is the dataclasses' own
`==` (`origin` is compare=False), so only the objects that differ are walked field by field;
free-form Kubernetes documents (dict fields) are walked key by key, so a changed ConfigMap
key is one change, not a whole-document rewrite.
"""

from __future__ import annotations

import dataclasses
import enum
import re
from dataclasses import dataclass, field
from typing import Any, ClassVar, Collection, Iterable, Iterator, Mapping

from ..state import DesiredState
from ..state.bigip import Tunnel

from .followups import derive_follow_ups
from .ignore import IgnoreRule, apply_ignore_rules
from .records import (
    ABSENT,
    BIGIP_TARGET,
    CLUSTER_TARGET,
    DRIFT_ORIGIN,
    TUNNEL_MAC_KIND,
    Action,
    Change,
    DiffResult,
    StateSide,
    TargetDiff,
    target_label,
)
from .secrets import mask_change

# Fields the server sets and changes on its own (iControl REST and the Kubernetes API).
# The readers drop them; the engine ignores them too, at any depth, so a reader that
# forgets one cannot produce a phantom change.
SERVER_MANAGED_FIELDS = frozenset(
    {
        "generation",
        "selfLink",
        "fullPath",
        "resourceVersion",
        "uid",
        "creationTimestamp",
        "managedFields",
        "observedGeneration",
        "kubectl.kubernetes.io/last-applied-configuration",
        "deployment.kubernetes.io/revision",
    }
)

# ---- converting field values to plain JSON-able data ------------------------------------


def plain(value: Any) -> Any:
    """A field value as JSON-able data: tuples/sets to lists, nested dataclasses to dicts."""
    if isinstance(value, (str, int, float, bool)) or value is None or value is ABSENT:
        return value
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items() if k not in SERVER_MANAGED_FIELDS}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted((plain(v) for v in value), key=repr)
    if isinstance(value, enum.Enum):
        return plain(value.value)
    if dataclasses.is_dataclass(value):
        return {field_label(name): plain(getattr(value, name)) for name in _compared_fields(type(value))}
    return str(value)


_FIELDS_CACHE: dict[type, tuple[str, ...]] = {}


def _compared_fields(cls: type) -> tuple[str, ...]:
    """The fields that take part in equality, minus the identity (name) and server-managed ones."""
    names = _FIELDS_CACHE.get(cls)
    if names is None:
        names = tuple(f.name for f in dataclasses.fields(cls) if f.compare and f.name != "name" and f.name not in SERVER_MANAGED_FIELDS)
        _FIELDS_CACHE[cls] = names
    return names


# Written in capitals inside a topology-style name: podCIDR, vtepMAC, publicIP, managementURL.
_ACRONYMS = frozenset({"asn", "cidr", "id", "ip", "mac", "url", "vni", "vtep"})


def field_label(name: str) -> str:
    """A state object's field as the topology spells such fields: pod_cidr -> podCIDR, router_id -> routerID.

    Keys that are already data (ConfigMap keys, tmsh properties) have no underscores and pass unchanged.
    """
    first, *rest = name.split("_")
    return first + "".join(part.upper() if part in _ACRONYMS else part.capitalize() for part in rest)


def object_fields(obj: Any) -> dict[str, Any]:
    """An object's compared fields as plain data: what an added or removed object shows."""
    return {field_label(name): plain(getattr(obj, name)) for name in _compared_fields(type(obj))}


# ---- field paths ------------------------------------------------------------------------

_SIMPLE_SEGMENT = re.compile(r"^[A-Za-z0-9_-]+$")


def join_path(path: tuple[str | int, ...]) -> str:
    """('data', 'vtep-mac') -> 'data.vtep-mac'; keys with dots or slashes are bracketed."""
    out = ""
    for segment in path:
        if isinstance(segment, int):
            out += f"[{segment}]"
        elif _SIMPLE_SEGMENT.match(segment):
            out += ("." if out else "") + segment
        else:
            out += '["' + segment.replace("\\", "\\\\").replace('"', '\\"') + '"]'
    return out


def _walk(path: tuple[str | int, ...], before: Any, after: Any) -> Iterator[tuple[tuple[str | int, ...], Any, Any]]:
    """Leaf-level differences between two values; `before != after` is known by the caller."""
    if isinstance(before, Mapping) and isinstance(after, Mapping):
        for key in sorted(before.keys() | after.keys(), key=str):
            if key in SERVER_MANAGED_FIELDS:
                continue
            b, a = before.get(key, ABSENT), after.get(key, ABSENT)
            if b != a and not _same_once_server_fields_dropped(b, a):
                yield from _walk(path + (str(key),), b, a)
    elif isinstance(before, (list, tuple)) and isinstance(after, (list, tuple)) and len(before) == len(after) and _has_documents(before):
        # Same-length lists of documents (e.g. a Deployment's containers): per element.
        for index, (b, a) in enumerate(zip(before, after)):
            if b != a:
                yield from _walk(path + (index,), b, a)
    else:
        yield path, plain(before), plain(after)


def _same_once_server_fields_dropped(before: Any, after: Any) -> bool:
    """E.g. annotations holding only last-applied-configuration vs no annotations: no change.

    An empty mapping and a missing one mean the same to both APIs."""
    b, a = plain(before), plain(after)
    return b == a or (b in (ABSENT, {}) and a in (ABSENT, {}))


def _has_documents(values: Iterable[Any]) -> bool:
    return any(isinstance(v, (Mapping, list, tuple)) for v in values)


def _field_origin(obj: Any, path: tuple[str | int, ...]) -> str | None:
    """The most specific origin of a field: objects such as cilium-config attribute each key
    (`key_origins`, by key or dotted value path), so vtep-mac says bigips[1].tunnel.mac."""
    key_origins: Mapping[str, str] | None = getattr(obj, "key_origins", None)
    keys = [str(part) for part in path[1:]]
    if key_origins:
        for length in range(len(keys), 0, -1):
            origin = key_origins.get(".".join(keys[:length]))
            if origin:
                return origin
    whole: str | None = obj.origin
    return whole


def _object_changes(target: str, before: Any, after: Any) -> list[Change]:
    kind, name = after.kind, after.name
    changes = []
    for field_name in _compared_fields(type(after)):
        b, a = getattr(before, field_name, ABSENT), getattr(after, field_name)
        if b == a:
            continue
        for path, leaf_before, leaf_after in _walk((field_label(field_name),), b, a):
            origin = _field_origin(after, path) or before.origin or DRIFT_ORIGIN
            changes.append(Change(target, Action.CHANGE, kind, name, join_path(path), leaf_before, leaf_after, origin))
    return changes


def diff_target(target: str, before_objects: Iterable[Any], after_objects: Iterable[Any]) -> TargetDiff:
    """Added, removed and changed objects of one target, in (kind, name) order."""
    before = {(obj.kind, obj.name): obj for obj in before_objects}
    after = {(obj.kind, obj.name): obj for obj in after_objects}
    changes: list[Change] = []
    for key in sorted(before.keys() | after.keys()):
        b, a = before.get(key), after.get(key)
        if b is not None and a is not None:
            if type(a) is not type(b) or a != b:
                changes.extend(_object_changes(target, b, a))
        elif a is not None:
            changes.append(Change(target, Action.ADD, a.kind, a.name, "", ABSENT, object_fields(a), a.origin or DRIFT_ORIGIN))
        elif b is not None:
            changes.append(Change(target, Action.REMOVE, b.kind, b.name, "", object_fields(b), ABSENT, b.origin or DRIFT_ORIGIN))
    return TargetDiff(target, tuple(changes), len(before.keys() | after.keys()))


@dataclass(frozen=True)
class TunnelMac:
    """The tunnel interface's MAC, which only the device knows and the topology restates
    (bigips[].tunnel.mac, for cilium-config vtep-mac and the flannel VtepMAC).

    Compared only against a device, and only when both sides know it: a topology without the
    MAC makes no claim (vtepc discover fills it in)."""

    kind: ClassVar[str] = TUNNEL_MAC_KIND
    name: str  # the tunnel's name
    mac: str
    origin: str = field(default="", compare=False)


def _tunnel_mac(state: Any) -> list[TunnelMac]:
    vtep = getattr(state, "vtep", None)
    tunnel = next((o for o in state.objects() if o.kind == Tunnel.kind), None)
    if vtep is None or vtep.mac is None or tunnel is None:
        return []
    return [TunnelMac(tunnel.name, vtep.mac, f"{tunnel.origin}.mac" if tunnel.origin else "")]


def _bigip_objects(desired: Any, observed: Any, against_device: bool) -> tuple[list[Any], list[Any]]:
    desired_objects = list(desired.objects()) if desired is not None else []
    observed_objects = list(observed.objects()) if observed is not None else []
    if against_device and desired is not None and observed is not None:
        desired_mac, observed_mac = _tunnel_mac(desired), _tunnel_mac(observed)
        if desired_mac and observed_mac:
            desired_objects += desired_mac
            observed_objects += observed_mac
    return desired_objects, observed_objects


def _cluster_objects(state: Any, skipped_kinds: Collection[str]) -> list[Any]:
    """Everything vtepc manages in the cluster, and the cluster's nodes (for drift)."""
    if state is None:
        return []
    return [o for o in (*state.objects(), *state.nodes) if o.kind not in skipped_kinds]


def diff_states(
    desired: StateSide,
    observed: StateSide,
    *,
    ignore: Iterable[IgnoreRule] = (),
    show_secrets: bool = False,
    unread_kinds: Mapping[str, str] | None = None,
) -> DiffResult:
    """Every difference between what the topology asks for and what is there, per target.

    `observed` is what is there now: the live readers' or a snapshot's ObservedState, or the
    DesiredState of the topology at the base git revision. Each change's `before` comes from
    it, `after` from `desired`. Targets are each BIG-IP by name (topology order), then the
    cluster; a target on one side only (a BIG-IP added to the topology, or one the snapshot
    has and the topology no longer does) diffs against an empty side.

    `unread_kinds` ({kind: why}) are kinds the observed side could not read (no reader, no
    access): they are left out of the comparison and said so in the result's notes, rather
    than shown as objects to add.
    """
    unread_kinds = dict(unread_kinds or {})
    against_device = not isinstance(observed, DesiredState)
    names = list(desired.bigips) + sorted(set(observed.bigips) - set(desired.bigips))
    target_diffs = []
    for name in names:
        after, before = _bigip_objects(desired.bigips.get(name), observed.bigips.get(name), against_device)
        target_diffs.append(diff_target(target_label(BIGIP_TARGET, name), before, after))
    cluster_name = (desired.cluster or observed.cluster).name
    target_diffs.append(
        diff_target(
            target_label(CLUSTER_TARGET, cluster_name),
            _cluster_objects(observed.cluster, unread_kinds),
            _cluster_objects(desired.cluster, unread_kinds),
        )
    )

    kept, ignored = apply_ignore_rules(target_diffs, list(ignore))
    # Each mode's follow-ups read the desired cluster state (e.g. the chart the Helm values are for).
    follow_ups = derive_follow_ups(kept, against_device=against_device, desired_cluster=desired.cluster)
    masked = 0
    if not show_secrets:
        masked_targets = [dataclasses.replace(t, changes=tuple(mask_change(c) for c in t.changes)) for t in kept]
        masked = sum(a != b for old, new in zip(kept, masked_targets) for a, b in zip(old.changes, new.changes))
        kept = masked_targets
    notes = [f"{kind} not compared: {why}" for kind, why in sorted(unread_kinds.items())]
    notes += [f"left out of the desired state: {why}" for why in getattr(desired.cluster, "omitted", ())]
    return DiffResult(tuple(kept), tuple(follow_ups), ignored, masked, tuple(notes))
