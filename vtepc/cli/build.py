"""vtepc build."""

from __future__ import annotations

from pathlib import Path

import typer

from ._app import app


@app.command()
def build(
    topologies: list[Path] = typer.Argument(
        ...,
        metavar="TOPOLOGY...",
        help="The topology YAML file; or several files, or a directory of them: a fleet (docs/fleet.md), built as one tree.",
    ),
    output: Path = typer.Option(
        ...,
        "--output",
        "-o",
        help="Output directory, replaced as a whole: missing, empty, or holding only what the last build wrote.",
    ),
    check: bool = typer.Option(False, "--check", help="Write nothing; exit 1 with a diff when OUTPUT is stale."),
    force: bool = typer.Option(
        False,
        "--force",
        help="Overwrite generated files edited by hand (files vtepc did not write are never removed).",
    ),
) -> None:
    """Validate, then write every artifact into OUTPUT (or check that OUTPUT is up to date).

    A fleet writes topologies/<name>/ per topology and devices/<BIG-IP>/ per shared BIG-IP, in one swap.
    Exit 0 ok, 1 invalid topology, an OUTPUT vtepc may not replace, or (with --check) a stale OUTPUT.
    """
    from .. import api
    from ..fleet import is_fleet
    from .output import echo_warnings, exit_on_failure

    label = Path(" ".join(str(t) for t in topologies))
    with exit_on_failure(label, "nothing written"):
        if is_fleet(topologies):
            artifacts, fleet = api.build_fleet(topologies)
            warnings = [d for d in fleet.all_diagnostics if not d.is_error]
        else:
            artifacts, report = api.build(topologies[0])
            warnings = report.warnings
    echo_warnings(warnings)
    if check:
        checked = api.check_output(output, artifacts, label)
        if checked.stale:
            typer.echo(checked.difference.diff, nl=False)
        typer.echo(checked.message, err=True)
        raise typer.Exit(1 if checked.stale else 0)
    with exit_on_failure(label, f"{output} left as it was"):
        api.write_output(output, artifacts, force=force)
    typer.echo(f"wrote {len(artifacts)} files to {output}", err=True)
