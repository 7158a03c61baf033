"""The BIG-IP device itself: what its consumers (DO, tmsh) do with the objects vtepc compiles.

VTEP950 names each reason a BIG-IP gets no Declarative Onboarding declaration: the objects of
its compiled state that the DO renderer's table cannot declare (vtepc.render.declarative_onboarding
.do_gaps, which the DO renderer and network.tmsh's header use too), each at its topology field. VTEP951 is
the flannel rule on flooding: with flannel the BIG-IP reaches a pod only through the static ARP
entry CIS creates per pod (k8s-bigip-ctlr v2.20.2 pkg/vxlan/vxlanMgr.go addArpForPods), and
F5's flannel guide (seed 003) sets `flooding-type none`; flooded ARP reaches nodes that do not
answer for pods.
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
FLANNEL_FLOODING = register_code(
    "VTEP951",
    "warning",
    "flannel tunnel flooding is not none",
    "set tunnel.floodingType to none (the default for flannel): pods are reached through CIS's static ARP entries",
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


@check(FLANNEL_FLOODING)
def flannel_flooding(ctx: Context) -> Iterator[Finding]:
    if not (ctx.is_flannel and ctx.is_tunnel):
        return
    for i, bigip in enumerate(ctx.topology.bigips):
        if bigip.tunnel is not None and bigip.tunnel.flooding_type != "none":
            yield Finding(
                FLANNEL_FLOODING,
                ("bigips", i, "tunnel", "floodingType"),
                f"BIG-IP '{bigip.name}' tunnel floodingType is {bigip.tunnel.flooding_type}; with flannel no node "
                "answers flooded ARP for a pod, CIS's static ARP entries do",
            )
