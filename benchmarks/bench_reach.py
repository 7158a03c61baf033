"""Time the all-pairs reachability check (vtepc.reach) on a generated topology: N nodes, B BIG-IPs.

    python benchmarks/bench_reach.py [--nodes 5000] [--bigips 8] [--runs 7]

Measures, in one process after the topology is loaded and validated once, the median of:
the whole `validate` on the text, the reachability check alone, and its two parts: the
desired-state compile (8 x 5,000 FDB records) and the model plus the walk of every
(BIG-IP unit, node) pair. Times are the process's CPU time (time.process_time), which a
machine shared with other work inflates far less than wall time; the check's wall median is
printed beside it. Target on the reference 2-core machine: the check adds at most 0.3 s at
5,000 nodes x 8 BIG-IPs (issue 12).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gen_topology import FOOTER, topology_text  # noqa: E402

TARGET = 0.3


def bigips_text(count: int) -> str:
    out = ["bigips:\n"]
    for i in range(count):
        out.append(
            f"  - name: bigip-{i + 1}\n    managementURL: https://192.0.2.{10 + i}\n    underlay:\n      vlan: external\n"
            f"      selfIP: 172.16.0.{34 + i}/12\n    tunnel:\n      selfIP: 192.168.{i + 1}.34/24\n"
            f"      mac: 00:50:56:a0:7d:{i + 16:02x}\n"
        )
    return "".join(out)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=5000)
    parser.add_argument("--bigips", type=int, default=8)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args(argv)
    from vtepc.checks import Context
    from vtepc.checks.reachability import reachability
    from vtepc.validate import validate_text

    text = topology_text(args.nodes).replace(FOOTER, bigips_text(args.bigips))
    report = validate_text(text)
    assert report.ok, [d.format_text() for d in report.errors][:3]
    from vtepc.reach import Fabric, unreachable
    from vtepc.state import compile_desired_state

    clock = time.process_time
    check, check_wall, whole, compile_times, walk = [], [], [], [], []
    for _ in range(args.runs):
        start, wall = clock(), time.perf_counter()
        findings = list(reachability(Context(report.topology)))
        check.append(clock() - start)
        check_wall.append(time.perf_counter() - wall)
        start = clock()
        desired = compile_desired_state(report.topology)
        compile_times.append(clock() - start)
        start = clock()
        list(unreachable(Fabric(report.topology, desired.bigips, desired.cluster)))
        walk.append(clock() - start)
        start = clock()
        validate_text(text)
        whole.append(clock() - start)
    assert not findings, findings[:1]
    median = statistics.median(check)
    print(
        f"{args.nodes} nodes x {args.bigips} BIG-IPs: reachability check median {median:.3f} s CPU (min {min(check):.3f}, "
        f"wall median {statistics.median(check_wall):.3f}), "
        f"= desired-state compile {statistics.median(compile_times):.3f} s + model and all-pairs walk {statistics.median(walk):.3f} s; "
        f"whole validate in-process median {statistics.median(whole):.3f} s; target {TARGET} s: {'ok' if median <= TARGET else 'OVER'}"
    )
    return 0 if median <= TARGET else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
