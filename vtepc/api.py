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


def trace(path: str | Path, source: str, destination: str, snapshot: str | Path | None = None):
    """One flow from BIG-IP `source` to `destination` (a pod address or a node name) and its reply,
    walked through the packet model (vtepc.reach) over the desired state, or over the state a
    snapshot recorded. Raises TopologyInvalid for errors other than the reachability check's own."""
    from .checks.reachability import UNREACHABLE
    from .reach import Fabric
    from .reach.model import TraceError

    report = validate_file(path)
    blocking = [d for d in report.errors if d.code != UNREACHABLE]
    if blocking or report.topology is None:
        raise TopologyInvalid(blocking or report.diagnostics)
    if snapshot is None:
        fabric = Fabric.from_topology(report.topology)
    else:
        from .snapshot import read_snapshot

        fabric = Fabric.from_observed(report.topology, read_snapshot(Path(snapshot)))
    if source not in fabric.units:
        raise TraceError(f"--from {source!r} is not a BIG-IP of the topology ({', '.join(fabric.units)})")
    from .checks.reachability import origin_path

    document = report.document

    def line_of(origin: str) -> int | None:
        position = document.position(origin_path(origin)) if document is not None else None
        return position.line if position is not None else None

    return fabric.trace(source, fabric.resolve_destination(destination)).located(line_of)
