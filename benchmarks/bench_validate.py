"""Time `vtepc validate` as a whole process on generated topologies, and `vtepc --help`.

    python benchmarks/bench_validate.py [--runs 9] [--sizes 100,1000,5000]

Wall-clock median (and min) of several runs per case, each a fresh process of the
installed `vtepc` console script beside this interpreter (or `python -m vtepc` when there is
none), so interpreter start-up and imports count as they do for a user. A version manager's
shim in front of it (pyenv's adds about 50 ms) is not measured. Targets on the reference
2-core machine: validate 5,000 nodes < 0.6 s, --help < 0.25 s.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gen_topology import topology_text  # noqa: E402

TARGETS = {"validate 5000 nodes": 0.6, "--help": 0.25}


def time_command(argv: list[str], runs: int) -> list[float]:
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)  # warm the disk cache
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        result = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
        timings.append(time.perf_counter() - start)
        if result.returncode != 0:
            raise SystemExit(f"{' '.join(argv)} exited {result.returncode}: {result.stderr.decode()[-500:]}")
    return timings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--sizes", default="100,1000,5000")
    args = parser.parse_args()
    script = Path(sys.executable).parent / "vtepc"
    vtepc = [str(script)] if script.exists() else [sys.executable, "-m", "vtepc"]
    print(f"command: {' '.join(vtepc)}, {args.runs} runs per case")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in (int(s) for s in args.sizes.split(",")):
            path = Path(tmp) / f"topology-{size}.yaml"
            path.write_text(topology_text(size))
            rows.append((f"validate {size} nodes", time_command(vtepc + ["validate", str(path)], args.runs)))
    rows.append(("--help", time_command(vtepc + ["--help"], args.runs)))
    print(f"{'case':<22} {'median s':>9} {'min s':>7} {'target s':>9}")
    failed = False
    for name, timings in rows:
        median = statistics.median(timings)
        target = TARGETS.get(name)
        mark = "" if target is None else ("  ok" if median < target else "  SLOW")
        failed |= mark == "  SLOW"
        print(f"{name:<22} {median:>9.3f} {min(timings):>7.3f} {target if target else '':>9}{mark}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
