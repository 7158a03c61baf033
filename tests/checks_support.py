"""Broken copies of the examples, for the per-code check tests.

A Case names an example, text edits to apply to it, the code the edited copy must report
and the line it must report it on (found by a needle in the edited text). The unedited
example is the passing topology: it must not report that code.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from vtepc.diagnostics import Diagnostic
from vtepc.model import ResolvedTopology
from vtepc.state import DesiredState, compile_desired_state
from vtepc.validate import ValidationReport, validate_text

from .conftest import EXAMPLES


def example(name: str) -> str:
    return (EXAMPLES / f"{name}.yaml").read_text()


def edit(text: str, old: str, new: str, occurrence: int = 1) -> str:
    """Replace the n-th occurrence of `old` (which must exist) with `new`."""
    start = -1
    for _ in range(occurrence):
        start = text.find(old, start + 1)
        assert start >= 0, f"{old!r} occurs fewer than {occurrence} times"
    return text[:start] + new + text[start + len(old) :]


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    start = -1
    for _ in range(occurrence):
        start = text.find(needle, start + 1)
        assert start >= 0, f"{needle!r} occurs fewer than {occurrence} times"
    return text.count("\n", 0, start) + 1


def validate(text: str) -> ValidationReport:
    return validate_text(text.encode(), "topology.yaml")


def valid_topology(text: str) -> ResolvedTopology:
    """The topology of a text that must validate (its errors shown if it does not)."""
    report = validate(text)
    assert report.ok and report.topology is not None, report.errors
    return report.topology


def desired_state(text: str) -> DesiredState:
    return compile_desired_state(valid_topology(text))


@dataclass(frozen=True)
class Case:
    code: str
    example: str
    edits: tuple[tuple, ...]  # (old, new) or (old, new, occurrence)
    at: str  # a needle on the line the finding must point at
    at_occurrence: int = 1
    id: str = ""
    extra: dict = field(default_factory=dict)

    def broken_text(self) -> str:
        text = example(self.example)
        for change in self.edits:
            text = edit(text, *change)
        return text

    def __str__(self) -> str:
        return self.id or self.code


def findings(report: ValidationReport, code: str) -> list[Diagnostic]:
    return [d for d in report.diagnostics if d.code == code]


def assert_case(case: Case) -> None:
    clean = validate(example(case.example))
    assert not findings(clean, case.code), f"{case.example} already reports {case.code}"
    text = case.broken_text()
    report = validate(text)
    found = findings(report, case.code)
    assert found, f"{case.code} not reported; got {[d.format_text() for d in report.diagnostics]}"
    expected_line = line_of(text, case.at, case.at_occurrence)
    lines = [d.position.line for d in found if d.position]
    assert expected_line in lines, f"{case.code} reported on lines {lines}, expected {expected_line}"
    for diag in found:
        assert diag.message and diag.hint and diag.path, diag


def case_id(case: Case) -> str:
    return str(case)
