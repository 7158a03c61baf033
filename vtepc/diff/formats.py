"""Formatters: a DiffResult in, a string out. Pure functions; the CLI decides where it goes.

text      one line per change, `target: kind name: field: before -> after  (from origin)`,
          what the observed state would drop, then the follow-ups; ANSI colour only when the
          caller asks for it.
markdown  for a pull-request comment: a summary table, one collapsible <details> section per
          target, the follow-ups; never longer than GitHub's comment limit, cut per section
          at row boundaries with a note, never in the middle of markup.
json      a versioned document (`format_version`) with targets, changes, follow_ups,
          would_drop and `complete`, so a consumer can tell a full diff from an aborted one.
"""

from __future__ import annotations

import json
from typing import Any

from .records import ABSENT, DRIFT_ORIGIN, Action, Change, DiffResult, FollowUp, TargetDiff, WouldDrop

JSON_FORMAT_VERSION = 1
GITHUB_COMMENT_LIMIT = 65_536
MARKDOWN_CELL_MAX = 200  # characters of one before/after value in a table cell
MARKDOWN_WOULD_DROP_MAX = 20  # findings listed in a comment (one per unit and group of nodes); json lists all
WOULD_DROP_ABOUT = "the observed state walked through the packet model"

_ANSI = {Action.ADD: "\033[32m", Action.REMOVE: "\033[31m", Action.CHANGE: "\033[33m"}
# Drift (live has it, the topology does not) is not a deletion the topology asks for: its own colour and mark.
_ANSI_DRIFT = "\033[35m"
_DRIFT_MARK = "!"
_ANSI_RESET = "\033[0m"
_VERBS = {Action.ADD: "added", Action.REMOVE: "removed", Action.CHANGE: "changed"}
_MARKS = {Action.ADD: "+", Action.REMOVE: "-", Action.CHANGE: "~"}
_SECRETS_NOTE = "secret values are masked; --show-secrets shows them"


def render_value(value: Any) -> str:
    """One value on one line: JSON, so strings are quoted and "" differs from (absent)."""
    if value is ABSENT:
        return "(absent)"
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _origin_note(origin: str) -> str:
    return f"({origin})" if origin == DRIFT_ORIGIN else f"(from {origin})"


def _is_drift(change: Change) -> bool:
    return change.origin == DRIFT_ORIGIN


def _counts(target: TargetDiff) -> str:
    parts = [f"{target.count(action)} {_VERBS[action]}" for action in Action if target.count(action)]
    return ", ".join(parts) if parts else "no changes"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def summary_line(result: DiffResult) -> str:
    total = len(result.changes)
    objects = sum(t.objects_compared for t in result.targets)
    text = f"{_plural(total, 'change')}" if total else "no changes"
    text += f" ({_plural(objects, 'object')} compared on {_plural(len(result.targets), 'target')}"
    if result.ignored:
        text += f"; {result.ignored} ignored by rules"
    return text + ")"


def _notes(result: DiffResult) -> list[str]:
    masked = [f"{_plural(result.masked, 'change')}: {_SECRETS_NOTE}"] if result.masked else []
    return list(result.notes) + masked


def change_line(change: Change) -> str:
    field = f"{change.field}: " if change.field else ""
    return (
        f"{change.target}: {change.kind} {change.name}: {field}"
        f"{render_value(change.before)} -> {render_value(change.after)}  {_origin_note(change.origin)}"
    )


def follow_up_line(follow_up: FollowUp) -> str:
    command = f": {follow_up.command}" if follow_up.command else ""
    return f"{follow_up.step}. {follow_up.target}: {follow_up.action}{command}  ({follow_up.reason})"


def would_drop_line(found: WouldDrop) -> str:
    return found.summary + (f"  (from {found.origin})" if found.origin else "")


def format_text(result: DiffResult, *, color: bool = False) -> str:
    lines = []
    for change in result.changes:
        line = change_line(change)
        colour = _ANSI_DRIFT if _is_drift(change) else _ANSI[change.action]
        lines.append(f"{colour}{line}{_ANSI_RESET}" if color else line)
    lines.append(summary_line(result))
    if result.would_drop:
        lines.append(f"would drop ({WOULD_DROP_ABOUT}):")
        lines.extend("  " + would_drop_line(found) for found in result.would_drop)
    if result.follow_ups:
        lines.append("follow-up:")
        lines.extend("  " + follow_up_line(f) for f in result.follow_ups)
    lines.extend(f"note: {note}" for note in _notes(result))
    return "\n".join(lines) + "\n"


# ---- markdown ---------------------------------------------------------------------------


def _code(text: str, limit: int | None = None) -> str:
    """An inline code span that survives any content inside a table cell."""
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "…"
    text = text.replace("|", "\\|")
    fence = "`"
    while fence in text:
        fence += "`"
    padded = f" {text} " if text.startswith("`") or text.endswith("`") else text
    return f"{fence}{padded}{fence}" if text else ""


def _markdown_row(change: Change) -> str:
    origin = "drift" if change.origin == DRIFT_ORIGIN else _code(change.origin)
    mark = _DRIFT_MARK if _is_drift(change) else _MARKS[change.action]
    return (
        f"| {mark} | {_code(change.kind + ' ' + change.name)} | {_code(change.field)} "
        f"| {_code(render_value(change.before), MARKDOWN_CELL_MAX)} | {_code(render_value(change.after), MARKDOWN_CELL_MAX)} | {origin} |\n"
    )


