"""Build: the output tree as data, and the one function that writes it to disk safely.

The tree is computed in memory first ({relative path: text}); vtepc.outdir writes it beside
DIR and swaps it in, so an interrupted or failed build leaves DIR as it was, and files the
topology no longer produces disappear with the old tree. DIR must be empty or hold only what
the previous build's manifest lists (see vtepc.outdir for the contract).
"""

from __future__ import annotations

import difflib
import hashlib
import json
from dataclasses import dataclass
from typing import Any
from pathlib import Path

from . import __version__
from .outdir import OutputDirError, TreeIndex, replace_tree  # noqa: F401 (OutputDirError: what write_tree raises)

MANIFEST = "vtepc-manifest.json"
MANIFEST_FORMAT_VERSION = 1


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


def read_tree(out_dir: Path) -> dict[str, str]:
    """Every regular file under out_dir as {posix relative path: text}."""
    tree: dict[str, str] = {}
    if not out_dir.is_dir():
        return tree
    for file in sorted(out_dir.rglob("*")):
        if file.is_file():
            tree[file.relative_to(out_dir).as_posix()] = file.read_text(encoding="utf-8", errors="replace")
    return tree


def _manifest_listing(manifest: dict[str, Any]) -> dict[str, str]:
    if manifest["format_version"] != MANIFEST_FORMAT_VERSION:
        raise ValueError(f"format_version {manifest['format_version']!r}")
    return {artifact["path"]: artifact["sha256"] for artifact in manifest["artifacts"]}


BUILD_INDEX = TreeIndex(MANIFEST, _manifest_listing)


def write_tree(out_dir: Path, artifacts: dict[str, str], force: bool = False) -> None:
    """Write artifacts (with their manifest) as the complete content of out_dir, in one swap.

    Raises OutputDirError, leaving out_dir as it was, when out_dir holds anything the previous
    manifest does not list, or (unless force) a listed file edited since: vtepc.outdir.
    """
    replace_tree(out_dir, artifacts, BUILD_INDEX, force=force)


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


KUSTOMIZATION = "kubernetes/kustomization.yaml"


def manifest_stream(artifacts: dict[str, str]) -> str:
    """The resources kubernetes/kustomization.yaml lists, in its order, as one multi-document stream.

    The kustomization is the one list of what is applied, so Argo CD (this stream), Flux and
    `kubectl apply -k` (the rendered directory) deploy the same objects; files beside it
    that are not Kubernetes objects (Helm values) stay out.
    """
    from ruamel.yaml import YAML

    from .diagnostics import VtepcError

    if KUSTOMIZATION not in artifacts:
        raise VtepcError(f"the build produced no {KUSTOMIZATION}: this topology has no Kubernetes manifests")
    kustomization = YAML(typ="safe", pure=True).load(artifacts[KUSTOMIZATION]) or {}
    documents = []
    for resource in kustomization.get("resources") or []:
        path = f"kubernetes/{resource}"
        if path not in artifacts:
            raise VtepcError(f"{KUSTOMIZATION} lists {resource}, which the build did not produce")
        text = artifacts[path]
        text = text[4:] if text.startswith("---\n") else text
        documents.append(text if text.endswith("\n") else text + "\n")
    return "---\n".join(documents)
