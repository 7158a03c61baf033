"""An iControl REST emulator: the subset of a BIG-IP's /mgmt API that vtepc reads and `vtepc apply` writes.

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

Writes, as the REST API documents them: POST to a collection creates (409 when the name exists),
PATCH and DELETE on /mgmt/tm/<collection>/~Common~<name> change and remove (404 when absent); FDB
records are created and deleted one by one in .../fdb/tunnel/~Common~T/records; a generation
changes on every write. Transactions: POST /mgmt/tm/transaction answers a transId; a request
carrying X-F5-REST-Coordination-Id is queued, not run; PATCH {"state": "VALIDATING"} (without
the header, which is refused with 400 as the device does) runs the queue in order, and the first
command that fails rolls every earlier one back (400 "transaction failed:..."); DELETE discards
it (F5 lab "REST API Transactions", f5-automation-labs docs/class1/module1/lab7.rst).
POST /mgmt/tm/sys/config {"command": "save"} records the saved configuration; POST /mgmt/tm/cm
{"command": "run", "utilCmdArgs": "config-sync to-group G"} copies the shared configuration to
the peers of `pair_with` (not their own self IPs or db keys). Write faults: `fail_commit`,
`fail_command` (the command at that index fails at commit), `ignore_command` (answered as done,
not done: a device that lies), `before_commit` (someone else's change as the commit starts),
`fail_sync`.

Faults beyond the base server's: wrong credentials (401), `token_lifetime` (a token answers 401
"expired" after that many uses), `max_page_size` (force paging), `stats_key_style="v13"`,
`inline_records=False` (FDB records only through the subcollection), `paging_loop` ("same": every
page's nextLink is the first page again; "endless": a new $skip every time, never a last page),
`missing_collections` (collection paths answering 404, as a device answers an unknown URI).
"""

from __future__ import annotations

