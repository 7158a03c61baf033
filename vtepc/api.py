"""The library API: everything the CLI does, as functions that return data and touch no disk.

    from vtepc import api
    report = api.validate("topology.yaml")
    artifacts = api.build("topology.yaml")        # {relative path: text}
"""
from __future__ import annotations

from pathlib import Path

from .diagnostics import TopologyInvalid
from .model import Topology
from .validate import ValidationReport, validate_file, validate_text


def validate(path: str | Path) -> ValidationReport:
    return validate_file(path)


def render(topology: Topology) -> dict[str, str]:
    """Artifacts of a validated, defaults-resolved topology (no manifest)."""
    from .render import render_all
    from .state import compile_desired_state

    return render_all(compile_desired_state(topology))


def build_from_bytes(source: bytes, file: str = "<topology>") -> tuple[dict[str, str], ValidationReport]:
    """Validate then render the whole output tree, manifest included; raises TopologyInvalid on errors."""
    from .build import with_manifest

    report = validate_text(source, file)
    if not report.ok or report.topology is None:
        raise TopologyInvalid(report.diagnostics)
    return with_manifest(render(report.topology), source), report


def build(path: str | Path) -> tuple[dict[str, str], ValidationReport]:
    source = Path(path).read_bytes() if Path(path).is_file() else None
    if source is None:
        report = validate_file(path)  # yields the positioned "cannot read" diagnostic
        raise TopologyInvalid(report.diagnostics)
    return build_from_bytes(source, str(path))
