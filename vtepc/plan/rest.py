"""Each plan step as the iControl REST calls that make it: the REST target's table keyed by kind.

Pure: a step in, (method, path, body) out; vtepc.plan.apply sends them inside one transaction.
The shapes are iControl REST's own: an object is created by POST to its collection
(/mgmt/tm/net/self) with name and partition in the body, changed by PATCH and removed by DELETE
on /mgmt/tm/<collection>/~Common~<name> (F5 iControl REST API user guide, "Managing resources";
f5-common-python f5/bigip/resource.py create/modify/delete do exactly this). FDB records are the
subcollection the tunnel's FDB links to (`recordsReference`, "isSubcollection": true, as
GET /mgmt/tm/net/fdb/tunnel/~Common~<tunnel> shows): one POST or DELETE per record, so records
are added and removed one by one and never replaced as a whole list (what CIS does with its
PATCH of `records`, which would drop records it does not list). Route-domain membership has no
object of its own: the route domain's `vlans` list is PATCHed to the list the plan computed
against the fingerprinted route domain. A db key is PATCHed (/mgmt/tm/sys/db/<key>, `value`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Union

from ..state.bigip import (
    FdbRecord,
    GeneveProfile,
    Route,
    RouteDomainVlan,
    SelfIp,
    SysDb,
    Tunnel,
    VxlanProfile,
    allow_service_json,
    display_address,
)
from .model import OWNERSHIP, Action, Ownership, Step


@dataclass(frozen=True)
class RestCall:
    method: str  # POST, PATCH or DELETE
    path: str  # /mgmt/tm/...
    body: dict[str, Any] | None = None

    def line(self) -> str:
        return f"{self.method} {self.path}"


def _segment(name: str) -> str:
    return "~Common~" + name


def _common(name: str) -> str:
    return name if name.startswith("/") else f"/Common/{name}"


def _self_ip(obj: SelfIp) -> dict[str, Any]:
    return {
        "address": display_address(obj.address),
        "vlan": _common(obj.vlan),
        "allowService": allow_service_json(obj.allow_service),
        "trafficGroup": _common(obj.traffic_group),
    }


def _tunnel(obj: Tunnel) -> dict[str, Any]:
    body: dict[str, Any] = {
        "profile": _common(obj.profile),
        "key": obj.key,
        "localAddress": display_address(obj.local_address),
        "remoteAddress": obj.remote_address,
        # A tunnel outside any traffic group says "none" (as DO sends it: src/lib/networkHandler.js).
        "trafficGroup": _common(obj.traffic_group) if obj.traffic_group else "none",
    }
    if obj.secondary_address:
        body["secondaryAddress"] = display_address(obj.secondary_address)
    return body


def _route(obj: Route) -> dict[str, Any]:
    if obj.interface:
        return {"network": display_address(obj.network), "interface": _common(obj.interface)}
    # A route vtepc writes is a desired one, and the compiler gives every route a target; only a
    # route read from a device may have neither (a blackhole or a pool), and vtepc never writes that.
    assert obj.gw is not None, f"route {obj.name} has neither gw nor interface"
    return {"network": display_address(obj.network), "gw": display_address(obj.gw)}


@dataclass(frozen=True)
class RestObject:
    """A kind with a REST collection of its own: POST to create, PATCH what differs, DELETE."""

    collection: str
    body: Callable[[Any], dict[str, Any]]

    def calls(self, step: Step, marker: str) -> list[RestCall]:
        obj = step.obj
        described = {"description": marker} if OWNERSHIP[type(obj)] is Ownership.MARKER else {}
        if step.action is Action.CREATE:
            return [RestCall("POST", self.collection, {"name": obj.name, "partition": "Common", **self.body(obj), **described})]
        path = f"{self.collection}/{_segment(obj.name)}"
        if step.action is Action.DELETE:
            return [RestCall("DELETE", path)]
        old = self.body(step.before)
        changed = {key: value for key, value in self.body(obj).items() if old.get(key) != value}
        return [RestCall("PATCH", path, {**changed, **described})]


@dataclass(frozen=True)
class RestFdb:
    """One record: POST to the tunnel's records subcollection, DELETE of records/<mac>."""

    def calls(self, step: Step, marker: str) -> list[RestCall]:
        record: FdbRecord = step.obj
        records = f"/mgmt/tm/net/fdb/tunnel/{_segment(record.tunnel)}/records"
        if step.action is Action.CREATE:
            return [RestCall("POST", records, {"name": record.mac, "endpoint": record.endpoint})]
        if step.action is Action.DELETE:
            return [RestCall("DELETE", f"{records}/{record.mac}")]
        return []  # a new endpoint replaces the record (REPLACED_WHEN): never modified in place


@dataclass(frozen=True)
class RestRouteDomainVlan:
    """The route domain's VLAN list, as the plan computed it, PATCHed whole."""

    def calls(self, step: Step, marker: str) -> list[RestCall]:
        if step.route_domain is None:
            return []
        name, vlans = step.route_domain
        return [RestCall("PATCH", f"/mgmt/tm/net/route-domain/{name.replace('/', '~')}", {"vlans": [_common(v) for v in vlans]})]


@dataclass(frozen=True)
class RestDb:
    """A db key always exists: create and modify both set its value; it cannot be deleted."""

    def calls(self, step: Step, marker: str) -> list[RestCall]:
        if step.action is Action.DELETE:
            return []
        return [RestCall("PATCH", f"/mgmt/tm/sys/db/{step.obj.name}", {"value": step.obj.value})]


RestKind = Union[RestObject, RestFdb, RestRouteDomainVlan, RestDb]

# How apply writes each object kind over iControl REST (tests/test_object_kinds.py: every kind).
WRITERS: dict[type, RestKind] = {
    VxlanProfile: RestObject(
        "/mgmt/tm/net/tunnels/vxlan",
        lambda p: {"port": p.port, "floodingType": p.flooding_type, "defaultsFrom": _common(p.defaults_from)},
    ),
    GeneveProfile: RestObject("/mgmt/tm/net/tunnels/geneve", lambda p: {"port": p.port, "defaultsFrom": _common(p.defaults_from)}),
    Tunnel: RestObject("/mgmt/tm/net/tunnels/tunnel", _tunnel),
    SelfIp: RestObject("/mgmt/tm/net/self", _self_ip),
    Route: RestObject("/mgmt/tm/net/route", _route),
    FdbRecord: RestFdb(),
    RouteDomainVlan: RestRouteDomainVlan(),
    SysDb: RestDb(),
}
