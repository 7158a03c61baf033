"""validate: YAML -> typed, defaults-resolved topology -> every check, all problems at once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import TYPE_CHECKING

from .diagnostics import Diagnostic, TopologyInvalid, sort_key
from .loader import Document, load_file, load_text
from .model import ResolvedTopology, Topology

if TYPE_CHECKING:
    from pydantic import ValidationError

    from .state import DesiredState


@dataclass(frozen=True)
class ValidationReport:
    file: str
    diagnostics: list[Diagnostic] = field(default_factory=list)
    topology: ResolvedTopology | None = None  # None when the schema step failed
    document: Document | None = None
    # The topology compiled by the checks (the reachability check walks it), for `build` to render
    # rather than compile again; None when no check compiled it.
    desired_state: "DesiredState | None" = field(default=None, compare=False, repr=False)

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
    """Schema, then every semantic check; a schema failure confined to unknown keys or to some
    list entries still lets the checks run on the rest, so one run reports everything."""
    from pydantic import ValidationError

    from .checks import Context, run_context_checks
    from .model import resolve

    try:
        validated = Topology.model_validate(document.data)
    except ValidationError as exc:
        from .schema_errors import diagnostics_from_validation_error

        diagnostics = diagnostics_from_validation_error(exc, Topology, document)
        partial = _checks_on_valid_part(document, exc)
        return ValidationReport(document.file, sorted(diagnostics + partial, key=sort_key), None, document)
    ctx = Context(resolve(validated), document)
    diagnostics = sorted(run_context_checks(ctx), key=sort_key)
    return ValidationReport(document.file, diagnostics, ctx.topology, document, ctx.compiled())


def _checks_on_valid_part(document: Document, exc: "ValidationError") -> list[Diagnostic]:
    """The checks on what the schema accepted. A bad choice outside the lists (`routing: natvie`)
    is tried with each value it may take, and only what every try finds is reported: that holds
    whatever the user meant, a finding of one value only would be a guess."""
    import itertools

    from pydantic import ValidationError

    from .checks import Partial, run_checks
    from .model import resolve
    from .schema_errors import salvage, with_value

    rest = salvage(document.data, exc, Topology)
    if rest is None:
        return []
    partial = Partial(
        original_indices=rest.original_indices,
        dropped_bigip_names=rest.dropped_names.get(("bigips",), frozenset()),
        typo_parents=frozenset(key[:-1] for key in rest.unknown_keys),
    )
    found: set[Diagnostic] | None = None
    for values in itertools.product(*(values for _, values in rest.choices)):
        data = rest.data
        for (path, _), value in zip(rest.choices, values):
            data = with_value(data, path, value)
        try:
            topology = resolve(Topology.model_validate(data))
        except ValidationError:
            continue  # this value does not fit the rest of the file (or every BIG-IP was broken)
        these = set(run_checks(topology, document, partial))
        found = these if found is None else found & these
    return list(found or ())


def _report_from(load: Callable[[], Document]) -> ValidationReport:
    try:
        document = load()
    except TopologyInvalid as exc:
        return ValidationReport(exc.diagnostics[0].file, exc.diagnostics)
    return validate_document(document)


def validate_file(path: str | FsPath) -> ValidationReport:
    return _report_from(lambda: load_file(path))


def validate_text(text: str | bytes, file: str = "<topology>") -> ValidationReport:
    return _report_from(lambda: load_text(text, file))


def load_topology(path: str | FsPath) -> ResolvedTopology:
    """The resolved topology, or TopologyInvalid with every error (warnings do not stop it)."""
    report = validate_file(path)
    if not report.ok or report.topology is None:
        raise TopologyInvalid(report.diagnostics)
    return report.topology
