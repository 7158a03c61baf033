"""Cilium version lints: supported range and releases known to break the VTEP datapath.

Sources (cilium/cilium): VTEP integration is GA from 1.12; before it the beta required
policyEnforcementMode: never (issue 17694). 1.15.0 and 1.15.1 drop every packet from a VTEP
as "Incorrect VNI from VTEP" (issue 31023); PR 31039 fixed it and shipped in 1.15.2
(CHANGELOG: "Fix bug in the VTEP feature ... (Backport PR #31154, Upstream PR #31039)").
Cilium 1.18.7 and 1.19.0-1.19.1 answer a VTEP's ARP requests with 00:00:00:00:00:00 (issue
44453, fixed by PR 44513 in 1.18.8 and 1.19.2, released 2026-03-23; 1.20.0 carries the fix;
../shared/spec/domain-facts.md).
"""

from __future__ import annotations

from typing import Iterator

from ...checks import Context, Finding, check
from ...diagnostics import register_code
from .bgp import CILIUM_BGP_FROM_MINOR, SPEAKER
from .model import CiliumCluster
from .versions import NEWEST_MINOR, OLDEST_MINOR, is_supported, match_cilium_version

VNI_DROP_BROKEN = ((1, 15, 0), (1, 15, 2))  # [first broken, first fixed)
ARP_ZERO_MAC_BROKEN = (((1, 18, 7), (1, 18, 8)), ((1, 19, 0), (1, 19, 2)))  # each [first broken, first fixed)

BAD_VERSION = register_code(
    "VTEP601",
    "error",
    "ciliumVersion is not a version",
    'write the release as MAJOR.MINOR.PATCH in quotes, such as "1.16.19"',
)
UNSUPPORTED_VERSION = register_code(
    "VTEP602",
    "error",
    "Cilium release not supported (older than 1.12, or not 1.x)",
    "upgrade Cilium to 1.12 or later; older releases also need policyEnforcementMode: never for VTEP (cilium issue 17694)",
)
NEWER_THAN_KNOWN = register_code(
    "VTEP603",
    "warning",
    "Cilium newer than vtepc knows",
    f"vtepc knows the Helm and ConfigMap keys up to 1.{NEWEST_MINOR}; check the generated values against your chart",
)
VNI_DROP_RELEASE = register_code(
    "VTEP604",
    "warning",
    "Cilium release drops all VTEP traffic",
    "upgrade to 1.15.2 or later (cilium PR 31039 fixes issue 31023)",
)
ARP_ZERO_MAC_RELEASE = register_code(
    "VTEP605",
    "warning",
    "Cilium release answers VTEP ARP with a zero MAC",
    "upgrade to 1.18.8, 1.19.2 or later (cilium PR 44513 fixes issue 44453); 1.17 and 1.18.0-1.18.6 are not affected",
)
SPEAKER_TOO_OLD = register_code(
    "VTEP514",
    "error",
    "bgp.speaker: cilium before Cilium 1.16",
    "upgrade Cilium to 1.16 or later, where its BGP control plane's CiliumBGPClusterConfig API starts, or use bgp.speaker: bird",
)


@check(BAD_VERSION, UNSUPPORTED_VERSION, NEWER_THAN_KNOWN, VNI_DROP_RELEASE, ARP_ZERO_MAC_RELEASE, mode="cilium")
def cilium_version(ctx: Context) -> Iterator[Finding]:
    text = ctx.cluster_as(CiliumCluster).cilium_version
    if text is None:
        return
    path = ("cluster", "ciliumVersion")
    version = match_cilium_version(text)
    if version is None:
        yield Finding(BAD_VERSION, path, f"ciliumVersion '{text}' is not MAJOR.MINOR[.PATCH]")
        return
    minor = (version.major, version.minor)
    release = (version.major, version.minor, version.patch)
    if not is_supported(version):
        why = (
            f"older than 1.{OLDEST_MINOR}: vtepc supports 1.{OLDEST_MINOR} and later; before 1.{OLDEST_MINOR} VTEP was beta and "
            "required policyEnforcementMode: never (no network policy at all, cilium issue 17694)"
            if minor < (1, OLDEST_MINOR)
            else f"not a 1.x release: vtepc knows the charts of 1.{OLDEST_MINOR} to 1.{NEWEST_MINOR}"
        )
        yield Finding(UNSUPPORTED_VERSION, path, f"Cilium {text} is {why}")
        return
    if minor > (1, NEWEST_MINOR):
        yield Finding(
            NEWER_THAN_KNOWN,
            path,
            f"Cilium {text} is newer than 1.{NEWEST_MINOR}, the newest minor vtepc knows; the generated values follow that release",
        )
    if not ctx.is_tunnel:
        return
    if VNI_DROP_BROKEN[0] <= release < VNI_DROP_BROKEN[1]:
        yield Finding(
            VNI_DROP_RELEASE,
            path,
            f'Cilium {text} drops all traffic from a VTEP as "Incorrect VNI from VTEP" (cilium issue 31023, fixed in 1.15.2)',
        )
    if any(first_broken <= release < first_fixed for first_broken, first_fixed in ARP_ZERO_MAC_BROKEN):
        yield Finding(
            ARP_ZERO_MAC_RELEASE,
            path,
            f"Cilium {text} answers VTEP ARP requests with 00:00:00:00:00:00 (cilium issue 44453): the BIG-IP cannot reach any pod",
        )


@check(SPEAKER_TOO_OLD, mode="cilium")
def bgp_speaker_release(ctx: Context) -> Iterator[Finding]:
    # .bgp: CiliumBGPClusterConfig & co. first ship in 1.16 (v2alpha1); before, only the
    # CiliumBGPPeeringPolicy (v2alpha1, removed in 1.19), which vtepc does not write.
    bgp = ctx.topology.bgp
    if bgp is None or bgp.speaker != SPEAKER or ctx.is_tunnel:
        return
    version = match_cilium_version(ctx.cluster_as(CiliumCluster).cilium_version)
    if version is not None and (version.major, version.minor) < (1, CILIUM_BGP_FROM_MINOR):
        yield Finding(
            SPEAKER_TOO_OLD,
            ("bgp", "speaker"),
            f"bgp.speaker is cilium but Cilium {version} has no BGP control plane API vtepc writes "
            f"(CiliumBGPClusterConfig is new in 1.{CILIUM_BGP_FROM_MINOR})",
        )
