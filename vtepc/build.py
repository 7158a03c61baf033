"""Build: the output tree as data, and the one function that writes it to disk safely.

The tree is computed in memory first ({relative path: text}); writing goes to a temporary
directory beside DIR that is then swapped in, so an interrupted or failed build leaves DIR
as it was, and files the topology no longer produces disappear with the old tree.
"""
from __future__ import annotations

import difflib
import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from . import __version__
from .diagnostics import VtepcError

MANIFEST = "vtepc-manifest.json"
MANIFEST_FORMAT_VERSION = 1


class OutputDirError(VtepcError):
    """The output directory cannot be used (not a vtepc tree, not a directory, ...)."""


def sha256_hex(data: bytes | str) -> str:
    if isinstance(data, str):
        data = data.encode("utf-8")
    return hashlib.sha256(data).hexdigest()


def with_manifest(artifacts: dict[str, str], source: bytes) -> dict[str, str]:
    """Add vtepc-manifest.json: version, input sha256, and every artifact's sha256."""
    manifest = {
        "format_version": MANIFEST_FORMAT_VERSION,
        "vtepc_version": __version__,
        "input_sha256": sha256_hex(source),
        "artifacts": [{"path": path, "sha256": sha256_hex(text)} for path, text in sorted(artifacts.items())],
    }
    out = dict(artifacts)
    out[MANIFEST] = json.dumps(manifest, indent=2, sort_keys=True) + "\n"
    return dict(sorted(out.items()))


def _safe_relative(path: str) -> Path:
    rel = Path(path)
    if rel.is_absolute() or ".." in rel.parts or not rel.parts:
        raise OutputDirError(f"refusing to write artifact outside the output directory: {path!r}")
    return rel


def read_tree(out_dir: Path) -> dict[str, str]:
    """Every regular file under out_dir as {posix relative path: text}."""
    tree: dict[str, str] = {}
    if not out_dir.is_dir():
        return tree
    for file in sorted(out_dir.rglob("*")):
        if file.is_file():
            tree[file.relative_to(out_dir).as_posix()] = file.read_text(encoding="utf-8", errors="replace")
    return tree


def _check_target(out_dir: Path) -> None:
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputDirError(f"{out_dir} exists and is not a directory")
    if out_dir.is_dir() and any(out_dir.iterdir()) and not (out_dir / MANIFEST).is_file():
        raise OutputDirError(
            f"{out_dir} is not empty and holds no {MANIFEST}: refusing to replace a directory vtepc did not write"
        )


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux renameat2 RENAME_EXCHANGE); False when unsupported."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    return result == 0


def write_tree(out_dir: Path, artifacts: dict[str, str]) -> None:
    """Write artifacts as the complete content of out_dir, replacing it in one swap."""
    out_dir = Path(out_dir)
    _check_target(out_dir)
    parent = out_dir.resolve().parent
    parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.vtepc-", dir=parent))
    try:
        for path, text in artifacts.items():
            target = staging / _safe_relative(path)
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(target, "w", encoding="utf-8", newline="\n") as fh:
                fh.write(text)
        staging.chmod(0o755)
        if out_dir.exists():
            if not _exchange(staging, out_dir):
                old = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.vtepc-old-", dir=parent))
                os.rename(out_dir, old / "tree")
                os.rename(staging, out_dir)
                staging = old
        else:
            os.rename(staging, out_dir)
            return
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    # After a swap, `staging` holds the previous tree.
    shutil.rmtree(staging, ignore_errors=True)


@dataclass(frozen=True)
class TreeDifference:
    added: list[str]
    removed: list[str]
    changed: list[str]
    diff: str

    @property
    def stale(self) -> bool:
        return bool(self.added or self.removed or self.changed)


def compare_tree(out_dir: Path, artifacts: dict[str, str], max_lines: int = 200) -> TreeDifference:
    """What `build` would change in out_dir, with a unified diff cut at max_lines."""
    current = read_tree(Path(out_dir))
    added = sorted(set(artifacts) - set(current))
    removed = sorted(set(current) - set(artifacts))
    changed = sorted(p for p in set(artifacts) & set(current) if artifacts[p] != current[p])
    lines: list[str] = []
    for path in sorted(added + removed + changed):
        before = current.get(path, "").splitlines(keepends=True)
        after = artifacts.get(path, "").splitlines(keepends=True)
        lines.extend(difflib.unified_diff(before, after, f"a/{path}", f"b/{path}"))
    if len(lines) > max_lines:
        lines = lines[:max_lines] + [f"... ({len(lines) - max_lines} more diff lines)\n"]
    diff = "".join(line if line.endswith("\n") else line + "\n" for line in lines)
    return TreeDifference(added, removed, changed, diff)
