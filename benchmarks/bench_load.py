"""Loading a large topology (vtepc.loader.load_text) written in the ways people write one.

    python benchmarks/bench_load.py [--nodes 65000] [--runs 5]

Prints the CPU seconds (time.process_time, the least of --runs loads in one process) of loading the
benchmark topology (gen_topology.py) and the same nodes written otherwise: flannel nodes with more
fields, quoted scalars, comments and blank lines, other indentation, an item that breaks the shape
now and then; and which reader read it (the block-style subset, vtepc.block_yaml, or the full
parser). Each is read as a run of items of one shape, except the items that break it; the target
(issue 11 item 7) is the benchmark topology's: at most 0.17 s at 65,000 nodes, 0.013 s at 5,000.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gen_topology import topology_text  # noqa: E402

HEADER = "apiVersion: vtepc/v1\nkind: Topology\nmetadata:\n  name: bench\ncluster:\n  name: bench\n  cni: {cni}\n  podCIDR: 10.0.0.0/8\n"
FOOTER = "bigips:\n  - name: bigip-1\n    underlay:\n      vlan: external\n      selfIP: 172.16.0.34/12\n"


def node_fields(i: int) -> tuple[str, str, str]:
    return f"node-{i}", f"172.16.{i >> 8}.{i & 0xFF}", f"10.{i >> 8}.{i & 0xFF}.0/24"


def flannel(i: int) -> str:
    name, ip, cidr = node_fields(i)
    return f"  - name: {name}\n    ip: {ip}\n    podCIDR: {cidr}\n    vtepMAC: 98:ba:76:{i >> 16:02x}:{i >> 8 & 0xFF:02x}:{i & 0xFF:02x}\n    publicIP: {ip}\n"


def quoted(i: int) -> str:
    name, ip, cidr = node_fields(i)
    return f'  - name: "{name}"\n    ip: \'{ip}\'\n    podCIDR: "{cidr}"\n'


def commented(i: int) -> str:
    name, ip, cidr = node_fields(i)
    rack = f"  # rack {i // 100}\n" if i % 100 == 0 else ""
    return f"{rack}  - name: {name}   # node {i}\n    ip: {ip}\n    podCIDR: {cidr}\n\n"


def indented(i: int) -> str:
    name, ip, cidr = node_fields(i)
    return f"        -   name: {name}\n            ip: {ip}\n            podCIDR: {cidr}\n"


def broken(i: int) -> str:
    """Every 50th node has one more field, every 70th its fields in another order."""
    name, ip, cidr = node_fields(i)
    if i % 70 == 0:
        return f"  - ip: {ip}\n    name: {name}\n    podCIDR: {cidr}\n"
    return f"  - name: {name}\n    ip: {ip}\n    podCIDR: {cidr}\n" + (f"    publicIP: {ip}\n" if i % 50 == 0 else "")


def styled(nodes: Callable[[int], str], cni: str = "cilium", key: str = "  nodes:\n") -> Callable[[int], str]:
    return lambda n: HEADER.format(cni=cni) + key + "".join(map(nodes, range(n))) + FOOTER


STYLES: dict[str, Callable[[int], str]] = {
    "benchmark (gen_topology.py)": topology_text,
    "flannel, 5 fields": styled(flannel, cni="flannel"),
    "quoted scalars": styled(quoted),
    "comments, blank lines": styled(commented),
    "4-space indentation, wide dashes": lambda n: (
        styled(indented, key="    nodes:\n")(n)
        .replace("\n  name: bench\n  cni", "\n    name: bench\n    cni")
        .replace("\n  podCIDR: 10.0.0.0/8\n", "\n    podCIDR: 10.0.0.0/8\n")
    ),
    "a broken shape every 50/70 nodes": styled(broken),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=65_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    gc.set_threshold(200_000, 30, 30)  # as vtepc.cli.main
    from vtepc.block_yaml import OutsideSubset, load_subset
    from vtepc.loader import _TYPED, MAX_DEPTH, MAX_NUMBER_LITERAL, load_text, resolve_plain_scalar

    print(f"{args.nodes} nodes, CPU seconds of load_text (least of {args.runs})")
    for name, make in STYLES.items():
        text = make(args.nodes)
        try:
            load_subset(text, _TYPED, resolve_plain_scalar, MAX_DEPTH, MAX_NUMBER_LITERAL)
            reader = "subset"
        except OutsideSubset:
            reader = "full parser"
        best = float("inf")
        for _ in range(args.runs):
            start = time.process_time()
            document = load_text(text)
            best = min(best, time.process_time() - start)
            del document
        print(f"  {name:<36} {best:7.3f}  {reader}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
