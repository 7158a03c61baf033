"""vtepc discover."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ._app import app
from . import _live_options
from ._live_options import BIGIP, CA_BUNDLE, CONTEXT, INSECURE, KUBECONFIG


@app.command()
def discover(
    ctx: typer.Context,
    topology: Path = typer.Argument(..., help="The topology YAML file (edited in place)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Print the change as a unified diff; write nothing."),
    prune: bool = typer.Option(False, "--prune", help="Also remove cluster.nodes entries the cluster no longer has."),
    bigip: list[str] = BIGIP,
    kubeconfig: Optional[Path] = KUBECONFIG,
    context: Optional[str] = CONTEXT,
    ca_bundle: Optional[Path] = CA_BUNDLE,
    insecure: bool = INSECURE,
    allow_insecure_http: bool = _live_options.ALLOW_INSECURE_HTTP,
    urls_from_ref: Optional[str] = _live_options.URLS_FROM_REF,
    timeout: Optional[float] = _live_options.TIMEOUT,
    deadline: Optional[float] = _live_options.DEADLINE,
    max_response_mb: Optional[int] = _live_options.MAX_RESPONSE_MB,
    max_pages: Optional[int] = _live_options.MAX_PAGES,
) -> None:
    """Fill in what only the live side knows: each BIG-IP's tunnel MAC and the cluster's nodes.

    The file keeps its comments, order, quoting and formatting; only the discovered values
    change. Credentials come from the environment (VTEPC_BIGIP_USERNAME / VTEPC_BIGIP_PASSWORD,
    or per device VTEPC_BIGIP_<NAME>_...) and the kubeconfig. Exit 0 ok, 1 error.
    """
    from .. import api
    from .output import exit_on_failure

    with exit_on_failure(topology, "nothing discovered"):
        source = _live_options.LiveFlags.from_params(ctx.params).source()
        result = api.discover(topology, source, prune=prune, write=not dry_run)
    for note in result.facts.notes:
        typer.echo(f"note: {note}", err=True)
    if dry_run:
        typer.echo(result.unified_diff(str(topology)), nl=False)
    for change in result.edit.changes:
        typer.echo(change, err=True)
    if not result.edit.changed:
        typer.echo(f"{topology} is up to date", err=True)
    elif not dry_run:
        typer.echo(f"updated {topology}: {len(result.edit.changes)} value(s)", err=True)
