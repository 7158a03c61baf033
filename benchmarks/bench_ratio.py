"""`vtepc validate` and `vtepc build` as a ratio to a bare libyaml event parse of the same file.

    python benchmarks/bench_ratio.py [--runs 5] [--sizes 5000,65000]

The reference is what reading the input costs at least: `yaml.parse(f, Loader=yaml.CSafeLoader)`
(PyYAML's libyaml binding, installed with the test extras) consumed to the end, in a fresh `python` of its own. Each case and
the reference run in turn (A B A B ...), each a whole process, and the ratio is taken pair by
pair from the CPU time the kernel accounts to the finished child (user + system, from
os.wait4), so a loaded or drifting machine moves both sides alike; the median ratio is
printed with the median wall time. 65,000 nodes is GKE's largest cluster
(https://cloud.google.com/kubernetes-engine/quotas). Targets (issue 11): validate <= 3x at
5,000 nodes and <= 2x at 65,000; build <= 3.5x and <= 2.2x.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gen_topology import topology_text  # noqa: E402

PARSE = "import sys, yaml\nfor _ in yaml.parse(open(sys.argv[1], 'rb'), Loader=yaml.CSafeLoader):\n    pass\n"
TARGETS = {("validate", 5000): 3.0, ("validate", 65000): 2.0, ("build", 5000): 3.5, ("build", 65000): 2.2}


def run(argv: list[str]) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one whole process."""
    start = time.perf_counter()
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    stderr = process.stderr.read().decode() if process.stderr else ""
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} exited {process.returncode}: {stderr[-500:]}")
    return usage.ru_utime + usage.ru_stime, wall


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sizes", default="5000,65000")
    args = parser.parse_args()
    script = Path(sys.executable).parent / "vtepc"
    vtepc = [str(script)] if script.exists() else [sys.executable, "-m", "vtepc"]
    # An installed vtepc has its bytecode (pip compiles it at install); a checkout run with
    # PYTHONDONTWRITEBYTECODE set would compile every module from source in every run instead.
    import vtepc as package

    subprocess.run([sys.executable, "-m", "compileall", "-q", str(Path(package.__file__).parent)], check=True)
    print(f"command: {' '.join(vtepc)}; reference: {sys.executable} yaml.parse (CSafeLoader); {args.runs} pairs per case")
    print(f"{'case':<24} {'ratio cpu':>9} {'target':>7} {'median wall s':>14} {'parse wall s':>13}")
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        for size in (int(s) for s in args.sizes.split(",")):
            path = Path(tmp) / f"topology-{size}.yaml"
            path.write_text(topology_text(size))
            reference = [sys.executable, "-c", PARSE, str(path)]
            for command in ("validate", "build"):
                argv = vtepc + [command, str(path)] + (["-o", str(Path(tmp) / f"out-{size}")] if command == "build" else [])
                run(argv), run(reference)  # warm-up: disk cache, .pyc files
                pairs = [(run(argv), run(reference)) for _ in range(args.runs)]
                ratio = statistics.median(a[0] / b[0] for a, b in pairs)
                target = TARGETS.get((command, size))
                mark = "" if target is None else ("  ok" if ratio <= target else "  OVER")
                failed |= mark == "  OVER"
                print(
                    f"{command + f' {size} nodes':<24} {ratio:>8.2f}x {target or '':>7} "
                    f"{statistics.median(a[1] for a, _ in pairs):>14.3f} {statistics.median(b[1] for _, b in pairs):>13.3f}{mark}"
                )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
