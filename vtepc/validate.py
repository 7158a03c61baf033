"""validate: YAML -> typed, defaults-resolved topology -> every check, all problems at once."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path as FsPath

from .diagnostics import Diagnostic, TopologyInvalid, sort_key
from .loader import Document, load_file, load_text
from .model import Topology


@dataclass(frozen=True)
class ValidationReport:
    file: str
    diagnostics: list[Diagnostic] = field(default_factory=list)
    topology: Topology | None = None  # defaults resolved; None when the schema step failed
    document: Document | None = None

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.is_error]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if not d.is_error]

    @property
    def ok(self) -> bool:
        return not self.errors


def validate_document(document: Document) -> ValidationReport:
    from pydantic import ValidationError

    from .checks import run_checks
    from .model import resolve_defaults
    from .schema_errors import diagnostics_from_validation_error

    try:
        topology = Topology.model_validate(document.data)
    except ValidationError as exc:
        diagnostics = diagnostics_from_validation_error(exc, Topology, document)
        return ValidationReport(document.file, sorted(diagnostics, key=sort_key), None, document)
    topology = resolve_defaults(topology)
    diagnostics = sorted(run_checks(topology, document), key=sort_key)
    return ValidationReport(document.file, diagnostics, topology, document)


def _report_from(load) -> ValidationReport:
    try:
        document = load()
    except TopologyInvalid as exc:
        return ValidationReport(exc.diagnostics[0].file, exc.diagnostics)
    return validate_document(document)


def validate_file(path: str | FsPath) -> ValidationReport:
    return _report_from(lambda: load_file(path))


def validate_text(text: str | bytes, file: str = "<topology>") -> ValidationReport:
    return _report_from(lambda: load_text(text, file))


def load_topology(path: str | FsPath) -> Topology:
    """The resolved topology, or TopologyInvalid with every error (warnings do not stop it)."""
    report = validate_file(path)
    if not report.ok or report.topology is None:
        raise TopologyInvalid(report.diagnostics)
    return report.topology
