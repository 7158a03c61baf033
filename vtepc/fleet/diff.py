"""`vtepc diff` of a fleet: what a change does to each member and each shared device.

Each member is diffed as `vtepc diff` diffs one topology, except that a BIG-IP it shares with
another member is the merged device state (vtepc.fleet.merge) on both sides, and only in the
diff of the first member (by name) that names the device, so each shared device's changes are
shown once.

- Against a git revision (diff_fleet_against_ref): desired now vs desired at REF, no device
  contacted.
- Against the devices (diff_fleet_against): live (read_devices: each device read once, as its
  merged desired state names its objects) or a fleet snapshot (`vtepc snapshot DIR`, the same
  ObservedState recorded). The BIG-IPs only: each member is its own cluster with its own API
  server, diffed with `vtepc diff FILE`. Each member's "would drop" findings walk the packet model
  (vtepc.diff.reachability) over the observed devices, every member's objects on them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from ..diagnostics import TopologyInvalid
from .devices import group_devices
from .merge import MergedDevice, merge_device
from .model import FleetReport, Member

if TYPE_CHECKING:
    from ..diff import DiffResult, IgnoreRule
    from ..live import HttpOptions, ObservedState, Progress, TlsOptions
    from ..state import DesiredState

CLUSTER_NOT_COMPARED = "the cluster is not compared in a fleet's diff of its BIG-IPs: `vtepc diff <file>` compares it"


@dataclass(frozen=True)
class MemberDiff:
    member: str  # metadata.name
    file: str
    result: "DiffResult"


def member_views(members: Sequence[Member], merged: Sequence[MergedDevice]) -> dict[str, "DesiredState"]:
    """File -> the member's desired state as the fleet sets it up: shared BIG-IPs as their merged
    device (keyed by the device's name), kept only in the first member that names the device."""
    device_of = {(a.member.file, a.bigip.name): m for m in merged for a in m.device.attachments}
    views = {}
    for member in members:
        assert member.state is not None
        bigips = {}
        for name, state in member.state.bigips.items():
            device = device_of[(member.file, name)]
            if len(device.device.members) == 1:
                bigips[name] = state
            elif device.device.attachments[0].member is member:
                bigips[device.device.name] = device.state
        views[member.file] = replace(member.state, bigips=bigips)
    return views


def _members_at_ref(report: FleetReport, ref: str) -> list[Member]:
    from ..diff.sources import topology_at_ref
    from ..state import compile_desired_state
    from ..validate import validate_text

    members = []
    for member in report.members:
        source, label = topology_at_ref(member.file, ref)
        then = validate_text(source, label)
        if not then.ok or then.topology is None:
            raise TopologyInvalid(then.diagnostics)
        # Keyed by today's file name, so both sides of a member line up.
        members.append(Member(member.file, then, compile_desired_state(then.topology)))
    return members


def diff_fleet_against_ref(
    report: FleetReport, ref: str, *, ignore: Sequence["IgnoreRule"] = (), show_secrets: bool = False
) -> list[MemberDiff]:
    """One diff per member (in the fleet's order); `report` must be ok. The fleet at `ref` is the
    same files at that revision, each of which must exist and validate there."""
    from ..diff import diff_states

    then_members = _members_at_ref(report, ref)
    now = member_views(report.members, report.merged)
    then = member_views(then_members, [merge_device(device) for device in group_devices(then_members)])
    return [
        MemberDiff(member.name, member.file, diff_states(now[member.file], then[member.file], ignore=ignore, show_secrets=show_secrets))
        for member in report.members
    ]


def read_devices(
    report: FleetReport, urls: Mapping[str, str], tls: "TlsOptions", http: "HttpOptions", progress: "Progress | None" = None
) -> "ObservedState":
    """Every device of the fleet as it is now, by device name (strict: one unreadable device raises,
    naming every one that could not be read)."""
    from ..live import LiveError, ObservedState, ProgressReporter, read_bigip
    from ..live.http import display_url

    bigips, errors = {}, []
    report_progress = ProgressReporter(progress)
    for merged in report.merged:
        name = merged.device.name
        target = f"bigip/{name} ({display_url(urls[name])})"
        report_progress.start(target)
        try:
            bigips[name] = read_bigip(name, urls[name], merged.state, tls=tls, http=http)
            report_progress.done(target, len(bigips[name].items))
        except LiveError as exc:
            report_progress.done(target, None)
            errors.append(exc)
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise LiveError(f"{len(errors)} targets could not be read: " + "; ".join(str(e) for e in errors))
    return ObservedState(bigips, None)


def diff_fleet_against(
    report: FleetReport, observed: "ObservedState", *, ignore: Sequence["IgnoreRule"] = (), show_secrets: bool = False
) -> list[MemberDiff]:
    """One diff per member of a valid fleet against the devices as observed (by device name; live
    or recorded): the BIG-IPs only, with each member's would-drop findings."""
    from ..diff import diff_states
    from ..diff.reachability import would_drop
    from ..diff.records import BIGIP_TARGET
    from ..live import ObservedState

    device_of = {(a.member.file, a.bigip.name): m.device.name for m in report.merged for a in m.device.attachments}
    views = member_views(report.members, report.merged)
    out = []
    for member in report.members:
        desired, topology = views[member.file], member.topology
        assert topology is not None
        seen = ObservedState({name: observed.bigips[name] for name in desired.bigips if name in observed.bigips}, desired.cluster)
        result = diff_states(desired, seen, ignore=ignore, show_secrets=show_secrets)
        bigips = tuple(t for t in result.targets if t.target.startswith(f"{BIGIP_TARGET}/"))
        # Each member's own view of the devices (its entries' names), every member's objects on them.
        own = {b.name: observed.bigips[device] for b in topology.bigips if (device := device_of[(member.file, b.name)]) in observed.bigips}
        found, notes = would_drop(topology, ObservedState(own, None))
        result = replace(result, targets=bigips, would_drop=found, notes=(*result.notes, CLUSTER_NOT_COMPARED, *notes))
        out.append(MemberDiff(member.name, member.file, result))
    return out
