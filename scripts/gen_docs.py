#!/usr/bin/env python3
"""Regenerate the reference pages in docs/ from the code: check codes, exit codes, the HA picture.

    python scripts/gen_docs.py           write them
    python scripts/gen_docs.py --check   write nothing; exit 1 and name the stale files

tests/test_docs.py runs the --check comparison, so a new check code or command fails CI
until this script has been run and its output committed.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HA_EXAMPLE = ROOT / "examples" / "cilium-vxlan-ha.yaml"


def generated_docs() -> dict[str, str]:
    """{path relative to the repository: text} of every generated page."""
    import typer

    from vtepc.checks import CHECKS, all_codes
    from vtepc.cli._app import app
    from vtepc.diagnostics import CODES
    from vtepc.docs_gen import check_codes_markdown, exit_codes_markdown
    from vtepc.graph import render_graph
    from vtepc.validate import load_topology

    from vtepc.fleet.checks import FLEET_CHECKS

    codes = [CODES[code] for code in all_codes()]
    group = typer.main.get_command(app)
    assert isinstance(group, typer.core.TyperGroup), "the vtepc app is a group of commands"
    commands = group.commands
    return {
        "docs/check-codes.md": check_codes_markdown(codes, [*CHECKS, *FLEET_CHECKS]),
        "docs/exit-codes.md": exit_codes_markdown({name: command.help or "" for name, command in commands.items()}),
        "docs/images/cilium-vxlan-ha.svg": render_graph(load_topology(HA_EXAMPLE), "svg"),
    }


def stale_docs() -> list[str]:
    return sorted(
        path for path, text in generated_docs().items() if not (ROOT / path).is_file() or (ROOT / path).read_text(encoding="utf-8") != text
    )


def main(argv: list[str]) -> int:
    if argv == ["--check"]:
        stale = stale_docs()
        for path in stale:
            print(f"{path} is stale: run python scripts/gen_docs.py", file=sys.stderr)
        return 1 if stale else 0
    if argv:
        print(__doc__, file=sys.stderr)
        return 2
    for path, text in generated_docs().items():
        target = ROOT / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8", newline="\n")
        print(f"wrote {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
