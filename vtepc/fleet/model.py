"""The fleet's members (one validated, compiled topology file each) and the fleet report."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from ..diagnostics import Diagnostic, Path as DiagnosticPath, Position, VtepcError, sort_key
from ..validate import ValidationReport, validate_file

if TYPE_CHECKING:
    from ..model import ResolvedTopology
    from ..state import DesiredState
    from ..state.bigip import BigipState
    from .devices import Device
    from .merge import MergedDevice

TOPOLOGY_SUFFIXES = (".yaml", ".yml")


class FleetError(VtepcError):
    """The fleet's input cannot be read as a set of topology files (an empty directory, ...)."""


def fleet_files(paths: Sequence[str | Path]) -> list[Path]:
    """The topology files a fleet is made of: each file given, and every *.yaml / *.yml directly
    in each directory given (sorted); a file named twice counts once."""
    out: list[Path] = []
    seen: set[Path] = set()
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.suffix in TOPOLOGY_SUFFIXES and p.is_file())
            if not found:
                raise FleetError(f"{path} holds no topology files (*.yaml, *.yml)")
        else:
            found = [path]  # a missing file gets its positioned VTEP007 from validation
        for file in found:
            key = file.resolve()
            if key not in seen:
                seen.add(key)
                out.append(file)
    return out


@dataclass(frozen=True)
class Member:
    """One topology file of the fleet: its own validation report and, when it validates, its state."""

    file: str
    report: ValidationReport
    state: "DesiredState | None"  # compiled when the file validates

    @property
    def topology(self) -> "ResolvedTopology | None":
        return self.report.topology if self.state is not None else None

    @property
    def name(self) -> str:
        """metadata.name: the member's directory in a fleet build and the prefix of its objects on a shared device."""
        return self.state.meta.topology_name if self.state is not None else self.file

    def position(self, path: DiagnosticPath) -> Position | None:
        document = self.report.document
        return document.position(path) if document is not None else None


@dataclass(frozen=True)
class FleetReport:
    members: tuple[Member, ...]
    diagnostics: tuple[Diagnostic, ...]  # the cross-topology findings (each names its other file in `related`)
    merged: tuple["MergedDevice", ...]  # every BIG-IP device the valid members name, with its merged state

    @property
    def devices(self) -> list["Device"]:
        return [m.device for m in self.merged]

    def device_states(self) -> dict[str, "BigipState"]:
        """Device name -> the desired state of the whole device (every member's objects), for a plan."""
        return {m.device.name: m.state for m in self.merged}

    @property
    def ok(self) -> bool:
        return all(m.report.ok for m in self.members) and not any(d.is_error for d in self.diagnostics)

    @property
    def all_diagnostics(self) -> list[Diagnostic]:
        return sorted([d for m in self.members for d in m.report.diagnostics] + list(self.diagnostics), key=sort_key)

    def reports(self) -> list[ValidationReport]:
        """Each file's report, the cross-topology findings filed under the file they point at first."""
        extra: dict[str, list[Diagnostic]] = {}
        for diagnostic in self.diagnostics:
            extra.setdefault(diagnostic.file, []).append(diagnostic)
        out = []
        for member in self.members:
            report = member.report
            added = extra.pop(member.file, [])
            if added:
                report = replace(report, diagnostics=sorted(report.diagnostics + added, key=sort_key))
            out.append(report)
        return out

    def shared(self) -> list["MergedDevice"]:
        """The devices more than one member names: those whose artifacts are merged."""
        return [m for m in self.merged if len(m.device.members) > 1]


def validate_fleet(paths: Sequence[str | Path]) -> FleetReport:
    """Validate every file alone, compile the valid ones, then check the devices they share."""
    from ..state import compile_desired_state
    from .checks import run_fleet_checks
    from .devices import group_devices
    from .merge import merge_device

    members = []
    for file in fleet_files(paths):
        report = validate_file(file)
        state = None
        if report.ok and report.topology is not None:  # compiled once: validation's checks did
            state = report.desired_state or compile_desired_state(report.topology)
        members.append(Member(str(file), report, state))
    merged = [merge_device(device) for device in group_devices(members)]
    diagnostics = run_fleet_checks(members, merged)
    return FleetReport(tuple(members), tuple(sorted(diagnostics, key=sort_key)), tuple(merged))
