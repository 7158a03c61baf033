"""The library API: every command of the CLI, as functions that return data and print nothing.

    from vtepc import api
    report = api.validate("topology.yaml")
    artifacts, report = api.build("topology.yaml")           # {relative path: text}
    result = api.diff("topology.yaml", api.SnapshotSource("snap/"))   # a vtepc.diff.DiffResult
    plan = api.plan("topology.yaml")                           # BIG-IP changes, per device (reads only)
    api.apply("topology.yaml", saved=plan)                     # one transaction per device, verified
    text = api.graph("topology.yaml", "mermaid")

The CLI (vtepc.cli) and the GitHub Action only parse arguments, print these results and choose
exit codes; everything a command decides lives here or below. Errors are typed (VtepcError,
TopologyInvalid with every diagnostic); nothing here prints or exits.
"""

from __future__ import annotations

import functools

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from .diagnostics import TopologyInvalid
from .model import ResolvedTopology, Topology
from .validate import ValidationReport, validate_file, validate_text

if TYPE_CHECKING:
    from .api_types import ApplyResult, DiscoverResult, GitRefSource, LiveSource, OutputCheck, SnapshotResult, SnapshotSource, Source
    from .diff import DiffResult
    from .fleet import FleetReport
    from .fleet.diff import MemberDiff
    from .live import ObservedState
    from .plan import Plan
    from .plan.apply import CisKeeps, LiveDevices
    from .plan.apply import Reader as DeviceReader
    from .state.bigip import BigipState
    from .reach.model import Trace
    from .state import DesiredState
else:

    def __getattr__(name: str) -> Any:
        """The types of vtepc.api_types, by their names here (`api.LiveSource`), imported when first asked for."""
        if name in _TYPES:
            from . import api_types

            return getattr(api_types, name)
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


_TYPES = ("ApplyResult", "DiscoverResult", "GitRefSource", "LiveSource", "OutputCheck", "SnapshotResult", "SnapshotSource", "Source")

__all__ = [
    "ApplyResult",
    "DiscoverResult",
    "OutputCheck",
    "GitRefSource",
    "LiveSource",
    "SnapshotResult",
    "SnapshotSource",
    "Source",
    "apply",
    "apply_fleet",
    "build",
    "build_fleet",
    "build_from_bytes",
    "check_output",
    "desired_state",
    "diff",
    "diff_fleet",
    "discover",
    "fleet",
    "graph",
    "manifests",
    "plan",
    "plan_fleet",
    "render",
    "schema",
    "snapshot",
    "snapshot_fleet",
    "trace",
    "validate",
    "validate_bytes",
    "write_output",
]


# --- validate, build, render, manifests, graph ---------------------------------------------------


def validate(path: str | Path) -> ValidationReport:
    return validate_file(path)


def validate_bytes(source: bytes, file: str = "<stdin>") -> ValidationReport:
    """Validate topology text that is not a file (stdin); `file` names it in diagnostics."""
    return validate_text(source, file)


def load(path: str | Path) -> ResolvedTopology:
    """The validated, defaults-resolved topology; raises TopologyInvalid with every diagnostic."""
    from .validate import load_topology

    return load_topology(path)


def desired_state(path: str | Path) -> "DesiredState":
    from .state import compile_desired_state

    return compile_desired_state(load(path))


def render(topology: ResolvedTopology) -> dict[str, str]:
    """Artifacts of a validated, defaults-resolved topology (no manifest)."""
    from .render import render_all
    from .state import compile_desired_state

    return render_all(compile_desired_state(topology))


def build_from_bytes(source: bytes, file: str = "<topology>") -> tuple[dict[str, str], ValidationReport]:
    """Validate then render the whole output tree, manifest included; raises TopologyInvalid on errors."""
    from .build import with_manifest

    from .render import render_all
    from .state import compile_desired_state

    report = validate_text(source, file)
    if not report.ok or report.topology is None:
        raise TopologyInvalid(report.diagnostics)
    desired = report.desired_state or compile_desired_state(report.topology)  # compiled once: validation's reachability check did
    return with_manifest(render_all(desired), source), report


def build(path: str | Path) -> tuple[dict[str, str], ValidationReport]:
    source = Path(path).read_bytes() if Path(path).is_file() else None
    if source is None:
        report = validate_file(path)  # yields the positioned "cannot read" diagnostic
        raise TopologyInvalid(report.diagnostics)
    return build_from_bytes(source, str(path))


