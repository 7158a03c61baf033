"""One desired state per device: the union of what every topology puts on it.

A device only one topology names keeps that topology's state as it is (single-cluster output
never changes). On a shared device the objects vtepc names itself (`vtepc-underlay`,
`vtepc-tunnel`, `vtepc-pods`, ...) are named per cluster, `vtepc-<metadata.name>-underlay`, so
two clusters' objects never take each other's name; tunnel and profile names stay as the
topologies give them (CIS is told them: --flannel-name / --cilium-name), so they must differ.

Two topologies may give a device the same self IP (one underlay address both tunnels use as
local address): the same address on the same VLAN in the same traffic group is one object, its
port lockdown the union of both. Equal profiles and `sys db` settings are shared the same way.
Anything else that two topologies both name is a clash, which the fleet checks report.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from ..state.bigip import BigipState, FdbRecord, GeneveProfile, RouteDomainVlan, SelfIp, SysDb, VxlanProfile
from .devices import Attachment, Device

OWN_PREFIX = "vtepc-"
# Kinds two topologies may both declare when the objects are equal.
SHAREABLE = (VxlanProfile, GeneveProfile, SysDb)
UNDER_A_TUNNEL = (FdbRecord, RouteDomainVlan)


def cluster_object_name(member: str, name: str) -> str:
    """`vtepc-tunnel` of topology `prod` on a shared device: `vtepc-prod-tunnel`."""
    return f"{OWN_PREFIX}{member}-{name.removeprefix(OWN_PREFIX)}" if name.startswith(OWN_PREFIX) else name


def _renamed(member: str, obj: Any) -> Any:
    renamed = cluster_object_name(member, obj.name)
    return obj if renamed == obj.name else replace(obj, name=renamed)


def _ip_of(address: str) -> str:
    return address.split("/", 1)[0]


@dataclass(frozen=True)
class Placed:
    """An object of the merged state and the topology entry it comes from."""

    obj: Any
    attachment: Attachment


@dataclass(frozen=True)
class Clash:
    """Two topologies put objects on one device that the device cannot hold both of."""

    reason: str  # "name": same kind and name, different objects; "address": one self IP address, two meanings
    first: Placed
    second: Placed


@dataclass(frozen=True)
class MergedDevice:
    device: Device
    state: BigipState
    placed: tuple[Placed, ...]  # every object of the state with the entry it comes from
    clashes: tuple[Clash, ...]


def merge_device(device: Device) -> MergedDevice:
    if len(device.members) == 1:
        # One topology: its states as they are (named as in its own build).
        placed = [Placed(obj, a) for a in device.attachments for obj in a.state.items]
        first = device.attachments[0].state
        return MergedDevice(device, first if len(device.attachments) == 1 else _state(device, placed), tuple(placed), ())
    by_name: dict[tuple[str, str], Placed] = {}
    self_by_ip: dict[str, Placed] = {}
    clashes: list[Clash] = []
    for attachment in device.attachments:
        for obj in (_renamed(attachment.member.name, o) for o in attachment.state.items):
            here = Placed(obj, attachment)
            if isinstance(obj, SelfIp):
                other = self_by_ip.get(_ip_of(obj.address))
                if other is not None:
                    same = (obj.address, obj.vlan, obj.traffic_group) == (other.obj.address, other.obj.vlan, other.obj.traffic_group)
                    if not same:
                        clashes.append(Clash("address", other, here))
                        continue
                    # One self IP both topologies use: one object, the union of their port lockdown.
                    allow = tuple(sorted(set(other.obj.allow_service) | set(obj.allow_service)))
                    shared = Placed(replace(other.obj, allow_service=allow), other.attachment)
                    self_by_ip[_ip_of(obj.address)] = by_name[(obj.kind, other.obj.name)] = shared
                    continue
                self_by_ip[_ip_of(obj.address)] = here
            key = (obj.kind, obj.name)
            other = by_name.get(key)
            if other is None:
                by_name[key] = here
            elif not (isinstance(obj, SHAREABLE) and obj == other.obj):
                # FDB records and route-domain memberships are named after their tunnel, whose clash is reported.
                if other.attachment.member is not attachment.member and not isinstance(obj, UNDER_A_TUNNEL):
                    clashes.append(Clash("name", other, here))
    placed = list(by_name.values())
    return MergedDevice(device, _state(device, placed), tuple(placed), tuple(clashes))


def _state(device: Device, placed: list[Placed]) -> BigipState:
    domains = {a.bigip.route_domain for a in device.attachments}
    route_domain = domains.pop() if len(domains) == 1 else 0  # objects carry their own %RD either way
    return BigipState(device.name, route_domain, tuple(p.obj for p in placed))
