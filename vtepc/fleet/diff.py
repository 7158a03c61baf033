"""`vtepc diff` of a fleet against a git revision: what a change does to each member and each shared device.

Each member is diffed as `vtepc diff --against-ref` diffs one topology (desired now vs desired at
REF, no device contacted), except that a BIG-IP it shares with another member is the merged
device state (vtepc.fleet.merge) on both sides, and only in the diff of the first member (by
name) that names the device, so each shared device's changes are shown once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from ..diagnostics import TopologyInvalid
from .devices import group_devices
from .merge import MergedDevice, merge_device
from .model import FleetReport, Member

if TYPE_CHECKING:
    from ..diff import DiffResult, IgnoreRule
    from ..state import DesiredState


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
