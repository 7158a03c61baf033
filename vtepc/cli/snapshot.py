"""vtepc snapshot."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ._app import app


@app.command()
def snapshot(
    topology: Path = typer.Argument(..., help="The topology YAML file."),
    output: Path = typer.Option(..., "--output", "-o", help="Snapshot directory (replaced as a whole)."),
    bigip: list[str] = typer.Option([], "--bigip", metavar="NAME=URL", help="A BIG-IP's iControl REST URL (repeatable); default: its managementURL."),
    kubeconfig: Optional[Path] = typer.Option(None, "--kubeconfig", help="kubeconfig file, as kubectl picks it by default."),
    context: Optional[str] = typer.Option(None, "--context", help="kubeconfig context (default: its current-context)."),
    ca_bundle: Optional[Path] = typer.Option(None, "--ca-bundle", help="PEM CA bundle to verify the BIG-IPs' TLS certificates."),
    insecure: bool = typer.Option(False, "--insecure", help="Do not verify BIG-IP TLS certificates (explicit opt-out)."),
) -> None:
    """Record what the BIG-IPs and the cluster have now, for `vtepc diff --snapshot DIR` without device access.

    Credentials come from the environment (VTEPC_BIGIP_USERNAME / VTEPC_BIGIP_PASSWORD, or
    per device VTEPC_BIGIP_<NAME>_...) and the kubeconfig; secrets are stripped from the files.
    Exit 0 ok, 1 error (nothing is written unless every target was read).
    """
    from ..diagnostics import TopologyInvalid, VtepcError
    from ..live import read_observed_state
    from ..live.http import TlsOptions
    from ..snapshot import write_snapshot
    from ..validate import load_topology
    from .diff import _parse_bigip_urls
    from .output import format_text, summary

    try:
        loaded = load_topology(topology)
        observed = read_observed_state(
            loaded,
            bigip_urls=_parse_bigip_urls(bigip),
            kubeconfig=kubeconfig,
            context=context,
            bigip_tls=TlsOptions(ca_file=ca_bundle, insecure=insecure),
        )
        written = write_snapshot(observed, output, loaded.metadata.name)
    except TopologyInvalid as exc:
        typer.echo(format_text(exc.diagnostics), err=True)
        typer.echo(f"{topology}: invalid: {summary(exc.diagnostics)}; nothing recorded", err=True)
        raise typer.Exit(1)
    except VtepcError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1)
    for kind, why in sorted(observed.unread_kinds.items()):
        typer.echo(f"note: {kind} not recorded: {why}", err=True)
    typer.echo(f"recorded {len(written) - 1} target(s) to {output}", err=True)
