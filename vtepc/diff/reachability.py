"""'Would drop' findings for `vtepc diff`: the packet model (vtepc.reach) walked over the observed
state (live or snapshot), every BIG-IP unit against every node's pods, so a diff shows which pods
the devices cannot reach today next to the changes that would fix it (issue 12)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..diagnostics import VtepcError
from .records import WouldDrop

if TYPE_CHECKING:
    from ..live import ObservedState
    from ..model import ResolvedTopology


def would_drop(topology: "ResolvedTopology", observed: "ObservedState") -> tuple[tuple[WouldDrop, ...], tuple[str, ...]]:
    """(findings, notes): a note says why no analysis was made, when the observed state cannot be modelled."""
    from ..checks.reachability import drops
    from ..reach import Fabric

    try:
        fabric = Fabric.from_observed(topology, observed)
        found = tuple(WouldDrop(f.summary, f.hop.origin, f.nodes) for f in drops(fabric))
    except VtepcError as exc:
        return (), (f"reachability of the observed state not analysed: {exc}",)
    return found, ()
