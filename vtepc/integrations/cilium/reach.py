"""Cilium's VTEP datapath as vtepc.reach walks it (DatapathRules; the engine is vtepc/reach/model.py).

Sources (cilium/cilium; ../shared/spec/domain-facts.md):
- The BIG-IP floods the ARP request for a pod to every FDB endpoint (flooding-type multipoint);
  the node hosting the pod answers it (seed 000); 1.18.7 and 1.19.0-1.19.1 answer with
  00:00:00:00:00:00 (issue 44453). CIS writes one record per node with a made-up MAC
  (k8s-bigip-ctlr pkg/vxlan/vxlanMgr.go ProcessNodeUpdate), IPv4 nodes only.
- The node accepts a VTEP packet on its tunnel port (tunnel-port, 8472/6081 by default) with the
  VNI the agent sends on (2, or 9 on dual stack: bpf/lib/identity.h WORLD_IPV4_ID); 1.15.0-1.15.1
  drop every VTEP packet (issue 31023). The packet's inner source must fall in a vtep-cidr whose
  endpoint is the outer source (bpf/bpf_overlay.c, ENABLE_VTEP; inferred).
- Egress: `daddr & vtep-mask` against the vtep-cidr list, then VXLAN to that endpoint with the
  VNI above and the vtep-mac as inner destination (seed 000's ipcache); l7Proxy off deletes
  every VTEP route (pkg/datapath/vtep/vtep_manager.go).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from functools import cached_property
from typing import NamedTuple

from ...addresses import fake_fdb_mac, fake_fdb_macs
from ...model import GENEVE_PORT, VXLAN_PORT
from ...reach.model import DROP, IP, UNKNOWN, Addr, DatapathRules, FdbTables, Hop, NodeTable, TraceNode, Unit, addr
from ...state.bigip import FdbRecord, SelfIp, Tunnel
from .. import cluster_as
from .model import CiliumCluster
from .state import CiliumConfig
from .version_checks import ARP_ZERO_MAC_BROKEN, VNI_DROP_BROKEN
from .versions import CiliumVersion, match_cilium_version

ZERO_MAC = "00:00:00:00:00:00"
VERSION_PATH = "cluster.ciliumVersion"


class VtepRow(NamedTuple):
    """One entry of Cilium's VTEP map (cilium-config vtep-cidr, vtep-endpoint, vtep-mac)."""

    cidr: str
    endpoint: str
    mac: str
    net: int  # the CIDR's network address as an integer
    origin: str  # of the CIDR
    mac_origin: str


class VtepMap(NamedTuple):
    rows: list[VtepRow]
    mask: int
    l7_proxy: bool


def _nth_origin(origins: Mapping[str, str], key: str, index: int, count: int) -> str:
    """The origin of one entry of a space-separated list setting (its origins are joined with ", ")."""
    parts = origins.get(key, "bigips").split(", ")
    return parts[index] if len(parts) == count else parts[0]


