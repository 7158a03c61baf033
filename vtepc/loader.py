"""YAML -> plain Python data plus the file/line/column of every key and value.

Built on ruamel.yaml's libyaml-backed composer (ruamel.yaml.clib): it yields the node
graph with marks at C speed, and this module constructs the values itself. Owning the
construction step is what lets us
  * resolve scalars by the YAML 1.2 core schema (so `00:50:56:86:60:28` stays a string,
    never a YAML 1.1 base-60 integer, and `no`/`on` stay strings),
  * report every duplicate key instead of silently keeping the last,
  * bound alias expansion (billion-laughs) by counting expanded nodes.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import Any

from .diagnostics import (
    ALIAS_BOMB,
    DUPLICATE_KEY,
    EMPTY_DOCUMENT,
    MULTIPLE_DOCUMENTS,
    NOT_A_MAPPING,
    NOT_UTF8,
    UNREADABLE,
    UNSUPPORTED_YAML,
    YAML_SYNTAX,
    Diagnostic,
    Path,
    Position,
    TopologyInvalid,
)

# Nodes reached through aliases beyond this are refused: a real topology uses a handful.
MAX_ALIAS_EXPANDED_NODES = 100_000
MAX_DEPTH = 64

_NULL = {"", "~", "null", "Null", "NULL"}
_TRUE = {"true", "True", "TRUE"}
_FALSE = {"false", "False", "FALSE"}
_INT = re.compile(r"[-+]?[0-9]+\Z")
_OCT = re.compile(r"0o[0-7]+\Z")
_HEX = re.compile(r"0x[0-9a-fA-F]+\Z")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?\Z")
_INF = {".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"}
_YAML_TAG_PREFIX = "tag:yaml.org,2002:"
_SCALAR_STARTS = frozenset("0123456789+-.~nNtTfF")
_MERGE_KEY = "<<"


@dataclass
class Document:
    """A loaded topology file: its data and where each value came from."""

    file: str
    data: Any
    text: str = ""
    # (line, column), 1-based; tuples rather than Position objects keep loading cheap
    value_positions: dict[Path, tuple[int, int]] = field(default_factory=dict)
    key_positions: dict[Path, tuple[int, int]] = field(default_factory=dict)

    def position(self, path: Path) -> Position | None:
        """Where the value at `path` starts, or its nearest ancestor that exists."""
        path = tuple(path)
        while True:
            pos = self.value_positions.get(path)
            if pos is not None:
                return Position(*pos)
            if not path:
                return None
            path = path[:-1]

    def key_position(self, path: Path) -> Position | None:
        """Where the key of the mapping entry at `path` stands (falls back to its value)."""
        pos = self.key_positions.get(tuple(path))
        return Position(*pos) if pos else self.position(path)


def resolve_plain_scalar(text: str) -> Any:
    """YAML 1.2 core schema resolution of a plain (unquoted) scalar."""
    if text and text[0] not in _SCALAR_STARTS:
        return text
    if text in _NULL:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    if _INT.match(text):
        return int(text, 10)
    if _HEX.match(text):
        return int(text[2:], 16)
    if _OCT.match(text):
        return int(text[2:], 8)
    if _FLOAT.match(text) and any(c.isdigit() for c in text):
        return float(text)
    if text in _INF:
        return float("inf")
    return text


class _Builder:
    def __init__(self, file: str):
        self.file = file
        self.diagnostics: list[Diagnostic] = []
        self.value_positions: dict[Path, tuple[int, int]] = {}
        self.key_positions: dict[Path, tuple[int, int]] = {}
        self._expanded = 0
        self._seen: set[int] = set()
        self._bomb = False

    def _diag(self, code: str, message: str, mark: Any, path: Path = ()) -> None:
        self.diagnostics.append(
            Diagnostic(code, message, path=path, file=self.file, position=_pos(mark))
        )

    def build(self, node: Any, path: Path, in_alias: bool = False, depth: int = 0) -> Any:
        if self._bomb:
            return None
        if depth > MAX_DEPTH:
            self._bomb = True
            self._diag(ALIAS_BOMB, f"nesting deeper than {MAX_DEPTH} levels", node.start_mark, path)
            return None
        node_id = id(node)
        if node_id in self._seen:
            in_alias = True
        else:
            self._seen.add(node_id)
        if in_alias:
            self._expanded += 1
            if self._expanded > MAX_ALIAS_EXPANDED_NODES:
                self._bomb = True
                self._diag(
                    ALIAS_BOMB,
                    f"aliases expand to more than {MAX_ALIAS_EXPANDED_NODES} nodes",
                    node.start_mark,
                    path,
                )
                return None
        mark = node.start_mark
        self.value_positions.setdefault(path, (mark.line + 1, mark.column + 1))
        node_type = node.id
        if node_type == "scalar":
            return self._scalar(node, path)
        if node_type == "sequence":
            return [self.build(child, path + (i,), in_alias, depth + 1) for i, child in enumerate(node.value)]
        return self._mapping(node, path, in_alias, depth)

    def _scalar(self, node: Any, path: Path) -> Any:
        # `ctag.suffix` rather than the `tag` property: the property formats a string per node.
        suffix = node.ctag.suffix if node.ctag is not None else None
        if suffix and not suffix.startswith(_YAML_TAG_PREFIX):
            self._diag(UNSUPPORTED_YAML, f"custom tag {suffix} is not supported", node.start_mark, path)
        if not node.style:  # '' marks a plain scalar
            return resolve_plain_scalar(node.value)
        return node.value

    def _mapping(self, node: Any, path: Path, in_alias: bool, depth: int) -> dict:
        out: dict[str, Any] = {}
        first_seen: dict[str, Any] = {}
        merged: list[Any] = []
        for key_node, value_node in node.value:
            if key_node.id != "scalar":
                self._diag(UNSUPPORTED_YAML, "complex (non-scalar) mapping keys are not supported", key_node.start_mark, path)
                continue
            key = key_node.value if key_node.style else resolve_plain_scalar(key_node.value)
            if key == _MERGE_KEY and not key_node.style:
                merged.append(value_node)
                continue
            key = "" if key is None else str(key) if not isinstance(key, str) else key
            if key in first_seen:
                first = first_seen[key]
                self._diag(
                    DUPLICATE_KEY,
                    f"duplicate key '{key}' (first defined at line {first.line + 1})",
                    key_node.start_mark,
                    path + (key,),
                )
                continue
            first_seen[key] = key_node.start_mark
            mark = key_node.start_mark
            self.key_positions[path + (key,)] = (mark.line + 1, mark.column + 1)
            out[key] = self.build(value_node, path + (key,), in_alias, depth + 1)
        for merge_node in merged:
            sources = merge_node.value if merge_node.id == "sequence" else [merge_node]
            for source in sources:
                if source.id != "mapping":
                    self._diag(UNSUPPORTED_YAML, "'<<' merges only mappings", source.start_mark, path)
                    continue
                merged_value = self._mapping(source, path, True, depth + 1)
                for key, value in merged_value.items():
                    out.setdefault(key, value)
        return out


def _pos(mark: Any) -> Position:
    return Position(mark.line + 1, mark.column + 1)


def _position_of_offset(raw: bytes, offset: int) -> Position:
    before = raw[:offset]
    line = before.count(b"\n") + 1
    column = offset - (before.rfind(b"\n") + 1) + 1
    return Position(line, column)


def load_text(raw: bytes | str, file: str = "<topology>") -> Document:
    """Parse topology YAML; raises TopologyInvalid with positioned diagnostics."""
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            pos = _position_of_offset(raw, exc.start)
            raise TopologyInvalid(
                [Diagnostic(NOT_UTF8, f"byte 0x{raw[exc.start]:02x} is not valid UTF-8", file=file, position=pos)]
            ) from None
    else:
        text = raw
    # Deferred import: keeps `vtepc --help` free of the YAML stack.
    from ruamel.yaml.cyaml import CBaseLoader
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    loader = CBaseLoader(text)
    try:
        root = loader.get_single_node()
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        code = MULTIPLE_DOCUMENTS if "single document" in str(exc.context or "") else YAML_SYNTAX
        message = " ".join(part for part in (exc.context, exc.problem) if part) or "invalid YAML"
        if code == MULTIPLE_DOCUMENTS:
            message = "more than one YAML document in the file"
        raise TopologyInvalid(
            [Diagnostic(code, message, file=file, position=_pos(mark) if mark else None)]
        ) from None
    except YAMLError as exc:
        raise TopologyInvalid([Diagnostic(YAML_SYNTAX, str(exc).splitlines()[0], file=file)]) from None
    finally:
        loader.dispose()
    if root is None:
        raise TopologyInvalid([Diagnostic(EMPTY_DOCUMENT, "the file holds no YAML document", file=file)])
    if root.id != "mapping":
        raise TopologyInvalid(
            [
                Diagnostic(
                    NOT_A_MAPPING,
                    f"the top level is a {root.id}, not a mapping",
                    file=file,
                    position=_pos(root.start_mark),
                )
            ]
        )
    builder = _Builder(file)
    data = builder.build(root, ())
    if builder.diagnostics:
        raise TopologyInvalid(builder.diagnostics)
    return Document(file, data, text, builder.value_positions, builder.key_positions)


def load_file(path: str | FsPath) -> Document:
    display = str(path)
    try:
        raw = FsPath(path).read_bytes()
    except OSError as exc:
        raise TopologyInvalid(
            [Diagnostic(UNREADABLE, f"cannot read {display}: {exc.strerror or exc}", file=display)]
        ) from None
    return load_text(raw, display)
