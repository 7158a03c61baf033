"""Read a BIG-IP's vtepc-owned network objects over iControl REST into a BigipState.

Read-only: the only non-GET request is the token login (POST /mgmt/shared/authn/login), except
`BigipSession.write`, which only vtepc.plan.apply calls. What is read is decided by the desired
state: every object it names, plus
  * every FDB record of each desired tunnel, so records added by hand show up as drift,
  * every self IP and route named "vtepc-*", so objects vtepc made and no longer wants show up,
  * the tunnel's MAC (its stats, `macAddr`), the one value only the device knows.
REST values are normalized exactly as vtepc.state.bigip documents (no /Common/ prefix, explicit
%RD, allow-service tuples, lower-case MACs), so equal configuration compares equal.

Shapes are strict: a 404 on a named object (tunnel, profile, FDB tunnel, sys db key, tunnel
stats) means the object is absent, but a 404 on a collection (self IPs, routes, route domains,
FDB records) is an error, never "empty". Every collection read here belongs to the base
network configuration (tmsh `net`), present on every BIG-IP whatever modules are provisioned.
What legitimately 404s is module- or extension-dependent and not read here: an unprovisioned
module's endpoints ("Public URI path not registered: /tm/gtm/global-settings/general" with GTM
not provisioned, F5Networks/f5-declarative-onboarding#290) and an iControl LX extension that is
not installed ("URI path /mgmt/shared/declarative-onboarding not registered",
F5Networks/terraform-provider-bigip#243; AS3's /mgmt/shared/appsvcs/info, F5Networks/
f5-appsvcs-extension#650). An item without a name, a list where an object belongs or a
non-integer key is a BadResponse naming the request.

Credentials come from the environment only: VTEPC_BIGIP_<NAME>_USERNAME / _PASSWORD /
_PASSWORD_FILE for one device (NAME upper-cased, '-' -> '_'), else VTEPC_BIGIP_USERNAME /
VTEPC_BIGIP_PASSWORD / VTEPC_BIGIP_PASSWORD_FILE.
"""

from __future__ import annotations

import ipaddress
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, TypeVar
from urllib.parse import parse_qsl, urlsplit

from ..state.bigip import (
    BigipObject,
    BigipState,
    FdbRecord,
    GeneveProfile,
    Route,
    RouteDomainVlan,
    SelfIp,
    SysDb,
    Tunnel,
    VtepEntry,
    VxlanProfile,
    fdb_record,
    normalize_address,
)
from ..state.static_routes import CIS_ROUTE_PREFIX
from .http import AuthFailed, BadResponse, CredentialsMissing, Forbidden, HttpOptions, JsonClient, TlsOptions, expect_integer, expect_text

LOGIN_PATH = "/mgmt/shared/authn/login"
PAGE_SIZE = 500  # $top for collections: large pages, but bounded per response
OWNED_PREFIX = "vtepc-"
_NAME_PATTERN = re.compile(r"[^A-Z0-9]")
# One JSON object of an iControl REST answer (its values as the device sends them).
Document = dict[str, Any]
_T = TypeVar("_T")


@dataclass(frozen=True)
class BigipCredentials:
    username: str
    password: str = field(repr=False)


def _env_prefix(name: str) -> str:
    return "VTEPC_BIGIP_" + _NAME_PATTERN.sub("_", name.upper()) + "_"


def bigip_credentials(name: str, environ: Mapping[str, str] | None = None) -> BigipCredentials:
    """Credentials for BIG-IP `name` from the environment (per-device variables win)."""
    env = os.environ if environ is None else environ
    device = _env_prefix(name)
    for prefix in (device, "VTEPC_BIGIP_"):
        username = env.get(prefix + "USERNAME")
        password = env.get(prefix + "PASSWORD")
        password_file = env.get(prefix + "PASSWORD_FILE")
        if not (username or password or password_file):
            continue
        if not username:
            raise CredentialsMissing(f"{name}: {prefix}USERNAME is not set (a password is)")
        if password is None and password_file:
            try:
                # Only the line break an editor adds is dropped: other whitespace may be part of it.
                password = Path(password_file).read_text(encoding="utf-8").rstrip("\r\n")
            except OSError as exc:
                raise CredentialsMissing(f"{name}: {prefix}PASSWORD_FILE cannot be read ({exc.strerror})") from None
        if not password:
            raise CredentialsMissing(f"{name}: set {prefix}PASSWORD or {prefix}PASSWORD_FILE")
        return BigipCredentials(username, password)
    raise CredentialsMissing(
        f"{name}: no credentials; set {device}USERNAME and {device}PASSWORD (or _PASSWORD_FILE), "
        "or VTEPC_BIGIP_USERNAME and VTEPC_BIGIP_PASSWORD"
    )


