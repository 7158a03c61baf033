"""Reachability: every BIG-IP unit (each unit of an HA pair as the active one) reaches every
node's pod CIDR and the reply comes back, walked through the packet model in vtepc.reach.

Runs last and only on a topology no other check refused: the model compiles the desired
state, and a drop that an earlier error already explains would only repeat it. Drops decided by
the Cilium release alone (zero-MAC ARP, "Incorrect VNI from VTEP") stay the version check's
warnings (VTEP604, VTEP605); `vtepc trace` still shows them as drops.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Iterator

from ..diagnostics import register_code
from . import Context, Finding, check

if TYPE_CHECKING:
    from ..reach import Fabric
    from ..reach.model import Unreachable

UNREACHABLE = register_code(
    "VTEP1001",
    "error",
    "a BIG-IP cannot reach a node's pods, or the reply does not come back",
    "`vtepc trace TOPOLOGY --from BIGIP --to NODE` walks the flow hop by hop",
)

_PATH_PART = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]")


def origin_path(origin: str) -> tuple[str | int, ...]:
    """'bigips[0].tunnel.vni' -> ('bigips', 0, 'tunnel', 'vni'); a joined origin names its first path."""
    first = origin.split(", ", 1)[0]
    return tuple(name if name else int(index) for name, index in _PATH_PART.findall(first))


def drops(fabric: "Fabric") -> Iterator["Unreachable"]:
    """What the packet model drops, less what another check reports already (the mode's
    DatapathRules.reported_elsewhere: for Cilium, a known-broken release, which VTEP604/VTEP605
    report as warnings by choice)."""
    from ..reach import unreachable

    return (found for found in unreachable(fabric) if found.hop.origin not in fabric.rules.reported_elsewhere)


@check(UNREACHABLE, after_others=True)
def reachability(ctx: Context) -> Iterator[Finding]:
    from ..reach import Fabric

    if ctx.integration.datapath is None:
        return  # a mode whose datapath vtepc.reach does not model has nothing to walk
    desired = ctx.desired_state if not ctx.errors_reported else None
    if desired is None:
        return  # refused by another check, or a compile problem the checks do not cover yet (build reports it)
    fabric = Fabric(ctx.topology, desired.bigips, desired.cluster)
    for found in drops(fabric):
        yield Finding(
            UNREACHABLE,
            origin_path(found.hop.origin),
            found.summary,
            "trace (vtepc trace):\n" + found.trace.format_text().rstrip("\n"),
        )
