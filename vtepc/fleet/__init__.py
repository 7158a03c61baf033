"""A fleet: several topologies checked together, because some of them share a BIG-IP.

    from vtepc import fleet
    report = fleet.validate_fleet(["clusters/"])        # a directory, or several files
    report.ok, report.reports()                         # per-file reports, cross-topology findings included
    for device in report.devices: device.name, device.members, device.state

Each file is validated alone first (vtepc.validate); the topologies that pass are compiled
(vtepc.state) and grouped by the BIG-IP devices they name (vtepc.fleet.devices: the same name or
the same managementURL). The cross-topology checks (vtepc.fleet.checks) then look at each device
as the union of what every topology puts on it, and each finding names both files and lines.
A device shared by several topologies gets one merged state (vtepc.fleet.merge), rendered as one
network.tmsh (and DO declaration) per device (vtepc.fleet.render).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .model import FleetError, FleetReport, Member, fleet_files, validate_fleet
else:

    def __getattr__(name: str) -> Any:
        """The names of vtepc.fleet.model, imported when first asked for: the commands ask is_fleet
        first, and one topology file needs none of them."""
        if name in _MODEL:
            from . import model

            return getattr(model, name)
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


_MODEL = ("FleetError", "FleetReport", "Member", "fleet_files", "validate_fleet")

__all__ = ["FleetError", "FleetReport", "Member", "fleet_files", "is_fleet", "validate_fleet"]


def is_fleet(paths: Sequence[str | Path]) -> bool:
    """A directory or several files: checked together. One file keeps the single-topology behaviour."""
    return len(paths) != 1 or Path(paths[0]).is_dir()
