"""Recorded state: what the live readers saw, as JSON files a CI job can diff against offline.

Layout of a snapshot directory (every file: sorted keys, two-space indent, trailing newline,
no timestamps, so recording the same state twice gives identical bytes and a committed
snapshot only changes when the state does):

    DIR/vtepc-snapshot.json      {"format_version", "topology", "targets": [file, ...], "unread_kinds"}
    DIR/bigip/<name>.json        {"format_version", "target": "bigip/<name>", "state": BigipState.to_jsonable()}
    DIR/cluster.json             {"format_version", "target": "cluster/<name>", "state": ClusterState.to_jsonable()}

Secrets are stripped before writing: any value under a key that looks like a password, token,
secret or key (vtepc.secrets.is_secret_key) becomes "(stripped)", and so does every
secret-looking part of a string or argument list (vtepc.secrets: `--*password*=` arguments,
the argument after a secret flag, `Authorization:` headers, URL user:password). The readers keep no credentials in state; this is the second line of defence.

    write_snapshot(observed, DIR, topology_name)   # refuses an incomplete ObservedState
    read_snapshot(DIR) -> ObservedState
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from .diagnostics import VtepcError
from .live import ObservedState
from .outdir import TreeIndex, replace_tree
from .secrets import scrub_value

FORMAT_VERSION = 1
INDEX = "vtepc-snapshot.json"
STRIPPED = "(stripped)"
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


class SnapshotError(VtepcError):
    """A snapshot cannot be written or read."""


def strip_secrets(value: Any) -> Any:
    """Free-form data (Helm values, AS3 declarations, annotations, arguments) with secret-looking values replaced."""
    return scrub_value(value, STRIPPED)


def _strip_state(state: dict[str, Any]) -> dict[str, Any]:
    """A state's JSON with secrets stripped from its objects' free-form fields.

    The objects' own field names are vtepc's schema, not data: `credentials_secret` names a
    Secret and is kept, while a `password` key inside Helm values is stripped.
    """
    stripped = dict(state)
    for key in ("objects", "nodes"):
        if key in state:
            stripped[key] = [{name: strip_secrets(value) for name, value in obj.items()} for obj in state[key]]
    if state.get("as3"):
        stripped["as3"] = strip_secrets(state["as3"])
    return stripped


def _dumps(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def snapshot_files(observed: ObservedState, topology_name: str) -> dict[str, str]:
    """{relative path: text} of the snapshot of `observed`."""
    if not observed.complete:
        raise SnapshotError(f"not recording an incomplete state ({len(observed.errors)} target(s) unread): {observed.errors[0]}")
    files: dict[str, str] = {}
    for name, state in observed.bigips.items():
        if not _SAFE_NAME.fullmatch(name):
            raise SnapshotError(f"BIG-IP name {name!r} cannot be a file name")
        files[f"bigip/{name}.json"] = _dumps(
            {"format_version": FORMAT_VERSION, "target": f"bigip/{name}", "state": _strip_state(state.to_jsonable())}
        )
    if observed.cluster is not None:
        files["cluster.json"] = _dumps(
            {
                "format_version": FORMAT_VERSION,
                "target": f"cluster/{observed.cluster.name}",
                "state": _strip_state(observed.cluster.to_jsonable()),
            }
        )
    files[INDEX] = _dumps(
        {
            "format_version": FORMAT_VERSION,
            "topology": topology_name,
            "targets": list(files),
            "unread_kinds": dict(observed.unread_kinds),
        }
    )
    return files


def _snapshot_listing(index: dict[str, Any]) -> dict[str, None]:
    targets = index["targets"]
    if not isinstance(targets, list):
        raise TypeError("targets is not a list")
    return {path: None for path in targets}


SNAPSHOT_INDEX = TreeIndex(INDEX, _snapshot_listing)


def write_snapshot(observed: ObservedState, directory: Path, topology_name: str) -> list[str]:
    """Write the snapshot as the complete content of DIR, in one swap; returns the files written.

    DIR must be missing, empty, or hold only the files of an earlier snapshot (its index lists
    them); anything else raises OutputDirError and leaves DIR as it was (vtepc.outdir). A
    re-recording replaces the earlier snapshot's files whatever they hold now.
    """
    files = snapshot_files(observed, topology_name)
    replace_tree(Path(directory), files, SNAPSHOT_INDEX)
    return sorted(files)


def _load(path: Path) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SnapshotError(f"{path}: cannot be read ({exc.strerror})") from None
    except ValueError as exc:
        raise SnapshotError(f"{path}: not valid JSON (line {getattr(exc, 'lineno', '?')})") from None
    except RecursionError:
        raise SnapshotError(f"{path}: JSON nested too deeply") from None
    if not isinstance(document, dict):
        raise SnapshotError(f"{path}: not a JSON object")
    version = document.get("format_version")
    if version != FORMAT_VERSION:
        raise SnapshotError(f"{path}: format_version {version!r} is not supported (this vtepc reads {FORMAT_VERSION})")
    return document


def read_snapshot(directory: Path) -> ObservedState:
    """The ObservedState recorded in DIR by `vtepc snapshot`."""
    from .state.bigip import BigipState
    from .state.cluster import ClusterState

    directory = Path(directory)
    index = _load(directory / INDEX)
    targets, unread = index.get("targets", []), index.get("unread_kinds") or {}
    if not isinstance(targets, list) or not all(isinstance(t, str) for t in targets):
        raise SnapshotError(f"{directory / INDEX}: targets is not a list of file names")
    if not isinstance(unread, dict):
        raise SnapshotError(f"{directory / INDEX}: unread_kinds is not a mapping")
    bigips: dict[str, Any] = {}
    cluster = None
    for relative in targets:
        if relative == INDEX:
            continue
        path = directory / relative
        if ".." in Path(relative).parts or Path(relative).is_absolute():
            raise SnapshotError(f"{directory / INDEX}: target path {relative!r} leaves the snapshot directory")
        document = _load(path)
        kind, _, name = str(document.get("target", "")).partition("/")
        try:
            if kind == "bigip":
                bigips[name] = BigipState.from_jsonable(document["state"])
            elif kind == "cluster":
                cluster = ClusterState.from_jsonable(document["state"])
            else:
                raise SnapshotError(f"{path}: unknown target {document.get('target')!r}")
        except (KeyError, TypeError, ValueError, AttributeError, RecursionError) as exc:
            raise SnapshotError(f"{path}: state does not have the recorded shape ({_reason(exc)})") from None
    return ObservedState(bigips, cluster, {str(k): str(v) for k, v in unread.items()})


def _reason(exc: Exception) -> str:
    """Why a recorded state did not load, on one line and short (the file may hold anything)."""
    text = " ".join(f"{type(exc).__name__}: {exc}".split())
    return text if len(text) <= 160 else text[:157] + "..."
