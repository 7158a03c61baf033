#!/usr/bin/env python3
"""The steps of the vtepc GitHub Action (action.yml), as a script a test can run the same way.

    action_steps.py check     validate (annotations), build --check, diff, graph -> comment body
    action_steps.py comment   create or update the one sticky PR comment with that body

Inputs come from environment variables (action.yml maps its inputs onto them), never from
`${{ }}` expansion inside a shell script, so a crafted path or ref cannot inject commands.
The comment is keyed by a hidden HTML marker and kept under GitHub's 65,536-character limit
with open code fences and <details> blocks closed where it is cut.
"""

from __future__ import annotations

import glob
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vtepc import api
from vtepc.cli.output import format_github, format_text, summary
from vtepc.diagnostics import TopologyInvalid, VtepcError
from vtepc.diff import format_markdown
from vtepc.state.bgp import session_table

GITHUB_COMMENT_LIMIT = 65536
# Room left under the limit for the truncation notices themselves.
COMMENT_BUDGET = GITHUB_COMMENT_LIMIT - 1536
MAX_PROBLEM_ROWS = 50


def comment_marker(key: str) -> str:
    return f"<!-- vtepc-comment:{key} -->"


def utf16_length(text: str) -> int:
    """GitHub counts the limit in UTF-16 code units; an emoji counts twice."""
    return len(text.encode("utf-16-le")) // 2


_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")


def truncate_markdown(text: str, limit: int) -> str:
    """Cut text at a line boundary to at most `limit` UTF-16 units, closing what the cut leaves open."""
    if utf16_length(text) <= limit:
        return text
    lines = text.splitlines(keepends=True)
    kept: list[str] = []
    used = 0
    fence: str | None = None
    details = 0
    reserve = 200  # closing fence, </details> tags and the notice
    for line in lines:
        size = utf16_length(line)
        if used + size > limit - reserve - 14 * details:
            break
        kept.append(line)
        used += size
        match = _FENCE.match(line)
        if match:
            marker = match.group(1)
            if fence is None:
                fence = marker
            elif marker[0] == fence[0] and len(marker) >= len(fence) and not line.strip()[len(marker) :].strip():
                fence = None
        elif fence is None:
            details += line.count("<details") - line.count("</details>")
    hidden = len(lines) - len(kept)
    if kept and not kept[-1].endswith("\n"):
        kept.append("\n")
    if fence is not None:
        kept.append(fence + "\n")
    kept.extend("</details>\n" for _ in range(max(0, details)))
    kept.append(f"\n_... truncated: {hidden} more lines are in the job log._\n")
    return "".join(kept)


@dataclass
class TopologyResult:
    path: str
    valid: bool = True
    problems: list[dict[str, Any]] = field(default_factory=list)
    check: str = "skipped"  # up to date | stale | skipped | not run
    check_diff: str = ""
    diffs: list[tuple[str, str]] = field(default_factory=list)  # (title, markdown)
    changes: bool = False
    new: bool = False  # not in the base revision: the pull request adds it
    graph: str = ""
    graph_marked: int = 0  # nodes outlined as changed since the base
    failed: bool = False
    sessions: list[dict[str, Any]] = field(default_factory=list)  # validate's BGP session table (routing: native)


def _run(args: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True)


def _annotation(level: str, message: str, file: str = "", title: str = "") -> str:
    props = ",".join(p for p in (f"file={file}" if file else "", f"title={title}" if title else "") if p)
    body = message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return f"::{level} {props}::{body}" if props else f"::{level}::{body}"


def new_in_revision(path: str, ref: str) -> bool:
    """True when `ref` is in the repository but does not have this file (a pull request adding it).

    An unknown `ref` (a shallow clone without the base commit) is not "new": `vtepc diff` then
    fails with git's own message, which says to fetch it.
    """

    def exists(spec: str) -> bool:
        return _run(["git", "cat-file", "-e", spec]).returncode == 0

    # `REF:./path` is the path relative to the working directory, as the runner passes it.
    if ref.startswith("-"):  # never an option to git; vtepc diff rejects it with a message
        return False
    return exists(f"{ref}^{{commit}}") and not exists(f"{ref}:./{path}")


def _problem_text(exc: Exception, path: str) -> str:
    """What `vtepc` prints on stderr for a failed command: every diagnostic and a summary for an
    invalid topology, else one line."""
    if isinstance(exc, TopologyInvalid):
        file = exc.diagnostics[0].file if exc.diagnostics else path
        return f"{format_text(exc.diagnostics)}\nerror: {file}: invalid: {summary(exc.diagnostics)}"
    return f"error: {exc}"


