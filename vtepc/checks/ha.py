"""HA pairs: F5's design for a config-synced tunnel on a floating local address.

BIG-IPs with the same ha.floatingUnderlayIP form a pair. BIG-IP config-syncs tunnels by default,
which requires a tunnel's local-address to be a floating self IP (TMOS "Configuring Network
Virtualization Tunnels", HA section, quoted in F5's HA guide linked from seed 001); vtepc makes
the floating underlay address the local-address, so the pair is one VTEP endpoint, and the
tunnel, its profile, route and FDB records are one config-synced set, up on the active unit only.
On failover the floating addresses and the tunnel move with the traffic group; each unit keeps
its own (non-floating) underlay and tunnel self IPs, which must sit in the floating addresses'
subnets (F5: floating self IPs share the VLAN and subnet of the units' non-floating self IPs).
Because the synced objects are one set, both units must declare them alike (VTEP704). Cilium
keeps one MAC per VTEP: after a failover pods reach the new active unit only if its tunnel has
the MAC Cilium was given (VTEP707).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

from ..addresses import IPInterface, IPNetwork
from ..diagnostics import register_code
from . import Context, Finding, check

if TYPE_CHECKING:
    from ..model import ResolvedBigip

LOCAL_ONLY_GROUP = "traffic-group-local-only"

FLOATING_UNDERLAY_OUTSIDE = register_code(
    "VTEP701",
    "error",
    "floating underlay IP outside the underlay subnet",
    "pick ha.floatingUnderlayIP from the underlay self IP's subnet, with the same prefix length",
)
FLOATING_TUNNEL_OUTSIDE = register_code(
    "VTEP702",
    "error",
    "floating tunnel IP outside the tunnel subnet",
    "pick ha.floatingTunnelIP from the tunnel self IP's subnet, with the same prefix length",
)
FLOATING_IS_UNIT_ADDRESS = register_code(
    "VTEP703",
    "error",
    "floating IP equals the unit's own self IP",
    "a floating self IP is a third address shared by the pair, besides each unit's own self IP",
)
PAIR_DISAGREES = register_code(
    "VTEP704",
    "error",
    "HA pair members disagree",
    "give both units of the pair the same ha section (trafficGroup, floatingUnderlayIP, floatingTunnelIP), routeDomain "
    "and tunnel settings (name, vni, profile, floodingType): config sync keeps one tunnel for the pair",
)
NO_FLOATING_TUNNEL_IP = register_code(
    "VTEP705",
    "warning",
    "HA without a floating tunnel IP",
    "add ha.floatingTunnelIP so the tunnel address pods answer to moves with the active unit",
)
LOCAL_ONLY_FLOATING = register_code(
    "VTEP706",
    "error",
    "floating addresses in traffic-group-local-only",
    "floating self IPs belong to a floating traffic group such as traffic-group-1",
)


@check(FLOATING_UNDERLAY_OUTSIDE, FLOATING_TUNNEL_OUTSIDE, FLOATING_IS_UNIT_ADDRESS, NO_FLOATING_TUNNEL_IP, LOCAL_ONLY_FLOATING)
def floating_addresses(ctx: Context) -> Iterator[Finding]:
    for i, bigip in enumerate(ctx.topology.bigips):
        ha = bigip.ha
        if ha is None:
            continue
        base = ("bigips", i, "ha")
        if ha.traffic_group == LOCAL_ONLY_GROUP:
            yield Finding(
                LOCAL_ONLY_FLOATING,
                base + ("trafficGroup",),
                f"BIG-IP '{bigip.name}' trafficGroup is {LOCAL_ONLY_GROUP}, which never floats",
            )
        # (floating address, the unit's own self IP, key, what, code when outside its subnet)
        pairs: list[tuple[str, str | None, str, str, str]] = [
            (ha.floating_underlay_ip, bigip.underlay.self_ip, "floatingUnderlayIP", "underlay", FLOATING_UNDERLAY_OUTSIDE)
        ]
        if ha.floating_tunnel_ip is not None:
            tunnel_self_ip = bigip.tunnel.self_ip if bigip.tunnel is not None else None
            pairs.append((ha.floating_tunnel_ip, tunnel_self_ip, "floatingTunnelIP", "tunnel", FLOATING_TUNNEL_OUTSIDE))
        elif bigip.tunnel is not None and ctx.is_tunnel:
            yield Finding(
                NO_FLOATING_TUNNEL_IP,
                base,
                f"BIG-IP '{bigip.name}' is in an HA pair but has no floatingTunnelIP: after a failover the "
                "tunnel self IP pods reply to stays on the old unit",
                at_key=True,
            )
        for floating_text, unit_text, key, what, outside_code in pairs:
            floating = ctx.interface(floating_text)
            if floating is None:
                continue
            if unit_text is None:
                yield Finding(outside_code, base + (key,), f"BIG-IP '{bigip.name}' has {key} {floating_text} but no {what}")
                continue
            unit = ctx.interface(unit_text)
            if unit is None:
                continue
            if floating.ip == unit.ip:
                yield Finding(
                    FLOATING_IS_UNIT_ADDRESS,
                    base + (key,),
                    f"BIG-IP '{bigip.name}' {key} {floating.ip} is its own {what} self IP",
                )
            elif floating.network != unit.network:
                yield Finding(
                    outside_code,
                    base + (key,),
                    f"BIG-IP '{bigip.name}' {key} {floating_text} is not in the {what} self IP's subnet {unit.network}",
                )


# (the setting's path below the BIG-IP, this unit's value, its pair member's value)
Setting = tuple[tuple[str, ...], object, object]


@check(PAIR_DISAGREES)
def pair_agreement(ctx: Context) -> Iterator[Finding]:
    bigips = ctx.topology.bigips
    for members in ctx.pair_members.values():
        first = bigips[members[0]]
        for i in members[1:]:
            bigip = bigips[i]
            ha, first_ha = bigip.ha, first.ha
            assert ha is not None and first_ha is not None, "facts.pair_of pairs BIG-IPs by their ha section"
            settings: list[Setting] = [
                (("ha", "trafficGroup"), ha.traffic_group, first_ha.traffic_group),
                (("routeDomain",), bigip.route_domain, first.route_domain),
                *_synced_tunnel_settings(bigip, first),
                (("ha", "floatingTunnelIP"), _normalized(ctx, ha.floating_tunnel_ip), _normalized(ctx, first_ha.floating_tunnel_ip)),
                (("tunnel", "selfIP"), _tunnel_subnet(ctx, bigip), _tunnel_subnet(ctx, first)),
            ]
            for path, mine, theirs in settings:
                if mine != theirs:
                    what = "tunnel subnet" if path == ("tunnel", "selfIP") else ".".join(path)
                    yield Finding(
                        PAIR_DISAGREES,
                        ("bigips", i) + (path if mine is not None else path[:1]),
                        f"BIG-IP '{bigip.name}' {what} is {mine}, but its pair member '{first.name}' has {theirs}",
                    )


def _synced_tunnel_settings(bigip: ResolvedBigip, first: ResolvedBigip) -> list[Setting]:
    """The tunnel's settings, which config sync makes one for both units."""
    if bigip.tunnel is None or first.tunnel is None:
        return []
    return [
        (("tunnel", key), getattr(bigip.tunnel, attribute), getattr(first.tunnel, attribute))
        for key, attribute in (("name", "name"), ("vni", "vni"), ("profile", "profile"), ("floodingType", "flooding_type"))
    ]


