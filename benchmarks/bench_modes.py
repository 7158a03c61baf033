"""CPU of compile, the state-judging checks and the BIG-IP renderers on large topologies of every mode.

    python benchmarks/bench_modes.py [--nodes 65000] [--cases flannel,cilium-static,...] [--runs 1]

Each case is one of examples/ grown to N generated nodes (node i: underlay IP 172.16.4.0 + i in
172.16.0.0/12, pod CIDR the i-th /24 of 10.0.0.0/8): Cilium VXLAN to two BIG-IPs (the
bench_phases.py topology), to eight BIG-IPs each with its own tunnel, to an HA pair; Cilium Geneve;
Cilium native routing with BIRD/BGP and with the BIG-IP itself a peer; Cilium and flannel static
routing (CIS routes); flannel VXLAN with CIS. Every case validates with no finding. Prints, per
case, the CPU seconds (time.process_time, median of --runs) of: compiling the desired state, the
do_declaration and reachability checks, and the tmsh and DO renderers. `--dump DIR` writes each
case's artifacts and state as JSON instead, to compare two trees byte for byte.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import time
from pathlib import Path
from typing import Callable

MAX_NODES = 65_536

CIS = """\
cis:
  image: f5networks/k8s-bigip-ctlr:2.20.2
  namespace: kube-system
  partition: k8s
  credentialsSecret: bigip-login
  poolMemberType: cluster
