"""An iControl REST emulator: the subset of a BIG-IP's /mgmt API that vtepc reads.

Shapes follow F5's documentation and public fixtures:
  * token login: POST /mgmt/shared/authn/login {username, password, loginProviderName: "tmos"}
    -> {"token": {"token": ...}}, then header X-F5-Auth-Token (F5 iControl REST user guide,
    token-based authentication; the project's ../shared/spec/domain-facts.md). A failed login answers 401 with F5's error
    document, which echoes `originalRequestBody` (the password!): the emulator does the same so
    tests prove clients never print server bodies wholesale.
  * collections: {"kind": "tm:<path>:<last>collectionstate", "selfLink", "items": [...]}, objects
    {"kind": "tm:<path>:<last>state", "name", "partition", "fullPath", "generation", "selfLink"},
    e.g. tm:net:tunnels:tunnel:tunnelcollectionstate / tunnelstate and the FDB tunnel's
    `recordsReference {"link", "isSubcollection": true}` (CiscoTestAutomation genieparser
    BIG-IP fixtures for /mgmt/tm/net/tunnels/tunnel and /mgmt/tm/net/fdb/tunnel; f5-sdk
    f5/bigip/tm/net/fdb.py: kind tm:net:fdb:tunnel:tunnelstate). FDB records are
    {"name": <mac>, "endpoint": <ip>} (F5Networks/k8s-bigip-ctlr python/tests/bigip_test_vxlan_*.json).
  * paging: `$top` / `$skip`, answered with currentItemCount, totalItems, pageIndex, totalPages and a
    `nextLink` that points at https://localhost/mgmt/... (the device's own name for itself).
  * the tunnel MAC: GET /mgmt/tm/net/tunnels/tunnel/~Common~NAME/stats?options=all-properties ->
    entries[<stats selfLink>].nestedStats.entries.macAddr.description, where the entry key is
    .../~Common~NAME/stats from v14 and .../~Common~NAME/~Common~NAME/stats on v12-13 (F5 lab
    scripts for flannel/CIS read it exactly so; clouddocs "Add BIG-IP device to flannel VXLAN"
    uses `tmsh show net tunnels tunnel flannel_vxlan all-properties` for the same value).

Faults beyond the base server's: wrong credentials (401), `token_lifetime` (a token answers 401
"expired" after that many uses), `max_page_size` (force paging), `stats_key_style="v13"`,
`inline_records=False` (FDB records only through the subcollection), `paging_loop` ("same": every
page's nextLink is the first page again; "endless": a new $skip every time, never a last page),
`missing_collections` (collection paths answering 404, as a device answers an unknown URI).
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any, Callable

from vtepc.state.bigip import (
    LOCAL_ONLY,
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

from .server import EmulatorServer, Reply, Request, page_bounds

VERSION = "17.1.0"
LOCAL = "https://localhost/mgmt/tm/"
TUNNELS = "net/tunnels/tunnel"
FDB_TUNNELS = "net/fdb/tunnel"
UNPARTITIONED = {"sys/db"}  # objects addressed by bare name


def _kind(collection: str, suffix: str) -> str:
    parts = collection.split("/")
    return "tm:" + ":".join(parts) + f":{parts[-1]}{suffix}"


def _segment(collection: str, full_path: str) -> str:
    return full_path if collection in UNPARTITIONED else full_path.replace("/", "~")


class BigipEmulator(EmulatorServer):
    def __init__(self, username: str = "admin", password: str = "emulator-password", certificate: tuple[Path, Path] | None = None):
        super().__init__(certificate)
        self.username = username
        self.password = password
        self.token_lifetime: int | None = None  # authenticated requests per token; None = no expiry
        self.max_page_size: int | None = None
        self.stats_key_style = "v14"
        self.inline_records = True
        self.paging_loop: str | None = None
        self.missing_collections: set[str] = set()
        self.collections: dict[str, dict[str, dict]] = {}
        self.tunnel_macs: dict[str, str] = {}  # tunnel fullPath -> MAC shown in its stats
        self.logins = 0
        self._tokens: dict[str, int] = {}  # token -> uses left (-1: unlimited)
        self._token_numbers = itertools.count(1)
        self._generation = itertools.count(1)

    # --- content --------------------------------------------------------------------------

    def put(self, collection: str, name: str, partition: str | None = "Common", **fields: Any) -> dict:
        """Create or replace one object; server-managed fields are filled in as a device would."""
        full_path = name if collection in UNPARTITIONED or partition is None else f"/{partition}/{name}"
        document = {"kind": _kind(collection, "state"), "name": name}
        if collection not in UNPARTITIONED and partition is not None:
            document["partition"] = partition
        document.update(
            fullPath=full_path,
            generation=next(self._generation),
            selfLink=f"{LOCAL}{collection}/{_segment(collection, full_path)}?ver={VERSION}",
        )
        document.update(fields)
        self.collections.setdefault(collection, {})[full_path] = document
        return document

    def remove(self, collection: str, full_path: str) -> None:
        del self.collections[collection][full_path]

    def set_tunnel_mac(self, tunnel: str, mac: str, partition: str = "Common") -> None:
        self.tunnel_macs[f"/{partition}/{tunnel}"] = mac

    def fdb_records(self, tunnel: str, partition: str = "Common") -> list[dict]:
        full_path = f"/{partition}/{tunnel}"
        fdb = self.collections.setdefault(FDB_TUNNELS, {}).get(full_path)
        if fdb is None:
            fdb = self.put(FDB_TUNNELS, tunnel, partition, records=[])
        return fdb.setdefault("records", [])

    def add_fdb_record(self, tunnel: str, mac: str, endpoint: str, partition: str = "Common") -> None:
        self.fdb_records(tunnel, partition).append({"name": mac, "endpoint": endpoint})

    def remove_fdb_record(self, tunnel: str, mac: str, partition: str = "Common") -> None:
        records = self.fdb_records(tunnel, partition)
        before = len(records)
        records[:] = [record for record in records if record["name"] != mac]
        assert len(records) == before - 1, f"no FDB record {mac} on {tunnel}"

    def load_state(self, state: BigipState, default_mac: str = "02:00:5e:00:00:01") -> None:
        """Configure the device as `state` says, the way tmsh/REST would show it, among device defaults.

        The tunnel gets the state's VTEP MAC, or `default_mac` when the state does not know it
        (a real tunnel always has one).
        """
        self.add_device_defaults()
        for obj in state.objects():
            self._load_object(obj)
        if state.vtep is not None:
            for tunnel in state.of_kind(Tunnel):
                self.set_tunnel_mac(tunnel.name, state.vtep.mac or default_mac)

    def add_device_defaults(self) -> None:
        """What every BIG-IP has besides vtepc's objects: built-in profiles, tunnels, route domain 0, admin objects."""
        # The built-in vxlan profile floods multicast; vxlan-multipoint is a separate built-in
        # (REST listing in CiscoTestAutomation genieparser tests/test_get_net_tunnelsvxlan.py).
        self.put("net/tunnels/vxlan", "vxlan", port=4789, floodingType="multicast", encapsulationType="vxlan")
        self.put(
            "net/tunnels/vxlan",
            "vxlan-multipoint",
            port=4789,
            floodingType="multipoint",
            defaultsFrom="/Common/vxlan",
            encapsulationType="vxlan",
        )
        self.put("net/tunnels/geneve", "geneve", port=6081)
        for name in ("http-tunnel", "socks-tunnel"):
            self.put(TUNNELS, name, profile="/Common/tcp-forward", key=0, localAddress="any6", remoteAddress="any6")
        self.collections.setdefault("net/route-domain", {})
        if "/Common/0" not in self.collections["net/route-domain"]:
            self.put("net/route-domain", "0", id=0, vlans=["/Common/http-tunnel", "/Common/socks-tunnel"])
        self.put(
            "net/self",
            "admin-external",
            address="192.0.2.245/24",
            vlan="/Common/external",
            trafficGroup="/Common/traffic-group-local-only",
            floating="disabled",
            allowService="all",
        )
        self.put("net/route", "default", network="default", gw="192.0.2.1")
        self.put("sys/db", "iptunnel.configsync", partition=None, value="enable", defaultValue="enable")

    def apply_rest(self, action: str, path: str, body: dict | None = None) -> None:
        """What the device stores for one iControl REST call as DO makes it (path /tm/..., the
        oracle's calls). The device lists a route's `interface` as `tmInterface` and leaves a
        tunnel's trafficGroup "none" out: DO's src/lib/configItems.json reads them back so."""
        collection = path[len("/tm/") :]
        if action == "delete":
            collection, _, segment = collection.rpartition("/")
            self.collections.get(collection, {}).pop(segment.replace("~", "/"), None)
            return
        fields = {k: v for k, v in (body or {}).items() if k not in ("name", "partition")}
        if collection == "net/route" and "interface" in fields:
            fields["tmInterface"] = fields.pop("interface")
        if collection == TUNNELS and fields.get("trafficGroup") == "none":
            del fields["trafficGroup"]
        self.put(collection, body["name"], body.get("partition", "Common"), **fields)

    def _load_object(self, obj) -> None:
        loader = LOADERS.get(type(obj))
        if loader is None:
            raise AssertionError(f"the emulator cannot load {type(obj).__name__}")
        loader(self, obj)

    # --- HTTP -----------------------------------------------------------------------------

    def route(self, request: Request) -> Reply:
        if request.path == "/mgmt/shared/authn/login":
            return self._login(request)
        denied = self._check_token(request)
        if denied:
            return denied
        if request.method != "GET":
            return Reply(405, {"code": 405, "message": f"{request.method} is not emulated (vtepc only reads)"})
        if not request.path.startswith("/mgmt/tm/"):
            return _not_found(request.path)
        segments = request.path[len("/mgmt/tm/") :].strip("/").split("/")
        for split in range(len(segments), 0, -1):
            collection = "/".join(segments[:split])
            if collection in self.collections or collection in (TUNNELS, FDB_TUNNELS):
                return self._resource(request, collection, segments[split:])
        return _not_found(request.path)

    def _login(self, request: Request) -> Reply:
        if request.method != "POST":
            return Reply(405, {"code": 405, "message": "login is POST"})
        try:
            body = json.loads(request.body)
        except ValueError:
            body = {}
        if body.get("username") != self.username or body.get("password") != self.password:
            return Reply(
                401,
                {
                    "code": 401,
                    "message": "Authentication failed.",
                    "originalRequestBody": request.body.decode(errors="replace"),
                    "referer": "127.0.0.1",
                    "restOperationId": 1,
                    "kind": ":resterrorresponse",
                },
            )
        self.logins += 1
        token = f"EMULATORTOKEN{next(self._token_numbers):04d}"
        self._tokens[token] = -1 if self.token_lifetime is None else self.token_lifetime
        return Reply(
            200,
            {
                "username": self.username,
                "loginProviderName": body.get("loginProviderName", "tmos"),
                "token": {
                    "token": token,
                    "name": token,
                    "userName": self.username,
                    "timeout": 1200,
                    "selfLink": f"https://localhost/mgmt/shared/authz/tokens/{token}",
                },
            },
        )

    def _check_token(self, request: Request) -> Reply | None:
        token = request.headers.get("x-f5-auth-token")
        uses_left = self._tokens.get(token or "")
        if uses_left is None:
            return Reply(401, {"code": 401, "message": "Authorization failed: no user authentication header or token detected."})
        if uses_left == 0:
            return Reply(401, {"code": 401, "message": f"X-F5-Auth-Token {token} has expired."})
        if uses_left > 0:
            self._tokens[token] = uses_left - 1
        return None

    def _resource(self, request: Request, collection: str, rest: list[str]) -> Reply:
        objects = self.collections.get(collection, {})
        if not rest:
            if collection in self.missing_collections:
                return _not_found(request.path)
            return self._page(request, collection, list(objects.values()))
        full_path = rest[0] if collection in UNPARTITIONED else rest[0].replace("~", "/")
        document = objects.get(full_path)
        if collection == TUNNELS and rest[1:] == ["stats"] and document is not None:
            return Reply(200, self._stats(full_path))
        if document is None or len(rest) > (2 if collection == FDB_TUNNELS else 1):
            return _not_found(request.path)
        if collection == FDB_TUNNELS:
            return self._fdb(request, collection, document, rest[1:])
        return Reply(200, document)

    def _fdb(self, request: Request, collection: str, document: dict, rest: list[str]) -> Reply:
        link = f"{LOCAL}{collection}/{_segment(collection, document['fullPath'])}/records?ver={VERSION}"
        records = [{"kind": "tm:net:fdb:tunnel:records:recordsstate", **record} for record in document.get("records", [])]
        if rest == ["records"]:
            path = f"{collection}/{_segment(collection, document['fullPath'])}/records"
            return self._page(request, path, records, collection_kind="tm:net:fdb:tunnel:records:recordscollectionstate")
        shown = {key: value for key, value in document.items() if key != "records"}
        shown["recordsReference"] = {"link": link, "isSubcollection": True}
        if self.inline_records and records:
            shown["records"] = [{"name": r["name"], "endpoint": r["endpoint"]} for r in records]
        return Reply(200, shown)

    def _page(self, request: Request, collection: str, items: list[dict], collection_kind: str | None = None) -> Reply:
        skip = int(request.query.get("$skip", 0) or 0)
        top = int(request.query["$top"]) if request.query.get("$top") else None
        start, end = page_bounds(len(items), skip, top, self.max_page_size)
        page = items[start:end]
        document = {
            "kind": collection_kind or _kind(collection, "collectionstate"),
            "selfLink": f"{LOCAL}{collection}?ver={VERSION}",
            "items": page,
        }
        size = end - start
        if size and (top or self.max_page_size):
            document.update(
                currentItemCount=size,
                itemsPerPage=size,
                pageIndex=start // size + 1,
                startIndex=start + 1,
                totalItems=len(items),
                totalPages=-(-len(items) // size),
            )
        if end < len(items):
            document["nextLink"] = f"{LOCAL}{collection}?$top={size}&$skip={end}&ver={VERSION}"
        if self.paging_loop == "same":
            document["nextLink"] = f"{LOCAL}{collection}?$top={top or 0}&$skip=0&ver={VERSION}"
        elif self.paging_loop == "endless":
            document["nextLink"] = f"{LOCAL}{collection}?$top={top or 0}&$skip={skip + max(size, 1)}&ver={VERSION}"
        return Reply(200, document)

    def _stats(self, full_path: str) -> dict:
        segment = full_path.replace("/", "~")
        base = f"{LOCAL}{TUNNELS}/{segment}"
        key = f"{base}/{segment}/stats" if self.stats_key_style == "v13" else f"{base}/stats"
        entries = {
            "tmName": {"description": full_path},
            "hcInOctets": {"value": 0},
            "hcOutOctets": {"value": 0},
        }
        if full_path in self.tunnel_macs:
            entries["macAddr"] = {"description": self.tunnel_macs[full_path]}
        return {
            "kind": "tm:net:tunnels:tunnel:tunnelstats",
            "selfLink": f"{base}/stats?ver={VERSION}",
            "entries": {key: {"nestedStats": {"kind": "tm:net:tunnels:tunnel:tunnelstats", "selfLink": key, "entries": entries}}},
        }


# --- how the emulator stores each object kind, as tmsh/REST would show it ---------------------


def _load_vxlan(device: BigipEmulator, obj: VxlanProfile) -> None:
    device.put(
        "net/tunnels/vxlan",
        obj.name,
        port=obj.port,
        floodingType=obj.flooding_type,
        defaultsFrom=f"/Common/{obj.defaults_from}",
        encapsulationType="vxlan",
    )


def _load_tunnel(device: BigipEmulator, obj: Tunnel) -> None:
    fields = dict(
        profile=f"/Common/{obj.profile}",
        key=obj.key,
        localAddress=display_address(obj.local_address),
        remoteAddress=obj.remote_address,
        mode="bidirectional",
        mtu=0,
        autoLasthop="default",
        secondaryAddress=display_address(obj.secondary_address) if obj.secondary_address else "any6",
    )
    if obj.traffic_group:
        fields["trafficGroup"] = f"/Common/{obj.traffic_group}"
    device.put(TUNNELS, obj.name, **fields)


def _load_self_ip(device: BigipEmulator, obj: SelfIp) -> None:
    fields = dict(
        address=display_address(obj.address),
        vlan=f"/Common/{obj.vlan}",
        trafficGroup=f"/Common/{obj.traffic_group}",
        floating="disabled" if obj.traffic_group == LOCAL_ONLY else "enabled",
        unit=0,
    )
    # REST shows allow-service none by leaving the field out, and all as the string "all".
    if obj.allow_service == ("all",):
        fields["allowService"] = "all"
    elif obj.allow_service:
        fields["allowService"] = list(obj.allow_service)
    device.put("net/self", obj.name, **fields)


def _load_route(device: BigipEmulator, obj: Route) -> None:
    fields = dict(network=display_address(obj.network), mtu=0)
    if obj.gw:
        fields["gw"] = display_address(obj.gw)
    if obj.interface:
        fields["tmInterface"] = f"/Common/{obj.interface}"
    device.put("net/route", obj.name, **fields)


def _load_route_domain_vlan(device: BigipEmulator, obj: RouteDomainVlan) -> None:
    domain = next((d for d in device.collections.get("net/route-domain", {}).values() if d["id"] == obj.route_domain), None)
    if domain is None:
        domain = device.put("net/route-domain", f"rd{obj.route_domain}", id=obj.route_domain, vlans=[])
    domain["vlans"].append(f"/Common/{obj.vlan}")


# Every object kind of the state, loaded (tests/test_object_kinds.py: none may be missing).
LOADERS: dict[type, Callable[[BigipEmulator, Any], None]] = {
    VxlanProfile: _load_vxlan,
    GeneveProfile: lambda device, obj: device.put(
        "net/tunnels/geneve", obj.name, port=obj.port, defaultsFrom=f"/Common/{obj.defaults_from}"
    ),
    Tunnel: _load_tunnel,
    SelfIp: _load_self_ip,
    Route: _load_route,
    FdbRecord: lambda device, obj: device.add_fdb_record(obj.tunnel, obj.mac, display_address(obj.endpoint)),
    RouteDomainVlan: _load_route_domain_vlan,
    SysDb: lambda device, obj: device.put("sys/db", obj.name, partition=None, value=obj.value, defaultValue="enable"),
}


def _not_found(path: str) -> Reply:
    return Reply(404, {"code": 404, "message": f"01020036:3: The requested object ({path}) was not found.", "errorStack": []})