def _segment(name: str, partition: str = "Common") -> str:
    return f"~{partition}~{name}"


class BigipSession:
    """An authenticated iControl REST session: GETs with the token, one re-login when it expires."""

    def __init__(
        self,
        name: str,
        url: str,
        credentials: BigipCredentials,
        tls: TlsOptions = TlsOptions(),
        options: HttpOptions = HttpOptions(),
        *,
        page_size: int = PAGE_SIZE,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.name = name
        self.page_size = page_size
        self._credentials = credentials
        self.client = JsonClient(name, url, tls, options, secrets=[credentials.password], sleep=sleep)
        self._token: str | None = None

    def login(self) -> None:
        body = {
            "username": self._credentials.username,
            "password": self._credentials.password,
            "loginProviderName": "tmos",
        }
        self.client.headers.pop("X-F5-Auth-Token", None)
        try:
            # Replayable: a login sent twice only makes a second token.
            document = self.client.request("POST", LOGIN_PATH, body=body, replayable=True)
        except Forbidden:
            # Never quote the body: like the 401 one, it may echo the request, password included.
            raise self.client.error(Forbidden, "login forbidden (HTTP 403): the account may not use iControl REST") from None
        except AuthFailed:
            # The device's 401 body echoes the request (password included): never quote it.
            raise self.client.error(AuthFailed, "login rejected (HTTP 401): check the username and password") from None
        token = document.get("token")
        token = token.get("token") if isinstance(token, dict) else None
        if not isinstance(token, str) or not token:
            raise self.client.error(BadResponse, f"POST {LOGIN_PATH}: no token in the login response")
        self.client.add_secret(token)
        self.client.set_header("X-F5-Auth-Token", token, BadResponse, f"the token from POST {LOGIN_PATH}")
        self._token = token

    def get(self, path: str, params: dict[str, Any] | None = None, *, missing_ok: bool = False) -> Any:
        if self._token is None:
            self.login()
        try:
            return self.client.get(path, params, missing_ok=missing_ok)
        except Forbidden:
            raise  # the user lacks the permission: a new token would not have it either
        except AuthFailed:
            pass
        # Tokens expire (20 minutes by default, or revoked): log in once more and retry once.
        self.login()
        try:
            return self.client.get(path, params, missing_ok=missing_ok)
        except AuthFailed:
            raise self.client.error(AuthFailed, f"GET {path}: token rejected (HTTP 401) right after a fresh login") from None

    def write(
        self, method: str, path: str, body: Any = None, *, headers: Mapping[str, str] | None = None, replayable: bool = False
    ) -> Document:
        """One write request (vtepc apply only), with extra headers (a transaction's coordination id).

        The client sends it again only when it cannot have reached the device, unless the caller
        says it is `replayable` (a command queued twice would run twice); a token that expired
        is renewed once, the request not having been carried out.
        """
        if self._token is None:
            self.login()
        for attempt in (1, 2):
            saved = dict(self.client.headers)
            self.client.headers.update(headers or {})
            try:
                document: Document = self.client.request(method, path, body=body, replayable=replayable)  # an object: request checks it
                return document
            except Forbidden:
                raise
            except AuthFailed:
                if attempt == 2:
                    raise
            finally:
                self.client.headers = saved
            self.login()
        raise AssertionError("unreachable: the second attempt returns or raises")

    def collection(self, path: str) -> Iterator[Document]:
        """Every item of a collection, page by page, following nextLink ($top/$skip).

        A generator: the caller keeps what it needs of a page before the next is fetched. A 404
        is an error (HttpStatusError), as is a nextLink seen before or more than max_pages pages.
        """
        first = path
        params: dict[str, Any] | None = {"$top": self.page_size}
        seen: set[str] = set()
        for _ in range(self.client.options.max_pages):
            document = self.get(path, params)
            # An empty collection has no "items" key at all (tmsh list shows nothing).
            page = document.get("items", [])
            if not isinstance(page, list):
                raise self.client.error(BadResponse, f"GET {path}: a collection whose items are not a list")
            for item in page:
                if not isinstance(item, dict):
                    raise self.client.error(BadResponse, f"GET {path}: a collection item that is not an object")
                yield item
            next_link = document.get("nextLink")
            if not next_link:
                return
            if not isinstance(next_link, str) or next_link in seen:
                raise self.client.error(BadResponse, f"GET {first}: nextLink repeats an earlier page (a paging loop)")
            seen.add(next_link)
            # The device names itself https://localhost in links: keep only path and query.
            link = urlsplit(next_link)
            if not link.path.startswith("/mgmt/"):
                raise self.client.error(BadResponse, f"GET {path}: nextLink outside /mgmt/")
            path, params = link.path, _query(link.query)
        raise self.client.error(BadResponse, f"GET {first}: more than {self.client.options.max_pages} pages (--max-pages raises the bound)")

    def tunnel_mac(self, tunnel: str, partition: str = "Common") -> str | None:
        """The tunnel interface's MAC from its stats (macAddr), lower case; None when the tunnel is absent."""
        path = f"/mgmt/tm/net/tunnels/tunnel/{_segment(tunnel, partition)}/stats"
        document = self.get(path, {"options": "all-properties"}, missing_ok=True)
        if document is None:
            return None
        try:
            # One entry, keyed by the stats selfLink, whose form differs between TMOS versions.
            for entry in document["entries"].values():
                mac = entry["nestedStats"]["entries"]["macAddr"]["description"]
                return str(mac).lower()
        except (KeyError, TypeError, AttributeError):
            pass
        raise self.client.error(BadResponse, f"GET {path}: no macAddr in the tunnel stats")


def _query(query: str) -> dict[str, str]:
    return dict(parse_qsl(query, keep_blank_values=True))


# --- REST -> state ------------------------------------------------------------------------------


def _short(path: str | None) -> str | None:
    """'/Common/fl-vxlan' -> 'fl-vxlan'; objects in other partitions keep their full path."""
    if path is None:
        return None
    return path[len("/Common/") :] if path.startswith("/Common/") else path


def _address(text: str | None) -> str | None:
    return None if text in (None, "") else normalize_address(text)


def _allow_service(value: Any) -> tuple[str, ...]:
    if value in (None, "none", []):
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value)