def check_topology(path: str, output_dir: str, snapshot_dir: str, base_ref: str, with_diff: bool) -> TopologyResult:
    """Run every step for one topology; annotations go to stdout, where the runner picks them up."""
    result = TopologyResult(path)
    report = api.validate(path)
    if report.diagnostics:
        print(format_github(report.diagnostics), flush=True)
    result.problems = [d.to_json() for d in report.diagnostics]
    if report.topology is not None:
        result.sessions = [row.to_json() for row in session_table(report.topology)]
    result.valid = report.ok
    result.failed = not result.valid
    if not result.valid:
        result.check = "not run" if output_dir else "skipped"
        return result
    if output_dir:
        try:
            artifacts, _ = api.build(path)
            checked = api.check_output(Path(output_dir), artifacts, path)
        except (VtepcError, OSError) as exc:
            result.check, result.failed = "stale", True
            print(_annotation("error", f"{_problem_text(exc, path)}; nothing written", output_dir, "vtepc build --check"), flush=True)
        else:
            if checked.stale:
                result.check, result.check_diff, result.failed = "stale", checked.difference.diff, True
                print(_annotation("error", checked.message, output_dir, "vtepc build --check"), flush=True)
            else:
                result.check = "up to date"
    if with_diff:
        sources: list[tuple[str, api.Source]] = [(f"against {base_ref}", api.GitRefSource(base_ref))] if base_ref else []
        if snapshot_dir:
            sources.append((f"against the snapshot {snapshot_dir}", api.SnapshotSource(Path(snapshot_dir))))
        for title, source in sources:
            if isinstance(source, api.GitRefSource) and new_in_revision(path, base_ref):
                result.changes = True
                result.new = True
                result.diffs.append((title, f"`{path}` is new in this pull request (not in the base revision): every artifact is new.\n"))
                continue
            try:
                diff = api.diff(path, source)
            except (VtepcError, OSError) as exc:
                result.failed = True
                print(_annotation("error", f"vtepc diff {title} failed: {_problem_text(exc, path)}", path), flush=True)
                result.diffs.append((title, f"vtepc diff failed:\n\n```\n{_problem_text(exc, path)}\n```\n"))
            else:
                result.changes = result.changes or diff.has_changes
                result.diffs.append((title, format_markdown(diff) or "No changes.\n"))
    result.graph = _graph(path)
    if result.graph and base_ref and not result.new:
        result.graph, result.graph_marked = mark_changed_nodes(result.graph, _graph_at(path, base_ref))
    return result


def _graph(path: str) -> str:
    """The Mermaid graph of a topology; "" when it cannot be drawn."""
    try:
        return api.graph(path, "mermaid")
    except (VtepcError, OSError):
        return ""


def _graph_at(path: str, ref: str) -> str:
    """The Mermaid graph of the topology as it was at `ref`; "" when it cannot be drawn."""
    if ref.startswith("-"):
        return ""
    source = subprocess.run(["git", "show", f"{ref}:./{path}"], capture_output=True)
    if source.returncode != 0:
        return ""
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / Path(path).name
        base.write_bytes(source.stdout)
        return _graph(str(base))


# A Mermaid node or subgraph as `vtepc graph` writes it: id["title<br/>detail<br/>..."].
_MERMAID_NODE = re.compile(r'^\s*(?:subgraph\s+)?(\w+)\["([^"]*)"\]', re.M)
CHANGED_CLASS = "classDef vtepcChanged stroke:#d97706,stroke-width:4px"


def mark_changed_nodes(head: str, base: str) -> tuple[str, int]:
    """Outline what the pull request changed: nodes whose label differs from the base's node with
    the same title (ids are positions, so a removed node would shift them), and new nodes."""
    if not base:
        return head, 0
    base_labels = {label.split("<br/>", 1)[0]: label for _, label in _MERMAID_NODE.findall(base)}
    changed = [node_id for node_id, label in _MERMAID_NODE.findall(head) if base_labels.get(label.split("<br/>", 1)[0]) != label]
    if not changed:
        return head, 0
    return head + f"  {CHANGED_CLASS}\n  class {','.join(changed)} vtepcChanged\n", len(changed)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _problem_table(problems: list[dict[str, Any]]) -> str:
    rows = ["| line | code | severity | message | hint |", "|---:|---|---|---|---|"]
    for problem in problems[:MAX_PROBLEM_ROWS]:
        rows.append(
            f"| {problem['line']} | `{problem['code']}` | {problem['severity']} | {_cell(problem['message'])} "
            f"| {_cell(problem.get('hint') or '')} |"
        )
    if len(problems) > MAX_PROBLEM_ROWS:
        rows.append(f"| | | | ... {len(problems) - MAX_PROBLEM_ROWS} more in the job log | |")
    return "\n".join(rows) + "\n"


