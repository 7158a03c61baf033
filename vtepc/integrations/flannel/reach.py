"""flannel's datapath as vtepc.reach walks it, the BIG-IP being one more flannel node (DatapathRules;
the engine is vtepc/reach/model.py).

Sources (../shared/spec/domain-facts.md; seed 003):
- flooding none: the BIG-IP reaches a pod only through the static ARP entry k8s-<podIP> -> the
  node's VtepMAC that CIS writes (k8s-bigip-ctlr v2.20.2 pkg/vxlan/vxlanMgr.go addArpForPods),
  then the FDB record VtepMAC -> public-ip, which CIS writes too (ProcessNodeUpdate).
- The node's flannel.1 takes VXLAN with VNI 1 on its port (flannel backend/vxlan defaults).
- The node's flannel routes the BIG-IP Node's spec.podCIDR over flannel.1 to its
  backend-data VtepMAC at its public-ip with VNI 1.
"""

from __future__ import annotations

import ipaddress
import json

from ...reach.model import DROP, IP, UNKNOWN, Addr, DatapathRules, FdbTables, Hop, NodeTable, TraceNode, Unit
from ...state.bigip import FdbRecord, SelfIp, Tunnel
from ...state.cluster import cis_tunnel
from .model import FLANNEL_BACKEND_DATA, FLANNEL_PUBLIC_IP
from .state import BigipNode


class FlannelNode(DatapathRules):
    fdb_by_mac = True  # the ARP entry names the node's VtepMAC; the FDB record of that MAC gives the endpoint

    def cis_record(self, node: TraceNode) -> tuple[str, str] | None:
        return None if node.vtep_mac is None else (node.vtep_mac, node.endpoint)

    def cis_records(self, nodes: NodeTable) -> list[tuple[str, str] | None]:
        return [None if mac is None else (mac, endpoint) for mac, endpoint in zip(nodes.macs, nodes.endpoints)]

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
        topology = self.fabric.topology
        if cis_tunnel(topology, unit.index) != f"/Common/{tunnel.name}":
            hops.append(
                Hop(
                    unit.name,
                    "arp",
                    f"no ARP entry for {pod}: flannel answers no ARP over the tunnel (flooding-type {flooding}) "
                    "and no CIS writes the static k8s-<podIP> entries for this tunnel",
                    "cis" if topology.cis is not None else f"{unit.path}.managementURL",
                    DROP,
                )
            )
            return None
        if node is None:
            hops.append(Hop(unit.name, "arp", f"CIS writes no ARP entry for {pod}: no node has it in its podCIDR", "cluster.nodes", DROP))
            return None
        if node.vtep_mac is None:
            hops.append(Hop(unit.name, "arp", f"{node.name}'s flannel VtepMAC is not in the topology", f"{node.path}.vtepMAC", UNKNOWN))
            return None
        record = tables.by_mac.get(node.vtep_mac)
        hops.append(Hop(unit.name, "arp", f"static ARP k8s-{pod} -> {node.vtep_mac} (CIS --flannel-name)", "cis"))
        if record is None:
            hops.append(Hop(unit.name, "fdb", f"no FDB record for {node.vtep_mac} on {tunnel.name}", f"{node.path}.vtepMAC", DROP))
            return None
        hops.append(Hop(unit.name, "fdb", f"FDB {record.mac} -> endpoint {record.endpoint}", record.origin))
        return record

    def accept(self, unit: Unit, tunnel: Tunnel, port: int, local: Addr, source: SelfIp | None, node: TraceNode, hops: list[Hop]) -> bool:
        hops.append(Hop(node.name, "accept", f"flannel.1 udp/{port} VNI {tunnel.key}", f"{unit.path}.tunnel.vni"))
        return True

    def reply_route(self, daddr: IP, node: TraceNode, pod: IP, hops: list[Hop]) -> tuple[str, str, str] | None:
        cluster = self.fabric.cluster
        match = next((b for b in cluster.of_kind(BigipNode) if daddr in ipaddress.ip_network(b.pod_cidr, strict=False)), None)
        if match is None:
            omitted = [str(o) for o in cluster.omitted if o.artifact == "flannel-node"]
            hops.append(
                Hop(
                    node.name,
                    "route",
                    f"no flannel Node subnet holds {daddr}" + (f" ({'; '.join(omitted)})" if omitted else ""),
                    "bigips",
                    UNKNOWN if omitted else DROP,
                )
            )
            return None
        data = json.loads(match.annotations.get(FLANNEL_BACKEND_DATA, "{}"))
        mac = str(data.get("VtepMAC", "")).lower()
        public = match.annotations.get(FLANNEL_PUBLIC_IP, "")
        hops.append(
            Hop(
                node.name,
                "route",
                f"{daddr} in Node {match.name} subnet {match.pod_cidr} -> flannel.1, VtepMAC {mac}, "
                f"public-ip {public}, VNI {self.fabric.node_vni}, udp/{self.fabric.node_port}",
                match.origin,
            )
        )
        return public, mac, match.origin