def _tunnel(doc: Document) -> Tunnel:
    secondary = doc.get("secondaryAddress")
    traffic_group = _short(doc.get("trafficGroup"))
    return Tunnel(
        name=doc["name"],
        profile=_short(doc.get("profile")) or "",
        key=expect_integer(doc.get("key", 0), "tunnel key"),
        local_address=_address(doc.get("localAddress")) or "",
        remote_address=doc.get("remoteAddress", "any"),
        # The device reports "any6" (or nothing) when no secondary address is set.
        secondary_address=None if secondary in (None, "any", "any6") else _address(secondary),
        traffic_group=None if traffic_group in (None, "traffic-group-local-only") else traffic_group,
    )


def _self_ip(doc: Document) -> SelfIp:
    return SelfIp(
        name=doc["name"],
        address=_address(doc["address"]) or "",
        vlan=_short(doc.get("vlan")) or "",
        allow_service=_allow_service(doc.get("allowService")),
        traffic_group=_short(doc.get("trafficGroup")) or "traffic-group-local-only",
    )


def _route(doc: Document) -> Route:
    return Route(
        name=doc["name"],
        network=_address(doc.get("network")) or "",
        gw=_address(doc.get("gw")),
        interface=_short(doc.get("tmInterface")),
    )


def _vxlan(doc: Document) -> VxlanProfile:
    return VxlanProfile(
        doc["name"], expect_integer(doc.get("port", 0), "port"), doc.get("floodingType", ""), _short(doc.get("defaultsFrom")) or ""
    )


def _geneve(doc: Document) -> GeneveProfile:
    return GeneveProfile(doc["name"], expect_integer(doc.get("port", 0), "port"), _short(doc.get("defaultsFrom")) or "")


def _convert(session: BigipSession, what: str, convert: Callable[[Document], _T], document: Document) -> _T:
    """convert(document), with a document of the wrong shape reported as BadResponse naming `what`."""
    try:
        return convert(document)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise session.client.shape_error(what, exc) from None


@dataclass(frozen=True)
class LiveObject:
    """One object as read, with the device's description of it (vtepc's ownership marker; None
    for kinds that have no description of their own: FDB records, route-domain membership, db keys)."""

    obj: Any
    description: str | None = None


def _description(document: Document) -> str | None:
    value = document.get("description")
    return value if isinstance(value, str) else ""


Reader = Callable[[BigipSession, BigipState], list[LiveObject]]


