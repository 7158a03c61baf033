"""What each Cilium minor release accepts: the one place per-version chart knowledge lives.

Facts were read from the chart's values.yaml and templates/cilium-configmap.yaml of the newest
patch of every minor from 1.12 to 1.20 (github.com/cilium/charts, cilium-<version>.tgz; the
values files are kept in ../shared/oracles/cilium):

- 1.12-1.13: one `tunnel` value (vxlan | geneve | disabled), rendered as ConfigMap `tunnel`.
- 1.14: `routingMode` (tunnel | native) and `tunnelProtocol` (vxlan | geneve) replace it;
  `tunnel` is still read but deprecated, and the 1.15 chart removed it.
- `tunnelPort` (ConfigMap `tunnel-port`) is documented in values.yaml from 1.13; the 1.12
  template renders it too (`{{- if hasKey .Values "tunnelPort" }}`), although 1.12's
  values.yaml does not list it: tests/test_oracle_helm.py proves it with `helm template`.
  The agent has the flag since cilium PR 16874 (2021, before 1.11).
- From 1.19 the agent splits list options on commas first (pkg/option), so the vtep lists
  are always joined with single spaces.
- Dual stack: the datapath tags traffic to a VTEP with WORLD_IPV4_ID, which is 9 when IPv4 and
  IPv6 are both enabled and WORLD_ID (2) otherwise (bpf/node_config.h, bpf/lib/identity.h).
  The split came with cilium PR 22625 (commit a94fa56f, "Fix CIDR to World Entity Conversion
  Bug"); 1.15.0 carries it, as its VTEP breakage shows (issue 31023, fixed by PR 31039 whose
  "Fixes:" names a94fa56f). Whether any 1.12-1.14 patch release got it could not be pinned,
  so dual stack with VTEP is refused there (vtep_vni returns None).
- `policyEnforcementMode: never` was required by VTEP before 1.12 only (cilium issue 17694);
  every supported release runs VTEP with the default policy mode, so it is never emitted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ...diagnostics import VtepcError
from ...model import GENEVE_PORT, VXLAN_PORT
from .model import CILIUM_DUAL_STACK_VNI, CILIUM_VNI

if TYPE_CHECKING:
    from .model import CiliumCluster

OLDEST_MINOR = 12
# The node annotation the agent writes its IPv4 pod CIDR to when annotateK8sNode is true
# (cilium pkg/annotation/k8s.go V4CIDRName): `io.cilium.network.ipv4-pod-cidr` up to 1.12;
# from 1.13 `network.cilium.io/ipv4-pod-cidr`, the old name kept only as an alias the agent reads.
POD_CIDR_ANNOTATION = "network.cilium.io/ipv4-pod-cidr"
POD_CIDR_ANNOTATION_BEFORE_1_13 = "io.cilium.network.ipv4-pod-cidr"
POD_CIDR_ANNOTATION_FROM_MINOR = 13
NEWEST_MINOR = 20
ROUTING_MODE_FROM_MINOR = 14
WORLD_IPV4_SPLIT_FROM_MINOR = 15

# Pre-release and build suffixes (1.19.0-rc.1) are accepted and ignored: the chart keys follow the minor.
_VERSION = re.compile(r"v?(\d+)\.(\d+)(?:\.(\d+))?(?:[-+][0-9A-Za-z.+-]+)?")


class UnsupportedCiliumVersion(VtepcError):
    """ciliumVersion is missing, malformed or outside the chart range vtepc knows."""


@dataclass(frozen=True, order=True)
class CiliumVersion:
    major: int
    minor: int
    patch: int

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch}"

    @property
    def has_routing_mode(self) -> bool:
        """routingMode/tunnelProtocol (1.14+) rather than the single `tunnel` value."""
        return self.minor >= ROUTING_MODE_FROM_MINOR


def match_cilium_version(text: str | None) -> CiliumVersion | None:
    """The release a ciliumVersion string names ("1.16.19", "v1.16", "1.19.0-rc.1"), or None."""
    match = _VERSION.fullmatch((text or "").strip())
    if match is None:
        return None
    return CiliumVersion(int(match[1]), int(match[2]), int(match[3] or 0))


def is_supported(version: CiliumVersion) -> bool:
    """A 1.x release from 1.12 on: the rule both VTEP602 and parse_cilium_version apply. Minors
    newer than 1.20 get 1.20's chart knowledge (validation warns, VTEP603), since the VTEP and
    routing keys have not changed since; another major is not a chart vtepc knows."""
    return version.major == 1 and version.minor >= OLDEST_MINOR


def parse_cilium_version(text: str | None) -> CiliumVersion:
    """A supported release (`is_supported`); VTEP310, VTEP601 and VTEP602 report every other value first."""
    version = match_cilium_version(text)
    if version is None:
        raise UnsupportedCiliumVersion(f"ciliumVersion {text!r} is not a version like 1.16.19")
    if not is_supported(version):
        raise UnsupportedCiliumVersion(f"ciliumVersion {version} is not a release vtepc knows (1.{OLDEST_MINOR} or a later 1.x)")
    return version


def pod_cidr_annotation(cluster: "CiliumCluster") -> str | None:
    """The annotation carrying each node's IPv4 pod CIDR on this cluster's release (None: no valid version)."""
    version = match_cilium_version(cluster.cilium_version)
    if version is None:
        return None
    return POD_CIDR_ANNOTATION if (version.major, version.minor) >= (1, POD_CIDR_ANNOTATION_FROM_MINOR) else POD_CIDR_ANNOTATION_BEFORE_1_13


def vtep_vni(cluster: "CiliumCluster") -> int | None:
    """The VNI (the world identity) the agent puts on traffic to a VTEP, which the BIG-IP tunnel
    must use; None for dual stack on a release where it is not proven (or no valid version)."""
    if not {"ipv4", "ipv6"} <= set(cluster.ip_families):
        return CILIUM_VNI
    version = match_cilium_version(cluster.cilium_version)
    if version is None or (version.major, version.minor) < (1, WORLD_IPV4_SPLIT_FROM_MINOR):
        return None
    return CILIUM_DUAL_STACK_VNI


@dataclass(frozen=True)
class ChartSetting:
    """One Helm value and the cilium-config key the chart renders from it (templates/cilium-configmap.yaml)."""

    path: tuple[str, ...]  # value path in values.yaml
    value: Any
    config_key: str
    origin: str

    @property
    def config_value(self) -> str:
        # The chart writes these with `| quote`: booleans as "true"/"false", numbers as digits.
        if isinstance(self.value, bool):
            return "true" if self.value else "false"
        return str(self.value)


def routing_settings(cluster: "CiliumCluster", version: CiliumVersion) -> list[ChartSetting]:
    """The routing values (tunnel or native) for this chart version, with their ConfigMap keys."""
    settings: list[ChartSetting] = []
    if cluster.routing == "static":
        return static_routing_settings(cluster, version) + cluster_settings(cluster)
    if cluster.routing == "native":
        if version.has_routing_mode:
            settings.append(ChartSetting(("routingMode",), "native", "routing-mode", "cluster.routing"))
        else:
            settings.append(ChartSetting(("tunnel",), "disabled", "tunnel", "cluster.routing"))
        # BIRD on every node announces its pod CIDR and the switch routes between nodes, as in
        # seed 004; the same switch is the BIG-IP's gateway to the pods. autoDirectNodeRoutes
        # would add a second, L2-only source of node routes that the BGP design does not assume
        # (nodes may sit in different racks), so it is set off explicitly.
        settings.append(ChartSetting(("autoDirectNodeRoutes",), False, "auto-direct-node-routes", "cluster.routing"))
        settings.append(ChartSetting(("ipv4NativeRoutingCIDR",), cluster.pod_cidr, "ipv4-native-routing-cidr", "cluster.podCIDR"))
        return settings + cluster_settings(cluster)
    if version.has_routing_mode:
        settings.append(ChartSetting(("routingMode",), "tunnel", "routing-mode", "cluster.routing"))
        settings.append(ChartSetting(("tunnelProtocol",), cluster.tunnel_protocol, "tunnel-protocol", "cluster.tunnelProtocol"))
    else:
        settings.append(ChartSetting(("tunnel",), cluster.tunnel_protocol, "tunnel", "cluster.tunnelProtocol"))
    default_port = GENEVE_PORT if cluster.tunnel_protocol == "geneve" else VXLAN_PORT
    if cluster.tunnel_port != default_port:
        settings.append(ChartSetting(("tunnelPort",), cluster.tunnel_port, "tunnel-port", "cluster.tunnelPort"))
    return settings + cluster_settings(cluster)


def static_routing_settings(cluster: "CiliumCluster", version: CiliumVersion) -> list[ChartSetting]:
    """routing: static: CIS routes each node's pod CIDR to the node IP, so the nodes route natively.

    - annotateK8sNode: the agent writes the node's pod CIDR annotation CIS reads (k8s-bigip-ctlr
      v2.20.2 pkg/controller/node_poll_handler.go ciliumPodCidr); the chart default is false in
      every release 1.12-1.20 (values.yaml), and without it CIS adds no route at all.
    - native routing with ipv4NativeRoutingCIDR = cluster.podCIDR: packets from the BIG-IP arrive
      unencapsulated on the node's own device and go to the pod (the 1.14+ charts `fail` on
      routingMode native without it; before 1.14, `tunnel: disabled`).
    - autoDirectNodeRoutes: each node routes the other nodes' pod CIDRs to their node IPs; the
      nodes share the BIG-IP's underlay subnet (VTEP524 refuses a node off it), which is the L2
      segment the setting requires (values.yaml: "if worker nodes share a common L2 network segment").
    """
    settings = []
    if version.has_routing_mode:
        settings.append(ChartSetting(("routingMode",), "native", "routing-mode", "cluster.routing"))
    else:
        settings.append(ChartSetting(("tunnel",), "disabled", "tunnel", "cluster.routing"))
    settings.append(ChartSetting(("autoDirectNodeRoutes",), True, "auto-direct-node-routes", "cluster.routing"))
    settings.append(ChartSetting(("ipv4NativeRoutingCIDR",), cluster.pod_cidr, "ipv4-native-routing-cidr", "cluster.podCIDR"))
    settings.append(ChartSetting(("annotateK8sNode",), True, "annotate-k8s-node", "cluster.routing"))
    return settings


def cluster_settings(cluster: "CiliumCluster") -> list[ChartSetting]:
    """The values the topology states about the cluster itself, only when it states them.

    ipam.mode is never changed behind the user's back: Cilium's IPAM docs forbid changing it on
    a live cluster (every pod would need new addresses), so only an explicit cluster.ipam sets it.
    """
    settings = []
    if cluster.ipam is not None:
        settings.append(ChartSetting(("ipam", "mode"), cluster.ipam, "ipam", "cluster.ipam"))
    if cluster.l7_proxy is not None:
        settings.append(ChartSetting(("l7Proxy",), cluster.l7_proxy, "enable-l7-proxy", "cluster.l7Proxy"))
    return settings
