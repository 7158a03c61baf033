"""Time `vtepc plan` and `vtepc apply` of N FDB records on one BIG-IP, against the test emulator.

    python benchmarks/bench_apply.py [--nodes 5000]

The topology is benchmarks/gen_topology.py's (two BIG-IPs); only bigip-1 is planned and applied
(`--bigip bigip-1`), on an emulated device that has nothing of vtepc's yet: N FDB records plus
the self IPs, profile, tunnel and route, all in one transaction. Printed: the seconds of the
plan (reading the device and computing), of the apply (re-read, the transaction, save,
verify), the steps and the write requests. Issue 13's aim: under 5 s for 5,000 records on the
reference 2-core machine.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_SECONDS = 5.0


def main(argv: list[str]) -> int:
    from benchmarks.gen_topology import topology_text
    from tests.emulators.bigip import BigipEmulator
    from vtepc import api
    from vtepc.live.http import HttpOptions

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=5000)
    args = parser.parse_args(argv)
    os.environ.update(VTEPC_BIGIP_USERNAME="bench", VTEPC_BIGIP_PASSWORD="bench-password")
    with tempfile.TemporaryDirectory() as tmp, BigipEmulator("bench", "bench-password") as device:
        path = Path(tmp) / "topology.yaml"
        path.write_text(topology_text(args.nodes))
        device.add_device_defaults()
        live = api.LiveSource(bigip_urls={"bigip-1": device.url}, http=HttpOptions(allow_insecure_http=True))
        start = time.perf_counter()
        plan = api.plan(path, live, bigips=("bigip-1",))
        planned = time.perf_counter()
        result = api.apply(path, live, saved=plan, bigips=("bigip-1",))
        applied = time.perf_counter()
    assert result.report is not None
    steps = len(plan.devices["bigip-1"].steps)
    requests = result.report.devices[0].requests
    print(f"nodes {args.nodes}: plan {planned - start:.2f} s, apply {applied - planned:.2f} s ({steps} steps, {requests} write requests)")
    total = applied - start
    print(f"plan + apply {total:.2f} s: {'within' if total <= TARGET_SECONDS else 'over'} the {TARGET_SECONDS:g} s aim")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