def _by_name(collection: str, cls: type[BigipObject], convert: Callable[[Document], object]) -> Reader:
    """Each object of this kind the desired state names, read by name (404: absent)."""

    def read(session: BigipSession, desired: BigipState) -> list[LiveObject]:
        out = []
        for wanted in desired.of_kind(cls):
            path = f"{collection}/{_segment(wanted.name)}"
            document = session.get(path, missing_ok=True)
            if document is not None:
                out.append(LiveObject(_convert(session, f"GET {path}", convert, document), _description(document)))
        return out

    return read


def _listed(collection: str, cls: type[BigipObject], convert: Callable[[Document], object]) -> Reader:
    """Every object of this kind in /Common that the desired state names or that is named vtepc-*."""

    def read(session: BigipSession, desired: BigipState) -> list[LiveObject]:
        wanted_names = {o.name for o in desired.of_kind(cls)}
        out = []
        for document in session.collection(collection):
            name = document.get("name")
            if not isinstance(name, str):
                raise session.client.error(BadResponse, f"GET {collection}: an item without a name")
            if document.get("partition", "Common") != "Common":
                continue
            if name in wanted_names or name.startswith(OWNED_PREFIX):
                out.append(LiveObject(_convert(session, f"GET {collection}: {name}", convert, document), _description(document)))
        return out

    return read


def _fdb_record(tunnel: str, record: Document) -> FdbRecord:
    return fdb_record(tunnel, expect_text(record["name"]), normalize_address(expect_text(record["endpoint"])))


def _fdb_records(session: BigipSession, tunnel: str) -> list[FdbRecord]:
    path = f"/mgmt/tm/net/fdb/tunnel/{_segment(tunnel)}"
    document = session.get(path, missing_ok=True)  # 404: the tunnel, and so its FDB, is absent
    if document is None:
        return []
    records = document.get("records")
    if records is None and document.get("recordsReference"):
        records = session.collection(path + "/records")  # inline records are left out past some count
    elif not isinstance(records, (list, type(None))):
        raise session.client.error(BadResponse, f"GET {path}: records is not a list")
    return [_convert(session, f"GET {path}: an FDB record", lambda r: _fdb_record(tunnel, r), r) for r in records or ()]


def _read_fdb(session: BigipSession, desired: BigipState) -> list[LiveObject]:
    """Every FDB record of each desired tunnel, so records added by hand show up too."""
    return [LiveObject(record) for tunnel in desired.of_kind(Tunnel) for record in _fdb_records(session, tunnel.name)]


def _read_route_domain_members(session: BigipSession, desired: BigipState) -> list[LiveObject]:
    """The route domain(s) each desired tunnel is a member of, whichever they are (so a tunnel
    left in another route domain shows up as such, not only the wanted membership as missing)."""
    return _members(session, {t.name for t in desired.of_kind(Tunnel)})


def _members(session: BigipSession, tunnels: set[str]) -> list[LiveObject]:
    if not tunnels:
        return []
    return [
        LiveObject(RouteDomainVlan(f"{domain_id}/{name}", domain_id, name))
        for domain_id, (_, vlans) in sorted(read_route_domains(session).items())
        if domain_id != 0  # every VLAN not in another route domain is in 0: no membership vtepc states
        for name in sorted(tunnels & set(vlans))
    ]


def read_route_domains(session: BigipSession) -> dict[int, tuple[str, tuple[str, ...]]]:
    """{route domain id: (its full path, its VLAN and tunnel names)} (a membership change rewrites the list)."""
    path = "/mgmt/tm/net/route-domain"
    domains = {}
    for domain in session.collection(path):
        domain_id, full_path, vlans = _convert(
            session,
            f"GET {path}: a route domain",
            lambda d: (
                expect_integer(d["id"], "route domain id"),
                expect_text(d.get("fullPath") or f"/Common/{d['name']}"),
                tuple(sorted(_short(expect_text(v)) or "" for v in d.get("vlans", []))),
            ),
            domain,
        )
        domains[domain_id] = (full_path, vlans)
    return domains


def sync_failover_groups(session: BigipSession) -> list[str]:
    """The sync-failover device groups this device is in (config sync's target)."""
    path = "/mgmt/tm/cm/device-group"
    return sorted(str(g.get("name")) for g in session.collection(path) if g.get("type") == "sync-failover")


def _read_db(session: BigipSession, desired: BigipState) -> list[LiveObject]:
    out = []
    for wanted in desired.of_kind(SysDb):
        document = session.get(f"/mgmt/tm/sys/db/{wanted.name}", missing_ok=True)
        if document is not None:
            out.append(LiveObject(SysDb(wanted.name, str(document.get("value", "")))))
    return out


