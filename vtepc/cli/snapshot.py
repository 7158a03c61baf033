"""vtepc snapshot."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ._app import app
from . import _live_options
from ._live_options import BIGIP, CA_BUNDLE, CONTEXT, INSECURE, KUBECONFIG


@app.command()
def snapshot(
    ctx: typer.Context,
    topologies: list[Path] = typer.Argument(
        ...,
        metavar="TOPOLOGY...",
        help="The topology YAML file; or several files, or a directory of them: a fleet, whose BIG-IPs are recorded (docs/fleet.md).",
    ),
    output: Path = typer.Option(
        ..., "--output", "-o", help="Snapshot directory, replaced as a whole: missing, empty, or an earlier snapshot."
    ),
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
    """Record what the BIG-IPs and the cluster have now, for `vtepc diff --snapshot DIR` without device access.

    Credentials come from the environment (VTEPC_BIGIP_USERNAME / VTEPC_BIGIP_PASSWORD, or
    per device VTEPC_BIGIP_<NAME>_...) and the kubeconfig; secrets are stripped from the files.
    Exit 0 ok, 1 error (nothing is written unless every target was read).
    """
    from .. import api
    from ..fleet import is_fleet
    from .output import exit_on_failure

    with exit_on_failure(", ".join(str(t) for t in topologies), "nothing recorded"):
        source = _live_options.LiveFlags.from_params(ctx.params).source()
        if is_fleet(topologies):
            result = api.snapshot_fleet(topologies, output, source)
        else:
            result = api.snapshot(topologies[0], output, source)
    for kind, why in sorted(result.observed.unread_kinds.items()):
        typer.echo(f"note: {kind} not recorded: {why}", err=True)
    typer.echo(f"recorded {result.targets} target(s) to {output}", err=True)
