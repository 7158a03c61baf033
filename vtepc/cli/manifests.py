"""vtepc manifests: the Kubernetes side of a build as one YAML stream (the Argo CD plugin's generate)."""

from __future__ import annotations

from pathlib import Path

import typer

from ._app import app


@app.command()
def manifests(topology: Path = typer.Argument(..., help="The topology YAML file.")) -> None:
    """Print only the Kubernetes manifests of a build, as one multi-document YAML stream.

    Stdout carries nothing but YAML (for the Argo CD plugin or `kubectl apply -f -`); warnings
    and errors go to stderr. Exit 0 ok, 1 invalid topology or no Kubernetes manifests.
    """
    from .. import api
    from .output import echo_warnings, exit_on_failure

    with exit_on_failure(topology, "no manifests printed"):
        stream, report = api.manifests(topology)
    echo_warnings(report.warnings)
    typer.echo(stream, nl=False)
