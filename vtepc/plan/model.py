"""The plan: the BIG-IP changes that take each device from what it has to what the topology asks.

Pure: states and what was read in, a Plan out (no I/O, clock or randomness). One DevicePlan per
BIG-IP, so plans of several topologies merge device by device (Plan.merged).

- Steps run in dependency order (vtepc.emitters.STAGES): deletions first, in reverse (FDB
  records, routes, tunnel self IPs, route-domain membership, tunnel, profile, underlay self IPs),
  then creations and changes in order (db key, underlay self IPs, profile, tunnel, membership,
  tunnel self IPs, route, FDB records). Each step names the topology field that causes it, as
  `vtepc diff` does; a deletion names "not in the topology".
- Ownership (OWNERSHIP): an object vtepc creates carries its marker as description
  (`vtepc-managed:<topology>`); FDB records and route-domain membership belong to their tunnel;
  a db key is a setting vtepc only sets. Only owned objects are changed or deleted. One that is
  there under the desired name but not vtepc's is adopted only with `adopt` (the step says so,
  and sets the marker); otherwise the plan lists it as refused and cannot be applied. Objects
  nobody declared are never touched (the live reader does not even read them).
- A fleet's device (DeviceInput.fleet, vtepc.fleet.plan) holds several topologies' objects:
  each desired object carries its own topology's marker (DeviceInput.owners, Step.owner); an
  object marked by another member, or by a topology the user prunes, is changed (its marker
  handed over), deleted when no member wants it; an object marked by any other topology is never
  changed or deleted (refused when wanted, even with `adopt`; a note when not).
- A change tmsh/REST cannot make in place (REPLACED_WHEN: a tunnel's profile, a self IP's VLAN,
  a route's network or kind of target, a record's endpoint) replaces the object, and the objects
  that hang on it (REFERENCES) are deleted before it and created again after it.
- Where CIS owns the FDB (CIS in the topology and staticFDB false) FDB records are left alone.
- The plan records a fingerprint of every object it was computed against (its fields and
  description, or "absent"): apply re-reads the device and refuses a plan whose device changed.
- HA (vtepc's design: the tunnel on the floating underlay address, config-synced): the pair's
  first unit gets every object and is then config-synced to its device group; every other unit
  gets only what config sync does not carry, its own (non-floating) self IPs and the db key.

A plan holds object fields only: names, addresses, ports. Never a credential, token or URL.
"""

from __future__ import annotations

import enum
import hashlib
import json
from dataclasses import dataclass, field, fields, replace
from typing import Any, Callable, Iterable, Mapping, Sequence

from ..diagnostics import VtepcError
from ..emitters import STAGES, entry, stage_of
from ..state.bigip import (
    LOCAL_ONLY,
    OBJECT_KINDS,
    BigipState,
    FdbRecord,
    GeneveProfile,
    Route,
    RouteDomainVlan,
    SelfIp,
    SysDb,
    Tunnel,
    VxlanProfile,
    display_address,
)

PLAN_FORMAT = "vtepc-plan/1"
NOT_IN_TOPOLOGY = "not in the topology"
ABSENT = "absent"


class PlanError(VtepcError):
    """A plan that cannot be read or applied as it stands (refused objects, a changed device, a bad file)."""


def ownership_marker(topology: str) -> str:
    """The description vtepc gives every object it creates: one tmsh word (no spaces, no quotes)."""
    return f"vtepc-managed:{topology}"


class Ownership(str, enum.Enum):
    MARKER = "marker"  # the object's description is vtepc's marker for this topology
    TUNNEL = "tunnel"  # belongs to its tunnel (FDB records, route-domain membership): owned when the tunnel is
    SETTING = "setting"  # a device setting vtepc states (a db key): set to the desired value, never deleted


# How vtepc tells its own objects of each kind (tests/test_object_kinds.py: every kind has one).
OWNERSHIP: dict[type, Ownership] = {
    VxlanProfile: Ownership.MARKER,
    GeneveProfile: Ownership.MARKER,
    Tunnel: Ownership.MARKER,
    SelfIp: Ownership.MARKER,
    Route: Ownership.MARKER,
    FdbRecord: Ownership.TUNNEL,
    RouteDomainVlan: Ownership.TUNNEL,
    SysDb: Ownership.SETTING,
}

