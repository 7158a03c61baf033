"""BIG-IP desired state (filled in by the BIG-IP side: issue 3)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BigipState:
    name: str


def compile_bigips(topology) -> dict[str, BigipState]:
    return {bigip.name: BigipState(bigip.name) for bigip in topology.bigips}
