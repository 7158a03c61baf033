"""Diagnostics: the one shape every user-facing problem takes.

Every check code is registered here once, with its severity and a default hint, so the
CLI, the JSON output and the generated check reference all read the same table.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Iterable

from .text import one_line

Path = tuple[str | int, ...]


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Code:
    code: str
    severity: Severity
    title: str
    hint: str


CODES: dict[str, Code] = {}


def register_code(code: str, severity: Severity | str, title: str, hint: str = "") -> str:
    """Declare a check code; returns the code string so modules can bind it to a name."""
    if code in CODES:
        raise ValueError(f"check code {code} registered twice")
    CODES[code] = Code(code, Severity(severity), title, hint)
    return code


@dataclass(frozen=True, slots=True)
class Position:
    line: int  # 1-based
    column: int  # 1-based


@dataclass(frozen=True, slots=True)
class Related:
    """Another place a diagnostic concerns, possibly in another file (a fleet's cross-topology checks)."""

    file: str
    position: Position | None
    message: str

    @property
    def location(self) -> str:
        position = self.position or Position(1, 1)
        return f"{self.file}:{position.line}:{position.column}"

    def to_json(self) -> dict[str, object]:
        position = self.position or Position(1, 1)
        return {"file": self.file, "line": position.line, "column": position.column, "message": self.message}


@dataclass(frozen=True, slots=True)
class Diagnostic:
    code: str
    message: str
    path: Path = ()
    hint: str = ""
    file: str = "<topology>"
    position: Position | None = None
    severity: Severity = field(init=False)  # the code's, from CODES
    related: tuple[Related, ...] = ()  # the other places involved (the other topology of a collision)

    def __post_init__(self) -> None:
        object.__setattr__(self, "severity", CODES[self.code].severity)
        if not self.hint and self.code in CODES:
            object.__setattr__(self, "hint", CODES[self.code].hint)

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    @property
    def location(self) -> str:
        if self.position is None:
            return f"{self.file}:1:1"
        return f"{self.file}:{self.position.line}:{self.position.column}"

    def format_text(self) -> str:
        # Messages quote the user's values: one_line keeps a newline or a terminal escape in
        # one of them from forging lines of their own.
        text = f"{one_line(self.location)}: {self.code} {self.severity.value}: {one_line(self.message)}"
        for other in self.related:
            text += f"\n  related: {one_line(other.location)}: {one_line(other.message)}"
        if self.hint:
            # A hint of several lines (VTEP1001's trace) keeps them, each escaped on its own and
            # indented under the hint, so no line of it can pass for a diagnostic (those start the line).
            first, *more = self.hint.split("\n")
            text += f"\n  hint: {one_line(first)}"
            text += "".join(f"\n    {one_line(line)}" for line in more)
        return text

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {
            "file": self.file,
            "line": self.position.line if self.position else 1,
            "column": self.position.column if self.position else 1,
            "code": self.code,
            "severity": self.severity.value,
            "message": self.message,
            "hint": self.hint,
            "path": path_to_str(self.path),
        }
        if self.related:  # only cross-topology findings have them; other reports keep their shape
            out["related"] = [other.to_json() for other in self.related]
        return out


def path_to_str(path: Path) -> str:
    """('bigips', 0, 'tunnel', 'vni') -> 'bigips[0].tunnel.vni'."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + part
    return out


def sort_key(diag: Diagnostic) -> tuple[str, int, int, str, str]:
    pos = diag.position or Position(1, 1)
    return (diag.file, pos.line, pos.column, diag.code, diag.message)


class VtepcError(Exception):
    """Base of every error the library raises on purpose; the CLI prints these, never a traceback."""


class TopologyInvalid(VtepcError):
    """The topology has at least one error-severity diagnostic."""

    def __init__(self, diagnostics: Iterable[Diagnostic]):
        self.diagnostics = sorted(diagnostics, key=sort_key)
        errors = [d for d in self.diagnostics if d.is_error]
        super().__init__(f"topology has {len(errors)} error(s)")


# Loader and schema codes live here because several modules raise them.
YAML_SYNTAX = register_code("VTEP001", "error", "YAML syntax error", "fix the YAML syntax at the position shown")
NOT_UTF8 = register_code("VTEP002", "error", "file is not UTF-8", "save the file as UTF-8")
EMPTY_DOCUMENT = register_code("VTEP003", "error", "empty document", "start from one of the files in examples/")
NOT_A_MAPPING = register_code(
    "VTEP004", "error", "top level is not a mapping", "the file must be a YAML mapping with apiVersion, kind, metadata, cluster and bigips"
)
DUPLICATE_KEY = register_code("VTEP005", "error", "duplicate key", "remove one of the two entries; YAML keeps only the last, silently")
ALIAS_BOMB = register_code(
    "VTEP006", "error", "aliases expand too far", "expand anchors/aliases by hand; a topology never needs deep alias nesting"
)
UNREADABLE = register_code("VTEP007", "error", "file cannot be read", "check the path and its permissions")
MULTIPLE_DOCUMENTS = register_code("VTEP008", "error", "more than one YAML document", "keep one topology per file")
UNSUPPORTED_YAML = register_code(
    "VTEP009",
    "error",
    "unsupported YAML construct",
    "use plain mappings, lists and scalars: no complex keys, no tags but the YAML core ones (!!str, !!int, !!float, !!bool, !!null, !!map, !!seq)",
)
UNKNOWN_KEY = register_code("VTEP010", "error", "unknown key", "")
MISSING_KEY = register_code("VTEP011", "error", "required key missing", "")
INVALID_VALUE = register_code("VTEP012", "error", "invalid value or type", "")
