"""vtepc diff."""

from __future__ import annotations

import enum
import os
import sys
from pathlib import Path
from typing import Optional

import typer

from . import _live_options
from ._app import app


class DiffFormat(str, enum.Enum):
    text = "text"
    markdown = "markdown"
    json = "json"
    tmsh = "tmsh"


# terraform plan -detailed-exitcode: 0 nothing to do, 1 error, 2 changes.
EXIT_NO_CHANGES, EXIT_ERROR, EXIT_CHANGES = 0, 1, 2


def _use_color(no_color: bool) -> bool:
    # https://no-color.org: any non-empty NO_COLOR turns colour off; never colour a pipe or file.
    return not no_color and not os.environ.get("NO_COLOR") and sys.stdout.isatty()


def _fail(message: str, output_format: DiffFormat) -> None:
    from ..diff import format_json_error

    if output_format is DiffFormat.json:
        typer.echo(format_json_error(message), nl=False)
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(EXIT_ERROR)


@app.command()
def diff(
    ctx: typer.Context,
    topologies: list[Path] = typer.Argument(
        ...,
        metavar="TOPOLOGY...",
        help="The topology YAML file; or several files, or a directory of them: a fleet, its BIG-IPs as shared devices (docs/fleet.md).",
    ),
    bigip: list[str] = _live_options.BIGIP,
    kubeconfig: Optional[Path] = _live_options.KUBECONFIG,
    context: Optional[str] = _live_options.CONTEXT,
    ca_bundle: Optional[Path] = _live_options.CA_BUNDLE,
    insecure: bool = _live_options.INSECURE,
    timeout: Optional[float] = _live_options.TIMEOUT,
    deadline: Optional[float] = _live_options.DEADLINE,
    max_response_mb: Optional[int] = _live_options.MAX_RESPONSE_MB,
    max_pages: Optional[int] = _live_options.MAX_PAGES,
    allow_insecure_http: bool = _live_options.ALLOW_INSECURE_HTTP,
    urls_from_ref: Optional[str] = _live_options.URLS_FROM_REF,
    snapshot: Optional[Path] = typer.Option(
        None, "--snapshot", metavar="DIR", help="Diff against recorded state (vtepc snapshot) instead of live."
    ),
    against_ref: Optional[str] = typer.Option(
        None, "--against-ref", metavar="GITREF", help="Diff against this topology file at a git revision (no device access)."
    ),
    output_format: DiffFormat = typer.Option(
        DiffFormat.text,
        "--format",
        "-f",
        help="text, markdown (pull-request comment), json, or tmsh: the BIG-IP changes as tmsh commands (the plan of vtepc plan; live only).",
    ),
    no_color: bool = typer.Option(
        False, "--no-color", help="No ANSI colour (text is coloured only on a terminal, and never with NO_COLOR set)."
    ),
    show_secrets: bool = typer.Option(False, "--show-secrets", help="Show secret values instead of masking them."),
    ignore_file: Optional[Path] = typer.Option(
        None, "--ignore-file", help="YAML list of ignore rules (target, kind, name, field globs); see docs."
    ),
) -> None:
    """Compare the topology's desired state with the live (or recorded, or base-revision) state.

    One line per change, naming the target, the object, the field, before -> after and the
    topology element that causes it; then the follow-up actions. Exit 0 no changes,
    2 changes, 1 error (terraform plan -detailed-exitcode).
    """
    import json

    from .. import api
    from ..fleet import is_fleet
    from ..diagnostics import TopologyInvalid, VtepcError
    from ..diff import format_json, format_markdown, format_text
    from .output import format_text as format_diagnostics
    from .output import summary

    topology = topologies[0]
    live_flags = _live_options.LiveFlags.from_params(ctx.params)
    live_options = live_flags.given()
    try:
        if snapshot is not None and against_ref is not None:
            raise VtepcError("--snapshot and --against-ref are two different things to diff against; give one")
        if (snapshot is not None or against_ref is not None) and live_options:
            raise VtepcError(
                f"{', '.join(live_options)} only apply to live state, not with {'--snapshot' if snapshot else '--against-ref'}"
            )
        against: api.Source
        if against_ref is not None:
            against = api.GitRefSource(against_ref)
        elif snapshot is not None:
            against = api.SnapshotSource(snapshot)
        else:
            # strict: any target that cannot be read raises, so no partial diff is ever shown.
            against = live_flags.source()
        if output_format is DiffFormat.tmsh:
            if not isinstance(against, api.LiveSource):
                raise VtepcError("--format tmsh plans from the live devices; not with --snapshot or --against-ref")
            plan = api.plan_fleet(topologies, against) if is_fleet(topologies) else api.plan(topology, against)
        elif is_fleet(topologies):
            results = [
                (f"{d.member} ({d.file})", d.result)
                for d in api.diff_fleet(topologies, against, ignore_file=ignore_file, show_secrets=show_secrets)
            ]
        else:
            results = [("", api.diff(topology, against, ignore_file=ignore_file, show_secrets=show_secrets))]
    except TopologyInvalid as exc:
        typer.echo(format_diagnostics(exc.diagnostics), err=True)
        _fail(f"{exc.diagnostics[0].file if exc.diagnostics else topology}: invalid: {summary(exc.diagnostics)}", output_format)
    except VtepcError as exc:
        _fail(str(exc), output_format)

    if output_format is DiffFormat.tmsh:
        from ..plan import format_tmsh

        typer.echo(format_tmsh(plan), nl=False)
        raise typer.Exit(EXIT_CHANGES if plan.has_changes else EXIT_NO_CHANGES)
    if output_format is DiffFormat.json:
        if not is_fleet(topologies):
            typer.echo(format_json(results[0][1]), nl=False)
        else:  # a fleet: one object per member, as `vtepc validate --format json` lists files
            documents = [{"topology": label, "diff": json.loads(format_json(result))} for label, result in results]
            typer.echo(json.dumps(documents, indent=2, sort_keys=True))
    else:
        for label, result in results:
            if label:
                typer.echo(f"## {label}\n" if output_format is DiffFormat.markdown else f"== {label}")
            if output_format is DiffFormat.markdown:
                typer.echo(format_markdown(result), nl=False)
            else:
                typer.echo(format_text(result, color=_use_color(no_color)), nl=False)
    raise typer.Exit(EXIT_CHANGES if any(result.has_changes for _, result in results) else EXIT_NO_CHANGES)