# How the live reader reads each object kind, in reading order. Every kind is readable, so no
# entry is NotExpressible (tests/test_object_kinds.py).
_NAMED: dict[type[BigipObject], tuple[str, Callable[[Document], object]]] = {
    VxlanProfile: ("/mgmt/tm/net/tunnels/vxlan", _vxlan),
    GeneveProfile: ("/mgmt/tm/net/tunnels/geneve", _geneve),
    Tunnel: ("/mgmt/tm/net/tunnels/tunnel", _tunnel),
}
READERS: dict[type, Reader] = {
    **{cls: _by_name(collection, cls, convert) for cls, (collection, convert) in _NAMED.items()},
    SelfIp: _listed("/mgmt/tm/net/self", SelfIp, _self_ip),
    Route: _listed("/mgmt/tm/net/route", Route, _route),
    FdbRecord: _read_fdb,
    RouteDomainVlan: _read_route_domain_members,
    SysDb: _read_db,
}


def read_cis_routes(session: BigipSession, partition: str) -> list[Route]:
    """routing: static: the routes CIS keeps in `partition`, named k8s-<node>-<node IP>
    (vtepc.state.static_routes); vtepc compares them, never writes them."""
    collection = "/mgmt/tm/net/route"
    out = []
    for document in session.collection(collection):
        name = document.get("name")
        if not isinstance(name, str):
            raise session.client.error(BadResponse, f"GET {collection}: an item without a name")
        if document.get("partition", "Common") == partition and name.startswith(CIS_ROUTE_PREFIX):
            out.append(_convert(session, f"GET {collection}: {name}", _route, document))
    return out


def read_bigip_objects(session: BigipSession, desired: BigipState) -> list[LiveObject]:
    """Every object the live counterpart of `desired` has, with its description."""
    return [found for reader in READERS.values() for found in reader(session, desired)]


def read_marked(session: BigipSession, desired: BigipState, marked: Callable[[object], bool]) -> list[LiveObject]:
    """Tunnels and tunnel profiles whose description is `marked` (vtepc made them: its marker, or
    in a fleet any topology's) that `desired` no longer names, with those tunnels' FDB records and
    route-domain membership: what a plan deletes when a topology drops or renames its tunnel. Three
    collection reads, plus the FDB of each such tunnel (vtepc apply only; `vtepc diff` reads what
    the desired state names)."""
    out = []
    for cls, (collection, convert) in _NAMED.items():
        named = {o.name for o in desired.of_kind(cls)}
        for document in session.collection(collection):
            name, description = document.get("name"), document.get("description")
            if document.get("partition", "Common") != "Common" or not marked(description) or name in named:
                continue
            out.append(LiveObject(_convert(session, f"GET {collection}: {name}", convert, document), _description(document)))
    tunnels = {found.obj.name for found in out if isinstance(found.obj, Tunnel)}
    out += [LiveObject(record) for tunnel in sorted(tunnels) for record in _fdb_records(session, tunnel)]
    return out + _members(session, tunnels)


def read_bigip_state(session: BigipSession, desired: BigipState) -> BigipState:
    """The live counterpart of `desired`: the same kinds and names as found on the device."""
    return state_of(session, desired, read_bigip_objects(session, desired))


def state_of(session: BigipSession, desired: BigipState, found: list[LiveObject]) -> BigipState:
    items = [live.obj for live in found]
    return BigipState(desired.name, desired.route_domain, tuple(items), _vtep(session, items, desired), None)


def _vtep(session: BigipSession, items: list[object], desired: BigipState) -> VtepEntry | None:
    """This device as a VTEP, derived from the live objects the way the compiler derives it."""
    tunnel = next((o for o in items if isinstance(o, Tunnel)), None)
    if tunnel is None or desired.vtep is None:
        return None
    tunnel_self = next(
        (o for o in items if isinstance(o, SelfIp) and o.vlan == tunnel.name and o.traffic_group == "traffic-group-local-only"), None
    )
    cidr = ""
    if tunnel_self is not None:
        address, _, prefix = tunnel_self.address.partition("/")
        cidr = str(ipaddress.ip_interface(f"{address.split('%')[0]}/{prefix}").network)
    return VtepEntry(endpoint=tunnel.local_address.split("%")[0], cidr=cidr, mac=session.tunnel_mac(tunnel.name))
