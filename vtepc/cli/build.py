"""vtepc build."""

from __future__ import annotations

from pathlib import Path

import typer

from ._app import app


@app.command()
def build(
    topology: Path = typer.Argument(..., help="The topology YAML file."),
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

    Exit 0 ok, 1 invalid topology, an OUTPUT vtepc may not replace, or (with --check) a stale OUTPUT.
    """
    from .. import api
    from ..build import compare_tree, write_tree
    from .output import echo_warnings, exit_on_failure

    with exit_on_failure(topology, "nothing written"):
        artifacts, report = api.build(topology)
    echo_warnings(report.warnings)
    if check:
        difference = compare_tree(output, artifacts)
        if difference.stale:
            typer.echo(difference.diff, nl=False)
            typer.echo(
                f"{output} is stale: {len(difference.changed)} changed, {len(difference.added)} missing, "
                f"{len(difference.removed)} extra; run: vtepc build {topology} -o {output}",
                err=True,
            )
            raise typer.Exit(1)
        typer.echo(f"{output} is up to date ({len(artifacts)} files)", err=True)
        return
    with exit_on_failure(topology, f"{output} left as it was"):
        write_tree(output, artifacts, force=force)
    typer.echo(f"wrote {len(artifacts)} files to {output}", err=True)
