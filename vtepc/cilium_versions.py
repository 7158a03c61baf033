"""What each Cilium minor release accepts: the one place per-version chart knowledge lives.

Facts were read from the chart's values.yaml and templates/cilium-configmap.yaml of the newest
patch of every minor from 1.12 to 1.20 (github.com/cilium/charts, cilium-<version>.tgz; the
values files are kept in ../shared/oracles/cilium):

- 1.12-1.13: one `tunnel` value (vxlan | geneve | disabled), rendered as ConfigMap `tunnel`.
- 1.14: `routingMode` (tunnel | native) and `tunnelProtocol` (vxlan | geneve) replace it;
  `tunnel` is still read but deprecated, and the 1.15 chart removed it.
- `tunnelPort` exists in values.yaml from 1.13 (0 = the protocol's default port). The 1.12
  template reads it only when present, but 1.12's values.yaml does not document it, so vtepc
  does not emit it there and refuses a non-default port instead.
- From 1.19 the agent splits list options on commas first (pkg/option), so the vtep lists
  are always joined with single spaces.
- `policyEnforcementMode: never` was required by VTEP before 1.12 only (cilium issue 17694);
  every supported release runs VTEP with the default policy mode, so it is never emitted.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .diagnostics import VtepcError

OLDEST_MINOR = 12
NEWEST_MINOR = 20
ROUTING_MODE_FROM_MINOR = 14
TUNNEL_PORT_FROM_MINOR = 13

_VERSION = re.compile(r"^v?(\d+)\.(\d+)(?:\.(\d+))?$")


class UnsupportedCiliumVersion(VtepcError):
    """ciliumVersion is missing, malformed or outside the chart range vtepc knows."""


class UnsupportedCiliumSetting(VtepcError):
    """The topology asks for a setting this Cilium chart version cannot express."""


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

    @property
    def has_tunnel_port(self) -> bool:
        return self.minor >= TUNNEL_PORT_FROM_MINOR


def parse_cilium_version(text: str | None) -> CiliumVersion:
    """"1.16.19" (or "v1.16.19", or "1.16" meaning its .0) within the supported 1.12-1.20."""
    match = _VERSION.match(text or "")
    if match is None:
        raise UnsupportedCiliumVersion(f"ciliumVersion {text!r} is not a version like 1.16.19")
    version = CiliumVersion(int(match[1]), int(match[2]), int(match[3] or 0))
    if version.major != 1 or not OLDEST_MINOR <= version.minor <= NEWEST_MINOR:
        raise UnsupportedCiliumVersion(
            f"ciliumVersion {version} is outside 1.{OLDEST_MINOR}-1.{NEWEST_MINOR}, the charts vtepc knows"
        )
    return version
