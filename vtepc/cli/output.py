"""Printing diagnostics: text, JSON, and GitHub workflow annotations."""

from __future__ import annotations

import json
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable, Iterator
from urllib.parse import quote

import typer

from ..diagnostics import Diagnostic

JSON_FORMAT_VERSION = 1


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def format_text(diagnostics: Iterable[Diagnostic]) -> str:
    return "\n".join(d.format_text() for d in diagnostics)


def format_json(file: str, diagnostics: list[Diagnostic], bgp_sessions: list[dict[str, object]] | None = None) -> str:
    """The validate report; `bgp_sessions` (one row per node-peer pair, routing: native) only when there are any."""
    errors = sum(1 for d in diagnostics if d.is_error)
    doc: dict[str, object] = {
        "format_version": JSON_FORMAT_VERSION,
        "file": file,
        "ok": errors == 0,
        "errors": errors,
        "warnings": len(diagnostics) - errors,
        "diagnostics": [d.to_json() for d in diagnostics],
    }
    if bgp_sessions:
        doc["bgp_sessions"] = bgp_sessions
    return json.dumps(doc, indent=2, sort_keys=True)


def format_sessions(label: str, rows: list[dict[str, object]]) -> str:
    """The BGP session table in text: a count per status, then every session that is not matched."""
    counts: dict[str, int] = {}
    for row in rows:
        status = str(row["status"])
        counts[status] = counts.get(status, 0) + 1
    lines = [f"{label}: BGP sessions: " + ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))]
    for row in rows:
        if row["status"] != "matched":
            node = row["node"] or "(no node)"
            lines.append(f"  {row['peer']} {row['peer_address']} <-> {node} {row['node_address']}: {row['status']}: {row['detail']}")
    return "\n".join(lines)


def format_github(diagnostics: Iterable[Diagnostic]) -> str:
    lines = []
    for d in diagnostics:
        level = "error" if d.is_error else "warning"
        line = d.position.line if d.position else 1
        col = d.position.column if d.position else 1
        props = f"file={_escape_property(d.file)},line={line},col={col},title={_escape_property(d.code)}"
        body = d.message + "".join(f"\nrelated: {r.location}: {r.message}" for r in d.related) + (f"\n{d.hint}" if d.hint else "")
        lines.append(f"::{level} {props}::{_escape_data(body)}")
    return "\n".join(lines)


SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def _uri(file: str) -> str:
    """A URI reference (SARIF 3.10.3): "my net/a.yaml" -> "my%20net/a.yaml", "<stdin>" -> "%3Cstdin%3E"."""
    return quote(Path(file).as_posix())


def format_sarif(diagnostics: list[Diagnostic], version: str) -> str:
    """One SARIF 2.1.0 log for GitHub code scanning (github/codeql-action/upload-sarif).

    Per GitHub's SARIF support page: one run with tool.driver (name, version, the rules used,
    each with its documentation URL), and per result ruleId, level, message.text and a
    physicalLocation with artifactLocation.uri (relative to the repository) and region.startLine.
    """
    from ..diagnostics import CODES

    codes = sorted({d.code for d in diagnostics})
    rules = [
        {
            "id": code,
            "name": code,
            "shortDescription": {"text": CODES[code].title if code in CODES else code},
            "helpUri": f"https://github.com/vtepc/vtepc/blob/main/docs/check-codes.md#{code.lower()}",
            "defaultConfiguration": {"level": "error" if CODES.get(code) and CODES[code].severity.value == "error" else "warning"},
        }
        for code in codes
    ]
    results = []
    for d in diagnostics:
        line = d.position.line if d.position else 1
        column = d.position.column if d.position else 1
        result = {
            "ruleId": d.code,
            "ruleIndex": codes.index(d.code),
            "level": "error" if d.is_error else "warning",
            "message": {"text": d.message + (f"\nhint: {d.hint}" if d.hint else "")},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": _uri(d.file)},
                        "region": {"startLine": line, "startColumn": column},
                    }
                }
            ],
        }
        if d.related:  # the other topology of a fleet finding
            result["relatedLocations"] = [
                {
                    "id": number,
                    "message": {"text": r.message},
                    "physicalLocation": {
                        "artifactLocation": {"uri": _uri(r.file)},
                        "region": {
                            "startLine": r.position.line if r.position else 1,
                            "startColumn": r.position.column if r.position else 1,
                        },
                    },
                }
                for number, r in enumerate(d.related)
            ]
        results.append(result)
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {"name": "vtepc", "version": version, "informationUri": "https://github.com/vtepc/vtepc", "rules": rules}
                },
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=2, sort_keys=True)


def summary(diagnostics: list[Diagnostic]) -> str:
    errors = sum(1 for d in diagnostics if d.is_error)
    warnings = len(diagnostics) - errors
    return f"{errors} error(s), {warnings} warning(s)"


@contextmanager
def exit_on_failure(topology: Path | str, consequence: str) -> Iterator[None]:
    """Turn the library's typed errors into stderr lines and exit 1: never a traceback.

    An invalid topology prints every diagnostic and a summary; any other VtepcError (or an
    OS error on the files involved) prints one line. `consequence` says what did not happen.
    """
    from ..diagnostics import TopologyInvalid, VtepcError

    try:
        yield
    except TopologyInvalid as exc:
        typer.echo(format_text(exc.diagnostics), err=True)
        typer.echo(f"{topology}: invalid: {summary(exc.diagnostics)}; {consequence}", err=True)
        raise typer.Exit(1) from None
    except (VtepcError, OSError) as exc:
        typer.echo(f"error: {exc}; {consequence}", err=True)
        raise typer.Exit(1) from None


def echo_warnings(diagnostics: list[Diagnostic]) -> None:
    if diagnostics:
        typer.echo(format_text(diagnostics), err=True)