def fleet(paths: Sequence[str | Path]) -> "FleetReport":
    """Several topologies (a directory, or files) checked together: each file alone, then what the
    topologies that share a BIG-IP put on it together (vtepc.fleet). Returns the report; raises
    FleetError only when the input names no topology file."""
    from .fleet import validate_fleet

    return validate_fleet(paths)


def build_fleet(paths: Sequence[str | Path]) -> tuple[dict[str, str], "FleetReport"]:
    """The fleet's whole output tree (one tree per topology, one per shared device, one manifest);
    raises TopologyInvalid with every file's and every cross-topology diagnostic on errors."""
    from .fleet.render import fleet_tree

    report = fleet(paths)
    if not report.ok:
        raise TopologyInvalid(report.all_diagnostics)
    return fleet_tree(report, {m.file: Path(m.file).read_bytes() for m in report.members}), report


def write_output(output: Path, artifacts: Mapping[str, str], *, force: bool = False) -> None:
    """Replace `output` with a build's artifacts, by vtepc.outdir's rules: only a tree vtepc wrote is
    replaced, and generated files edited by hand only with force; raises OutputDirError otherwise."""
    from .build import write_tree

    write_tree(output, dict(artifacts), force=force)


def check_output(output: Path, artifacts: Mapping[str, str], topology: str | Path) -> OutputCheck:
    """How `output` differs from a build's artifacts (`build --check`); writes nothing."""
    from .api_types import OutputCheck
    from .build import compare_tree

    return OutputCheck(str(topology), output, artifacts, compare_tree(output, dict(artifacts)))


def trace(path: str | Path, source: str, destination: str, against: "LiveSource | SnapshotSource | None" = None) -> "Trace":
    """One flow from BIG-IP `source` to `destination` (a pod address or a node name) and its reply,
    walked through the packet model (vtepc.reach) over the desired state, or over the observed
    state: recorded by a snapshot, or read from the live devices (strict: an unreadable target
    raises). Raises TopologyInvalid for errors other than the reachability check's own."""
    from .checks.reachability import UNREACHABLE
    from .live import ObservedState
    from .reach import Fabric
    from .reach.model import TraceError

    report = validate_file(path)
    blocking = [d for d in report.errors if d.code != UNREACHABLE]
    if blocking or report.topology is None:
        raise TopologyInvalid(blocking or report.diagnostics)
    if against is None:
        fabric = Fabric.from_topology(report.topology)
    else:
        from .state import compile_desired_state

        # The topology compiled as validated (a VTEP1001 drop in it is what a trace shows, not an error).
        observed = observed_state(path, against, report.topology, compile_desired_state(report.topology))
        assert isinstance(observed, ObservedState)  # live or recorded, never a git revision
        fabric = Fabric.from_observed(report.topology, observed)
    if source not in fabric.units:
        raise TraceError(f"--from {source!r} is not a BIG-IP of the topology ({', '.join(fabric.units)})")
    from .checks.reachability import origin_path

    document = report.document

    def line_of(origin: str) -> int | None:
        position = document.position(origin_path(origin)) if document is not None else None
        return position.line if position is not None else None

    from dataclasses import replace

    walked = fabric.trace(source, fabric.resolve_destination(destination))
    split = fabric.partial_routes(source, destination)
    if split:
        node = next(n for n in report.topology.cluster.nodes if n.name == destination)
        walked = replace(
            walked,
            notes=(
                f"{destination}'s podCIDR {node.pod_cidr} is split: {'; '.join(split)} covers part of it, so this walk of "
                f"{walked.destination} does not speak for that part (--to an address in it walks it)",
            ),
        )
    return walked.located(line_of)


def manifests(path: str | Path) -> tuple[str, ValidationReport]:
    """The Kubernetes side of a build as one multi-document YAML stream, and the validation report."""
    from .build import manifest_stream

    artifacts, report = build(path)
    return manifest_stream(artifacts), report


def schema() -> str:
    """The topology JSON Schema generated from the model."""
    from .jsonschema_export import topology_schema_text

    return topology_schema_text()


