"""Cilium's BGP control plane as the nodes' speaker (routing: native, bgp.speaker: cilium).

`bgp.speaker: cilium` replaces the per-node BIRD files with three cluster-wide resources of
Cilium's BGP control plane (its "v2" API, first in 1.16):

- CiliumBGPClusterConfig: one BGP instance (localASN = bgp.asn) on every node (no nodeSelector),
  one peer per bgp.peers entry (peerAddress, peerASN), all using one peer config;
- CiliumBGPPeerConfig: the IPv4 unicast family, advertising what the label selects;
- CiliumBGPAdvertisement: advertisementType PodCIDR, carrying that label: each node announces
  its own pod CIDR, which is what BIRD's `route <podCIDR> via "cilium_host"` exports.

API versions: cilium.io/v2alpha1 in 1.16 and 1.17, cilium.io/v2 from 1.18 (v2alpha1 still
served there; the v1 CiliumBGPPeeringPolicy is gone in 1.19). The fields written here have the
same names in both (checked against the CRD schemas of Cilium 1.17 and 1.18, tests/data/
cilium-bgp-crds). The Helm value bgpControlPlane.enabled (cilium-config
enable-bgp-control-plane) turns it on; by default it opens no listening port, so it can run
beside BIRD while a cluster moves from one speaker to the other (docs/bgp-speakers.md).

`cilium_announcements` reads the resources back as what each node announces to which peers
(state/speaker.py BgpAnnouncement), as BIRD's configuration is read back: a diff between a
topology with BIRD and the same one with Cilium's control plane shows those unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from ...model import ResolvedTopology, Topology
from ...state.speaker import BgpAnnouncement, peer_address
from .. import BgpSpeaker, cluster_as
from .model import CiliumCluster
from .versions import ChartSetting, CiliumVersion, parse_cilium_version

SPEAKER = "cilium"  # bgp.speaker
CILIUM_BGP_FROM_MINOR = 16  # the v2 BGP API (CiliumBGPClusterConfig, ...) first ships in 1.16, as v2alpha1
CILIUM_BGP_V2_FROM_MINOR = 18  # cilium.io/v2 from 1.18
RESOURCE_NAME = "vtepc"
ADVERTISE_LABEL = ("advertise", "vtepc-pod-cidr")
CLUSTER_CONFIG = "CiliumBGPClusterConfig"
PEER_CONFIG = "CiliumBGPPeerConfig"
ADVERTISEMENT = "CiliumBGPAdvertisement"


@dataclass(frozen=True)
class CiliumBgpResource:
    """One cluster-scoped resource of Cilium's BGP control plane."""

    kind: ClassVar[str] = "cilium/bgp"
    name: str  # "<Kind>/<metadata.name>"
    api_version: str
    labels: dict[str, str]
    spec: dict[str, Any]
    origin: str = field(default="", compare=False)

    @property
    def resource_kind(self) -> str:
        return self.name.split("/", 1)[0]

    @property
    def resource_name(self) -> str:
        return self.name.split("/", 1)[1]


def api_version(version: CiliumVersion) -> str:
    return "cilium.io/v2" if version.minor >= CILIUM_BGP_V2_FROM_MINOR else "cilium.io/v2alpha1"


def speaker_settings(topology: "Topology") -> list[ChartSetting]:
    """The Helm value that turns Cilium's BGP control plane on, when it is the speaker."""
    if topology.bgp is None or topology.bgp.speaker != SPEAKER or topology.cluster.routing != "native":
        return []
    return [ChartSetting(("bgpControlPlane", "enabled"), True, "enable-bgp-control-plane", "bgp.speaker")]


def compile_cilium_bgp(topology: "Topology", version: CiliumVersion) -> list[CiliumBgpResource]:
    bgp = topology.bgp
    if bgp is None:
        return []
    group = api_version(version)
    peers = [
        {"name": peer.name, "peerASN": peer.asn or bgp.asn, "peerAddress": peer.address, "peerConfigRef": {"name": RESOURCE_NAME}}
        for peer in bgp.peers
    ]
    key, value = ADVERTISE_LABEL
    return [
        CiliumBgpResource(
            f"{CLUSTER_CONFIG}/{RESOURCE_NAME}",
            group,
            {},
            {"bgpInstances": [{"name": RESOURCE_NAME, "localASN": bgp.asn, "peers": peers}]},
            origin="bgp",
        ),
        CiliumBgpResource(
            f"{PEER_CONFIG}/{RESOURCE_NAME}",
            group,
            {},
            {"families": [{"afi": "ipv4", "safi": "unicast", "advertisements": {"matchLabels": {key: value}}}]},
            origin="bgp.speaker",
        ),
        CiliumBgpResource(
            f"{ADVERTISEMENT}/{RESOURCE_NAME}",
            group,
            {key: value},
            {"advertisements": [{"advertisementType": "PodCIDR"}]},
            origin="bgp.speaker",
        ),
    ]


def _selected(selector: dict[str, Any] | None, labels: dict[str, str]) -> bool:
    """A label selector as Kubernetes reads it, matchLabels only (what vtepc writes); no selector selects nothing."""
    if selector is None:
        return False
    return all(labels.get(k) == v for k, v in (selector.get("matchLabels") or {}).items())


def cilium_announcements(resources: list[CiliumBgpResource], topology: "Topology") -> list[BgpAnnouncement]:
    """What Cilium's control plane announces from these resources, per node: a peer whose peer
    config has an IPv4 unicast family selecting a PodCIDR advertisement gets every node's pod
    CIDR (the node's own allocation: Node.spec.podCIDR with ipam kubernetes). The cluster config
    has no nodeSelector, so every node runs the instance."""
    by_name = {r.name: r for r in resources}
    advertisements = [r for r in resources if r.resource_kind == ADVERTISEMENT]
    to_peers: list[str] = []
    for config in (r for r in resources if r.resource_kind == CLUSTER_CONFIG):
        for instance in config.spec.get("bgpInstances", []):
            for peer in instance.get("peers", []):
                peer_config = by_name.get(f"{PEER_CONFIG}/{peer.get('peerConfigRef', {}).get('name', '')}")
                families = peer_config.spec.get("families", []) if peer_config is not None else []
                if any(
                    family.get("afi") == "ipv4"
                    and family.get("safi") == "unicast"
                    and any(
                        _selected(family.get("advertisements"), ad.labels)
                        and any(a.get("advertisementType") == "PodCIDR" for a in ad.spec.get("advertisements", []))
                        for ad in advertisements
                    )
                    for family in families
                ):
                    to_peers.append(peer_address(peer["peerAddress"]))
    if not to_peers:
        return []
    peers = tuple(sorted(set(to_peers)))
    return [
        BgpAnnouncement(node.name, (node.pod_cidr,), peers, origin=f"cluster.nodes[{i}]")
        for i, node in enumerate(topology.cluster.nodes)
        if node.pod_cidr is not None
    ]


def compile_speaker(topology: ResolvedTopology) -> Sequence[object]:
    """The control plane's resources for the cluster's Cilium release, and what they announce."""
    resources = compile_cilium_bgp(topology, parse_cilium_version(cluster_as(topology.cluster, CiliumCluster).cilium_version))
    return [*resources, *cilium_announcements(resources, topology)]


CILIUM_SPEAKER = BgpSpeaker(
    SPEAKER,
    "Cilium BGP",
    compile_speaker,
    "Cilium's BGP control plane (Cilium 1.16+: CiliumBGPClusterConfig, CiliumBGPPeerConfig, CiliumBGPAdvertisement)",
)