_SECTION_TABLE_HEAD = "| | object | field | before | after | from |\n|---|---|---|---|---|---|\n"
_SECTION_CLOSE = "\n</details>\n\n"


def _section_open(target: TargetDiff) -> str:
    return f"<details><summary><code>{target.target}</code>: {_counts(target)}</summary>\n\n"


def _truncation_note(hidden: int) -> str:
    return (
        f"\n_{_plural(hidden, 'more change')} in this target not shown (GitHub comment size limit); "
        f"`vtepc diff --format json` lists every change._\n"
    )


def _section(target: TargetDiff, budget: int) -> str:
    """The target's section within `budget` characters, whole rows only."""
    head = _section_open(target) + _SECTION_TABLE_HEAD
    rows = [_markdown_row(change) for change in target.changes]
    used = len(head) + len(_SECTION_CLOSE)
    shown = 0
    for row in rows:
        # Room for this row, and for the note should a later row not fit.
        note = len(_truncation_note(len(rows) - shown - 1)) if shown + 1 < len(rows) else 0
        if used + len(row) + note > budget:
            break
        used += len(row)
        shown += 1
    body = "".join(rows[:shown])
    tail = _truncation_note(len(rows) - shown) if shown < len(rows) else ""
    return head + body + tail + _SECTION_CLOSE


def _markdown_header(result: DiffResult) -> str:
    lines = [f"### vtepc diff: {summary_line(result)}", ""]
    lines.append("| target | added | removed | changed |")
    lines.append("|---|---:|---:|---:|")
    for target in result.targets:
        lines.append(f"| `{target.target}` | {target.count(Action.ADD)} | {target.count(Action.REMOVE)} | {target.count(Action.CHANGE)} |")
    return "\n".join(lines) + "\n\n"


def _markdown_footer(result: DiffResult) -> str:
    lines = []
    if result.would_drop:
        lines.append(f"**Would drop** ({WOULD_DROP_ABOUT})")
        lines.append("")
        shown = result.would_drop[:MARKDOWN_WOULD_DROP_MAX]
        lines.extend(f"- {_code(f.summary, MARKDOWN_CELL_MAX)}" + (f" (from {_code(f.origin)})" if f.origin else "") for f in shown)
        if len(result.would_drop) > len(shown):
            lines.append(f"- _{len(result.would_drop) - len(shown)} more; `vtepc diff --format json` lists every one_")
        lines.append("")
    if result.follow_ups:
        lines.append("**Follow-up**")
        lines.append("")
        for f in result.follow_ups:
            command = f": `{f.command}`" if f.command else ""
            lines.append(f"{f.step}. `{f.target}`: {f.action}{command} ({f.reason})")
        lines.append("")
    lines.extend(f"_note: {note}._" for note in _notes(result))
    return "\n".join(lines) + ("\n" if lines else "")


def format_markdown(result: DiffResult, *, limit: int = GITHUB_COMMENT_LIMIT) -> str:
    """Sections share what the header and follow-ups leave (those two grow with the number of
    targets, never with the number of changes, so they always fit a comment).

    Shares are handed out smallest section first, so what a small section does not use goes
    to the big ones; the sections still appear in target order.
    """
    header, footer = _markdown_header(result), _markdown_footer(result)
    sections = [t for t in result.targets if t.changes]
    remaining = limit - len(header) - len(footer)
    rendered: dict[int, str] = {}
    by_size = sorted(range(len(sections)), key=lambda i: len(sections[i].changes))
    for handed, index in enumerate(by_size):
        rendered[index] = _section(sections[index], remaining // (len(sections) - handed))
        remaining -= len(rendered[index])
    return header + "".join(rendered[i] for i in range(len(sections))) + footer


# ---- json -------------------------------------------------------------------------------


def _change_json(change: Change) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "target": change.target,
        "action": change.action.value,
        "kind": change.kind,
        "name": change.name,
        "field": change.field,
        "origin": change.origin,
        "drift": change.origin == DRIFT_ORIGIN,
    }
    # A side that has no such object or key is left out, so it differs from a null value.
    if change.before is not ABSENT:
        doc["before"] = change.before
    if change.after is not ABSENT:
        doc["after"] = change.after
    return doc


def _json_document(
    *, complete: bool, targets: list[dict[str, Any]], changes: list[dict[str, Any]], follow_ups: list[dict[str, Any]], extra: dict[str, Any]
) -> str:
    doc = {
        "format_version": JSON_FORMAT_VERSION,
        "complete": complete,
        "targets": targets,
        "changes": changes,
        "follow_ups": follow_ups,
        **extra,
    }
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def format_json(result: DiffResult) -> str:
    targets = [
        {
            "target": t.target,
            "objects_compared": t.objects_compared,
            **{_VERBS[action]: t.count(action) for action in Action},
        }
        for t in result.targets
    ]
    follow_ups = [
        {"step": f.step, "target": f.target, "action": f.action, "command": f.command, "reason": f.reason} for f in result.follow_ups
    ]
    return _json_document(
        complete=True,
        targets=targets,
        changes=[_change_json(c) for c in result.changes],
        follow_ups=follow_ups,
        extra={
            "ignored": result.ignored,
            "masked": result.masked,
            "notes": list(result.notes),
            "has_changes": result.has_changes,
            "would_drop": [{"summary": f.summary, "origin": f.origin, "nodes": list(f.nodes)} for f in result.would_drop],
        },
    )


def format_json_error(message: str) -> str:
    """What a JSON consumer gets when the diff could not be made: complete false, no changes."""
    return _json_document(complete=False, targets=[], changes=[], follow_ups=[], extra={"error": message})
