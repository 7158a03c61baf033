"""vtepc trace."""

from __future__ import annotations

import enum
import json
from pathlib import Path
from typing import Optional

import typer

from . import _live_options
from ._app import app


class TraceFormat(str, enum.Enum):
    text = "text"
    json = "json"


@app.command()
def trace(
    ctx: typer.Context,
    topology: Path = typer.Argument(..., help="The topology YAML file."),
    source: str = typer.Option(..., "--from", help="The BIG-IP the flow leaves (it is the active unit of its HA pair)."),
    to: str = typer.Option(..., "--to", help="A pod address, or a node name (its pod CIDR's first address)."),
    snapshot: Optional[Path] = typer.Option(
        None, "--snapshot", metavar="DIR", help="Walk the state recorded by `vtepc snapshot` instead of the desired state."
    ),
    live: bool = typer.Option(False, "--live", help="Walk the state the devices hold now (read-only; the live options below)."),
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
    format: TraceFormat = typer.Option(TraceFormat.text, "--format", "-f", help="text or json."),
) -> None:
    """Walk one flow from a BIG-IP to a pod and its reply, hop by hop, through the packet model.

    Over the desired state by default, the state a snapshot recorded with --snapshot, or the
    live devices with --live. Each hop names the object, the decision and the topology field
    behind it. Exit 0 delivered and the reply returns, 1 dropped or undecided (the first failing
    hop is named), invalid input, or a live target that could not be read.
    """
    from .. import api
    from ..diagnostics import VtepcError
    from .output import exit_on_failure

    live_flags = _live_options.LiveFlags.from_params(ctx.params)
    flags = live_flags.given()
    with exit_on_failure(topology, "nothing traced"):
        against: api.LiveSource | api.SnapshotSource | None = None
        if snapshot is not None and live:
            raise VtepcError("--snapshot and --live are two different states to walk; give one")
        if flags and not live:
            raise VtepcError(f"{', '.join(flags)} only apply with --live")
        if snapshot is not None:
            against = api.SnapshotSource(snapshot)
        elif live:
            against = live_flags.source()
        result = api.trace(topology, source, to, against)
    if format is TraceFormat.json:
        typer.echo(json.dumps(result.to_jsonable(), indent=2, sort_keys=True))
    else:
        typer.echo(result.format_text(), nl=False)
    raise typer.Exit(0 if result.delivered else 1)