def graph(path: str | Path, format: str = "mermaid", max_nodes: int | None = None) -> str:
    """The topology as a picture: mermaid, dot or svg text."""
    from .graph import DEFAULT_MAX_NODES, render_graph

    return render_graph(load(path), format, DEFAULT_MAX_NODES if max_nodes is None else max_nodes)


# --- diff, snapshot, discover ---------------------------------------------------------------------


def observed_state(
    path: str | Path, against: Source, topology: ResolvedTopology | None = None, desired: "DesiredState | None" = None
) -> "ObservedState | DesiredState":
    """The other side of a diff: live (strict: any unreadable target raises), recorded or at a git ref.

    `topology` and `desired` are the file's, when the caller has them already."""
    from .api_types import GitRefSource, SnapshotSource

    if isinstance(against, GitRefSource):
        from .diff.sources import desired_state_at_ref

        return desired_state_at_ref(path, against.ref)
    if isinstance(against, SnapshotSource):
        from .snapshot import read_snapshot

        return read_snapshot(against.directory)
    from .live import read_observed_state

    topology = topology if topology is not None else load(path)
    return read_observed_state(topology, desired=desired, **against.reader_options(topology, path))


def diff(
    path: str | Path,
    against: Source | None = None,
    *,
    ignore_file: Path | None = None,
    show_secrets: bool = False,
) -> "DiffResult":
    """Compare the topology's desired state with `against` (default: live); changes and follow-ups."""
    from dataclasses import replace

    from .api_types import LiveSource

    from .diff import diff_states, load_ignore_rules
    from .diff.reachability import would_drop
    from .live import ObservedState
    from .state import compile_desired_state

    rules = load_ignore_rules(ignore_file) if ignore_file is not None else []
    topology = load(path)
    desired = compile_desired_state(topology)
    observed = observed_state(path, against if against is not None else LiveSource(), topology, desired)
    unread_kinds = getattr(observed, "unread_kinds", {})  # a DesiredState (a git ref) reads everything
    result = diff_states(desired, observed, ignore=rules, show_secrets=show_secrets, unread_kinds=unread_kinds)
    if not isinstance(observed, ObservedState):
        return result  # a git revision: its own `vtepc validate` reports its reachability
    found, notes = would_drop(topology, observed)
    return replace(result, would_drop=found, notes=result.notes + notes)


def diff_fleet(
    paths: Sequence[str | Path],
    against: Source,
    *,
    ignore_file: Path | None = None,
    show_secrets: bool = False,
) -> list["MemberDiff"]:
    """A fleet's diff, one per member, shared BIG-IPs as merged devices (vtepc.fleet.diff): against
    a git revision, or the BIG-IPs live or as recorded by snapshot_fleet (their would-drop findings
    included). Raises TopologyInvalid when the fleet does not validate."""
    from .api_types import GitRefSource, SnapshotSource
    from .diff import load_ignore_rules
    from .fleet.diff import diff_fleet_against, diff_fleet_against_ref

    report = _valid_fleet(paths)
    rules = load_ignore_rules(ignore_file) if ignore_file is not None else []
    if isinstance(against, GitRefSource):
        return diff_fleet_against_ref(report, against.ref, ignore=rules, show_secrets=show_secrets)
    if isinstance(against, SnapshotSource):
        from .snapshot import read_snapshot

        observed = read_snapshot(against.directory)
    else:
        observed = _read_fleet(report, against)
    return diff_fleet_against(report, observed, ignore=rules, show_secrets=show_secrets)


def _valid_fleet(paths: Sequence[str | Path]) -> "FleetReport":
    report = fleet(paths)
    if not report.ok:
        raise TopologyInvalid(report.all_diagnostics)
    return report


def _fleet_urls(report: "FleetReport", live: LiveSource) -> dict[str, str]:
    """Each device's URL (--bigip by device or entry name, else a managementURL); the cluster
    flags and --urls-from-ref are refused: a fleet's live commands read its BIG-IPs only."""
    from .diagnostics import VtepcError
    from .fleet.plan import device_urls

    if live.urls_from_ref is not None:
        raise VtepcError("--urls-from-ref takes one topology's URLs; a fleet's BIG-IPs are given with --bigip NAME=URL")
    if live.kubeconfig is not None or live.context is not None:
        raise VtepcError("a fleet's live diff reads its BIG-IPs only: diff each member's cluster with vtepc diff FILE --kubeconfig ...")
    return device_urls(report, live.bigip_urls)