def _session_table(sessions: list[dict[str, Any]]) -> str:
    """The BGP session table (one row per node-peer pair), folded: open when a session is not matched."""
    counts: dict[str, int] = {}
    for s in sessions:
        counts[s["status"]] = counts.get(s["status"], 0) + 1
    summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    rows = ["| peer | peer address | peer ASN | node | node address | node ASN | status |", "|---|---|---:|---|---|---:|---|"]
    for s in sessions[:MAX_PROBLEM_ROWS]:
        status = s["status"] + (f": {_cell(s['detail'])}" if s.get("detail") else "")
        rows.append(
            f"| {_cell(s['peer'])} | {s['peer_address']} | {s['peer_asn']} | {_cell(s['node']) or '(no node)'} "
            f"| {s['node_address']} | {s['node_asn']} | {status} |"
        )
    if len(sessions) > MAX_PROBLEM_ROWS:
        rows.append(f"| | | | ... {len(sessions) - MAX_PROBLEM_ROWS} more: `vtepc validate --format json` | | | |")
    opened = " open" if set(counts) - {"matched"} else ""
    return f"\n<details{opened}><summary>BGP sessions ({summary})</summary>\n\n" + "\n".join(rows) + "\n\n</details>\n"


def comment_body(results: list[TopologyResult], key: str, limit: int = COMMENT_BUDGET) -> str:
    """The sticky comment: marker, summary table, then per topology problems, graph and diffs.

    The fixed parts come first; the diffs share what is left of the budget, each cut on its
    own so one huge diff cannot push the other topologies out of the comment.
    """
    failed = any(r.failed for r in results)
    head = [
        comment_marker(key),
        f"## vtepc: {'checks failed' if failed else 'checks passed'}",
        "",
        "| topology | validate | rendered output | changes |",
        "|---|---|---|---|",
    ]
    for r in results:
        errors = sum(1 for p in r.problems if p["severity"] == "error")
        validate = f"{errors} error(s), {len(r.problems) - errors} warning(s)" if r.problems else "ok"
        changes = "new topology" if r.new else "yes" if r.changes else ("no" if r.diffs else "n/a")
        head.append(f"| `{r.path}` | {validate} | {r.check} | {changes} |")
    fixed: list[str] = ["\n".join(head) + "\n"]
    variable: list[tuple[int, str]] = []  # (position in parts, markdown to cut to its share)
    for r in results:
        fixed.append(f"\n### `{r.path}`\n")
        if r.problems:
            fixed.append("\n" + _problem_table(r.problems))
        if r.sessions:
            fixed.append(_session_table(r.sessions))
        if r.graph:
            legend = f" ({r.graph_marked} outlined: changed by this pull request)" if r.graph_marked else ""
            fixed.append(f"\n<details open><summary>topology graph{legend}</summary>\n\n```mermaid\n{r.graph}```\n\n</details>\n")
        if r.check_diff:
            variable.append(
                (len(fixed), f"\n<details><summary>rendered output is stale</summary>\n\n```diff\n{r.check_diff}```\n\n</details>\n")
            )
            fixed.append("")
        for title, markdown in r.diffs:
            variable.append((len(fixed), f"\n#### changes {title}\n\n{markdown}"))
            fixed.append("")
    remaining = limit - utf16_length("".join(fixed))
    if variable:
        share = max(remaining // len(variable), 0)
        for position, markdown in variable:
            fixed[position] = truncate_markdown(markdown, share)
    return truncate_markdown("".join(fixed), limit)


def _topologies(spec: str) -> list[str]:
    """Paths separated by whitespace or newlines; globs expand, sorted."""
    paths: list[str] = []
    for item in shlex.split(spec):
        matches = sorted(glob.glob(item)) if glob.has_magic(item) else [item]
        paths.extend(m for m in matches if m not in paths)
    return paths


def topology_name(topology: str) -> str:
    """`{name}` in output-dir: the file name without `.yaml`/`.yml` and without a `.vtepc` before it.

    network/prod.vtepc.yaml -> prod, network/prod.yaml -> prod, vtepc-topology.yaml -> vtepc-topology:
    the `rendered/prod` that the docs, the pre-commit example and the Argo CD/Flux manifests use.
    """
    name = Path(topology).name
    for suffix in (".yaml", ".yml"):
        name = name.removesuffix(suffix)
    return name.removesuffix(".vtepc") or name


def _output_dir(template: str, topology: str, many: bool) -> str:
    if not template:
        return ""
    if "{name}" in template:
        return template.replace("{name}", topology_name(topology))
    if many:
        raise SystemExit("output-dir must contain {name} when several topologies are checked")
    return template


def _set_output(name: str, value: str) -> None:
    output = os.environ.get("GITHUB_OUTPUT")
    if output:
        with open(output, "a", encoding="utf-8") as fh:
            fh.write(f"{name}={value}\n")


def step_check() -> int:
    env = os.environ
    topologies = _topologies(env.get("VTEPC_TOPOLOGY", ""))
    if not topologies:
        print(_annotation("error", "no topology file matched the topology input"))
        return 1
    base_ref = env.get("VTEPC_BASE_REF", "")
    snapshot_dir = env.get("VTEPC_SNAPSHOT_DIR", "")
    with_diff = bool(base_ref or snapshot_dir)
    output_dirs = [_output_dir(env.get("VTEPC_OUTPUT_DIR", ""), t, len(topologies) > 1) for t in topologies]
    taken: dict[str, str] = {}
    for topology, output_dir in zip(topologies, output_dirs):
        if output_dir and taken.setdefault(output_dir, topology) != topology:
            print(_annotation("error", f"{taken[output_dir]} and {topology} would both be checked against {output_dir}", topology))
            return 1
    results = [check_topology(t, output_dir, snapshot_dir, base_ref, with_diff) for t, output_dir in zip(topologies, output_dirs)]
    body = comment_body(results, env.get("VTEPC_COMMENT_KEY") or "vtepc")
    body_file = Path(env.get("VTEPC_BODY_FILE") or "vtepc-comment.md")
    body_file.write_text(body, encoding="utf-8")
    summary = env.get("GITHUB_STEP_SUMMARY")
    if summary:
        with open(summary, "a", encoding="utf-8") as fh:
            fh.write(body)
    failed = any(r.failed for r in results)
    _set_output("failed", "true" if failed else "false")
    _set_output("changes", "true" if any(r.changes for r in results) else "false")
    return 1 if failed else 0


class CommentRefused(Exception):
    """The token may not write comments: a pull request from a fork gets a read-only GITHUB_TOKEN."""


def _gh(*args: str) -> str:
    done = subprocess.run(["gh", "api", *args], capture_output=True, text=True)
    if done.returncode != 0:
        # `gh api` ends its message with the status, e.g. "Resource not accessible by integration (HTTP 403)".
        if re.search(r"\(HTTP 40[13]\)", done.stderr):
            raise CommentRefused(done.stderr.strip())
        raise SystemExit(f"gh api {' '.join(args[:3])} failed: {done.stderr.strip()}")
    return done.stdout


def step_comment() -> int:
    """Create the PR comment, or update the one that carries this key's marker.

    A token that may not comment (fork pull requests get a read-only one) is not a failure of
    the checks: a warning says so, the job summary still holds the comment, and the job's
    status is the check step's.
    """
    env = os.environ
    body_file = Path(env.get("VTEPC_BODY_FILE") or "vtepc-comment.md")
    if not body_file.is_file():
        print("no comment body: the check step did not get that far", file=sys.stderr)
        return 0
    repository, number = env["GITHUB_REPOSITORY"], env["VTEPC_PR_NUMBER"]
    marker = comment_marker(env.get("VTEPC_COMMENT_KEY") or "vtepc")
    try:
        existing = _gh(
            "--paginate",
            f"repos/{repository}/issues/{number}/comments",
            "--jq",
            f".[] | select(.body | startswith({json.dumps(marker)})) | .id",
        ).split()
        if existing:
            _gh("--method", "PATCH", f"repos/{repository}/issues/comments/{existing[0]}", "-F", f"body=@{body_file}")
            print(f"updated comment {existing[0]}", file=sys.stderr)
        else:
            _gh("--method", "POST", f"repos/{repository}/issues/{number}/comments", "-F", f"body=@{body_file}")
            print("created comment", file=sys.stderr)
    except CommentRefused as exc:
        print(
            _annotation(
                "warning",
                f"vtepc could not post the pull request comment ({exc}); the token is read-only, as on pull "
                "requests from forks. The same text is in the job summary.",
                title="vtepc comment",
            ),
            flush=True,
        )
    return 0


STEPS = {"check": step_check, "comment": step_comment}

if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in STEPS:
        raise SystemExit(f"usage: {sys.argv[0]} {{{'|'.join(STEPS)}}}")
    sys.exit(STEPS[sys.argv[1]]())