class CiliumVtep(DatapathRules):
    vni_unknown = ("the VNI this Cilium release sends on dual stack is not known", "cluster.ipFamilies")
    # A release known to break the datapath is the version check's warning (VTEP604, VTEP605).
    reported_elsewhere = frozenset({VERSION_PATH})

    @cached_property
    def config(self) -> CiliumConfig | None:
        return self.fabric.cluster.one(CiliumConfig)

    @cached_property
    def version(self) -> CiliumVersion | None:
        return match_cilium_version(cluster_as(self.fabric.topology.cluster, CiliumCluster).cilium_version)

    def _release_in(self, ranges: tuple[tuple[tuple[int, int, int], tuple[int, int, int]], ...]) -> bool:
        if self.version is None:
            return False
        release = (self.version.major, self.version.minor, self.version.patch)
        return any(lo <= release < hi for lo, hi in ranges)

    def node_port(self) -> int | None:
        if self.config is None:
            return None
        default = GENEVE_PORT if self.fabric.topology.cluster.tunnel_protocol == "geneve" else VXLAN_PORT
        return int(self.config.data.get("tunnel-port", default))

    def cis_record(self, node: TraceNode) -> tuple[str, str] | None:
        return (fake_fdb_mac(node.ip_text), node.ip_text) if node.ip_key[0] == 4 else None

    def cis_records(self, nodes: NodeTable) -> list[tuple[str, str] | None]:
        if not nodes.v4:
            return super().cis_records(nodes)
        return list(zip(fake_fdb_macs(nodes.ips), nodes.ips))

    def arp(
        self,
        unit: Unit,
        tunnel: Tunnel,
        pod: IP,
        node: TraceNode | None,
        flooding: str,
        flooding_origin: str,
        tables: FdbTables,
        hops: list[Hop],
    ) -> FdbRecord | None:
        by_endpoint = tables.by_endpoint
        if flooding != "multipoint":
            hops.append(
                Hop(
                    unit.name,
                    "arp",
                    f"flooding-type {flooding}: the ARP request for {pod} does not go to the FDB endpoints, so no node answers",
                    flooding_origin,
                    DROP,
                )
            )
            return None
        if node is None:
            hops.append(
                Hop(
                    unit.name,
                    "arp",
                    f"ARP for {pod} flooded to {len(by_endpoint)} FDB endpoints; no node has it in its podCIDR",
                    "cluster.nodes",
                    DROP,
                )
            )
            return None
        record = by_endpoint.get(node.ip_text)
        if record is None:
            hops.append(
                Hop(
                    unit.name,
                    "arp",
                    f"no FDB record on {tunnel.name} has endpoint {node.ip_text}: the ARP request never reaches {node.name}",
                    f"{unit.path}.staticFDB",
                    DROP,
                )
            )
            return None
        hops.append(
            Hop(
                unit.name,
                "arp",
                f"who-has {pod} flooded (multipoint) to {len(by_endpoint)} FDB endpoints, "
                f"{node.name} via FDB {record.mac} endpoint {record.endpoint}",
                flooding_origin,
            )
        )
        return record

    def accept(self, unit: Unit, tunnel: Tunnel, port: int, local: Addr, source: SelfIp | None, node: TraceNode, hops: list[Hop]) -> bool:
        if self._release_in((VNI_DROP_BROKEN,)):
            hops.append(
                Hop(
                    node.name,
                    "accept",
                    f'Cilium {self.version} drops every VTEP packet ("Incorrect VNI from VTEP", issue 31023)',
                    VERSION_PATH,
                    DROP,
                )
            )
            return False
        vtep = self._vtep_for(addr(source.address).ip) if source is not None else None
        if source is not None and vtep is not None and vtep.endpoint != local.text:
            hops.append(
                Hop(
                    node.name,
                    "accept",
                    f"the inner source {source.address} belongs to VTEP {vtep.endpoint}, the outer source is {local.ip}",
                    vtep.origin,
                    DROP,
                )
            )
            return False
        if self._release_in(ARP_ZERO_MAC_BROKEN):
            hops.append(
                Hop(
                    node.name,
                    "arp",
                    f"Cilium {self.version} answers the BIG-IP's ARP with {ZERO_MAC} (issue 44453)",
                    VERSION_PATH,
                    DROP,
                )
            )
            return False
        hops.append(
            Hop(
                node.name,
                "accept",
                f"udp/{port} VNI {tunnel.key} from VTEP {local.ip}; answers ARP for its pods",
                f"{unit.path}.tunnel.vni",
            )
        )
        return True

    @cached_property
    def vteps(self) -> VtepMap | None:
        """Cilium's VTEP map from cilium-config, or None when VTEP is off."""
        config = self.config
        if config is None or config.data.get("enable-vtep") != "true":
            return None
        data, origins = config.data, config.key_origins
        cidrs, macs = data["vtep-cidr"].split(), data["vtep-mac"].split()
        rows = [
            VtepRow(
                cidr,
                endpoint,
                mac.lower(),
                int(ipaddress.ip_network(cidr, strict=False).network_address),
                _nth_origin(origins, "vtep-cidr", i, len(cidrs)),
                _nth_origin(origins, "vtep-mac", i, len(macs)),
            )
            for i, (cidr, endpoint, mac) in enumerate(zip(cidrs, data["vtep-endpoint"].split(), macs))
        ]
        return VtepMap(rows, int(ipaddress.IPv4Address(data["vtep-mask"])), data.get("enable-l7-proxy") != "false")

    def _vtep_for(self, ip: IP) -> VtepRow | None:
        vteps = self.vteps
        if vteps is None or ip.version != 4:
            return None
        return next((row for row in vteps.rows if int(ip) & vteps.mask == row.net), None)

    def reply_route(self, daddr: IP, node: TraceNode, pod: IP, hops: list[Hop]) -> tuple[str, str, str] | None:
        config, vteps, cluster = self.config, self.vteps, self.fabric.cluster
        if config is None or vteps is None:
            why = "; ".join(str(o) for o in cluster.omitted if o.artifact == "cilium") or "enable-vtep is not true"
            hops.append(Hop(node.name, "vtep", f"Cilium has no VTEP settings ({why})", "bigips", UNKNOWN if cluster.omitted else DROP))
            return None
        if not vteps.l7_proxy:
            hops.append(
                Hop(
                    node.name,
                    "vtep",
                    "enable-l7-proxy is false: the agent deletes every VTEP route",
                    config.key_origins.get("enable-l7-proxy", "cluster.l7Proxy"),
                    DROP,
                )
            )
            return None
        row = self._vtep_for(daddr)
        mask_text = str(ipaddress.IPv4Address(vteps.mask))
        if row is None:
            hops.append(
                Hop(
                    node.name,
                    "vtep",
                    f"{daddr} & {mask_text} matches no vtep-cidr ({', '.join(r.cidr for r in vteps.rows)}): the reply never reaches a VTEP",
                    config.key_origins.get("vtep-cidr", "bigips"),
                    DROP,
                )
            )
            return None
        hops.append(
            Hop(
                node.name,
                "vtep",
                f"pod {pod} -> {daddr}: {daddr} & {mask_text} = {row.cidr} -> VTEP {row.endpoint}, "
                f"VNI {self.fabric.node_vni}, udp/{self.fabric.node_port}, inner MAC {row.mac}",
                row.origin,
            )
        )
        return row.endpoint, row.mac, row.mac_origin
