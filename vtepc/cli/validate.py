"""vtepc validate."""
from __future__ import annotations

import enum
from pathlib import Path

import typer

from ._app import app


class ValidateFormat(str, enum.Enum):
    text = "text"
    json = "json"
    github = "github"


@app.command()
def validate(
    topology: Path = typer.Argument(..., help="The topology YAML file."),
    format: ValidateFormat = typer.Option(ValidateFormat.text, "--format", "-f", help="text, json or github (workflow annotations)."),
    strict: bool = typer.Option(False, "--strict", help="Fail on warnings too."),
) -> None:
    """Parse the topology and run every check; report all problems at once.

    Exit 0 when clean or warnings only, 1 on errors (and on warnings with --strict).
    """
    from ..validate import validate_file
    from .output import format_github, format_json, format_text, summary

    report = validate_file(topology)
    diagnostics = report.diagnostics
    if format is ValidateFormat.json:
        typer.echo(format_json(str(topology), diagnostics))
    elif format is ValidateFormat.github:
        if diagnostics:
            typer.echo(format_github(diagnostics))
    else:
        if diagnostics:
            typer.echo(format_text(diagnostics), err=not report.ok)
        typer.echo(f"{topology}: {'ok' if report.ok else 'invalid'}: {summary(diagnostics)}", err=not report.ok)
    failed = not report.ok or (strict and bool(diagnostics))
    raise typer.Exit(1 if failed else 0)
