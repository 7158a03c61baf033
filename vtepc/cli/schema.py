"""vtepc schema."""

from __future__ import annotations

import typer

from ._app import app


@app.command()
def schema() -> None:
    """Print the topology JSON Schema generated from the model.

    Exit 0.
    """
    from .. import api

    typer.echo(api.schema(), nl=False)
