"""F5 CIS (k8s-bigip-ctlr): what it needs to start and to fill its pools.

Source: k8s-bigip-ctlr v2.20.2 (the last release with public source), cmd/k8s-bigip-ctlr/main.go
verifyArgs: "Common cannot be one of the specified partitions."; --pool-member-type nodeportlocal
"only supported with antrea cni"; TLS to the BIG-IP is verified against the system CAs plus the
ConfigMap of --trusted-certs-cfgmap=<namespace>/<name> (getBIGIPTrustedCerts). pkg/vxlan/vxlanMgr.go:
in flannel mode the BIG-IP reaches a pod only through the static ARP entry `k8s-<podIP>` CIS
creates (addArpForPods; with flooding none nothing else resolves a pod address), and CIS writes
its FDB records and ARP entries without %RD. CIS 2.4 release notes: tunnel names starting with
`k8s` are not supported (CIS names its own objects so).
"""

from __future__ import annotations

import re
from typing import Iterator

from ..diagnostics import register_code
from ..state.cluster import cis_tunnel
from . import Context, Finding, check

_DNS1123_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_CONFIGMAP_REF = re.compile(rf"{_DNS1123_LABEL}/{_DNS1123_LABEL}(\.{_DNS1123_LABEL})*")

INSECURE = register_code(
    "VTEP901",
    "warning",
    "CIS does not verify the BIG-IP's certificate",
    "put the BIG-IP's CA certificate (PEM) in a ConfigMap and set cis.trustedCertsConfigMap: <namespace>/<name> "
    "(CIS --trusted-certs-cfgmap) instead of cis.insecure",
)
COMMON_PARTITION = register_code(
    "VTEP902",
    "error",
    "cis.partition is Common",
    "give CIS a partition of its own (e.g. k8s): CIS refuses to start with --bigip-partition=Common",
)
NODEPORTLOCAL = register_code(
    "VTEP903",
    "error",
    "cis.poolMemberType nodeportlocal needs Antrea",
    "use poolMemberType: cluster (pods through the tunnel or routes) or nodeport: CIS supports nodeportlocal only with the Antrea CNI",
)
K8S_TUNNEL_NAME = register_code(
    "VTEP904",
    "error",
    "tunnel name starts with k8s",
    "rename the tunnel (e.g. flannel_vxlan): CIS does not support tunnel names starting with k8s",
)
ROUTE_DOMAIN_FDB = register_code(
    "VTEP905",
    "error",
    "CIS would keep the tunnel's FDB or ARP in a non-zero route domain",
    "CIS writes FDB records and ARP entries without %RD, which the BIG-IP refuses for a tunnel in another "
    "route domain (01070734): with cilium set staticFDB: true (vtepc's records carry %RD); "
    "flannel needs CIS's ARP entries, so keep a flannel BIG-IP in route domain 0",
)
NO_ARP_SOURCE = register_code(
    "VTEP906",
    "error",
    "flannel: nothing creates the BIG-IP's per-pod ARP entries",
    "add a cis section with poolMemberType: cluster and this BIG-IP's managementURL: CIS (--flannel-name) "
    "creates a static ARP entry per pod; with flooding none the BIG-IP has no other way to reach a pod",
)
BAD_CONFIGMAP_REF = register_code(
    "VTEP907",
    "error",
    "cis.trustedCertsConfigMap is not <namespace>/<name>",
    "write it as <namespace>/<configmap>, e.g. kube-system/bigip-ca (CIS ignores any other form)",
)


@check(INSECURE, COMMON_PARTITION, NODEPORTLOCAL, BAD_CONFIGMAP_REF)
def cis_settings(ctx: Context) -> Iterator[Finding]:
    cis = ctx.topology.cis
    if cis is None:
        return
    if cis.insecure:
        yield Finding(
            INSECURE, ("cis", "insecure"), "cis.insecure is true: CIS would send the BIG-IP credentials over TLS it does not verify"
        )
    if cis.partition == "Common":
        yield Finding(
            COMMON_PARTITION,
            ("cis", "partition"),
            'CIS refuses --bigip-partition=Common ("Common cannot be one of the specified partitions")',
        )
    if cis.pool_member_type == "nodeportlocal":
        yield Finding(
            NODEPORTLOCAL,
            ("cis", "poolMemberType"),
            f"poolMemberType nodeportlocal: CIS supports it only with Antrea, and this cluster runs {ctx.topology.cluster.cni}",
        )
    ref = cis.trusted_certs_config_map
    if ref is not None and not _CONFIGMAP_REF.fullmatch(ref):
        yield Finding(
            BAD_CONFIGMAP_REF, ("cis", "trustedCertsConfigMap"), f"trustedCertsConfigMap {ref!r} is not a <namespace>/<configmap> reference"
        )


@check(K8S_TUNNEL_NAME, ROUTE_DOMAIN_FDB, NO_ARP_SOURCE)
def cis_tunnels(ctx: Context) -> Iterator[Finding]:
    topo = ctx.topology
    if not ctx.is_tunnel:
        return
    for i, bigip in enumerate(topo.bigips):
        if bigip.tunnel is None:
            continue
        has_cis = topo.cis is not None and bigip.management_url is not None
        if has_cis and bigip.tunnel.name.startswith("k8s"):
            yield Finding(
                K8S_TUNNEL_NAME,
                ("bigips", i, "tunnel", "name"),
                f"BIG-IP '{bigip.name}' tunnel '{bigip.tunnel.name}' starts with k8s, which CIS does not support",
            )
        arp = ctx.integration.cis_writes_arp
        if bigip.route_domain != 0 and has_cis and (arp or not bigip.static_fdb):
            what = f"the static ARP entries {ctx.integration.name} needs" if arp else "the FDB records (staticFDB: false)"
            yield Finding(
                ROUTE_DOMAIN_FDB,
                ("bigips", i, "routeDomain"),
                f"BIG-IP '{bigip.name}' is in route domain {bigip.route_domain}, but CIS would write {what} without %RD",
            )
        elif arp and cis_tunnel(topo, i) is None and not (has_cis and topo.cis is not None and topo.cis.pool_member_type == "nodeport"):
            # (nodeport pools send to node IPs, not through the tunnel: VTEP806 says so.)
            why = (
                "there is no cis section"
                if topo.cis is None
                else "it has no managementURL, so no CIS runs for it"
                if bigip.management_url is None
                else f"cis.poolMemberType is {topo.cis.pool_member_type}, so CIS is not given the tunnel"
            )
            yield Finding(
                NO_ARP_SOURCE,
                ("bigips", i, "tunnel"),
                f"BIG-IP '{bigip.name}' joins the {ctx.integration.name} network, but {why}: no static ARP entry per pod, "
                "so the BIG-IP cannot reach any pod",
                at_key=True,
            )