def _read_fleet(report: "FleetReport", live: LiveSource) -> "ObservedState":
    from .fleet.diff import read_devices

    return read_devices(report, _fleet_urls(report, live), live.tls_options(), live.http_options(), live.progress)


def snapshot(path: str | Path, output: Path, live: LiveSource | None = None) -> SnapshotResult:
    """Read every target and record it under `output`; nothing is written unless every target was read."""
    from .api_types import LiveSource, SnapshotResult
    from .live import read_observed_state
    from .snapshot import write_snapshot

    topology = load(path)
    live = live or LiveSource()
    observed = read_observed_state(topology, **live.reader_options(topology, path))
    return SnapshotResult(observed, write_snapshot(observed, output, topology.metadata.name))


def snapshot_fleet(paths: Sequence[str | Path], output: Path, live: LiveSource | None = None) -> SnapshotResult:
    """Record every BIG-IP of a valid fleet (its merged objects) under `output`, for diff_fleet
    against a SnapshotSource; nothing is written unless every device was read."""
    from .api_types import LiveSource, SnapshotResult
    from .fleet.plan import fleet_name
    from .snapshot import write_snapshot

    report = _valid_fleet(paths)
    observed = _read_fleet(report, live or LiveSource())
    return SnapshotResult(observed, write_snapshot(observed, output, fleet_name(report)))


def discover(path: str | Path, live: LiveSource | None = None, *, prune: bool = False, write: bool = True) -> DiscoverResult:
    """Fill in each BIG-IP's tunnel MAC and the cluster's nodes; the file keeps its comments and layout.

    The edited text must still validate (DiscoverError otherwise); with write=False nothing is written.
    """
    from .api_types import DiscoverResult, LiveSource
    from .discover import apply_facts, check_edited, discover_facts, write_in_place

    topology = load(path)
    live = live or LiveSource()
    facts = discover_facts(topology, **live.reader_options(topology, path))
    before = Path(path).read_text(encoding="utf-8")
    edit = apply_facts(before, facts, file=str(path), prune=prune)
    if edit.changed:
        check_edited(edit.text, str(path))
    if edit.changed and write:
        write_in_place(Path(path), edit.text)
    return DiscoverResult(facts, before, edit, edit.changed and write)


# --- plan, apply ----------------------------------------------------------------------------------


def _live_devices(path: str | Path, live: LiveSource | None) -> tuple[Topology, "DesiredState", "LiveDevices"]:
    from .api_types import LiveSource
    from .plan.apply import topology_devices
    from .state import compile_desired_state

    topology = load(path)
    desired = compile_desired_state(topology)
    live = live or LiveSource()
    devices = topology_devices(topology, desired, live.bigip_urls_for(topology, path), live.tls_options(), live.http_options())
    return topology, desired, devices


def plan(path: str | Path, live: LiveSource | None = None, *, bigips: tuple[str, ...] = (), adopt: bool = False) -> "Plan":
    """The BIG-IP changes from the live devices to the topology's desired state (reads only)."""
    from .plan.apply import plan_devices

    topology, desired, devices = _live_devices(path, live)
    return plan_devices(topology, desired, devices.read, devices.groups, bigips=bigips, adopt=adopt)


def apply(
    path: str | Path,
    live: LiveSource | None = None,
    *,
    saved: "Plan | None" = None,
    bigips: tuple[str, ...] = (),
    adopt: bool = False,
    confirm: "Callable[[Plan], bool] | None" = None,
) -> "ApplyResult":
    """Carry out the plan (`saved`, or one made now): refused if a device changed since it was made
    or the topology no longer asks for it; `confirm(plan)` may decline (nothing is written then)."""
    from .plan import PlanError
    from .plan.apply import cis_keeps_fdb, plan_devices

    topology, desired, devices = _live_devices(path, live)
    if saved is not None:
        if saved.topology != topology.metadata.name or saved.fleet:
            raise PlanError(f"the plan is for topology {saved.topology}, not {topology.metadata.name}")
        bigips = tuple(saved.devices)
        adopt = adopt or any(step.adopt for d in saved.devices.values() for step in d.steps)

    def current(read: "DeviceReader") -> "Plan":
        return plan_devices(topology, desired, read, devices.groups, bigips=bigips, adopt=adopt)

    return _carry_out(saved, current, desired.bigips, devices, cis_keeps_fdb(topology), confirm)


