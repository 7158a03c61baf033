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

    return {
        "bigip_urls": parse_bigip_urls(bigip),
        "kubeconfig": kubeconfig,
        "context": context,
        "bigip_tls": TlsOptions(ca_file=ca_bundle, insecure=insecure),
    }


def parse_bigip_urls(values: list[str]) -> dict[str, str]:
    from urllib.parse import urlsplit

    from ..diagnostics import VtepcError

    urls = {}
    for value in values:
        name, sep, url = value.partition("=")
        if not sep or not name or not url:
            raise VtepcError(f"--bigip expects NAME=URL, got {value.split('@')[-1]!r}")
        if urlsplit(url).username is not None:
            # Never echo the value: it holds a credential.
            raise VtepcError(f"--bigip {name}: credentials in the URL are refused; set VTEPC_BIGIP_USERNAME and VTEPC_BIGIP_PASSWORD")
        urls[name] = url
    return urls