# When a changed object cannot be modified in place and is replaced (deleted, then created).
# BIG-IP refuses to change a tunnel's profile or a self IP's VLAN on an existing object, a
# route is its destination, and a record is its MAC and endpoint.
REPLACED_WHEN: dict[type, Callable[[Any, Any], bool]] = {
    VxlanProfile: lambda b, a: b.defaults_from != a.defaults_from,
    GeneveProfile: lambda b, a: b.defaults_from != a.defaults_from,
    Tunnel: lambda b, a: b.profile != a.profile,
    SelfIp: lambda b, a: b.vlan != a.vlan,
    Route: lambda b, a: b.network != a.network or (b.gw is None) != (a.gw is None),
    FdbRecord: lambda b, a: b.endpoint != a.endpoint,
    RouteDomainVlan: lambda b, a: True,  # its name is all of it
    SysDb: lambda b, a: False,
}


def references(obj: Any) -> set[tuple[str, str]]:
    """(kind, name) of the objects `obj` hangs on: replacing one of them replaces `obj` too."""
    if isinstance(obj, Tunnel):
        return {(VxlanProfile.kind, obj.profile), (GeneveProfile.kind, obj.profile)}
    if isinstance(obj, (SelfIp, RouteDomainVlan)):
        return {(Tunnel.kind, obj.vlan)}
    if isinstance(obj, Route):
        return {(Tunnel.kind, obj.interface)} if obj.interface else set()
    if isinstance(obj, FdbRecord):
        return {(Tunnel.kind, obj.tunnel)}
    return set()


# --- what was read ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Found:
    """One object as read from the device, with its description (None for kinds that have none)."""

    obj: Any
    description: str | None = None


@dataclass(frozen=True)
class Observed:
    """A device as read for planning: its objects, and its route domains ({id: (name, vlans)})
    because a membership change rewrites the route domain's VLAN list."""

    objects: tuple[Found, ...]
    route_domains: Mapping[int, tuple[str, tuple[str, ...]]] = field(default_factory=dict)


def jsonable(obj: Any) -> dict[str, Any]:
    """A state object as plain data (kind + fields, origin left out), as recorded in a plan."""
    out: dict[str, Any] = {"kind": obj.kind}
    for f in fields(obj):
        if f.name != "origin":
            value = getattr(obj, f.name)
            out[f.name] = list(value) if isinstance(value, tuple) else value
    return out


def from_jsonable(data: Mapping[str, Any]) -> Any:
    cls = OBJECT_KINDS.get(str(data.get("kind")))
    if cls is None:
        raise PlanError(f"unknown BIG-IP object kind {data.get('kind')!r} in the plan")
    values = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items() if k != "kind"}
    try:
        return cls(**values)
    except TypeError as exc:
        raise PlanError(f"a {data.get('kind')} in the plan has other fields than vtepc writes ({exc})") from None


