"""CPU of each semantic check (all but do_declaration and reachability) on large topologies of several shapes.

    python benchmarks/bench_checks.py [--nodes 65000] [--shapes cilium-vxlan,flannel,...] [--repeat 3] [--all]

Each shape is an example of examples/ with N generated nodes (distinct IPs on the BIG-IPs' underlay,
distinct /24 pod CIDRs, and the mode's own node fields), valid with no finding: the checks' cost when
nothing is wrong, which is what a large cluster pays on every run. The desired state is compiled
first, as `vtepc validate` does before the checks that judge it; only the checks are timed, in run
order, each shape in a process of its own (a heap left by the previous shape would slow the next);
with --repeat each check's least CPU over that many fresh contexts (the
load of a shared machine only ever adds). --all prints every check (otherwise those under 1 ms are summed).
"""

from __future__ import annotations

import argparse
import gc
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from gen_topology import topology_text  # noqa: E402

SKIPPED = {"do_declaration", "reachability"}  # timed by bench_phases.py (compile lane)


def _ip(i: int) -> str:
    """The i-th address of 172.16.4.0/14 (node IPs; the BIG-IPs sit in 172.16.0.0/22)."""
    v = (172 << 24) + (16 << 16) + 1024 + i
    return f"{v >> 24}.{(v >> 16) & 255}.{(v >> 8) & 255}.{v & 255}"


def _pod(i: int) -> str:
    return f"10.{i >> 8}.{i & 255}.0/24"


def _example(name: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "examples" / name).read_text())
    return data


def _flannel(n: int, routing: str) -> dict[str, Any]:
    data = _example("flannel.yaml" if routing == "tunnel" else "flannel-static.yaml")
    data["cluster"]["podCIDR"] = "10.0.0.0/8"
    data["cluster"]["nodes"] = [
        {"name": f"node-{i}", "ip": _ip(i), "podCIDR": _pod(i)}
        | ({"vtepMAC": f"02:00:00:{i >> 16:02x}:{(i >> 8) & 255:02x}:{i & 255:02x}", "publicIP": _ip(i)} if routing == "tunnel" else {})
        for i in range(n)
    ]
    bigip = data["bigips"][0]
    bigip["underlay"]["selfIP"] = "172.16.0.28/12"
    if routing == "tunnel":
        bigip["tunnel"]["selfIP"] = "10.255.255.15/8"  # the BIG-IP's flannel /24 is the last one, no node's
    return data


def _cilium_native(n: int) -> dict[str, Any]:
    data = _example("cilium-native-bgp.yaml")
    data["cluster"]["podCIDR"] = "10.0.0.0/8"
    data["cluster"]["nodes"] = [{"name": f"node-{i}", "ip": _ip(i), "podCIDR": _pod(i)} for i in range(n)]
    underlay = data["bigips"][0]["underlay"]
    underlay["selfIP"], underlay["gateway"] = "172.16.0.100/12", "172.16.0.254"
    data["bigips"][0]["managementURL"] = "https://172.16.0.100"
    data["bgp"]["peers"] = [{"name": "uplink0", "address": "172.16.0.253"}, {"name": "uplink1", "address": "172.16.0.254"}]
    data["services"][0]["virtualAddress"] = "172.16.1.100"
    return data


def _cilium_static(n: int) -> dict[str, Any]:
    data = _example("cilium-static.yaml")
    data["cluster"]["podCIDR"] = "10.0.0.0/8"
    data["cluster"]["nodes"] = [{"name": f"node-{i}", "ip": _ip(i), "podCIDR": _pod(i)} for i in range(n)]
    data["bigips"][0]["underlay"]["selfIP"] = "172.16.0.100/12"
    data["bigips"][0]["managementURL"] = "https://172.16.0.100"
    data["services"][0]["virtualAddress"] = "172.16.1.100"
    return data


def _by_name(n: int) -> dict[str, Any]:
    """cilium-vxlan with the nodes in name order, as `kubectl get nodes` (and `vtepc discover`) list them:
    node-0, node-1, node-10, ... so neither the IPs nor the pod CIDRs come in order."""
    data = _example("cilium-vxlan.yaml")
    data["cluster"]["podCIDR"] = "10.0.0.0/8"
    data["cluster"]["nodes"] = sorted(
        ({"name": f"node-{i}", "ip": _ip(i), "podCIDR": _pod(i)} for i in range(n)), key=lambda node: node["name"]
    )
    data["bigips"][0]["underlay"]["selfIP"] = "172.16.0.34/12"
    data["bigips"][0]["tunnel"]["selfIP"] = "192.168.6.34/24"  # outside the pod network
    return data


def _dump(data: dict[str, Any]) -> str:
    return str(yaml.dump(data, Dumper=yaml.CSafeDumper, sort_keys=False, default_flow_style=False))


SHAPES: dict[str, Callable[[int], str]] = {
    "cilium-vxlan": topology_text,  # bench_phases.py's and bench_ratio.py's topology
    "cilium-vxlan-by-name": lambda n: _dump(_by_name(n)),
    "flannel": lambda n: _dump(_flannel(n, "tunnel")),
    "flannel-static": lambda n: _dump(_flannel(n, "static")),
    "cilium-native-bgp": lambda n: _dump(_cilium_native(n)),
    "cilium-static": lambda n: _dump(_cilium_static(n)),
}


def time_checks(text: str, show_all: bool, repeat: int) -> list[tuple[str, float]]:
    from vtepc.checks import CHECKS, Context, _load_check_modules
    from vtepc.loader import load_file
    from vtepc.model import Topology, resolve

    _load_check_modules()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "topology.yaml"
        path.write_text(text)
        document = load_file(path)
    topology = resolve(Topology.model_validate(document.data))
    clock = time.process_time
    least: dict[str, float] = {}
    for _ in range(repeat):
        ctx = Context(topology, document)
        assert ctx.desired_state is not None
        mode = ctx.integration.name
        for registered in sorted(CHECKS, key=lambda c: c.after_others):
            if registered.name in SKIPPED or (registered.mode is not None and registered.mode != mode):
                continue
            start = clock()
            findings = list(registered.run(ctx))
            seconds = clock() - start
            assert not findings, f"{registered.name}: {findings[:3]}"
            least[registered.name] = min(seconds, least.get(registered.name, seconds))
    rows: list[tuple[str, float]] = []
    small = 0.0
    for name, seconds in least.items():
        if show_all or seconds >= 0.001:
            rows.append((name, seconds))
        else:
            small += seconds
    rows.append(("checks under 1 ms each", small))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=65_000)
    parser.add_argument("--shapes", default=",".join(SHAPES), help=f"comma-separated, of: {', '.join(SHAPES)}")
    parser.add_argument("--repeat", type=int, default=1, help="least CPU of this many runs, each check")
    parser.add_argument("--all", action="store_true", help="print every check, however small")
    args = parser.parse_args()
    shapes = args.shapes.split(",")
    if len(shapes) > 1:
        for shape in shapes:
            subprocess.run([sys.executable, __file__, *sys.argv[1:], "--shapes", shape], check=True)
        return 0
    gc.set_threshold(200_000, 30, 30)  # as vtepc.cli.main
    for shape in shapes:
        rows = time_checks(SHAPES[shape](args.nodes), args.all, args.repeat)
        width = max(len(name) for name, _ in rows)
        print(f"{shape}, {args.nodes} nodes: CPU seconds per check")
        for name, seconds in rows:
            print(f"  {name:<{width}} {seconds:7.3f}")
        print(f"  {'total':<{width}} {sum(s for _, s in rows):7.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