"""


def _bigip(i: int, *, tunnel: str = "", ha: str = "", gateway: str = "", vlan: str = "external", mgmt: bool = True) -> str:
    out = f"  - name: bigip-{i + 1}\n"
    if mgmt:
        out += f"    managementURL: https://192.0.2.{10 + i}\n"
    out += f"    underlay:\n      vlan: {vlan}\n      selfIP: 172.16.0.{34 + i}/12\n"
    if gateway:
        out += f"      gateway: {gateway}\n"
    return out + tunnel + ha


def _cilium(i: int, *, name: str = "", net: str = "") -> str:
    named = f"      name: {name}\n" if name else ""
    return f"    tunnel:\n{named}      selfIP: {net or f'192.168.{i + 1}.34/24'}\n      mac: 00:50:56:a0:7d:{i + 16:02x}\n"


def _nodes(n: int, extra: Callable[[int], str] = lambda i: "") -> str:
    out = []
    for i in range(n):
        ip = f"172.{16 + ((4 + (i >> 8)) >> 8)}.{(4 + (i >> 8)) & 0xFF}.{i & 0xFF}"
        out.append(f"    - name: node-{i}\n      ip: {ip}\n      podCIDR: 10.{i >> 8}.{i & 0xFF}.0/24\n{extra(i)}")
    return "".join(out)


def _head(name: str, cluster: str) -> str:
    return f"apiVersion: vtepc/v1\nkind: Topology\nmetadata:\n  name: {name}\ncluster:\n  name: prod\n{cluster}  podCIDR: 10.0.0.0/8\n  nodes:\n"


def case_text(case: str, n: int) -> str:
    """The topology text of one case with `n` nodes."""
    if not 0 <= n <= MAX_NODES - 1:
        raise ValueError(f"node count must be below {MAX_NODES}")
    cilium = '  cni: cilium\n  ciliumVersion: "1.16.19"\n'
    if case == "cilium-vxlan-2":
        return _head(case, cilium) + _nodes(n) + "bigips:\n" + _bigip(0, tunnel=_cilium(0)) + _bigip(1, tunnel=_cilium(1))
    if case == "cilium-vxlan-8":  # eight BIG-IPs, each its own tunnel name: no FDB shared between them
        bigips = "".join(_bigip(i, tunnel=_cilium(i, name=f"vtep{i}")) for i in range(8))
        return _head(case, cilium) + _nodes(n) + "bigips:\n" + bigips
    if case == "cilium-vxlan-ha":
        ha = "    ha:\n      trafficGroup: traffic-group-1\n      floatingUnderlayIP: 172.16.0.40/12\n      floatingTunnelIP: 192.168.6.40/24\n"
        tunnel = [_cilium(0, net="192.168.6.34/24"), _cilium(0, net="192.168.6.36/24")]
        return _head(case, cilium) + _nodes(n) + "bigips:\n" + _bigip(0, tunnel=tunnel[0], ha=ha) + _bigip(1, tunnel=tunnel[1], ha=ha)
    if case == "cilium-geneve":
        head = _head(case, '  cni: cilium\n  ciliumVersion: "1.19.6"\n  tunnelProtocol: geneve\n')
        return head + _nodes(n) + "bigips:\n" + _bigip(0, tunnel=_cilium(0, name="cilium_geneve"))
    if case in ("cilium-native-bgp", "cilium-native-peer"):
        head = _head(case, cilium + "  routing: native\n  ipam: kubernetes\n")
        peer = "172.16.0.34" if case == "cilium-native-peer" else "172.16.0.253"
        bgp = (
            f"bgp:\n  asn: 64512\n  peers:\n    - name: uplink0\n      address: {peer}\n    - name: uplink1\n      address: 172.16.0.254\n"
        )
        return head + _nodes(n) + "bigips:\n" + _bigip(0, gateway="172.16.0.254", vlan="internal") + bgp + CIS
    if case == "cilium-static":
        head = _head(case, cilium + "  routing: static\n  ipam: kubernetes\n")
        return head + _nodes(n) + "bigips:\n" + _bigip(0, vlan="internal") + CIS
    if case == "flannel-static":
        return _head(case, "  cni: flannel\n  routing: static\n") + _nodes(n) + "bigips:\n" + _bigip(0) + CIS
    if case == "flannel":

        def mac(i: int) -> str:
            return f"      vtepMAC: 98:ba:{i >> 16:02x}:{(i >> 8) & 0xFF:02x}:{i & 0xFF:02x}:fe\n"

        tunnel = "    tunnel:\n      selfIP: 10.255.255.15/8\n      mac: 00:50:56:bb:70:8b\n"
        return _head(case, "  cni: flannel\n") + _nodes(n, mac) + "bigips:\n" + _bigip(0, tunnel=tunnel) + CIS
    raise ValueError(f"unknown case {case!r}")


CASES = (
    "cilium-vxlan-2",
    "cilium-vxlan-8",
    "cilium-vxlan-ha",
    "cilium-geneve",
    "cilium-native-bgp",
    "cilium-native-peer",
    "cilium-static",
    "flannel-static",
    "flannel",
)


def _context(text: str):  # type: ignore[no-untyped-def]
    from vtepc.checks import Context
    from vtepc.loader import load_text
    from vtepc.model import Topology, resolve

    document = load_text(text, "topology.yaml")
    return Context(resolve(Topology.model_validate(document.data)), document)


def dump(case: str, n: int, out: Path) -> None:
    """Every artifact, the findings and the desired state of one case, to compare two trees."""
    from vtepc.render import load_renderers
    from vtepc.validate import validate_text

    text = case_text(case, n)
    report = validate_text(text)
    target = out / case
    target.mkdir(parents=True, exist_ok=True)
    (target / "findings.txt").write_text("".join(d.format_text() + "\n" for d in report.diagnostics))
    ctx = _context(text)
    state = ctx.desired_state
    assert state is not None
    jsonable = {
        "bigips": {name: s.to_jsonable() for name, s in state.bigips.items()},
        "cluster": state.cluster.to_jsonable(),
    }
    (target / "state.json").write_text(json.dumps(jsonable, indent=1, sort_keys=True))
    for _, render in sorted(load_renderers().items()):
        for path, content in render(state).items():
            dest = target / "artifacts" / path
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_text(content if isinstance(content, str) else json.dumps(content, sort_keys=True))


def time_case(case: str, n: int, runs: int) -> dict[str, float]:
    from vtepc.checks import _load_check_modules
    from vtepc.checks.bigip import do_declaration
    from vtepc.checks.reachability import reachability
    from vtepc.render import load_renderers
    from vtepc.state import compile_desired_state

    _load_check_modules()
    renderers = load_renderers()
    text = case_text(case, n)
    clock = time.process_time
    phases: dict[str, list[float]] = {}
    for _ in range(runs):
        ctx = _context(text)
        gc.collect()
        start = clock()
        state = compile_desired_state(ctx.topology)
        ctx.__dict__["desired_state"] = state
        steps: list[tuple[str, Callable[[], object]]] = [
            ("compile", lambda: None),
            ("do_declaration", lambda ctx=ctx: list(do_declaration(ctx))),
            ("reachability", lambda ctx=ctx: list(reachability(ctx))),
            ("tmsh", lambda state=state: renderers["bigip-tmsh"](state)),
            ("DO", lambda state=state: renderers["bigip-declarative-onboarding"](state)),
        ]
        for name, step in steps:
            result = step()
            assert not (isinstance(result, list) and result), f"{case}: {name} found {result[:2]}"
            now = clock()
            phases.setdefault(name, []).append(now - start)
            start = now
    return {name: statistics.median(values) for name, values in phases.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=65_000)
    parser.add_argument("--cases", default=",".join(CASES))
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--dump", type=Path, help="write artifacts, findings and state per case here instead of timing")
    args = parser.parse_args()
    gc.set_threshold(200_000, 30, 30)  # as vtepc.cli.main
    cases = args.cases.split(",")
    if args.dump is not None:
        for case in cases:
            dump(case, args.nodes, args.dump)
        return 0
    print(f"{args.nodes} nodes, CPU seconds (median of {args.runs})")
    width = max(map(len, cases))
    header = None
    for case in cases:
        times = time_case(case, args.nodes, args.runs)
        if header is None:
            header = "  ".join(f"{name:>14}" for name in times)
            print(f"  {'case':<{width}}  {header}")
        print(f"  {case:<{width}}  " + "  ".join(f"{value:14.3f}" for value in times.values()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
