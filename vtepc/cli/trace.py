"""vtepc trace."""

from __future__ import annotations

import enum
import json
from pathlib import Path

import typer

from ._app import app


class TraceFormat(str, enum.Enum):
    text = "text"
    json = "json"


@app.command()
def trace(
    topology: Path = typer.Argument(..., help="The topology YAML file."),
    source: str = typer.Option(..., "--from", help="The BIG-IP the flow leaves (it is the active unit of its HA pair)."),
    to: str = typer.Option(..., "--to", help="A pod address, or a node name (its pod CIDR's first address)."),
    snapshot: Path | None = typer.Option(
        None, "--snapshot", help="Walk the state recorded by `vtepc snapshot` instead of the desired state."
    ),
    format: TraceFormat = typer.Option(TraceFormat.text, "--format", "-f", help="text or json."),
) -> None:
    """Walk one flow from a BIG-IP to a pod and its reply, hop by hop, through the packet model.

    Each hop names the object, the decision and the topology field behind it. Exit 0 delivered
    and the reply returns, 1 dropped or undecided (the first failing hop is named) or invalid input.
    """
    from ..api import trace as run_trace
    from .output import exit_on_failure

    with exit_on_failure(topology, "nothing traced"):
        result = run_trace(topology, source, to, snapshot)
    if format is TraceFormat.json:
        typer.echo(json.dumps(result.to_jsonable(), indent=2, sort_keys=True))
    else:
        typer.echo(result.format_text(), nl=False)
    raise typer.Exit(0 if result.delivered else 1)
