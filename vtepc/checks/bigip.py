"""The BIG-IP device itself: what its consumers (DO, tmsh) do with the objects vtepc compiles.

VTEP950 names each reason a BIG-IP gets no Declarative Onboarding declaration: the objects of
its compiled state that the DO renderer's table cannot declare (vtepc.render.declarative_onboarding
.do_gaps, which the DO renderer and network.tmsh's header use too), each at its topology field.
VTEP313: every tunnel mode tells the cluster the BIG-IP's tunnel MAC, which `vtepc discover` reads.
"""

from __future__ import annotations

from typing import Iterator

from ..diagnostics import register_code
from . import Context, Finding, check

NO_DO_DECLARATION = register_code(
    "VTEP950",
    "warning",
    "no Declarative Onboarding declaration for this BIG-IP",
    "set this BIG-IP up with network.tmsh, or change the topology so DO can declare it (the message says how DO differs)",
)
TUNNEL_MAC_UNKNOWN = register_code(
    "VTEP313",
    "warning",
    "tunnel MAC not known yet",
    "run `vtepc discover` once the tunnel exists, or copy it from `tmsh show net tunnels tunnel NAME all-properties`",
)


@check(NO_DO_DECLARATION, after_others=True)
def do_declaration(ctx: Context) -> Iterator[Finding]:
    # Judged on the compiled state, so it runs on a topology no other check refused (the
    # reachability check, which needs no state of its own, runs after it).
    from ..render.declarative_onboarding import do_gaps
    from .reachability import origin_path

    desired = ctx.desired_state if not ctx.errors_reported else None
    if desired is None:
        return
    for bigip in ctx.topology.bigips:
        for gap in do_gaps(desired.bigips[bigip.name]):
            yield Finding(
                NO_DO_DECLARATION, origin_path(gap.origin), f"BIG-IP '{bigip.name}' gets no declarative-onboarding.json: {gap.reason}"
            )


@check(TUNNEL_MAC_UNKNOWN)
def tunnel_mac_known(ctx: Context) -> Iterator[Finding]:
    # Every tunnel mode tells the cluster the BIG-IP's tunnel MAC (Cilium's vtep-mac, flannel's VtepMAC).
    if not ctx.is_tunnel:
        return
    need = ctx.integration.tunnel_mac_consumer
    for i, bigip in enumerate(ctx.topology.bigips):
        if bigip.tunnel is not None and bigip.tunnel.mac is None:
            yield Finding(
                TUNNEL_MAC_UNKNOWN,
                ("bigips", i, "tunnel"),
                f"BIG-IP '{bigip.name}' tunnel MAC is not known yet: the {need} cannot be built until "
                "`vtepc discover` fills tunnel.mac or you set it",
                at_key=True,
            )