def _carry_out(
    saved: "Plan | None",
    current: "Callable[[DeviceReader], Plan]",
    desired: "Mapping[str, BigipState]",
    devices: "LiveDevices",
    cis_keeps: "CisKeeps",
    confirm: "Callable[[Plan], bool] | None",
) -> "ApplyResult":
    """What apply and apply_fleet share: a saved plan must still be fresh and still what the
    topologies ask for; refused objects stop it; `confirm` may decline; then vtepc.plan.apply."""
    from .api_types import ApplyResult
    from .plan import PlanError
    from .plan.apply import apply_plan, check_fresh

    # The freshness check of a saved plan and the plan made now read each device once between
    # them; apply_plan reads it again after confirm() (which may wait on a person) before writing.
    read_first = functools.cache(devices.read)
    if saved is not None:
        check_fresh(saved, read_first)  # the device first: its change is the likelier, and said precisely
    made = current(read_first)
    if saved is not None and not made.same_as(saved):
        raise PlanError("the topology no longer asks for what the plan does (it changed since the plan was made); plan again")
    chosen = saved or made
    if chosen.refused:
        raise PlanError("the plan changes objects vtepc does not own: " + "; ".join(chosen.refused))
    if not chosen.has_changes:
        return ApplyResult(chosen, None)
    if confirm is not None and not confirm(chosen):
        return ApplyResult(chosen, None, declined=True)
    return ApplyResult(chosen, apply_plan(chosen, desired, devices.read, devices.writer, cis_keeps=cis_keeps))


def _fleet_devices(paths: Sequence[str | Path], live: LiveSource | None) -> tuple["FleetReport", "LiveDevices"]:
    """The valid fleet (TopologyInvalid with every diagnostic otherwise) and its devices, live."""
    from .api_types import LiveSource
    from .fleet.plan import device_states, is_vtepc_marker
    from .plan.apply import LiveDevices

    report = _valid_fleet(paths)
    live = live or LiveSource()
    urls = _fleet_urls(report, live)
    return report, LiveDevices(device_states(report), urls, is_vtepc_marker, live.tls_options(), live.http_options())


def plan_fleet(
    paths: Sequence[str | Path],
    live: LiveSource | None = None,
    *,
    bigips: tuple[str, ...] = (),
    adopt: bool = False,
    prune: tuple[str, ...] = (),
) -> "Plan":
    """A fleet's plan: one per device, every member's objects on it, each with its member's marker;
    objects of topologies outside the fleet untouched unless named in `prune` (vtepc.fleet.plan)."""
    from .fleet.plan import plan_fleet as plan_devices

    report, devices = _fleet_devices(paths, live)
    return plan_devices(report, lambda name: devices.read(name)[0], devices.groups, bigips=bigips, adopt=adopt, prune=prune)


def apply_fleet(
    paths: Sequence[str | Path],
    live: LiveSource | None = None,
    *,
    saved: "Plan | None" = None,
    bigips: tuple[str, ...] = (),
    adopt: bool = False,
    prune: tuple[str, ...] = (),
    confirm: "Callable[[Plan], bool] | None" = None,
) -> "ApplyResult":
    """Carry out a fleet's plan as `apply` does one topology's: the same refusals, one transaction
    per device, save, config sync, verification of every device."""
    from .fleet.plan import cis_keeps, device_states, fleet_name, members
    from .fleet.plan import plan_fleet as plan_devices
    from .plan import PlanError

    report, devices = _fleet_devices(paths, live)
    if saved is not None:
        if saved.fleet != members(report):
            raise PlanError(f"the plan is for {'fleet ' if saved.fleet else 'topology '}{saved.topology}, not fleet {fleet_name(report)}")
        bigips, prune = tuple(saved.devices), saved.pruned
        adopt = adopt or any(step.adopt for d in saved.devices.values() for step in d.steps)

    def current(read: "DeviceReader") -> "Plan":
        return plan_devices(report, lambda name: read(name)[0], devices.groups, bigips=bigips, adopt=adopt, prune=prune)

    return _carry_out(saved, current, device_states(report), devices, cis_keeps(report), confirm)
