"""Time a fleet: `vtepc build DIR -o OUT` (validate + build) on generated topologies sharing BIG-IPs.

    python benchmarks/bench_fleet.py [--topologies 50] [--nodes 500] [--bigips 4] [--runs 5]

Issue 15's target: 50 topologies sharing 4 BIG-IPs, 500 nodes each, validated and built in
under 5 s on the reference 2-core machine. Each run is a fresh process of the `vtepc` console
script beside this interpreter (`python -m vtepc` when there is none), writing the whole tree;
the median and min wall-clock time are printed, and the median CPU time (user + system) of the
process, which is what a shared machine's load does not inflate. Topology i is a Cilium cluster on BIG-IPs i % B
and (i + 1) % B with its own pod network, VTEP CIDRs, tunnel name and underlay self IPs, so the
fleet validates clean and every BIG-IP is shared by 2 * T / B topologies.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_SECONDS = 5.0


def topology_text(index: int, nodes: int, bigips: int) -> str:
    """Topology `index` of the fleet (index < 128, nodes <= 512)."""
    if not (0 <= index < 128 and 0 <= nodes <= 512 and bigips >= 2):
        raise ValueError("index < 128, nodes <= 512, bigips >= 2")
    lines = [
        "apiVersion: vtepc/v1\nkind: Topology\n",
        f"metadata:\n  name: fleet-{index:03d}\n",
        f'cluster:\n  name: fleet-{index:03d}\n  cni: cilium\n  ciliumVersion: "1.16.19"\n  podCIDR: 10.{2 * index}.0.0/15\n  nodes:\n',
    ]
    for node in range(nodes):
        ip = f"172.{16 + index // 16}.{(index % 16) * 16 + node // 256}.{node % 256}"
        lines.append(f"    - name: node-{node}\n      ip: {ip}\n      podCIDR: 10.{2 * index + node // 256}.{node % 256}.0/24\n")
    lines.append("bigips:\n")
    for k in range(2):
        device = (index + k) % bigips
        lines.append(
            f"  - name: bigip-{device}\n    managementURL: https://192.0.2.{10 + device}\n"
            f"    underlay:\n      vlan: external\n      selfIP: 172.31.{device}.{index + 1}/12\n"
            f"    tunnel:\n      name: vxlan_{index:03d}\n      selfIP: 100.{64 + k}.{index}.1/24\n"
            f"      mac: 00:50:56:{device:02x}:{index // 256:02x}:{index % 256:02x}\n"
        )
    return "".join(lines)


def write_fleet(directory: Path, topologies: int, nodes: int, bigips: int) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for index in range(topologies):
        (directory / f"fleet-{index:03d}.yaml").write_text(topology_text(index, nodes, bigips))


def _vtepc() -> list[str]:
    script = Path(sys.executable).parent / "vtepc"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "vtepc"]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--topologies", type=int, default=50)
    parser.add_argument("--nodes", type=int, default=500)
    parser.add_argument("--bigips", type=int, default=4)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        fleet, out = Path(tmp) / "fleet", Path(tmp) / "out"
        write_fleet(fleet, args.topologies, args.nodes, args.bigips)
        timings, cpu = [], []
        for _ in range(args.runs):
            shutil.rmtree(out, ignore_errors=True)
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            done = subprocess.run([*_vtepc(), "build", str(fleet), "-o", str(out)], capture_output=True, text=True)
            timings.append(time.perf_counter() - start)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
            if done.returncode != 0:
                print(done.stderr, file=sys.stderr)
                return 1
        files = sum(1 for p in out.rglob("*") if p.is_file())
    median, median_cpu = statistics.median(timings), statistics.median(cpu)
    print(
        f"vtepc build: {args.topologies} topologies x {args.nodes} nodes on {args.bigips} BIG-IPs -> {files} files: "
        f"wall median {median:.2f} s (min {min(timings):.2f} s), CPU median {median_cpu:.2f} s over {args.runs} runs; "
        f"target < {TARGET_SECONDS:.0f} s: {'met' if median < TARGET_SECONDS else 'missed'} (wall), "
        f"{'met' if median_cpu < TARGET_SECONDS else 'missed'} (CPU)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
