"""Where `vtepc validate` and `vtepc build` spend their CPU, phase by phase, in one process.

    python benchmarks/bench_phases.py [--nodes 65000] [--build]

Prints the CPU seconds (time.process_time) of: the CLI (typer) parsing `validate FILE`, the imports the validate path needs, loading the
YAML, the pydantic model, resolving defaults, compiling the desired state, every check that takes
over 5 ms, and with --build each artifact's renderer. The phases run in the order `vtepc validate`
runs them, with the garbage collector set as `vtepc`'s main() sets it; the whole-process ratio to a
libyaml parse is bench_ratio.py's. Use it to see which phase an optimisation moved.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gen_topology import topology_text  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=65_000)
    parser.add_argument("--build", action="store_true", help="also time each renderer")
    args = parser.parse_args()
    gc.set_threshold(200_000, 30, 30)  # as vtepc.cli.main
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")  # as vtepc.cli.main
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "topology.yaml"
        path.write_text(topology_text(args.nodes))
        clock = time.process_time
        phases: list[tuple[str, float]] = []
        start = last = clock()

        def mark(name: str) -> None:
            nonlocal last
            now = clock()
            phases.append((name, now - last))
            last = now

        import typer.core
        import typer.main

        from vtepc.cli._app import app

        # What `vtepc validate FILE` does before the command runs: the group, the command, their options.
        group = typer.main.get_command(app)
        assert isinstance(group, typer.core.TyperGroup)
        root = group.make_context("vtepc", ["validate", str(path)])
        command = group.get_command(root, "validate")
        assert command is not None
        command.make_context("validate", [str(path)], parent=root)
        mark("imports (cli, typer) and parsing the command line")
        from vtepc.checks import CHECKS, Context, _load_check_modules
        from vtepc.loader import load_file
        from vtepc.model import Topology, resolve

        mark("imports (loader, model, checks)")
        document = load_file(path)
        mark("load YAML")
        validated = Topology.model_validate(document.data)
        mark("pydantic model (Topology's validator built on first use)")
        ctx = Context(resolve(validated), document)
        mark("resolve")
        _load_check_modules()
        mark("imports (check modules)")
        assert ctx.desired_state is not None
        mark("compile desired state")
        mode = ctx.integration.name
        small = 0.0
        for registered in sorted(CHECKS, key=lambda c: c.after_others):
            if registered.mode is None or registered.mode == mode:
                findings = list(registered.run(ctx))
                assert not findings, f"{registered.name}: {findings[:3]}"
                before = last
                mark(f"check {registered.name}")
                if last - before < 0.005:
                    small += phases.pop()[1]
        phases.append(("checks under 5 ms each", small))
        if args.build:
            from vtepc.render import INDEXES, load_renderers

            renderers = load_renderers()
            mark("imports (renderers)")
            paths: set[str] = set()
            for name, render in sorted(renderers.items()):
                paths.update(render(ctx.desired_state))
                mark(f"render {name}")
            for name, index in sorted(INDEXES.items()):
                index(ctx.desired_state, frozenset(paths))
                mark(f"render {name}")
        total = clock() - start
    width = max(len(name) for name, _ in phases)
    print(f"{args.nodes} nodes, CPU seconds per phase (in process, interpreter start-up not counted)")
    for name, seconds in phases:
        print(f"  {name:<{width}} {seconds:7.3f}")
    print(f"  {'total':<{width}} {total:7.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
