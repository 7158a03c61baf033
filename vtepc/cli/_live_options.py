"""The live-source options `vtepc snapshot` and `vtepc discover` share (the same flags as `vtepc diff`)."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import typer

BIGIP = typer.Option([], "--bigip", metavar="NAME=URL", help="A BIG-IP's iControl REST URL (repeatable); default: its managementURL.")
KUBECONFIG = typer.Option(None, "--kubeconfig", help="kubeconfig file, as kubectl picks it by default.")
CONTEXT = typer.Option(None, "--context", help="kubeconfig context (default: its current-context).")
CA_BUNDLE = typer.Option(None, "--ca-bundle", help="PEM CA bundle to verify the BIG-IPs' TLS certificates.")
INSECURE = typer.Option(False, "--insecure", help="Do not verify BIG-IP TLS certificates (explicit opt-out).")


def live_source(bigip: list[str], kubeconfig: Optional[Path], context: Optional[str], ca_bundle: Optional[Path], insecure: bool) -> dict[str, Any]:
    """Keyword arguments for vtepc.live.read_observed_state / vtepc.discover.discover_facts."""
    from ..live.http import TlsOptions
    from .diff import _parse_bigip_urls

    return {
        "bigip_urls": _parse_bigip_urls(bigip),
        "kubeconfig": kubeconfig,
        "context": context,
        "bigip_tls": TlsOptions(ca_file=ca_bundle, insecure=insecure),
    }
