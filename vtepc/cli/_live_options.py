"""The live-source options `vtepc diff`, `vtepc trace`, `vtepc snapshot` and `vtepc discover` share."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping, Optional

import typer

if TYPE_CHECKING:
    from ..api import LiveSource

BIGIP = typer.Option([], "--bigip", metavar="NAME=URL", help="A BIG-IP's iControl REST URL (repeatable); default: its managementURL.")
KUBECONFIG = typer.Option(None, "--kubeconfig", help="kubeconfig file, as kubectl picks it by default.")
CONTEXT = typer.Option(None, "--context", help="kubeconfig context (default: its current-context).")
CA_BUNDLE = typer.Option(None, "--ca-bundle", help="PEM CA bundle to verify the BIG-IPs' TLS certificates.")
INSECURE = typer.Option(False, "--insecure", help="Do not verify BIG-IP TLS certificates (explicit opt-out).")
ALLOW_INSECURE_HTTP = typer.Option(
    False,
    "--allow-insecure-http",
    help="Allow plain http:// to a BIG-IP or the API server, which sends the credentials in clear text (refused by default).",
)
URLS_FROM_REF = typer.Option(
    None,
    "--urls-from-ref",
    metavar="GITREF",
    help="Take each BIG-IP's URL from the topology at GITREF (a pull request's base) and refuse one the working copy "
    "changed or added, so a pull request cannot send credentials elsewhere; --bigip still wins.",
)
TIMEOUT = typer.Option(
    None, "--timeout", min=0.1, metavar="SECONDS", help="Seconds to wait for a connection or for bytes of a live answer [10]."
)
DEADLINE = typer.Option(
    None, "--deadline", min=0.1, metavar="SECONDS", help="Longest one live request may take as a whole, retries included [60]."
)
MAX_RESPONSE_MB = typer.Option(None, "--max-response-mb", min=1, metavar="MB", help="Largest live response body read, in MiB [16].")
MAX_PAGES = typer.Option(None, "--max-pages", min=1, metavar="N", help="Most pages read of one paged live collection [1000].")


@dataclass(frozen=True)
class LiveFlags:
    """The live flags as given on one command line: what `vtepc diff`, `trace`, `snapshot`,
    `discover` and `plan` read the devices with, collected once from their parameters."""

    bigip: list[str] = field(default_factory=list)
    kubeconfig: Optional[Path] = None
    context: Optional[str] = None
    ca_bundle: Optional[Path] = None
    insecure: bool = False
    allow_insecure_http: bool = False
    deadline: Optional[float] = None
    max_response_mb: Optional[int] = None
    max_pages: Optional[int] = None
    timeout: Optional[float] = None
    urls_from_ref: Optional[str] = None

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> "LiveFlags":
        """The flags from a command's parsed parameters (typer's `ctx.params`), which carry them under
        these names; a command that lacks one fails here, loudly."""
        return cls(**{f.name: params[f.name] for f in fields(cls)})

    def given(self) -> list[str]:
        """The flags given, to refuse them where no live state is read."""
        return [
            flag
            for flag, given in (
                ("--bigip", bool(self.bigip)),
                ("--kubeconfig", self.kubeconfig is not None),
                ("--context", self.context is not None),
                ("--ca-bundle", self.ca_bundle is not None),
                ("--insecure", self.insecure),
                ("--timeout", self.timeout is not None),
                ("--deadline", self.deadline is not None),
                ("--max-response-mb", self.max_response_mb is not None),
                ("--max-pages", self.max_pages is not None),
                ("--allow-insecure-http", self.allow_insecure_http),
                ("--urls-from-ref", self.urls_from_ref is not None),
            )
            if given
        ]

    def source(self) -> "LiveSource":
        """The live side the flags name, for vtepc.api."""
        from ..api import LiveSource
        from ..live.http import MIB, HttpOptions, TlsOptions

        defaults = HttpOptions()
        http = HttpOptions(
            timeout=defaults.timeout if self.timeout is None else self.timeout,
            deadline=defaults.deadline if self.deadline is None else self.deadline,
            attempts=defaults.attempts,
            backoff=defaults.backoff,
            max_response_bytes=self.max_response_mb * MIB if self.max_response_mb else defaults.max_response_bytes,
            max_pages=defaults.max_pages if self.max_pages is None else self.max_pages,
            allow_insecure_http=self.allow_insecure_http,
        )
        return LiveSource(
            bigip_urls=parse_bigip_urls(self.bigip),
            kubeconfig=self.kubeconfig,
            context=self.context,
            tls=TlsOptions(ca_file=self.ca_bundle, insecure=self.insecure),
            http=http,
            urls_from_ref=self.urls_from_ref,
            progress=progress_printer(),
        )


def progress_printer() -> Optional[Callable[[str, bool], None]]:
    """One line per live target on stderr when stderr is a terminal (rewritten in place until done); else None."""
    if not sys.stderr.isatty():
        return None

    def show(line: str, final: bool) -> None:
        sys.stderr.write("\r\033[K" + line + ("\n" if final else ""))
        sys.stderr.flush()

    return show


def parse_bigip_urls(values: list[str]) -> dict[str, str]:
    from ..diagnostics import VtepcError
    from ..secrets import scrub_text

    urls = {}
    for value in values:
        name, sep, url = value.partition("=")
        if not sep or not name or not url:
            # Never echo a credential: "bigip-1:admin:pw@host" is a mistake that still holds one.
            raise VtepcError(f"--bigip expects NAME=URL, got {scrub_text(value)!r}")
        if scrub_text(url) != url:
            raise VtepcError(f"--bigip {name}: credentials in the URL are refused; set VTEPC_BIGIP_USERNAME and VTEPC_BIGIP_PASSWORD")
        urls[name] = url
    return urls
