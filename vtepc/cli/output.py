"""Printing diagnostics: text, JSON, and GitHub workflow annotations."""
from __future__ import annotations

import json
from typing import Iterable

from ..diagnostics import Diagnostic

JSON_FORMAT_VERSION = 1


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def format_text(diagnostics: Iterable[Diagnostic]) -> str:
    return "\n".join(d.format_text() for d in diagnostics)


def format_json(file: str, diagnostics: list[Diagnostic]) -> str:
    errors = sum(1 for d in diagnostics if d.is_error)
    doc = {
        "format_version": JSON_FORMAT_VERSION,
        "file": file,
        "ok": errors == 0,
        "errors": errors,
        "warnings": len(diagnostics) - errors,
        "diagnostics": [d.to_json() for d in diagnostics],
    }
    return json.dumps(doc, indent=2, sort_keys=True)


def format_github(diagnostics: Iterable[Diagnostic]) -> str:
    lines = []
    for d in diagnostics:
        level = "error" if d.is_error else "warning"
        line = d.position.line if d.position else 1
        col = d.position.column if d.position else 1
        props = f"file={_escape_property(d.file)},line={line},col={col},title={_escape_property(d.code)}"
        body = d.message + (f"\n{d.hint}" if d.hint else "")
        lines.append(f"::{level} {props}::{_escape_data(body)}")
    return "\n".join(lines)


def summary(diagnostics: list[Diagnostic]) -> str:
    errors = sum(1 for d in diagnostics if d.is_error)
    warnings = len(diagnostics) - errors
    return f"{errors} error(s), {warnings} warning(s)"
