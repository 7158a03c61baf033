"""Print a valid N-node Cilium VXLAN topology (two BIG-IPs) on stdout.

    python benchmarks/gen_topology.py 5000 > /tmp/t5000.yaml

Node i gets the underlay IP 172.16.4.0 + i and the i-th /24 of the pod network 10.0.0.0/8,
so every address and CIDR is distinct and the file passes `vtepc validate` with no finding.
"""

from __future__ import annotations

import ipaddress
import sys

HEADER = """\
# yaml-language-server: $schema=../schemas/topology.schema.json
apiVersion: vtepc/v1
kind: Topology
metadata:
  name: bench-{n}
  description: generated {n}-node Cilium VXLAN topology
cluster:
  name: bench
  cni: cilium
  ciliumVersion: "1.16.19"
  routing: tunnel
  tunnelProtocol: vxlan
  podCIDR: 10.0.0.0/8
  nodes:
"""

FOOTER = """\
bigips:
  - name: bigip-1
    managementURL: https://192.0.2.10
    underlay:
      vlan: external
      selfIP: 172.16.0.34/12
    tunnel:
      selfIP: 192.168.6.34/24
      mac: 00:50:56:a0:7d:d8
  - name: bigip-2
    managementURL: https://192.0.2.11
    underlay:
      vlan: external
      selfIP: 172.16.0.36/12
    tunnel:
      selfIP: 192.168.5.36/24
      mac: 00:50:56:86:6b:28
"""

MAX_NODES = 65_536  # the /24s in 10.0.0.0/8


def topology_text(n: int) -> str:
    if not 0 <= n <= MAX_NODES:
        raise ValueError(f"node count must be between 0 and {MAX_NODES}")
    base_ip = int(ipaddress.IPv4Address("172.16.4.0"))
    lines = [HEADER.format(n=n)]
    for i in range(n):
        ip = ipaddress.IPv4Address(base_ip + i)
        lines.append(f"    - name: node-{i}\n      ip: {ip}\n      podCIDR: 10.{i >> 8}.{i & 0xFF}.0/24\n")
    lines.append(FOOTER)
    return "".join(lines)


def main(argv: list[str]) -> int:
    if len(argv) != 2 or not argv[1].isdigit():
        print(f"usage: {argv[0]} NODES", file=sys.stderr)
        return 2
    sys.stdout.write(topology_text(int(argv[1])))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
