"""The cluster side of a Cilium topology: the Helm values and cilium-config keys vtepc sets
(routing, and with routing: tunnel the VTEP lists), and the CIS flag for the tunnel.

Its cluster object kinds (state/cluster.py's conventions; read live by .live):
- CiliumHelmValues are the values vtepc sets for the cilium chart (`helm get values`).
- CiliumConfig holds only the cilium-config keys vtepc manages (`data`); compare a live
  ConfigMap by projecting its data onto those keys. `key_origins` attributes each key.
"""

from __future__ import annotations

import ipaddress
import re
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from ...state.cluster import ClusterCompileError, Omission
from .. import ClusterContribution, cluster_as
from .bgp import speaker_settings
from .model import CiliumCluster
from .versions import ChartSetting, parse_cilium_version, routing_settings

if TYPE_CHECKING:
    from ...model import Cis, ResolvedTopology
    from ...state.bigip import BigipState, VtepEntry

# --cilium-name appeared in k8s-bigip-ctlr 2.13.0 (cmd/k8s-bigip-ctlr/main.go); older
# releases drive the same FDB maintenance for Cilium through --flannel-name.
CIS_CILIUM_NAME_FROM = (2, 13)
_IMAGE_TAG_VERSION = re.compile(r":v?(\d+)\.(\d+)(?:\.(\d+))?$")
CILIUM_NAMESPACE = "kube-system"
CILIUM_RELEASE = "cilium"
CILIUM_CONFIGMAP = "cilium-config"
ROLLOUT_RESTART = "kubectl -n kube-system rollout restart ds/cilium"
CILIUM_VALUES_PATH = "kubernetes/cilium-values.yaml"  # Helm values, not a manifest: kustomize skips it


@dataclass(frozen=True)
class CiliumHelmValues:
    kind: ClassVar[str] = "cilium/helm-values"
    name: str  # "<namespace>/<release>"
    values: dict[str, Any]  # nested, as in values.yaml
    key_origins: dict[str, str] = field(default_factory=dict, compare=False)  # dotted value path -> topology path
    origin: str = field(default="", compare=False)
    chart_version: str | None = field(default=None, compare=False)  # the chart the values are for (compiled state only)


@dataclass(frozen=True)
class CiliumConfig:
    kind: ClassVar[str] = "cilium/config"
    name: str  # "kube-system/cilium-config"
    data: dict[str, str]  # ConfigMap key -> string value, only the keys vtepc manages
    key_origins: dict[str, str] = field(default_factory=dict, compare=False)  # ConfigMap key -> topology path
    origin: str = field(default="", compare=False)


def _joined_origin(paths: list[str]) -> str:
    return ", ".join(paths)


def helm_upgrade_command(namespace: str, chart_version: str | None, values_path: str) -> str:
    """The way to set vtepc's Cilium values on a Helm-installed Cilium (the chart owns cilium-config),
    pinned to the topology's release so the upgrade never moves the cluster to another chart."""
    version = f" --version {shlex.quote(chart_version)}" if chart_version else ""
    return f"helm upgrade {CILIUM_RELEASE} cilium/cilium{version} -n {shlex.quote(namespace)} --reuse-values -f {shlex.quote(values_path)}"


def cilium_vteps(topology: ResolvedTopology, bigips: Mapping[str, BigipState]) -> list[tuple[VtepEntry, int]]:
    """The VTEPs Cilium is told about, in topology order, with each one's bigips index.

    BIG-IPs of an HA pair share one endpoint (the floating underlay address) and one CIDR;
    Cilium keys its VTEP map by CIDR, so the pair is one VTEP, announced with the first
    unit's tunnel MAC.
    """
    seen: set[tuple[str, str]] = set()
    out = []
    for index, bigip in enumerate(topology.bigips):
        vtep = bigips[bigip.name].vtep
        if vtep is None or (vtep.endpoint, vtep.cidr) in seen:
            continue
        seen.add((vtep.endpoint, vtep.cidr))
        out.append((vtep, index))
    return out


def mask_mismatches(prefixlens: Sequence[int]) -> list[int]:
    """The VTEPs whose CIDR prefix differs from the first one's: Cilium has one vtep-mask for every
    VTEP CIDR (VTEP305 reports them, the compiler refuses them)."""
    return [i for i, length in enumerate(prefixlens) if length != prefixlens[0]]


