"""bigip/<bigip>/network.tmsh: the BIG-IP network objects as ordered, commented tmsh commands.

Every command carries the `tmsh` prefix, as in the seeds, so the file runs in the BIG-IP's
bash shell (`bash network.tmsh`) or pastes line by line. Commands are in dependency order:
underlay self IPs before the tunnel that uses one as local-address, the tunnel before its
self IP, route and FDB records.

The script is run by bash as root, so it is built as data first: `network_commands` gives
each command as the argv `tmsh` must receive, and only then is every word quoted for bash
(tests/test_tmsh_script.py runs the script with a fake tmsh and compares the argv). tmsh
parses its arguments again with its own syntax (braces, quotes), so keeping each value one
tmsh token is validation's job: F5 object names follow DO's name rule (checks/syntax.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import chain, repeat
from operator import attrgetter
from typing import TYPE_CHECKING, Any, Callable, Union

from ..state.bigip import (
    lockdown_note,
    LOCAL_ONLY,
    UNDERLAY_FLOATING_SELF,
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
from ..state.static_routes import CIS_ROUTES_NOTE
from ..emitters import NotExpressible, entry, staged
from ..text import one_line
from . import renderer
from ._quote import all_plain, shell_word
from .declarative_onboarding import do_gaps

if TYPE_CHECKING:
    from ..state import Datapath, DesiredState, RenderMeta

# FDB records per `modify net fdb tunnel` command: one transaction each, so a typo'd record
# fails a small batch, and no single command line grows with the cluster.
FDB_RECORDS_PER_COMMAND = 500


def _allow_service(services: tuple[str, ...]) -> tuple[str, ...]:
    if not services:
        return ("none",)
    if services in (("default",), ("all",)):
        return services
    return ("replace-all-with", "{", *services, "}")


@dataclass(frozen=True)
class Command:
    """One tmsh invocation as the words bash hands to `tmsh`, and how the script lays it out.

    `argv` is what the script must run, exactly; the layout only decides where lines break
    (continued with a backslash): `head` on the first line, each of `body` on its own
    indented line, `tail` on the last.
    """

    head: tuple[str, ...]
    body: tuple[tuple[str, ...], ...] = ()
    tail: tuple[str, ...] = ()
    # The body's words are known to need no quoting (all_plain of the columns they come from).
    plain_body: bool = field(default=False, compare=False)

    @property
    def argv(self) -> tuple[str, ...]:
        return self.head + tuple(word for line in self.body for word in line) + self.tail

    def script_lines(self) -> list[str]:
        def words(line: tuple[str, ...]) -> str:
            return " ".join(shell_word(word) for word in line)

        if not self.body and not self.tail:
            return [words(self.head)]
        # The body's words checked at once (thousands of FDB records): none needs quoting, as validation sees to.
        plain = self.plain_body or all_plain(list(chain.from_iterable(self.body)))
        body = map(" ".join, self.body) if plain else map(words, self.body)
        return [words(self.head) + " \\", *map("    {} \\".format, body), words(self.tail)]


def _tmsh(*words: object) -> Command:
    return Command(("tmsh", *(str(word) for word in words)))


# (tmsh attribute, its value words, written by `create`): every attribute `modify` may restate.
Attributes = list[tuple[str, tuple[str, ...], bool]]


def _self_ip_attributes(obj: SelfIp) -> Attributes:
    return [
        ("address", (display_address(obj.address),), True),
        ("allow-service", _allow_service(obj.allow_service), True),
        ("vlan", (obj.vlan,), True),
        ("traffic-group", (obj.traffic_group,), obj.traffic_group != LOCAL_ONLY),
    ]


def _tunnel_attributes(obj: Tunnel) -> Attributes:
    return [
        ("key", (str(obj.key),), True),
        ("profile", (obj.profile,), True),
        ("local-address", (display_address(obj.local_address),), True),
        ("remote-address", (obj.remote_address,), True),
        ("traffic-group", (obj.traffic_group or "none",), bool(obj.traffic_group)),
    ]


def _route_attributes(obj: Route) -> Attributes:
    network = ("network", (display_address(obj.network),), True)
    if obj.interface:
        return [network, ("interface", (obj.interface,), True)]
    if obj.gw is not None:
        return [network, ("gw", (display_address(obj.gw),), True)]
    # Read from a device, a route may be a blackhole or go to a pool (live.bigip keeps neither): no target to compare.
    return [network]


def _description(description: str | None) -> tuple[str, ...]:
    return ("description", description) if description else ()


@dataclass(frozen=True)
class TmshObject:
    """A kind tmsh creates as `create PATH NAME ATTRIBUTES`, changes with `modify` (only the
    attributes that differ) and removes with `delete PATH NAME`."""

    path: tuple[str, ...]
    attributes: Callable[[Any], Attributes]

    def create(self, objects: list[Any], description: str | None = None) -> list[Command]:
        return [
            _tmsh(
                "create",
                *self.path,
                obj.name,
                *(w for key, words, on in self.attributes(obj) if on for w in (key, *words)),
                *_description(description),
            )
            for obj in objects
        ]

    def modify(self, before: Any, after: Any, description: str | None = None) -> Command | None:
        old = {key: words for key, words, _ in self.attributes(before)}
        changed = [w for key, words, _ in self.attributes(after) if old.get(key) != words for w in (key, *words)]
        changed += _description(description)
        return _tmsh("modify", *self.path, after.name, *changed) if changed else None

    def delete(self, obj: Any) -> Command:
        return _tmsh("delete", *self.path, obj.name)


@dataclass(frozen=True)
class TmshFdb:
    """FDB records live in their tunnel's FDB: added and deleted one by one inside it (`records
    add/delete`), never replaced as a list. A record has no description of its own."""

    def create(self, records: list[FdbRecord], description: str | None = None) -> list[Command]:
        return _fdb_commands(sorted(records, key=_NAME))

    def modify(self, before: FdbRecord, after: FdbRecord, description: str | None = None) -> Command | None:
        return None  # a record is its MAC and endpoint: a new endpoint replaces it (vtepc.plan.REPLACED_BY)

    def delete(self, obj: FdbRecord) -> Command:
        return _tmsh("modify", "net", "fdb", "tunnel", obj.tunnel, "records", "delete", "{", obj.mac, "}")


@dataclass(frozen=True)
class TmshRouteDomainVlan:
    """Membership of a route domain: its `vlans` list gains or loses the one name."""

    def create(self, objects: list[RouteDomainVlan], description: str | None = None) -> list[Command]:
        return [_tmsh("modify", "net", "route-domain", m.route_domain, "vlans", "add", "{", m.vlan, "}") for m in objects]

    def modify(self, before: RouteDomainVlan, after: RouteDomainVlan, description: str | None = None) -> Command | None:
        return None  # the name is the whole membership: nothing else to change

    def delete(self, obj: RouteDomainVlan) -> Command:
        return _tmsh("modify", "net", "route-domain", obj.route_domain, "vlans", "delete", "{", obj.vlan, "}")


@dataclass(frozen=True)
class TmshDb:
    """A db key always exists: setting it is all tmsh does with one (it has no description)."""

    def create(self, objects: list[SysDb], description: str | None = None) -> list[Command]:
        return [_tmsh("modify", "sys", "db", d.name, "value", d.value) for d in objects]

    def modify(self, before: SysDb, after: SysDb, description: str | None = None) -> Command | None:
        return _tmsh("modify", "sys", "db", after.name, "value", after.value)

    def delete(self, obj: SysDb) -> NotExpressible:
        return NotExpressible(f"the db key {obj.name} cannot be deleted; vtepc leaves it as it is")


_NAME, _TUNNEL, _MAC, _ENDPOINT = attrgetter("name"), attrgetter("tunnel"), attrgetter("mac"), attrgetter("endpoint")


def _fdb_commands(records: list[FdbRecord]) -> list[Command]:
    """`records add { MAC { endpoint IP%RD } ... }`, one record per continued line.

    Endpoints keep %RD even for route domain 0: that is how BIG-IP lists FDB records (seed 000).
    """
    tunnels = list(map(_TUNNEL, records))
    per_tunnel: dict[str, list[FdbRecord]] = {}
    if len(dict.fromkeys(tunnels)) == 1:
        per_tunnel[tunnels[0]] = records
    else:  # a device several topologies share has several tunnels
        for tunnel, record in zip(tunnels, records):
            per_tunnel.setdefault(tunnel, []).append(record)
    commands = []
    for tunnel, tunnel_records in per_tunnel.items():
        macs, endpoints = list(map(_MAC, tunnel_records)), list(map(_ENDPOINT, tunnel_records))
        plain = all_plain([*macs, *endpoints, "{", "endpoint", "}"])  # every word of every record's line, at once
        for start in range(0, len(tunnel_records), FDB_RECORDS_PER_COMMAND):
            end = start + FDB_RECORDS_PER_COMMAND
            commands.append(
                Command(
                    ("tmsh", "modify", "net", "fdb", "tunnel", tunnel, "records", "add", "{"),
                    tuple(zip(macs[start:end], repeat("{"), repeat("endpoint"), endpoints[start:end], repeat("}"))),
                    ("}",),
                    plain_body=plain,
                )
            )
    return commands


def mode_summary(datapath: "Datapath", state: BigipState) -> str:
    """How one topology reaches the pods from this BIG-IP, in one line."""
    if datapath.routing == "static":
        return f"{datapath.cni} static routing: pod network {datapath.pod_cidr}; {CIS_ROUTES_NOTE}"
    if datapath.encapsulation is None:
        return f"{datapath.cni} native routing: pod network {datapath.pod_cidr} via the underlay gateway, no tunnel"
    tunnels = state.of_kind(Tunnel)
    key = tunnels[0].key if tunnels else "?"
    return f"{datapath.cni} over {datapath.encapsulation.protocol}, UDP port {datapath.encapsulation.port}, VNI {key}"


# What each stage's section of the script says (vtepc.emitters.STAGES gives the order).
SECTION_TITLES = {
    "db": "Tunnels are config-synced (the BIG-IP default, needed by the HA design above).",
    "underlay-self": "Underlay self IPs (on the VLAN that faces the nodes).",
    "profile": "Tunnel profile of its own (the built-in vxlan profile floods multicast; the built-in geneve one keeps port 6081).",
    "tunnel": "Tunnel: the key is the VNI; local-address is the VTEP endpoint the nodes encapsulate to.",
    "route-domain": "Route domain membership of the tunnel.",
    "tunnel-self": "Self IPs on the tunnel.",
    "route": "Route to the pod network.",
    "fdb": "Static FDB records, one per node ({count}): node MAC -> node IP.",
}


TmshKind = Union[TmshObject, TmshFdb, TmshRouteDomainVlan, TmshDb]

# How tmsh creates, changes and deletes each object kind. tmsh can create every kind, so no
# entry is NotExpressible (tests/test_object_kinds.py); deleting a db key is (TmshDb.delete).
TMSH: dict[type, TmshKind] = {
    SysDb: TmshDb(),
    SelfIp: TmshObject(("net", "self"), _self_ip_attributes),
    VxlanProfile: TmshObject(
        ("net", "tunnels", "vxlan"), lambda p: [("port", (str(p.port),), True), ("flooding-type", (p.flooding_type,), True)]
    ),
    GeneveProfile: TmshObject(("net", "tunnels", "geneve"), lambda p: [("port", (str(p.port),), True)]),
    Tunnel: TmshObject(("net", "tunnels", "tunnel"), _tunnel_attributes),
    RouteDomainVlan: TmshRouteDomainVlan(),
    Route: TmshObject(("net", "route"), _route_attributes),
    FdbRecord: TmshFdb(),
}


def create_commands(objects: list[Any], description: str | None = None) -> list[Command]:
    """The commands creating `objects`, kind by kind in the order the kinds first appear."""
    kinds = dict.fromkeys(map(type, objects))
    commands: list[Command] = []
    for kind in kinds:
        of_kind: list[Any] = objects if len(kinds) == 1 else [o for o in objects if type(o) is kind]
        commands += entry(TMSH, kind, "network.tmsh").create(of_kind, description)
    return commands


def network_commands(state: BigipState) -> list[tuple[str, list[Command]]]:
    """The script's commands in run order, as (section comment, commands); empty sections left out."""
    tunnel_names = [t.name for t in state.of_kind(Tunnel)]
    sections = []
    for stage, objects in staged(state.objects(), tunnel_names):
        sections.append((SECTION_TITLES[stage].format(count=len(objects)), create_commands(objects)))
    sections.append(("Persist the running configuration.", [_tmsh("save", "sys", "config")]))
    return [(title, commands) for title, commands in sections if commands]


def render_network_tmsh(meta: "RenderMeta", datapath: "Datapath", state: BigipState) -> str:
    tunnel_names = {t.name for t in state.of_kind(Tunnel)}
    header = [
        f"BIG-IP {state.name} of topology {meta.topology_name}: network objects. Generated by vtepc; do not edit.",
        f"Mode: {mode_summary(datapath, state)}.",
        "Run in the BIG-IP's bash shell (every command has the tmsh prefix): bash network.tmsh, or paste it.",
        "Written for a device without these objects: `create` stops on one that already exists.",
        f"Assumed to exist already: VLAN {state.underlay_vlan}"
        + (f" and route domain {state.route_domain} (with that VLAN in it)." if state.route_domain else "."),
        *ownership_note(len(tunnel_names)),
    ]
    selfs = state.of_kind(SelfIp)
    allow = [x.allow_service for x in selfs if x.vlan not in tunnel_names]
    if allow and allow[0]:
        header.append(f"Port lockdown: the underlay self IPs accept only {lockdown_note(list(allow[0]))} (F5 K17333).")
    gaps = do_gaps(state)
    if gaps:
        header.append("No declarative-onboarding.json for this BIG-IP: " + "; ".join(g.reason for g in gaps) + ".")
    # An HA unit has a floating underlay self IP, in the pair's traffic group.
    traffic_group = next((x.traffic_group for x in selfs if x.name == UNDERLAY_FLOATING_SELF), None)
    if traffic_group is not None:
        header += ha_note([traffic_group], selfs, bool(tunnel_names))
    return network_script(header, state)


def ownership_note(tunnels: int) -> list[str]:
    """The header lines that say why vtepc owns the underlay self IPs it creates (`tunnels`: how many the file makes)."""
    why = {0: "a route's gateway must be on a self IP's subnet", 1: "the tunnel's local-address must be a self IP"}
    reason = why.get(tunnels, "each tunnel's local-address must be a self IP")
    return [
        f"vtepc owns the underlay self IPs below: {reason}, and the",
        "Declarative Onboarding declaration, being the device's whole network state, has to declare them.",
        "Skip a `create net self` whose address the device already has.",
    ]


def ha_note(traffic_groups: list[str], selfs: list[SelfIp], tunnels: bool) -> list[str]:
    """The header lines that say how an HA unit takes this file: F5's design for a config-synced
    tunnel or, without a tunnel, the floating self IP alone."""
    own = [x.name for x in selfs if x.traffic_group == LOCAL_ONLY]
    groups = ", ".join(traffic_groups)
    floating = (
        [
            f"HA ({groups}), F5's design for a config-synced tunnel: its local-address is the floating",
            "underlay self IP, so the tunnel is up on the active unit only and moves with the traffic group on",
        ]
        if tunnels
        else [f"HA ({groups}): the floating underlay self IP is up on the active unit only and moves with the traffic group on"]
    )
    return [
        *floating,
        "failover. Run this file on one unit, then sync the device group; on the other unit run only its own",
        f"(non-floating) self IPs, which config sync does not carry: {', '.join(own)}.",
    ]


def network_script(header: list[str], state: BigipState) -> str:
    """The script: the header as comments, then the state's commands section by section."""
    out = [f"# {one_line(line)}" for line in header]
    for title, commands in network_commands(state):
        out += ["", f"# {one_line(title)}"]
        for command in commands:
            out += command.script_lines()
    return "\n".join(out) + "\n"


@renderer("bigip-tmsh")
def render(state: "DesiredState") -> dict[str, str]:
    return {f"bigip/{name}/network.tmsh": render_network_tmsh(state.meta, state.datapath, s) for name, s in state.bigips.items()}
