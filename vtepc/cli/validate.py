"""vtepc validate."""

from __future__ import annotations

import enum
import json
from typing import TYPE_CHECKING

import typer

from ._app import app

if TYPE_CHECKING:
    from ..state.bgp import PeerConfig
    from ..validate import ValidationReport


class ValidateFormat(str, enum.Enum):
    text = "text"
    json = "json"
    github = "github"
    sarif = "sarif"


STDIN = "-"


@app.command()
def validate(
    topologies: list[str] = typer.Argument(
        ...,
        metavar="TOPOLOGY...",
        help="Topology YAML files, or a directory of them; - reads one from stdin. Several files or a directory are a "
        "fleet: topologies that name the same BIG-IP are also checked together (docs/fleet.md).",
    ),
    format: ValidateFormat = typer.Option(
        ValidateFormat.text,
        "--format",
        "-f",
        help="text (stderr), or on stdout: json, github (workflow annotations) or sarif (GitHub code scanning).",
    ),
    strict: bool = typer.Option(False, "--strict", help="Fail on warnings too."),
    peer_configs: list[str] = typer.Option(
        [],
        "--peer-config",
        metavar="PEER=FILE",
        help="A BGP peer's configuration as read from the router (FRR, imish or Cisco-like `router bgp` text), "
        "compared with the nodes' sessions in the BGP session table; repeatable.",
    ),
) -> None:
    """Parse each topology and run every check; report all problems at once.

    Diagnostics in text go to stderr; json, github and sarif are reports on stdout (json: one
    object per file, a list of them for several files). Exit 0 when clean or warnings only,
    1 on errors (and on warnings with --strict) in any file. With routing: native the json report
    has a BGP session table (bgp_sessions: one row per node-peer pair, both ends' ASN and address,
    status matched / half open / ASN mismatch); --peer-config compares with a router's own
    configuration instead of the one vtepc builds.
    """
    import sys

    from .. import __version__, api
    from ..fleet import is_fleet
    from .output import format_github, format_json, format_sarif, format_sessions, format_text, summary

    if topologies.count(STDIN) > 1:
        raise typer.BadParameter("- (stdin) can be given once", param_hint="TOPOLOGY")
    if STDIN not in topologies and is_fleet(topologies):
        from ..fleet import FleetError

        try:
            reports = api.fleet(topologies).reports()
        except FleetError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(1) from None
    else:
        reports = [api.validate_bytes(sys.stdin.buffer.read(), "<stdin>") if t == STDIN else api.validate(t) for t in topologies]
    everything = [d for report in reports for d in report.diagnostics]
    observed = _peer_configs(peer_configs)
    sessions = [_session_rows(report, observed) for report in reports]
    peers = {p.name for r in reports if r.topology is not None and r.topology.bgp is not None for p in r.topology.bgp.peers}
    if unknown := sorted(set(observed) - peers):
        raise typer.BadParameter(f"no topology has a BGP peer {', '.join(unknown)}", param_hint="--peer-config")
    if format is ValidateFormat.json:
        documents = [json.loads(format_json(report.file, report.diagnostics, rows)) for report, rows in zip(reports, sessions)]
        typer.echo(json.dumps(documents[0] if len(documents) == 1 else documents, indent=2, sort_keys=True))
    elif format is ValidateFormat.github:
        if everything:
            typer.echo(format_github(everything))
    elif format is ValidateFormat.sarif:
        typer.echo(format_sarif(everything, __version__))
    else:
        for report, rows in zip(reports, sessions):
            if report.diagnostics:
                typer.echo(format_text(report.diagnostics), err=True)
            label = report.file
            typer.echo(f"{label}: {'ok' if report.ok else 'invalid'}: {summary(report.diagnostics)}", err=True)
            if rows:
                typer.echo(format_sessions(label, rows), err=True)
    failed = any(not report.ok for report in reports) or (strict and bool(everything))
    raise typer.Exit(1 if failed else 0)


def _peer_configs(specs: list[str]) -> dict[str, "PeerConfig"]:
    """--peer-config PEER=FILE, each file parsed (state.bgp.parse_peer_config)."""
    from pathlib import Path

    from ..state.bgp import parse_peer_config

    out = {}
    for spec in specs:
        name, sep, file = spec.partition("=")
        if not sep or not name or not file:
            raise typer.BadParameter(f"{spec!r} is not PEER=FILE", param_hint="--peer-config")
        try:
            out[name] = parse_peer_config(Path(file).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            raise typer.BadParameter(f"cannot read {file}: {exc}", param_hint="--peer-config") from exc
    return out


def _session_rows(report: "ValidationReport", observed: dict[str, "PeerConfig"]) -> list[dict[str, object]]:
    from ..state.bgp import session_table

    if report.topology is None:
        return []
    return [row.to_json() for row in session_table(report.topology, observed)]
