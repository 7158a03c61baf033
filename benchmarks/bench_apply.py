"""Time `vtepc plan` and `vtepc apply` of N FDB records on one BIG-IP, against the test emulator.

    python benchmarks/bench_apply.py [--nodes 5000] [--runs 3] [--tls]

The topology is benchmarks/gen_topology.py's (two BIG-IPs); only bigip-1 is planned and applied
(`--bigip bigip-1`), on an emulated device that has nothing of vtepc's yet: N FDB records plus
the self IPs, profile, tunnel and route, all in one transaction. The emulated device runs in a
process of its own (a device is another machine: its CPU is not vtepc's), so the CPU figure is
vtepc's alone. Printed per run: the seconds of the plan (reading the device and computing) and
of the apply (re-read, the transaction, save, verify), vtepc's CPU seconds, the requests the
device served (all, and writes) and the connections it accepted; then the medians and the load
average. With --tls the device serves https with a certificate of a test CA that vtepc
verifies (every new connection is a TLS handshake). Issue 13's aim: under 5 s for 5,000 records
on the reference 2-core machine.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import statistics
import sys
import tempfile
import time
from multiprocessing.connection import Connection
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_SECONDS = 5.0
PASSWORD = "bench-password"


def _device(pipe: Connection, certificate: tuple[Path, Path] | None) -> None:
    """The emulated BIG-IP: serves until told to stop, then reports what it served."""
    from tests.emulators.bigip import BigipEmulator

    with BigipEmulator("bench", PASSWORD, certificate=certificate) as device:
        device.add_device_defaults()
        pipe.send(device.url)
        pipe.recv()
        requests = len(device.requests)
        writes = sum(1 for r in device.requests if r.method != "GET" and not r.path.endswith("/authn/login"))
        pipe.send((requests, writes, device.connections))


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run_once(nodes: int, tls: bool) -> tuple[float, float, float, int, int, int]:
    from benchmarks.gen_topology import topology_text
    from tests.emulators.tls import make_certificates
    from vtepc import api
    from vtepc.live.http import HttpOptions, TlsOptions

    with tempfile.TemporaryDirectory() as tmp:
        certificates = make_certificates(Path(tmp) / "tls") if tls else None
        certificate = (certificates.certificate, certificates.key) if certificates else None
        ours, theirs = multiprocessing.get_context("fork").Pipe()
        child = multiprocessing.get_context("fork").Process(target=_device, args=(theirs, certificate), daemon=True)
        child.start()
        url = ours.recv()
        path = Path(tmp) / "topology.yaml"
        path.write_text(topology_text(nodes))
        verify = TlsOptions(ca_file=certificates.ca) if certificates else None
        live = api.LiveSource(bigip_urls={"bigip-1": url}, tls=verify, http=HttpOptions(allow_insecure_http=not tls))
        cpu, start = _cpu(), time.perf_counter()
        plan = api.plan(path, live, bigips=("bigip-1",))
        planned = time.perf_counter()
        result = api.apply(path, live, saved=plan, bigips=("bigip-1",))
        applied, cpu = time.perf_counter(), _cpu() - cpu
    assert result.report is not None and result.report.devices[0].steps == nodes + 5, result
    ours.send("stop")
    requests, writes, connections = ours.recv()
    child.join()
    return planned - start, applied - planned, cpu, requests, writes, connections


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--nodes", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--tls", action="store_true", help="https with a verified certificate")
    args = parser.parse_args(argv)
    os.environ.update(VTEPC_BIGIP_USERNAME="bench", VTEPC_BIGIP_PASSWORD=PASSWORD)
    totals, cpus = [], []
    for _ in range(args.runs):
        plan, apply, cpu, requests, writes, connections = run_once(args.nodes, args.tls)
        totals.append(plan + apply)
        cpus.append(cpu)
        print(
            f"nodes {args.nodes}: plan {plan:.2f} s, apply {apply:.2f} s, vtepc CPU {cpu:.2f} s; "
            f"{requests} requests ({writes} writes) on {connections} connection(s)"
        )
    total = statistics.median(totals)
    print(
        f"median of {args.runs}: plan + apply {total:.2f} s wall, {statistics.median(cpus):.2f} s CPU "
        f"{'over TLS ' if args.tls else ''}(load average {os.getloadavg()[0]:.1f}): {'within' if total <= TARGET_SECONDS else 'over'} the {TARGET_SECONDS:g} s aim"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