def fingerprint(found: Found | None) -> str:
    """What the plan saw of one object: a digest of its fields and description, or "absent"."""
    if found is None:
        return ABSENT
    text = json.dumps({"object": jsonable(found.obj), "description": found.description}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _route_domain_fingerprint(route_domains: Mapping[int, tuple[str, tuple[str, ...]]], domain: int) -> str:
    if domain not in route_domains:
        return ABSENT
    name, vlans = route_domains[domain]
    return hashlib.sha256(json.dumps([name, sorted(vlans)]).encode()).hexdigest()[:16]


def _key(obj: Any) -> str:
    return f"{obj.kind} {obj.name}"


# --- the plan -----------------------------------------------------------------------------------


class Action(str, enum.Enum):
    CREATE = "create"
    MODIFY = "modify"
    DELETE = "delete"


@dataclass(frozen=True)
class Step:
    action: Action
    obj: Any  # the desired object (create, modify) or the one on the device (delete)
    before: Any = None  # modify: the object as it is on the device
    origin: str = NOT_IN_TOPOLOGY  # the topology field that causes it
    adopt: bool = False  # takes over an object vtepc does not own yet (sets the marker)
    why: str = ""  # e.g. "replaced: profile cannot change in place"
    route_domain: tuple[str, tuple[str, ...]] | None = None  # membership steps: the route domain and its VLAN list afterwards
    owner: str = ""  # a fleet's create/modify: the member it is for, whose marker it gets (else the plan's topology)

    @property
    def key(self) -> str:
        return _key(self.obj)

    def marker(self, plan_marker: str) -> str:
        """The description the object gets: its owner's marker in a fleet, else the plan's."""
        return ownership_marker(self.owner) if self.owner else plan_marker

    def changed_fields(self) -> list[tuple[str, Any, Any]]:
        if self.before is None:
            return []
        return [
            (f.name, getattr(self.before, f.name), getattr(self.obj, f.name))
            for f in fields(self.obj)
            if f.compare and f.name != "name" and getattr(self.before, f.name) != getattr(self.obj, f.name)
        ]

    def to_jsonable(self) -> dict[str, Any]:
        out: dict[str, Any] = {"action": self.action.value, "object": jsonable(self.obj), "origin": self.origin}
        if self.before is not None:
            out["before"] = jsonable(self.before)
        if self.adopt:
            out["adopt"] = True
        if self.why:
            out["why"] = self.why
        if self.route_domain is not None:
            out["routeDomain"] = {"name": self.route_domain[0], "vlans": list(self.route_domain[1])}
        if self.owner:
            out["owner"] = self.owner
        return out

    @classmethod
    def from_jsonable(cls, data: Mapping[str, Any]) -> "Step":
        try:
            domain = data.get("routeDomain")
            return cls(
                Action(data["action"]),
                from_jsonable(data["object"]),
                from_jsonable(data["before"]) if data.get("before") is not None else None,
                str(data.get("origin", NOT_IN_TOPOLOGY)),
                bool(data.get("adopt", False)),
                str(data.get("why", "")),
                (str(domain["name"]), tuple(str(v) for v in domain["vlans"])) if domain is not None else None,
                str(data.get("owner", "")),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise PlanError(f"a step of the plan is malformed ({type(exc).__name__}: {exc})") from None


class HaRole(str, enum.Enum):
    SINGLE = "single"  # no HA: the device on its own
    SYNC_SOURCE = "sync-source"  # the pair's first unit: every object, then config sync to its device group
    SYNC_PEER = "sync-peer"  # another unit of the pair: only what config sync does not carry


@dataclass(frozen=True)
class DevicePlan:
    bigip: str
    steps: tuple[Step, ...]
    fingerprints: Mapping[str, str]  # "<kind> <name>" (or "route-domain <id>") -> fingerprint, everything in scope
    ha: HaRole = HaRole.SINGLE
    peers: tuple[str, ...] = ()  # the other units of its HA pair
    sync_group: str | None = None  # a sync source's device group, read from it
    refused: tuple[str, ...] = ()  # objects the plan would have to change but vtepc does not own
    notes: tuple[str, ...] = ()

    @property
    def has_changes(self) -> bool:
        return bool(self.steps)

    def count(self, action: Action) -> int:
        return sum(1 for step in self.steps if step.action is action)

    def to_jsonable(self) -> dict[str, Any]:
        return {
            "ha": self.ha.value,
            "peers": list(self.peers),
            "syncGroup": self.sync_group,
            "steps": [step.to_jsonable() for step in self.steps],
            "fingerprints": dict(sorted(self.fingerprints.items())),
            "refused": list(self.refused),
            "notes": list(self.notes),
        }

    @classmethod
    def from_jsonable(cls, name: str, data: Mapping[str, Any]) -> "DevicePlan":
        try:
            return cls(
                name,
                tuple(Step.from_jsonable(s) for s in data["steps"]),
                {str(k): str(v) for k, v in data["fingerprints"].items()},
                HaRole(data.get("ha", HaRole.SINGLE.value)),
                tuple(str(p) for p in data.get("peers", [])),
                None if data.get("syncGroup") is None else str(data["syncGroup"]),
                tuple(str(r) for r in data.get("refused", [])),
                tuple(str(n) for n in data.get("notes", [])),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise PlanError(f"the plan for {name} is malformed ({type(exc).__name__}: {exc})") from None


@dataclass(frozen=True)
class Plan:
    topology: str  # metadata.name: the ownership marker's topology (a fleet: its members' names joined by "+")
    devices: Mapping[str, DevicePlan]  # by BIG-IP name, in apply order (a pair's sync source before its peers)
    fleet: tuple[str, ...] = ()  # a fleet's plan: its members (metadata.name), sorted
    pruned: tuple[str, ...] = ()  # a fleet's plan: topologies outside it whose objects it deletes (--prune)

    @property
    def has_changes(self) -> bool:
        return any(d.has_changes for d in self.devices.values())

    @property
    def refused(self) -> list[str]:
        return [f"{name}: {r}" for name, d in self.devices.items() for r in d.refused]

    @property
    def ours(self) -> frozenset[str]:
        """The topologies whose marked objects the plan changes and deletes."""
        return frozenset(self.fleet + self.pruned) if self.fleet else frozenset({self.topology})

    def to_jsonable(self) -> dict[str, Any]:
        data: dict[str, Any] = {"format": PLAN_FORMAT, "topology": self.topology}
        if self.fleet:
            data.update(fleet=list(self.fleet), pruned=list(self.pruned))
        data["devices"] = {name: device.to_jsonable() for name, device in self.devices.items()}
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_jsonable(), indent=2) + "\n"

    def same_as(self, other: "Plan") -> bool:
        """Whether both plans save as the same file (compared compact: json's C encoder; indent=2 is its Python one)."""
        return json.dumps(self.to_jsonable()) == json.dumps(other.to_jsonable())

    @classmethod
    def from_json(cls, text: str) -> "Plan":
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise PlanError(f"the plan is not JSON ({exc})") from None
        if not isinstance(data, dict) or data.get("format") != PLAN_FORMAT:
            raise PlanError(f"not a vtepc plan (format {PLAN_FORMAT} expected)")
        devices = data.get("devices")
        if not isinstance(devices, dict):
            raise PlanError("the plan has no devices")
        fleet, pruned = data.get("fleet", []), data.get("pruned", [])
        if not isinstance(fleet, list) or not isinstance(pruned, list):
            raise PlanError("the plan's fleet and pruned are not lists")
        return cls(
            str(data.get("topology", "")),
            {str(n): DevicePlan.from_jsonable(str(n), d) for n, d in devices.items()},
            tuple(str(m) for m in fleet),
            tuple(str(p) for p in pruned),
        )


# --- computing a plan ---------------------------------------------------------------------------


def in_peer_scope(obj: Any) -> bool:
    """What a sync peer gets from vtepc itself: config sync carries everything else from the source."""
    return (isinstance(obj, SelfIp) and obj.traffic_group == LOCAL_ONLY) or isinstance(obj, SysDb)


@dataclass(frozen=True)
class DeviceInput:
    """What one device's plan is computed from."""

    desired: BigipState
    observed: Observed
    ha: HaRole = HaRole.SINGLE
    peers: tuple[str, ...] = ()
    sync_group: str | None = None
    cis_owns_fdb: bool = False  # CIS keeps every FDB record of the device
    cis_tunnels: frozenset[str] = frozenset()  # a fleet's device: the tunnels whose FDB records CIS keeps
    fleet: frozenset[str] = frozenset()  # a fleet's device: the fleet's members (metadata.name)
    pruned: frozenset[str] = frozenset()  # a fleet's device: topologies left out of the fleet whose objects are deleted
    owners: Mapping[tuple[str, str], str] = field(default_factory=dict)  # a fleet's device: (kind, name) -> its member


def _topology_of(description: str | None) -> str | None:
    """The topology an ownership marker names; None for any other description."""
    prefix = ownership_marker("")
    return description[len(prefix) :] if description is not None and description.startswith(prefix) else None


def plan_device(device: DeviceInput, topology: str, *, adopt: bool = False) -> DevicePlan:
    desired = device.desired
    # The topologies whose objects this plan changes and deletes: its own, or a fleet's members and pruned ones.
    ours = (device.fleet | device.pruned) if device.fleet else frozenset({topology})
    notes: list[str] = []

    def in_scope(obj: Any) -> bool:
        if isinstance(obj, FdbRecord) and (device.cis_owns_fdb or obj.tunnel in device.cis_tunnels):
            return False
        return device.ha is not HaRole.SYNC_PEER or in_peer_scope(obj)

    if device.cis_owns_fdb:
        notes.append("FDB records left alone: CIS keeps this BIG-IP's FDB (staticFDB: false)")
    if device.cis_tunnels:
        notes.append(f"FDB records of {', '.join(sorted(device.cis_tunnels))} left alone: CIS keeps them (staticFDB: false)")
    wanted = {(o.kind, o.name): o for o in desired.objects() if in_scope(o)}
    found = {(f.obj.kind, f.obj.name): f for f in device.observed.objects if in_scope(f.obj)}
    tunnels_now = {f.obj.name: f for f in found.values() if isinstance(f.obj, Tunnel)}

    def owner(key: tuple[str, str]) -> str:
        return device.owners.get(key, topology)

    def marked(f: Found) -> bool:
        return _topology_of(f.description) in ours

    adopted: set[tuple[str, str]] = set()
    handed: dict[tuple[str, str], str] = {}  # a fleet's object marked by another of its topologies: key -> that topology
    refused: list[str] = []
    for key, f in found.items():
        ownership = entry(OWNERSHIP, type(f.obj), "vtepc.plan OWNERSHIP")
        if ownership is not Ownership.MARKER or key not in wanted or f.description == ownership_marker(owner(key)):
            continue
        whose = _topology_of(f.description)
        if marked(f):
            handed[key] = str(whose)
        elif adopt and not (device.fleet and whose is not None):
            adopted.add(key)
        elif device.fleet and whose is not None:
            refused.append(
                f"{f.obj.kind} {f.obj.name} exists on the device and is vtepc topology {whose}'s, which is not in the fleet; "
                f"--prune {whose} hands it over, if {whose} left the fleet"
            )
        else:
            owned_by = f"vtepc topology {whose}'s" if whose is not None else "not vtepc's"
            refused.append(f"{f.obj.kind} {f.obj.name} exists on the device and is {owned_by}; --adopt takes it over")

    def owned(f: Found) -> bool:
        ownership = entry(OWNERSHIP, type(f.obj), "vtepc.plan OWNERSHIP")
        if ownership is Ownership.SETTING:
            return True
        if ownership is Ownership.MARKER:
            return marked(f) or (f.obj.kind, f.obj.name) in adopted
        tunnel = str(getattr(f.obj, "tunnel", None) or getattr(f.obj, "vlan", ""))
        there = tunnels_now.get(tunnel)
        return there is None or marked(there) or (Tunnel.kind, tunnel) in adopted

    deletes: dict[tuple[str, str], Step] = {}
    creates: dict[tuple[str, str], Step] = {}
    left_alone: dict[str, int] = {}
    for key, there in found.items():
        if key in wanted or OWNERSHIP[type(there.obj)] is Ownership.SETTING:
            continue
        if owned(there):
            whose = _topology_of(there.description)
            left = whose in device.pruned and f"topology {whose} left the fleet (--prune {whose})"
            deletes[key] = Step(Action.DELETE, there.obj, origin=left or NOT_IN_TOPOLOGY)
        elif device.fleet and (whose := _topology_of(there.description)) is not None:
            left_alone[whose] = left_alone.get(whose, 0) + 1
    for whose, count in sorted(left_alone.items()):
        notes.append(f"left alone: {count} object(s) of topology {whose}, which is not in the fleet (--prune {whose} deletes them)")

    def stated(key: tuple[str, str]) -> str:
        return owner(key) if device.fleet else ""

    for key, obj in wanted.items():
        now = found.get(key)
        if now is None:
            creates[key] = Step(Action.CREATE, obj, origin=obj.origin, owner=stated(key))
        elif not owned(now):
            continue  # refused above (or a membership/record of a tunnel that is not vtepc's)
        elif REPLACED_WHEN[type(obj)](now.obj, obj):
            deletes[key] = Step(Action.DELETE, now.obj, origin=obj.origin, why="replaced: it cannot change in place")
            creates[key] = Step(
                Action.CREATE, obj, origin=obj.origin, adopt=key in adopted, why="replaced: it cannot change in place", owner=stated(key)
            )
        elif now.obj != obj or key in adopted or key in handed:
            why = f"handed over from topology {handed[key]}" if key in handed else ""
            creates[key] = Step(Action.MODIFY, obj, before=now.obj, origin=obj.origin, adopt=key in adopted, why=why, owner=stated(key))
    # Objects hanging on a replaced or deleted one go with it, and come back if still wanted.
    held: set[tuple[str, str]] = set()  # a fleet's: another topology's objects that hang on what goes, refused
    changed = True
    while changed:
        changed = False
        gone = set(deletes)
        for key, f in found.items():
            if key in deletes or key in held or not references(f.obj) & gone:
                continue
            whose = _topology_of(f.description)
            if device.fleet and whose is not None and whose not in ours:
                held.add(key)
                on = ", ".join(sorted(f"{kind} {name}" for kind, name in references(f.obj) & gone))
                refused.append(f"{_key(f.obj)} of topology {whose}, which is not in the fleet, hangs on {on}, which the plan deletes")
                continue
            deletes[key] = Step(
                Action.DELETE, f.obj, origin=wanted[key].origin if key in wanted else NOT_IN_TOPOLOGY, why="goes with what it hangs on"
            )
            if key in wanted:
                creates[key] = Step(
                    Action.CREATE, wanted[key], origin=wanted[key].origin, why="re-created with what it hangs on", owner=stated(key)
                )
            changed = True
    if device.fleet:
        refused += _addresses_held(found, deletes, creates)
    # Route-domain membership: the step carries the route domain's VLAN list afterwards.
    domains = dict(device.observed.route_domains)
    for step in [*deletes.values(), *creates.values()]:
        if isinstance(step.obj, RouteDomainVlan) and step.obj.route_domain not in domains:
            refused.append(f"route domain {step.obj.route_domain} does not exist on the device; vtepc assumes it (create it first)")
    vlans_after = {rd: set(vlans) for rd, (_, vlans) in domains.items()}
    for step in deletes.values():
        if isinstance(step.obj, RouteDomainVlan) and step.obj.route_domain in vlans_after:
            vlans_after[step.obj.route_domain].discard(step.obj.vlan)
    for step in creates.values():
        if isinstance(step.obj, RouteDomainVlan) and step.obj.route_domain in vlans_after:
            vlans_after[step.obj.route_domain].add(step.obj.vlan)

    def with_domain(step: Step) -> Step:
        if not isinstance(step.obj, RouteDomainVlan) or step.obj.route_domain not in domains:
            return step
        rd = step.obj.route_domain
        return replace(step, route_domain=(domains[rd][0], tuple(sorted(vlans_after[rd]))))

    tunnel_names = {o.name for o in desired.of_kind(Tunnel)} | set(tunnels_now)
    order = {name: i for i, (name, _) in enumerate(STAGES)}

    def rank(step: Step) -> tuple[int, str, str]:
        return order[stage_of(step.obj, tunnel_names)], step.obj.kind, step.obj.name

    steps = [with_domain(s) for s in sorted(deletes.values(), key=rank, reverse=True)]
    steps += [with_domain(s) for s in sorted(creates.values(), key=rank)]
    prints = {_key(f.obj): fingerprint(f) for f in found.values()}
    prints.update({_key(o): ABSENT for k, o in wanted.items() if k not in found})
    for step in steps:
        if isinstance(step.obj, RouteDomainVlan):
            prints[f"route-domain {step.obj.route_domain}"] = _route_domain_fingerprint(domains, step.obj.route_domain)
    return DevicePlan(desired.name, tuple(steps), prints, device.ha, device.peers, device.sync_group, tuple(refused), tuple(notes))


def _addresses_held(
    found: Mapping[tuple[str, str], Found], deletes: Mapping[tuple[str, str], Step], creates: Mapping[tuple[str, str], Step]
) -> list[str]:
    """A fleet's self IPs to create at an address another self IP keeps: BIG-IP holds one self IP
    per address. On a shared device the name of a self IP several members declare follows the
    membership (vtepc.fleet.merge), so a member leaving the fleet renames it: the old one is deleted
    first when it is a member's or pruned, and is refused here when it is anyone else's."""
    kept = {f.obj.address.split("/")[0]: f for key, f in found.items() if isinstance(f.obj, SelfIp) and key not in deletes}
    refused = []
    for key, step in creates.items():
        holder = kept.get(step.obj.address.split("/")[0]) if isinstance(step.obj, SelfIp) else None
        if holder is None or key in found:
            continue
        whose = _topology_of(holder.description)
        fix = f"--prune {whose} deletes it, if {whose} left the fleet" if whose is not None else "it is not vtepc's: remove it first"
        address = display_address(step.obj.address)
        refused.append(f"net/self {step.obj.name} takes address {address}, which self IP {holder.obj.name} has; {fix}")
    return refused


def left_to_others(observed: Observed, ours: frozenset[str]) -> set[str]:
    """Keys ("<kind> <name>") of what another topology's marker owns on the device (its objects, and
    its tunnels' FDB records and route-domain membership): a plan for `ours` never touches them,
    and verification does not expect them gone."""
    others = {_key(f.obj) for f in observed.objects if _topology_of(f.description) not in (None, *ours)}
    tunnels = {f.obj.name for f in observed.objects if isinstance(f.obj, Tunnel) and _key(f.obj) in others}
    return others | {
        _key(f.obj) for f in observed.objects if isinstance(f.obj, (FdbRecord, RouteDomainVlan)) and _tunnel_of(f.obj) in tunnels
    }


def _tunnel_of(obj: FdbRecord | RouteDomainVlan) -> str:
    return obj.tunnel if isinstance(obj, FdbRecord) else obj.vlan


def observed_fingerprints(plan: DevicePlan, observed: Observed) -> dict[str, str]:
    """The fingerprints of the same objects as `plan` recorded, as the device has them now."""
    now = {_key(f.obj): f for f in observed.objects}
    out = {}
    for key in plan.fingerprints:
        if key.startswith("route-domain "):
            out[key] = _route_domain_fingerprint(observed.route_domains, int(key.split(" ", 1)[1]))
        else:
            out[key] = fingerprint(now.get(key))
    return out


def stale_objects(plan: DevicePlan, observed: Observed) -> list[str]:
    """What changed on the device since the plan was computed ([] when nothing did)."""
    now = observed_fingerprints(plan, observed)
    return sorted(key for key, print_ in plan.fingerprints.items() if now.get(key) != print_)


def ha_roles(pairs: Iterable[Sequence[str]]) -> dict[str, tuple[HaRole, tuple[str, ...]]]:
    """{unit: (role, its peers)}: each pair's first unit is the sync source, the others its peers."""
    roles: dict[str, tuple[HaRole, tuple[str, ...]]] = {}
    for members in pairs:
        if len(members) < 2:
            continue
        for i, name in enumerate(members):
            others = tuple(m for m in members if m != name)
            roles[name] = (HaRole.SYNC_SOURCE if i == 0 else HaRole.SYNC_PEER, others)
    return roles


def selected_units(bigips: Sequence[str], names: Sequence[str], pairs: Iterable[Sequence[str]], where: str) -> set[str]:
    """The BIG-IPs `--bigip` names (every one of `names` without it), each with its HA peers: one
    unit of a pair is never planned alone. An unknown name is an error naming the `where`."""
    unknown = sorted(set(bigips) - set(names))
    if unknown:
        raise PlanError(f"--bigip {unknown[0]}: no such BIG-IP in the {where} (it has {', '.join(names)})")
    selected = set(bigips or names)
    for members in pairs:
        if selected & set(members):
            selected |= set(members)
    return selected


def compute_plan(topology: str, devices: Mapping[str, DeviceInput], *, adopt: bool = False) -> Plan:
    """The plan for every device in `devices` (in apply order: a pair's sync source before its peers)."""
    ordered = sorted(devices, key=lambda n: devices[n].ha is HaRole.SYNC_PEER)
    return Plan(topology, {name: plan_device(devices[name], topology, adopt=adopt) for name in ordered})
