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

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from ..state.bigip import (
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
from ..emitters import entry, staged
from ..text import one_line
from . import renderer
from ._quote import shell_word
from .declarative_onboarding import do_gaps

if TYPE_CHECKING:
    from ..model import Topology
    from ..state import DesiredState

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

    @property
    def argv(self) -> tuple[str, ...]:
        return self.head + tuple(word for line in self.body for word in line) + self.tail

    def script_lines(self) -> list[str]:
        def words(line: tuple[str, ...]) -> str:
            return " ".join(shell_word(word) for word in line)

        if not self.body and not self.tail:
            return [words(self.head)]
        return [words(self.head) + " \\", *(f"    {words(line)} \\" for line in self.body), words(self.tail)]


def _tmsh(*words: object) -> Command:
    return Command(("tmsh", *(str(word) for word in words)))


def _self_ip(obj: SelfIp) -> Command:
    words = [
        "create",
        "net",
        "self",
        obj.name,
        "address",
        display_address(obj.address),
        "allow-service",
        *_allow_service(obj.allow_service),
        "vlan",
        obj.vlan,
    ]
    if obj.traffic_group != LOCAL_ONLY:
        words += ["traffic-group", obj.traffic_group]
    return _tmsh(*words)


def _tunnel(obj: Tunnel) -> Command:
    words = [
        "create",
        "net",
        "tunnels",
        "tunnel",
        obj.name,
        "key",
        obj.key,
        "profile",
        obj.profile,
        "local-address",
        display_address(obj.local_address),
        "remote-address",
        obj.remote_address,
    ]
    if obj.traffic_group:
        words += ["traffic-group", obj.traffic_group]
    return _tmsh(*words)


def _route(obj: Route) -> Command:
    target = ("interface", obj.interface) if obj.interface else ("gw", display_address(obj.gw))
    return _tmsh("create", "net", "route", obj.name, "network", display_address(obj.network), *target)


def _fdb_commands(records: list[FdbRecord]) -> list[Command]:
    """`records add { MAC { endpoint IP%RD } ... }`, one record per continued line.

    Endpoints keep %RD even for route domain 0: that is how BIG-IP lists FDB records (seed 000).
    """
    per_tunnel: dict[str, list[FdbRecord]] = {}
    for record in records:  # a device several topologies share has several tunnels
        per_tunnel.setdefault(record.tunnel, []).append(record)
    commands = []
    for tunnel, tunnel_records in per_tunnel.items():
        for start in range(0, len(tunnel_records), FDB_RECORDS_PER_COMMAND):
            batch = tunnel_records[start : start + FDB_RECORDS_PER_COMMAND]
            commands.append(
                Command(
                    ("tmsh", "modify", "net", "fdb", "tunnel", tunnel, "records", "add", "{"),
                    tuple((r.mac, "{", "endpoint", r.endpoint, "}") for r in batch),
                    ("}",),
                )
            )
    return commands


def mode_summary(topology: "Topology", state: BigipState) -> str:
    """How one topology reaches the pods from this BIG-IP, in one line."""
    cluster = topology.cluster
    if cluster.routing == "native":
        return f"{cluster.cni} native routing: pod network {cluster.pod_cidr} via the underlay gateway, no tunnel"
    tunnels = state.of_kind(Tunnel)
    key = tunnels[0].key if tunnels else "?"
    return f"{cluster.cni} over {cluster.tunnel_protocol}, UDP port {cluster.tunnel_port}, VNI {key}"


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


def _each(command: Callable[[Any], Command]) -> Callable[[list[Any]], list[Command]]:
    return lambda objects: [command(obj) for obj in objects]


# How network.tmsh creates each object kind: the commands for a list of objects of that kind.
# tmsh can express every kind, so no entry is NotExpressible (tests/test_object_kinds.py).
TMSH: dict[type, Callable[[list[Any]], list[Command]]] = {
    SysDb: _each(lambda d: _tmsh("modify", "sys", "db", d.name, "value", d.value)),
    SelfIp: _each(_self_ip),
    VxlanProfile: _each(lambda p: _tmsh("create", "net", "tunnels", "vxlan", p.name, "port", p.port, "flooding-type", p.flooding_type)),
    GeneveProfile: _each(lambda p: _tmsh("create", "net", "tunnels", "geneve", p.name, "port", p.port)),
    Tunnel: _each(_tunnel),
    RouteDomainVlan: _each(lambda m: _tmsh("modify", "net", "route-domain", m.route_domain, "vlans", "add", "{", m.vlan, "}")),
    Route: _each(_route),
    FdbRecord: lambda records: _fdb_commands(sorted(records, key=lambda r: r.name)),
}


def create_commands(objects: list[Any]) -> list[Command]:
    """The commands creating `objects`, kind by kind in the order the kinds first appear."""
    kinds = dict.fromkeys(type(obj) for obj in objects)
    return [command for kind in kinds for command in entry(TMSH, kind, "network.tmsh")([o for o in objects if type(o) is kind])]


def network_commands(state: BigipState) -> list[tuple[str, list[Command]]]:
    """The script's commands in run order, as (section comment, commands); empty sections left out."""
    tunnel_names = [t.name for t in state.of_kind(Tunnel)]
    sections = []
    for stage, objects in staged(state.objects(), tunnel_names):
        sections.append((SECTION_TITLES[stage].format(count=len(objects)), create_commands(objects)))
    sections.append(("Persist the running configuration.", [_tmsh("save", "sys", "config")]))
    return [(title, commands) for title, commands in sections if commands]


def render_network_tmsh(topology: "Topology", state: BigipState) -> str:
    bigip = next(b for b in topology.bigips if b.name == state.name)
    header = [
        f"BIG-IP {state.name} of topology {topology.metadata.name}: network objects. Generated by vtepc; do not edit.",
        f"Mode: {mode_summary(topology, state)}.",
        "Run in the BIG-IP's bash shell (every command has the tmsh prefix): bash network.tmsh, or paste it.",
        "Written for a device without these objects: `create` stops on one that already exists.",
        f"Assumed to exist already: VLAN {bigip.underlay.vlan}"
        + (f" and route domain {state.route_domain} (with that VLAN in it)." if state.route_domain else "."),
        "vtepc owns the underlay self IPs below: the tunnel's local-address must be a self IP, and the",
        "Declarative Onboarding declaration, being the device's whole network state, has to declare them.",
        "Skip a `create net self` whose address the device already has.",
    ]
    selfs = state.of_kind(SelfIp)
    tunnel_names = {t.name for t in state.of_kind(Tunnel)}
    allow = [x.allow_service for x in selfs if x.vlan not in tunnel_names]
    if allow and allow[0]:
        header.append(f"Port lockdown: the underlay self IPs accept only the tunnel's {', '.join(allow[0])} (F5 K17333).")
    gaps = do_gaps(state)
    if gaps:
        header.append("No declarative-onboarding.json for this BIG-IP: " + "; ".join(g.reason for g in gaps) + ".")
    if bigip.ha:
        own = [x.name for x in selfs if x.traffic_group == LOCAL_ONLY]
        header += [
            f"HA ({bigip.ha.traffic_group}), F5's design for a config-synced tunnel: its local-address is the floating",
            "underlay self IP, so the tunnel is up on the active unit only and moves with the traffic group on",
            "failover. Run this file on one unit, then sync the device group; on the other unit run only its own",
            f"(non-floating) self IPs, which config sync does not carry: {', '.join(own)}.",
        ]
    return network_script(header, state)


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
    return {f"bigip/{name}/network.tmsh": render_network_tmsh(state.topology, s) for name, s in state.bigips.items()}
