"""The nodes' BGP speaker (routing: native): BIRD on each node, or a speaker the mode supplies.

`bgp.speaker: bird` (the default) is BIRD 2 on every node, one BirdConfig per node: it
announces the node's pod CIDR to every `bgp.peers` address (seed 004). Another speaker comes
from the topology's mode (`Integration.bgp_speakers`; Cilium's BGP control plane is
integrations/cilium/bgp.py); validation refuses a speaker the mode does not supply (VTEP513).

Whatever the speaker, its compiled configuration is read back as what each node announces to
which peers (BgpAnnouncement, `bgp/announcement`): a diff between a topology with BIRD and the
same one with another speaker shows those unchanged, and vtepc.reach walks them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import repeat
from operator import attrgetter
from typing import TYPE_CHECKING, Any, ClassVar

from .. import facts
from ..addresses import parse_ip
from ..diagnostics import VtepcError
from . import node_origins, objects_from_columns

if TYPE_CHECKING:
    from ..integrations import BgpSpeaker
    from ..model import ResolvedTopology

# The device BIRD's static route names, which hands it the node's pod CIDR to export: Cilium's
# host device (seed 004).
CILIUM_HOST_DEVICE = "cilium_host"


class SpeakerCompileError(VtepcError):
    """The topology passed validation but the nodes' speaker cannot be compiled."""


_NAME, _IP, _POD_CIDR, _ORIGIN = attrgetter("name"), attrgetter("ip"), attrgetter("pod_cidr"), attrgetter("origin")


@dataclass(frozen=True, slots=True)  # slots: one per node, built column by column (state.objects_from_columns)
class BirdConfig:
    kind: ClassVar[str] = "bird/config"
    name: str  # the node name
    router_id: str  # the node IP
    pod_cidr: str
    local_asn: int
    peers: tuple[dict[str, Any], ...]  # ({"name", "address", "asn"}, ...) in topology order
    origin: str = field(default="", compare=False)


def peer_address(text: str) -> str:
    """A peer address as BgpAnnouncement keeps it: canonical (fd00::fe, not FD00::FE), so that every
    speaker's announcements and the BIG-IP's own addresses compare equal."""
    address = parse_ip(text)
    return str(address) if address is not None else text


@dataclass(frozen=True, slots=True)  # slots: one per node, built column by column (state.objects_from_columns)
class BgpAnnouncement:
    """What one node's speaker announces (its pod CIDR) and to which peer addresses, read back
    from the speaker's compiled configuration, BIRD's or a mode's alike."""

    kind: ClassVar[str] = "bgp/announcement"
    name: str  # the node name
    prefixes: tuple[str, ...]
    peers: tuple[str, ...]  # peer addresses, canonical (peer_address), sorted
    origin: str = field(default="", compare=False)


def mode_speaker(topology: ResolvedTopology) -> BgpSpeaker | None:
    """The speaker the topology's mode supplies for its bgp.speaker, or None: BIRD."""
    from ..integrations import integration_of  # (the registry's mode packages import the state)

    if topology.bgp is None:
        return None
    return next((s for s in integration_of(topology).bgp_speakers if s.name == topology.bgp.speaker), None)


def speaker_label(topology: ResolvedTopology) -> str:
    """How a trace names the nodes' speaker."""
    speaker = mode_speaker(topology)
    return "BIRD" if speaker is None else speaker.label


def bird_configs(topology: ResolvedTopology) -> list[BirdConfig]:
    bgp = topology.bgp
    if facts.native_without_bgp(topology) or bgp is None:
        raise SpeakerCompileError("routing: native needs a bgp section (asn and peers) for the nodes' BIRD")
    for index in facts.native_nodes_without_pod_cidr(topology):
        raise SpeakerCompileError(f"cluster.nodes[{index}].podCIDR is needed to announce the node's pods over BGP")
    peers = tuple({"name": p.name, "address": p.address, "asn": p.asn or bgp.asn} for p in bgp.peers)
    nodes = topology.cluster.nodes
    columns = {
        "name": list(map(_NAME, nodes)),
        "router_id": list(map(_IP, nodes)),
        "pod_cidr": list(map(_POD_CIDR, nodes)),  # (none None: native_nodes_without_pod_cidr)
        "local_asn": repeat(bgp.asn),
        "peers": repeat(peers),
        "origin": node_origins(len(nodes)),
    }
    return objects_from_columns(BirdConfig, len(nodes), columns)


def compile_speaker(topology: ResolvedTopology) -> list[object]:
    """The nodes' speaker configuration and what it announces (bgp/announcement)."""
    speaker = mode_speaker(topology)
    if speaker is not None:
        return list(speaker.compile(topology))
    birds = bird_configs(topology)
    if not birds or not birds[0].peers:  # (every node has the bgp section's peers)
        return list(birds)
    peers = tuple(sorted({peer_address(str(p["address"])) for p in birds[0].peers}))
    columns = {
        "name": list(map(_NAME, birds)),
        "prefixes": list(zip(map(_POD_CIDR, birds))),
        "peers": repeat(peers),
        "origin": list(map(_ORIGIN, birds)),
    }
    return [*birds, *objects_from_columns(BgpAnnouncement, len(birds), columns)]
