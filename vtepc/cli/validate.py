"""vtepc validate."""

from __future__ import annotations

import enum
import json

import typer

from ._app import app


class ValidateFormat(str, enum.Enum):
    text = "text"
    json = "json"
    github = "github"
    sarif = "sarif"


STDIN = "-"


@app.command()
def validate(
    topologies: list[str] = typer.Argument(
        ...,
        metavar="TOPOLOGY...",
        help="Topology YAML files, or a directory of them; - reads one from stdin. Several files or a directory are a "
        "fleet: topologies that name the same BIG-IP are also checked together (docs/fleet.md).",
    ),
    format: ValidateFormat = typer.Option(
        ValidateFormat.text,
        "--format",
        "-f",
        help="text (stderr), or on stdout: json, github (workflow annotations) or sarif (GitHub code scanning).",
    ),
    strict: bool = typer.Option(False, "--strict", help="Fail on warnings too."),
) -> None:
    """Parse each topology and run every check; report all problems at once.

    Diagnostics in text go to stderr; json, github and sarif are reports on stdout (json: one
    object per file, a list of them for several files). Exit 0 when clean or warnings only,
    1 on errors (and on warnings with --strict) in any file.
    """
    import sys

    from .. import __version__, api
    from ..fleet import is_fleet
    from .output import format_github, format_json, format_sarif, format_text, summary

    if topologies.count(STDIN) > 1:
        raise typer.BadParameter("- (stdin) can be given once", param_hint="TOPOLOGY")
    if STDIN not in topologies and is_fleet(topologies):
        from ..fleet import FleetError

        try:
            reports = api.fleet(topologies).reports()
        except FleetError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(1) from None
    else:
        reports = [api.validate_bytes(sys.stdin.buffer.read(), "<stdin>") if t == STDIN else api.validate(t) for t in topologies]
    everything = [d for report in reports for d in report.diagnostics]
    if format is ValidateFormat.json:
        documents = [json.loads(format_json(report.file, report.diagnostics)) for report in reports]
        typer.echo(json.dumps(documents[0] if len(documents) == 1 else documents, indent=2, sort_keys=True))
    elif format is ValidateFormat.github:
        if everything:
            typer.echo(format_github(everything))
    elif format is ValidateFormat.sarif:
        typer.echo(format_sarif(everything, __version__))
    else:
        for report in reports:
            if report.diagnostics:
                typer.echo(format_text(report.diagnostics), err=True)
            label = report.file
            typer.echo(f"{label}: {'ok' if report.ok else 'invalid'}: {summary(report.diagnostics)}", err=True)
    failed = any(not report.ok for report in reports) or (strict and bool(everything))
    raise typer.Exit(1 if failed else 0)