def _normalized(ctx: Context, text: str | None) -> IPInterface | str | None:
    interface = ctx.interface(text)
    return interface if interface is not None else text


def _tunnel_subnet(ctx: Context, bigip: ResolvedBigip) -> IPNetwork | None:
    """The pair shares one VTEP CIDR: each unit's tunnel self IP must sit in the same subnet."""
    interface = ctx.interface(bigip.tunnel.self_ip) if bigip.tunnel is not None else None
    return interface.network if interface is not None else None


GROUP_NOT_A_PAIR = register_code(
    "VTEP708",
    "error",
    "more than two BIG-IPs share one HA pair's floating address",
    "vtepc builds HA as active/standby pairs: give exactly the two units of each pair the same ha.floatingUnderlayIP",
)
PAIR_OF_ONE = register_code(
    "VTEP709",
    "warning",
    "HA pair with one unit listed",
    "list the pair's other unit with the same ha section, so vtepc builds it too and checks the pair together "
    "(shared floating addresses, one tunnel subnet, one MAC); or drop the ha section of a standalone BIG-IP",
)


@check(GROUP_NOT_A_PAIR, PAIR_OF_ONE)
def pair_sizes(ctx: Context) -> Iterator[Finding]:
    # Pairs are formed by a shared floatingUnderlayIP (Context.pair_of); every per-pair rule
    # (one VTEP entry, one tunnel subnet, the shared MAC) assumes exactly two members. A lone
    # unit is only a warning: the contract's own topology (spec/topology-v1.yaml) lists one unit
    # of a pair, whose peer may be built from another topology.
    bigips = ctx.topology.bigips
    for key, members in ctx.pair_members.items():
        if len(members) == 1 and not ctx.partial.lost_entries(("bigips",)):
            (i,) = members
            yield Finding(
                PAIR_OF_ONE,
                ("bigips", i, "ha", "floatingUnderlayIP"),
                f"BIG-IP '{bigips[i].name}' has an ha section, but no other BIG-IP here shares its floatingUnderlayIP "
                f"{key}: its peer is neither built nor checked",
            )
        for i in members[2:]:
            yield Finding(
                GROUP_NOT_A_PAIR,
                ("bigips", i, "ha", "floatingUnderlayIP"),
                f"BIG-IP '{bigips[i].name}' is unit {members.index(i) + 1} with floatingUnderlayIP {key} (with "
                f"'{bigips[members[0]].name}' and '{bigips[members[1]].name}'); an HA pair has two",
            )