def _vtep_settings(topology: ResolvedTopology, vteps: list[tuple[VtepEntry, int]]) -> list[ChartSetting]:
    prefixlens = [ipaddress.ip_network(v.cidr).prefixlen for v, _ in vteps]
    if mask_mismatches(prefixlens):
        raise ClusterCompileError(
            "Cilium applies one vtep.mask to every VTEP CIDR, but the BIG-IP tunnel networks have prefixes "
            + ", ".join(f"/{p}" for p in sorted(set(prefixlens)))
        )
    mask = str(ipaddress.ip_network(vteps[0][0].cidr).netmask)
    endpoint_paths = [f"bigips[{i}].ha.floatingUnderlayIP" if topology.bigips[i].ha else f"bigips[{i}].underlay.selfIP" for _, i in vteps]
    cidr_paths = [f"bigips[{i}].tunnel.selfIP" for _, i in vteps]
    # Single spaces, never commas: 1.19+ splits list options on commas first.
    return [
        # Without the L7 proxy the agent deletes every VTEP route (pkg/datapath/vtep/vtep_manager.go),
        # so VTEP pins it on (validation refuses cluster.l7Proxy: false with VTEP, VTEP321).
        ChartSetting(("l7Proxy",), True, "enable-l7-proxy", "cluster.l7Proxy"),
        ChartSetting(("vtep", "enabled"), True, "enable-vtep", "bigips"),
        ChartSetting(("vtep", "endpoint"), " ".join(v.endpoint for v, _ in vteps), "vtep-endpoint", _joined_origin(endpoint_paths)),
        ChartSetting(("vtep", "cidr"), " ".join(v.cidr for v, _ in vteps), "vtep-cidr", _joined_origin(cidr_paths)),
        ChartSetting(("vtep", "mask"), mask, "vtep-mask", _joined_origin(cidr_paths)),
        ChartSetting(
            ("vtep", "mac"),
            " ".join(v.mac for v, _ in vteps if v.mac),
            "vtep-mac",
            _joined_origin([f"bigips[{i}].tunnel.mac" for _, i in vteps]),
        ),
    ]


def _nest(settings: list[ChartSetting]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for setting in settings:
        node = values
        for part in setting.path[:-1]:
            node = node.setdefault(part, {})
        node[setting.path[-1]] = setting.value
    return values


def compile_cluster(topology: ResolvedTopology, bigips: Mapping[str, BigipState]) -> ClusterContribution:
    """cilium-values and cilium-config: the routing settings, and the VTEPs once their MACs are known."""
    cluster = cluster_as(topology.cluster, CiliumCluster)
    version = parse_cilium_version(cluster.cilium_version)
    settings = routing_settings(cluster, version) + speaker_settings(topology)
    omitted: list[Omission] = []
    if topology.cluster.routing == "tunnel":
        vteps = cilium_vteps(topology, bigips)
        unknown = [f"bigips[{i}].tunnel.mac" for v, i in vteps if v.mac is None]
        if unknown:
            # A guessed MAC would silently blackhole pod -> BIG-IP traffic; leave the VTEP
            # settings out until `vtepc discover` fills the MAC in.
            omitted.append(Omission("cilium", "Cilium vtep settings (tunnel MAC unknown: " + ", ".join(unknown) + ")"))
        elif vteps:
            vtep_settings = _vtep_settings(topology, vteps)
            pinned = {v.path for v in vtep_settings}
            settings = [s for s in settings if s.path not in pinned] + vtep_settings
    values = CiliumHelmValues(
        f"{CILIUM_NAMESPACE}/{CILIUM_RELEASE}",
        _nest(settings),
        {".".join(s.path): s.origin for s in settings},
        origin="cluster.ciliumVersion",
        chart_version=cluster.cilium_version,
    )
    config = CiliumConfig(
        f"{CILIUM_NAMESPACE}/{CILIUM_CONFIGMAP}",
        {s.config_key: s.config_value for s in settings},
        {s.config_key: s.origin for s in settings},
        origin="cluster",
    )
    return ClusterContribution((values, config), tuple(omitted))


def cis_tunnel_flag(cis: Cis) -> str:
    return "--cilium-name" if cis_supports_cilium_name(cis.image) else "--flannel-name"


def cis_supports_cilium_name(image: str) -> bool:
    """Whether the image's CIS release has --cilium-name; untagged/latest counts as current."""
    match = _IMAGE_TAG_VERSION.search(image)
    if match is None:
        return True
    return (int(match[1]), int(match[2])) >= CIS_CILIUM_NAME_FROM
