"""A plan as text (what `vtepc plan` and `vtepc apply` show) and as tmsh commands (`vtepc diff --format tmsh`).

The tmsh form is the same plan, step by step, as the commands an admin pastes into the
BIG-IP's bash shell: built as argv first (vtepc.render.tmsh.TMSH, the emitter table that
network.tmsh uses) and only then quoted for bash, word by word (tests/test_plan_apply.py runs
it under bash with a fake tmsh and compares the argv). Comments are single lines.
"""

from __future__ import annotations

from typing import Any

from ..emitters import NotExpressible, entry
from ..render.tmsh import TMSH, Command
from ..text import one_line
from .model import OWNERSHIP, Action, DevicePlan, HaRole, Ownership, Plan, Step, ownership_marker

_SIGN = {Action.CREATE: "+", Action.MODIFY: "~", Action.DELETE: "-"}


def _value(value: Any) -> str:
    if isinstance(value, tuple):
        return "[" + ", ".join(str(v) for v in value) + "]"
    return "none" if value is None else str(value)


def step_line(step: Step) -> str:
    head = f"{_SIGN[step.action]} {step.action.value} {step.obj.kind} {step.obj.name}"
    if step.action is Action.MODIFY:
        changes = [f"{name}: {_value(before)} -> {_value(after)}" for name, before, after in step.changed_fields()]
        if step.adopt:
            changes.append("takes it over (--adopt): description set to vtepc's marker")
        if changes:
            head += " " + "; ".join(changes)
    elif step.adopt:
        head += " (--adopt: takes over the object of that name)"
    if step.why:
        head += f" ({step.why})"
    origin = f"{step.owner}: {step.origin}" if step.owner else step.origin
    return one_line(f"{head}  <- {origin}")


def ha_line(device: DevicePlan) -> str:
    peers = ", ".join(device.peers)
    if device.ha is HaRole.SYNC_SOURCE:
        return (
            f"HA: the tunnel is config-synced (on the floating underlay address): applied on {device.bigip}, "
            f"then config sync to device group {device.sync_group} carries it to {peers}"
        )
    if device.ha is HaRole.SYNC_PEER:
        return f"HA: synced from {peers}; applied here only what config sync does not carry (its own self IPs, db keys)"
    return "no HA: this device on its own"


def device_summary(device: DevicePlan) -> str:
    counts = ", ".join(f"{device.count(action)} to {action.value}" for action in Action)
    return f"{device.bigip}: {counts}" if device.steps else f"{device.bigip}: nothing to do"


def format_text(plan: Plan) -> str:
    lines = []
    for device in plan.devices.values():
        lines.append(f"{device.bigip} ({ha_line(device)}; checked against {len(device.fingerprints)} object(s) read from it)")
        lines.extend(f"  {step_line(step)}" for step in device.steps)
        lines.extend(f"  ! refused: {one_line(r)}" for r in device.refused)
        lines.extend(f"  note: {one_line(n)}" for n in device.notes)
    lines.extend(device_summary(d) for d in plan.devices.values())
    return "\n".join(lines) + "\n"


def _comment(text: str) -> str:
    return f"# {one_line(text)}"


def step_commands(step: Step, marker: str) -> list[Command] | NotExpressible:
    """The tmsh commands of one step (the description marker on what vtepc creates or takes over)."""
    kind = entry(TMSH, type(step.obj), "network.tmsh")
    described = step.marker(marker) if OWNERSHIP[type(step.obj)] is Ownership.MARKER else None
    if step.action is Action.CREATE:
        return kind.create([step.obj], described)
    if step.action is Action.DELETE:
        deleted = kind.delete(step.obj)
        return deleted if isinstance(deleted, NotExpressible) else [deleted]
    modified = kind.modify(step.before, step.obj, described if step.adopt or step.owner else None)  # a fleet's: its owner, maybe a new one
    return [] if modified is None else [modified]


def device_commands(device: DevicePlan, marker: str) -> list[tuple[Step, list[Command] | NotExpressible]]:
    return [(step, step_commands(step, marker)) for step in device.steps]


def format_tmsh(plan: Plan) -> str:
    """Every device's steps as tmsh commands, safe to paste into that device's bash shell."""
    marker = ownership_marker(plan.topology)
    out = [_comment(f"vtepc plan of topology {plan.topology} as tmsh commands; run each section on the BIG-IP it names.")]
    for device in plan.devices.values():
        out += ["", _comment(f"On {device.bigip}: {ha_line(device)}.")]
        out += [_comment(f"refused (not applied): {r}") for r in device.refused]
        for step, commands in device_commands(device, marker):
            out.append(_comment(step_line(step)))
            if isinstance(commands, NotExpressible):
                out.append(_comment(f"not expressible in tmsh: {commands.reason}"))
                continue
            for command in commands:
                out += command.script_lines()
        if device.steps:
            out += Command(("tmsh", "save", "sys", "config")).script_lines()
        if device.ha is HaRole.SYNC_SOURCE and device.steps and device.sync_group:
            out += Command(("tmsh", "run", "cm", "config-sync", "to-group", device.sync_group)).script_lines()
        if not device.steps:
            out.append(_comment("nothing to do"))
    return "\n".join(out) + "\n"
