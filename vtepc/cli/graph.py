"""vtepc graph."""

from __future__ import annotations

import enum
from pathlib import Path

import typer

from ._app import app


class GraphFormat(str, enum.Enum):
    mermaid = "mermaid"
    dot = "dot"
    svg = "svg"


@app.command()
def graph(
    topology: Path = typer.Argument(..., help="The topology YAML file."),
    format: GraphFormat = typer.Option(GraphFormat.mermaid, "--format", "-f", help="mermaid, dot (Graphviz) or svg."),
    max_nodes: int = typer.Option(
        20, "--max-nodes", min=1, help="Draw at most this many of each list (nodes, BIG-IPs, peers); the rest become one '... N more' box."
    ),
) -> None:
    """Print the topology as a picture: client, BIG-IPs, tunnel, BGP peers or CIS static routes, nodes.

    Exit 0 ok, 1 invalid topology (the errors go to stderr).
    """
    from .. import api
    from .output import exit_on_failure

    with exit_on_failure(topology, "no graph printed"):
        text = api.graph(topology, format.value, max_nodes)
    typer.echo(text, nl=False)
