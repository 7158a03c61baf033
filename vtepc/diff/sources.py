"""The topology at another git revision (`vtepc diff --against-ref REF`): desired vs desired.

For pull requests: the same file, at REF, read with `git show REF:<path from the repo root>`;
no device is contacted. Its desired state plays the part of the observed side.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from ..diagnostics import TopologyInvalid, VtepcError
from ..state import DesiredState, compile_desired_state
from ..validate import validate_text


class GitRefError(VtepcError):
    """The topology cannot be read at the requested git revision."""


def _git(args: list[str], cwd: Path, ref: str) -> bytes:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    except FileNotFoundError:
        raise GitRefError("git is not installed; --against-ref needs it") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitRefError(f"--against-ref {ref}: git {' '.join(args)}: {message[0] if message else f'exit {done.returncode}'}")
    return done.stdout


def topology_at_ref(path: str | Path, ref: str) -> tuple[bytes, str]:
    """(the file's bytes at `ref`, a label "REF:path" for diagnostics)."""
    if not ref or ref.startswith("-"):
        raise GitRefError(f"invalid git revision {ref!r}")
    file = Path(path).resolve()
    root = Path(_git(["rev-parse", "--show-toplevel"], file.parent, ref).decode().strip())
    try:
        relative = file.relative_to(root).as_posix()
    except ValueError:
        raise GitRefError(f"--against-ref {ref}: {path} is outside the git repository at {root}") from None
    spec = f"{ref}:{relative}"
    return _git(["show", spec], root, ref), spec


def desired_state_at_ref(path: str | Path, ref: str) -> DesiredState:
    """The desired state of the topology file as it was at `ref`; TopologyInvalid if it was invalid then."""
    source, label = topology_at_ref(path, ref)
    report = validate_text(source, label)
    if not report.ok or report.topology is None:
        raise TopologyInvalid(report.diagnostics)
    return compile_desired_state(report.topology)
