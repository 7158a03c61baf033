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

from .model import FleetError, FleetReport, Member, fleet_files, is_fleet, validate_fleet

__all__ = ["FleetError", "FleetReport", "Member", "fleet_files", "is_fleet", "validate_fleet"]
