"""Benchmark: `vtepc diff --snapshot` of a 5,000-node topology against a recorded 5,000-node
snapshot that differs in exactly 50 changes, timed as a whole process (start-up included).

    python benchmarks/bench_diff.py [--nodes 5000] [--runs 5] [--keep DIR]

The snapshot is the topology's own desired state, recorded with `write_snapshot`, then edited:
15 FDB records missing on bigip-1, 15 stale ones there, 10 records with another endpoint on
bigip-2, the cilium-config vtep-mac key changed, 9 cluster nodes the topology does not list.
Prints the wall-clock figures; exits 1 when the median is over the 1.5 s target or the diff
does not report exactly those 50 changes.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gen_topology import topology_text  # noqa: E402

from vtepc.live import ObservedState  # noqa: E402
from vtepc.snapshot import write_snapshot  # noqa: E402
from vtepc.state import compile_desired_state  # noqa: E402
from vtepc.state.bigip import FdbRecord, fdb_record  # noqa: E402
from vtepc.state.cluster import CiliumConfig, ExpectedNode  # noqa: E402
from vtepc.validate import load_topology  # noqa: E402

TARGET_SECONDS = 1.5
MISSING, STALE, MOVED, EXTRA_NODES = 15, 15, 10, 9
EXPECTED_CHANGES = MISSING + STALE + MOVED + 1 + EXTRA_NODES  # + the vtep-mac key


def _edited_bigip(state, drop: int, stale: int, moved: int):
    records = [o for o in state.items if isinstance(o, FdbRecord)]
    others = [o for o in state.items if not isinstance(o, FdbRecord)]
    kept = records[drop:]
    for i in range(moved):
        kept[i] = dataclasses.replace(kept[i], endpoint=f"192.0.2.{i + 1}%0")
    tunnel = records[0].tunnel
    extra = [fdb_record(tunnel, f"0a:0a:c6:33:64:{i:02x}", f"198.51.100.{i + 1}%0") for i in range(stale)]
    return dataclasses.replace(state, items=tuple(others + kept + extra))


def write_inputs(directory: Path, nodes: int) -> Path:
    """The topology file and, beside it, the edited snapshot (DIR/snapshot); returns the topology path."""
    topology_path = directory / "topology.yaml"
    topology_path.write_text(topology_text(nodes))
    desired = compile_desired_state(load_topology(topology_path))
    bigips = dict(desired.bigips)
    bigips["bigip-1"] = _edited_bigip(bigips["bigip-1"], MISSING, STALE, 0)
    bigips["bigip-2"] = _edited_bigip(bigips["bigip-2"], 0, 0, MOVED)
    cluster = desired.cluster
    items = tuple(
        dataclasses.replace(o, data={**o.data, "vtep-mac": "00:50:56:00:00:01 00:50:56:00:00:02"}) if isinstance(o, CiliumConfig) else o
        for o in cluster.items
    )
    extra_nodes = tuple(ExpectedNode(f"joined-{i}", f"198.51.100.{200 + i}", f"10.255.{i}.0/24") for i in range(EXTRA_NODES))
    cluster = dataclasses.replace(cluster, items=items, nodes=cluster.nodes + extra_nodes)
    write_snapshot(ObservedState(bigips, cluster), directory / "snapshot", desired.meta.topology_name)
    return topology_path


def _run(topology: Path, output_format: str) -> tuple[float, subprocess.CompletedProcess]:
    command = [
        sys.executable,
        "-m",
        "vtepc",
        "diff",
        str(topology),
        "--snapshot",
        str(topology.parent / "snapshot"),
        "--format",
        output_format,
    ]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    return time.perf_counter() - start, done


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="write the inputs here and keep them")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as scratch:
        directory = args.keep or Path(scratch)
        directory.mkdir(parents=True, exist_ok=True)
        topology = write_inputs(directory, args.nodes)

        _, check = _run(topology, "json")
        if check.returncode != 2:
            print(f"diff exited {check.returncode}, expected 2: {check.stderr.strip()}", file=sys.stderr)
            return 1
        changes = len(json.loads(check.stdout)["changes"])
        if changes != EXPECTED_CHANGES:
            print(f"diff reported {changes} changes, expected {EXPECTED_CHANGES}", file=sys.stderr)
            return 1

        times = []
        for _ in range(args.runs):
            seconds, done = _run(topology, "text")
            if done.returncode != 2:
                print(f"diff exited {done.returncode}: {done.stderr.strip()}", file=sys.stderr)
                return 1
            times.append(seconds)

    median = statistics.median(times)
    print(
        f"vtepc diff --snapshot, {args.nodes} nodes, {changes} changes: median {median:.3f} s, "
        f"min {min(times):.3f} s, max {max(times):.3f} s over {args.runs} runs (target < {TARGET_SECONDS} s)"
    )
    return 0 if median < TARGET_SECONDS else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
