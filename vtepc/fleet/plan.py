"""`vtepc plan` / `vtepc apply` of a fleet: one plan per device, every member's objects on it.

Each device the fleet names is planned once, against its merged desired state
(vtepc.fleet.merge): the objects of every member that names it. The plan itself is
vtepc.plan's (dependency order, transactions, stale-plan refusal, HA sync, verification);
what a fleet adds is ownership per member on a shared device:

- each object carries its own member's marker, `vtepc-managed:<metadata.name>` (a self IP
  several members declare alike is one object, marked by the member merge names it after);
- an object marked by a member is changed or deleted like the single-topology plan does; when
  another member now owns it (the member it was named after left), its marker is handed over;
- an object marked by a topology outside the fleet is never changed or deleted: the plan notes
  it (`left alone: ...`), and refuses a wanted one even with --adopt. A member removed from the
  fleet directory is such a topology: its objects stay until the user names it with
  `--prune <metadata.name>`; then they are deleted (or handed over where a member wants them);
- the devices' HA pairs are the members' pairs (they agree: VTEP1112), a pair's first unit the
  sync source, as for one topology.

Reads the devices through the callables it is given (vtepc.api wires them to the live ones).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from ..plan.model import DeviceInput, HaRole, Plan, PlanError, compute_plan, ha_roles, selected_units
from ..state.bigip import FdbRecord, Tunnel
from .model import FleetReport

if TYPE_CHECKING:
    from ..plan.model import Observed
    from ..state.bigip import BigipState
    from .merge import MergedDevice


def fleet_name(report: FleetReport) -> str:
    """The plan's topology field for a fleet: its members' names, sorted, joined by "+"."""
    return "+".join(members(report))


def members(report: FleetReport) -> tuple[str, ...]:
    return tuple(sorted(m.name for m in report.members))


def device_urls(report: FleetReport, given: Mapping[str, str]) -> dict[str, str]:
    """Device name -> URL: --bigip by the device's name (or any of its entries' names), else the
    first managementURL its entries give. ConfigurationError names what is missing."""
    from ..live.http import ConfigurationError

    known = {a.bigip.name: m.device.name for m in report.merged for a in m.device.attachments}
    unknown = sorted(set(given) - set(known))
    if unknown:
        raise ConfigurationError(f"--bigip {unknown[0]}: no such BIG-IP in the fleet (it has {', '.join(sorted(set(known)))})")
    urls = {}
    for merged in report.merged:
        device = merged.device
        names = [device.name, *(a.bigip.name for a in device.attachments)]
        url = next((given[n] for n in names if n in given), None)
        url = url or next((a.bigip.management_url for a in device.attachments if a.bigip.management_url), None)
        if not url:
            first = device.attachments[0]
            raise ConfigurationError(
                f"{device.name}: no URL; set managementURL in {first.member.file} (bigips[{first.index}]) or pass --bigip {device.name}=URL"
            )
        urls[device.name] = url
    return urls


def device_states(report: FleetReport) -> dict[str, "BigipState"]:
    return {m.device.name: m.state for m in report.merged}


def ha_pairs(report: FleetReport) -> list[list[str]]:
    """The devices' HA pairs, each as its units' device names in the order of the first member
    (by name) that pairs them; the members agree on them (VTEP1112)."""
    from ..facts import ha_pairs as topology_pairs

    device_of = {(a.member.file, a.bigip.name): m.device.name for m in report.merged for a in m.device.attachments}
    out: list[list[str]] = []
    for member in sorted(report.members, key=lambda m: m.name):
        topology = member.topology
        assert topology is not None
        for indexes in topology_pairs(topology).values():
            units = [device_of[(member.file, topology.bigips[i].name)] for i in indexes]
            if not any(set(units) == set(known) for known in out):
                out.append(units)
    return out


def owners(merged: "MergedDevice") -> dict[tuple[str, str], str]:
    """(kind, name) -> the member whose marker the object carries."""
    return {(p.obj.kind, p.obj.name): p.attachment.member.name for p in merged.placed}


def cis_tunnels(merged: "MergedDevice") -> frozenset[str]:
    """The tunnels of the device whose FDB records CIS keeps (a member with a cis section and staticFDB false)."""
    out = set()
    for attachment in merged.device.attachments:
        topology = attachment.member.topology
        if topology is not None and topology.cis is not None and not attachment.bigip.static_fdb:
            out |= {t.name for t in attachment.state.of_kind(Tunnel)}
    return frozenset(out)


def cis_keeps(report: FleetReport) -> Callable[[str, Any], bool]:
    """(device, record) -> True where CIS keeps that FDB record: left out of plan and verification."""
    kept = {m.device.name: cis_tunnels(m) for m in report.merged}
    return lambda device, record: isinstance(record, FdbRecord) and record.tunnel in kept.get(device, frozenset())


def is_vtepc_marker(description: object) -> bool:
    """Any topology's ownership marker: a fleet's plan reads every vtepc tunnel, to delete its
    members' and pruned topologies' and to say which others it leaves alone."""
    from ..plan import ownership_marker

    return isinstance(description, str) and description.startswith(ownership_marker(""))


def plan_fleet(
    report: FleetReport,
    read: Callable[[str], "Observed"],
    groups: Callable[[str], list[str]],
    *,
    bigips: Sequence[str] = (),
    adopt: bool = False,
    prune: Sequence[str] = (),
) -> Plan:
    """The plan of every device of a valid fleet (or of the named ones; a unit of an HA pair brings its pair)."""
    fleet = members(report)
    inside = sorted(set(prune) & set(fleet))
    if inside:
        raise PlanError(f"--prune {inside[0]}: {inside[0]} is in the fleet; --prune names a topology that left it")
    names = [m.device.name for m in report.merged]
    pairs = ha_pairs(report)
    selected = selected_units(bigips, names, pairs, "fleet")
    roles = ha_roles(pairs)
    inputs = {}
    for merged in report.merged:
        name = merged.device.name
        if name not in selected:
            continue
        role, peers = roles.get(name, (HaRole.SINGLE, ()))
        group = None
        if role is HaRole.SYNC_SOURCE:
            found = groups(name)
            if len(found) != 1:
                raise PlanError(
                    f"{name}: config sync needs exactly one sync-failover device group, the device has "
                    f"{len(found)} ({', '.join(found) or 'none'})"
                )
            group = found[0]
        inputs[name] = DeviceInput(
            merged.state,
            read(name),
            role,
            peers,
            group,
            cis_tunnels=cis_tunnels(merged),
            fleet=frozenset(fleet),
            pruned=frozenset(prune),
            owners=owners(merged),
        )
    plan = compute_plan(fleet_name(report), inputs, adopt=adopt)
    return replace(plan, fleet=fleet, pruned=tuple(sorted(set(prune))))