import copy
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
TRANSACTIONS = "/mgmt/tm/transaction"
# Collections a client may create objects in (vtepc apply's kinds).
WRITABLE = {"net/tunnels/vxlan", "net/tunnels/geneve", TUNNELS, "net/self", "net/route"}
# What config sync carries to the peers besides floating self IPs (db keys and own self IPs stay).
SYNCED = ("net/tunnels/vxlan", "net/tunnels/geneve", TUNNELS, FDB_TUNNELS, "net/route", "net/route-domain")


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
        # Writes (vtepc apply): transactions, saves, config sync, and their faults.
        self.transactions: dict[int, dict] = {}  # transId -> {"state", "commands": [(method, path, body)]}
        self._transaction_ids = itertools.count(1)
        self.fail_commit: str | None = None  # the next commit fails with this message (nothing applied)
        self.fail_command: int | None = None  # at commit, the queued command with this index fails (all rolled back)
        self.ignore_command: int | None = None  # at commit, the command with this index "succeeds" doing nothing (a lying device)
        self.before_commit: Callable[[], None] | None = None  # runs as a commit starts (someone else's change)
        self.saved: dict[str, dict[str, dict]] | None = None  # the configuration as last saved (sys config save)
        self.device_group: str | None = None  # the sync-failover device group this unit is in
        self.peers: list[BigipEmulator] = []  # the other units of its device group (config sync target)
        self.fail_sync: str | None = None  # the next config sync fails with this message
        self._macs = itertools.count(0x10)

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
        assert body is not None, path
        # Stored as a REST write is (a self IP gets the `floating` the device derives from its traffic group).
        self._store(collection, body["name"], body, body.get("partition", "Common"))

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
        if not request.path.startswith("/mgmt/tm/"):
            return _not_found(request.path)
        coordination = request.headers.get("x-f5-rest-coordination-id")
        if request.path.rstrip("/").startswith(TRANSACTIONS):
            if coordination is not None:
                # As the device answers a transaction-queue operation sent with the header (F5 lab 1.7).
                return Reply(
                    400,
                    {
                        "code": 400,
                        "message": f"Transaction {coordination} operation {request.method} {request.path} is not allowed to be added to transaction.",
                    },
                )
            return self._transaction(request)
        if request.method != "GET":
            try:
                body = json.loads(request.body) if request.body else None
            except ValueError:
                return Reply(400, {"code": 400, "message": "Found invalid JSON body in the request."})
            if coordination is not None:
                return self._queue(coordination, request.method, request.path, body)
            return self.write(request.method, request.path, body)
        segments = request.path[len("/mgmt/tm/") :].strip("/").split("/")
        for split in range(len(segments), 0, -1):
            collection = "/".join(segments[:split])
            if collection in self.collections or collection in (TUNNELS, FDB_TUNNELS):
                return self._resource(request, collection, segments[split:])
        return _not_found(request.path)

    # --- writes ---------------------------------------------------------------------------

    def write(self, method: str, path: str, body: dict | None) -> Reply:
        """One create (POST to the collection), change (PATCH) or delete (DELETE) as the device does it,
        plus `sys config save` and `cm config-sync`. A failed write changes nothing."""
        rest = path[len("/mgmt/tm/") :].strip("/")
        if rest == "sys/config" and method == "POST":
            return self._save(body or {})
        if rest == "cm" and method == "POST":
            return self._config_sync(body or {})
        if rest.startswith(FDB_TUNNELS + "/") and "/records" in rest:
            return self._write_record(method, rest, body)
        if method == "POST":
            collection, name = rest, (body or {}).get("name")
            if collection not in WRITABLE or not isinstance(name, str):
                return Reply(400, {"code": 400, "message": f"cannot create in {path}"})
            full_path = f"/{(body or {}).get('partition', 'Common')}/{name}"
            if full_path in self.collections.get(collection, {}):
                return Reply(
                    409,
                    {"code": 409, "message": f"01020066:3: The requested {collection} ({full_path}) already exists in partition Common."},
                )
            return Reply(200, self._store(collection, name, body or {}))
        collection, _, segment = rest.rpartition("/")
        full_path = segment if collection in UNPARTITIONED else segment.replace("~", "/")
        document = self.collections.get(collection, {}).get(full_path)
        if document is None or collection not in WRITABLE | UNPARTITIONED | {"net/route-domain"}:
            return _not_found(path)
        if method == "DELETE":
            self.remove(collection, full_path)
            if collection == TUNNELS:
                self.collections.get(FDB_TUNNELS, {}).pop(full_path, None)
            return Reply(200, None)
        if method == "PATCH":
            merged = {k: v for k, v in document.items() if k not in ("kind", "name", "partition", "fullPath", "generation", "selfLink")}
            merged.update(body or {})
            return Reply(200, self._store(collection, document["name"], merged, partition=document.get("partition")))
        return Reply(405, {"code": 405, "message": f"{method} is not emulated"})

    def _store(self, collection: str, name: str, body: dict, partition: str | None = "Common") -> dict:
        """What the device keeps of a REST body, as it lists it afterwards (DO's configItems.json reads it so)."""
        fields = {k: v for k, v in body.items() if k not in ("name", "partition")}
        if collection == "net/route" and "interface" in fields:
            fields["tmInterface"] = fields.pop("interface")
        if collection == TUNNELS and fields.get("trafficGroup") == "none":
            del fields["trafficGroup"]
        if collection == "net/self":
            if fields.get("allowService") == "none":
                del fields["allowService"]  # REST shows allow-service none by leaving the field out
            fields["floating"] = "disabled" if fields.get("trafficGroup", "/Common/" + LOCAL_ONLY).endswith(LOCAL_ONLY) else "enabled"
        if collection == "net/route-domain" and "vlans" in fields:
            fields["vlans"] = [v if v.startswith("/") else f"/Common/{v}" for v in fields["vlans"]]
        document = self.put(collection, name, None if collection in UNPARTITIONED else partition, **fields)
        if collection == TUNNELS:
            full_path = document["fullPath"]
            if full_path not in self.collections.get(FDB_TUNNELS, {}):
                self.put(FDB_TUNNELS, name, records=[])  # every tunnel has its FDB
            self.tunnel_macs.setdefault(full_path, f"02:00:5e:00:00:{next(self._macs) % 256:02x}")
        return document

    def _write_record(self, method: str, rest: str, body: dict | None) -> Reply:
        head, _, tail = rest.partition("/records")
        full_path = head[len(FDB_TUNNELS) + 1 :].replace("~", "/")
        if full_path not in self.collections.get(FDB_TUNNELS, {}):
            return _not_found("/mgmt/tm/" + rest)
        records = self.fdb_records(full_path.rsplit("/", 1)[1], full_path.split("/")[1])
        macs = {r["name"] for r in records}
        if method == "POST" and not tail:
            mac = (body or {}).get("name")
            if mac in macs:
                return Reply(409, {"code": 409, "message": f"01020066:3: The requested FDB record ({mac}) already exists."})
            records.append({"name": mac, "endpoint": (body or {}).get("endpoint")})
        elif method == "DELETE" and tail.startswith("/") and tail[1:] in macs:
            records[:] = [r for r in records if r["name"] != tail[1:]]
        else:
            return _not_found("/mgmt/tm/" + rest)
        self.collections[FDB_TUNNELS][full_path]["generation"] = next(self._generation)
        return Reply(200, body)

    def _queue(self, coordination: str, method: str, path: str, body: dict | None) -> Reply:
        transaction = self.transactions.get(int(coordination)) if coordination.isdigit() else None
        if transaction is None or transaction["state"] != "STARTED":
            return Reply(400, {"code": 400, "message": f"Transaction {coordination} is not in STARTED state."})
        transaction["commands"].append((method, path, body))
        return Reply(200, {**(body or {}), "transId": int(coordination), "evalOrder": len(transaction["commands"])})

    def _transaction(self, request: Request) -> Reply:
        segments = request.path.rstrip("/")[len(TRANSACTIONS) :].strip("/").split("/")
        if request.method == "POST" and segments == [""]:
            trans_id = next(self._transaction_ids)
            self.transactions[trans_id] = {"state": "STARTED", "commands": []}
            return Reply(200, self._transaction_document(trans_id))
        trans_id = int(segments[0]) if segments[0].isdigit() else -1
        if trans_id not in self.transactions:
            return _not_found(request.path)
        if request.method == "GET":
            return Reply(200, self._transaction_document(trans_id))
        if request.method == "DELETE":
            del self.transactions[trans_id]
            return Reply(200, None)
        body = json.loads(request.body or b"{}")
        if request.method == "PATCH" and body.get("state") == "VALIDATING":
            return self._commit(trans_id)
        return Reply(400, {"code": 400, "message": f"cannot {request.method} transaction {trans_id} with {body}"})

    def _commit(self, trans_id: int) -> Reply:
        """Every queued command in order, or (one failing) none: the configuration is restored."""
        transaction = self.transactions[trans_id]
        if self.before_commit is not None:
            hook, self.before_commit = self.before_commit, None
            hook()
        saved = copy.deepcopy((self.collections, self.tunnel_macs))
        failure = None
        if self.fail_commit is not None:
            failure, self.fail_commit = self.fail_commit, None
        for index, (method, path, body) in enumerate(transaction["commands"]):
            if failure is not None:
                break
            if index == self.fail_command:
                self.fail_command = None
                failure = f"01070734:3: Configuration error: emulated failure of command {index + 1} ({method} {path})"
                break
            if index == self.ignore_command:
                self.ignore_command = None
                continue
            reply = self.write(method, path, body)
            if reply.status >= 300:
                failure = str((reply.document or {}).get("message", reply.status))
        if failure is not None:
            self.collections, self.tunnel_macs = saved
            transaction["state"] = "FAILED"
            return Reply(400, {"code": 400, "message": f"transaction failed:{failure}", "errorStack": []})
        transaction["state"] = "COMPLETED"
        return Reply(200, self._transaction_document(trans_id))

    def _transaction_document(self, trans_id: int) -> dict:
        transaction = self.transactions[trans_id]
        return {
            "transId": trans_id,
            "state": transaction["state"],
            "timeoutSeconds": 120,
            "asyncExecution": False,
            "validateOnly": False,
            "executionTimeout": 300,
            "failOnError": False,
            "kind": "tm:transactionstate",
            "selfLink": f"{LOCAL}transaction/{trans_id}?ver={VERSION}",
        }

    def _save(self, body: dict) -> Reply:
        if body.get("command") != "save":
            return Reply(400, {"code": 400, "message": f"sys config command {body.get('command')!r} is not emulated"})
        self.saved = copy.deepcopy(self.collections)
        return Reply(200, {"kind": "tm:sys:config:runstate", "command": "save"})

    def pair_with(self, peer: "BigipEmulator", group: str = "vtepc-failover") -> None:
        """Put this unit and `peer` in one sync-failover device group."""
        for unit, other in ((self, peer), (peer, self)):
            unit.device_group = group
            unit.peers = [other]
            unit.put("cm/device-group", group, type="sync-failover", autoSync="disabled")

    def _config_sync(self, body: dict) -> Reply:
        args = str(body.get("utilCmdArgs", ""))
        if body.get("command") != "run" or not args.startswith("config-sync to-group "):
            return Reply(400, {"code": 400, "message": f"cm command {args!r} is not emulated"})
        group = args.split()[-1]
        if group != self.device_group:
            return Reply(400, {"code": 400, "message": f"01071412:3: The device group ({group}) was not found."})
        if self.fail_sync is not None:
            message, self.fail_sync = self.fail_sync, None
            return Reply(400, {"code": 400, "message": message})
        for peer in self.peers:
            peer.receive_sync(self)
        return Reply(200, {"kind": "tm:cm:runstate", "command": "run", "utilCmdArgs": args})

    def receive_sync(self, source: "BigipEmulator") -> None:
        """A full config sync: the peer takes the source's shared configuration and keeps its own
        non-floating self IPs and db keys (which config sync does not carry)."""
        for collection in SYNCED:
            self.collections[collection] = copy.deepcopy(source.collections.get(collection, {}))
        own = {p: d for p, d in self.collections.get("net/self", {}).items() if d.get("floating") == "disabled"}
        floating = {p: copy.deepcopy(d) for p, d in source.collections.get("net/self", {}).items() if d.get("floating") == "enabled"}
        self.collections["net/self"] = {**own, **floating}
        for tunnel in self.collections.get(TUNNELS, {}):
            self.tunnel_macs.setdefault(tunnel, f"02:00:5e:00:01:{next(self._macs) % 256:02x}")

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
