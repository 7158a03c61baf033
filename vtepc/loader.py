"""YAML -> plain Python data plus the file/line/column of every key and value.

Built on the event stream of ruamel.yaml's libyaml-backed parser (ruamel.yaml.clib):
libyaml scans and parses at C speed and hands over one event per scalar, collection start
and alias, each with its marks; this module builds the values itself. Skipping ruamel's
composer (which creates a node object and calls a Python resolver per value) keeps the
load of a 5,000-node topology cheap, and owning construction is what lets us
  * resolve scalars by the YAML 1.2 core schema (so `00:50:56:86:60:28` stays a string,
    never a YAML 1.1 base-60 integer, and `no`/`on` stay strings),
  * report every duplicate key instead of silently keeping the last,
  * bound alias expansion (billion-laughs) by counting the nodes aliases stand for.

A document in the common block-style subset (vtepc.block_yaml) is read without the parser at
all, to the same values; everything else goes through the events.

Values reached through an alias share the anchored object; their positions are those of
the alias itself (the place in the file where the value is used).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import Any

from .block_yaml import OutsideSubset, load_subset
from .diagnostics import (
    ALIAS_BOMB,
    DUPLICATE_KEY,
    EMPTY_DOCUMENT,
    INVALID_VALUE,
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

_NULL = frozenset({"", "~", "null", "Null", "NULL"})
_TRUE = frozenset({"true", "True", "TRUE"})
_FALSE = frozenset({"false", "False", "FALSE"})
_SPECIAL_FLOATS = {
    **dict.fromkeys((".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"), float("inf")),
    **dict.fromkeys(("-.inf", "-.Inf", "-.INF"), float("-inf")),
    **dict.fromkeys((".nan", ".NaN", ".NAN"), float("nan")),
}
# One pass decides whether a plain scalar is a number at all (most are not: names, IPs, MACs).
_INT, _HEX, _OCT, _FLOAT = r"[-+]?[0-9]+", r"[0-9a-fA-F]+", r"[0-7]+", r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
_NUMBER = re.compile(rf"(?P<int>{_INT})|0x(?P<hex>{_HEX})|0o(?P<oct>{_OCT})|(?P<float>{_FLOAT})")
# Every plain scalar resolve_plain_scalar does not return as a string, matched whole (no groups):
# the block-style reader (vtepc.block_yaml) resolves only these. An atomic group, about a third
# cheaper to fail than the bare alternation: it keeps the first alternative that matches, so that one
# must be the whole scalar. Hex and octal come before the float (which would take their leading 0;
# an integer's text is a float's too), each pattern is greedy, and no word is the start of another.
_TYPED = (
    "(?>"
    + "|".join([f"0x{_HEX}", f"0o{_OCT}", _FLOAT, *sorted(map(re.escape, (_NULL - {""}) | _TRUE | _FALSE | set(_SPECIAL_FLOATS)))])
    + ")"
)
_YAML_TAG_PREFIX = "tag:yaml.org,2002:"
_STR_TAG = _YAML_TAG_PREFIX + "str"
_NON_SPECIFIC_TAG = "!"
# The YAML 1.2 core schema's tags are the only ones honoured; any other tag (!!binary,
# !!timestamp, !!set, !!omap, !!python/..., local !tags, %TAG shorthands) is refused rather
# than read as if it were absent. Scalar tags other than !!str must fit their value.
_COLLECTION_TAGS = {"mapping": _YAML_TAG_PREFIX + "map", "sequence": _YAML_TAG_PREFIX + "seq"}
_SCALAR_TAG_TYPES: dict[str, tuple[str, tuple[type, ...]]] = {
    _YAML_TAG_PREFIX + "int": ("an integer", (int,)),
    _YAML_TAG_PREFIX + "float": ("a number", (int, float)),
    _YAML_TAG_PREFIX + "bool": ("true or false", (bool,)),
    _YAML_TAG_PREFIX + "null": ("null", (type(None),)),
}
# Longer number literals are refused while loading (Python will not even print an integer of
# more than 4300 digits); shorter ones reach the schema, which says which range a field takes.
MAX_NUMBER_LITERAL = 1000
_SCALAR_STARTS = frozenset("0123456789+-.~nNtTfF")
_MERGE_KEY = "<<"


Positions = dict[Path, tuple[int, int]]  # (line, column), 1-based; tuples rather than Position objects keep loading cheap


@dataclass
class Document:
    """A loaded topology file: its data and where each value came from.

    The positions of a document that loaded without a finding are found only when first asked
    for (a diagnostic needs them): `text` is parsed again, by the positioned builder."""

    file: str
    data: Any
    text: str = ""
    _positions: tuple[Positions, Positions] | None = field(default=None, repr=False, compare=False)

    @property
    def value_positions(self) -> Positions:
        return self._tables()[0]

    @property
    def key_positions(self) -> Positions:
        return self._tables()[1]

    def _tables(self) -> tuple[Positions, Positions]:
        if self._positions is None:
            builder = _positioned(self.text, self.file)
            self._positions = (builder.value_positions, builder.key_positions)
        return self._positions

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
    if not text:
        return None
    if text[0] not in _SCALAR_STARTS:
        return text
    if text in _NULL:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    number = _NUMBER.fullmatch(text)
    if number is None:
        return _SPECIAL_FLOATS.get(text, text)
    kind = number.lastgroup
    if kind == "int":
        return int(text, 10)
    if kind == "hex":
        return int(number["hex"], 16)
    if kind == "oct":
        return int(number["oct"], 8)
    return float(text)


class _Abort(Exception):
    """Building cannot go on (nesting or alias expansion past the bounds)."""


class _Builder:
    """Turns the parser's events for one document into data, positions and diagnostics."""

    def __init__(self, parser: Any, file: str):
        from ruamel.yaml import events

        self._next = parser.get_event
        self._scalar_event = events.ScalarEvent
        self._mapping_start = events.MappingStartEvent
        self._alias_event = events.AliasEvent
        self._sequence_end = events.SequenceEndEvent
        self._mapping_end = events.MappingEndEvent
        self.file = file
        self.diagnostics: list[Diagnostic] = []
        self.value_positions: dict[Path, tuple[int, int]] = {}
        self.key_positions: dict[Path, tuple[int, int]] = {}
        self._anchors: dict[str, tuple[Any, int]] = {}  # anchor -> (value, nodes it stands for)
        self._nodes = 0  # nodes built so far, alias expansions included
        self.data: Any = None
        self._expanded = 0  # nodes reached through aliases

    def _diag(self, code: str, message: str, mark: Any, path: Path = (), hint: str = "") -> None:
        self.diagnostics.append(Diagnostic(code, message, path=path, hint=hint, file=self.file, position=_pos(mark)))

    def _refuse_tag(self, tag: str, mark: Any, path: Path) -> None:
        shown = "!!" + tag[len(_YAML_TAG_PREFIX) :] if tag.startswith(_YAML_TAG_PREFIX) else tag
        self._diag(UNSUPPORTED_YAML, f"tag {shown} is not supported", mark, path)

    def node(self, event: Any, path: Path, depth: int) -> Any:
        """The value that starts with `event` (consuming the events of its children)."""
        mark = event.start_mark
        self.value_positions[path] = (mark.line + 1, mark.column + 1)
        kind = type(event)
        if kind is self._scalar_event:
            self._nodes += 1
            value = self._scalar(event, path)
            if event.anchor is not None:
                self._anchors[event.anchor] = (value, 1)
            return value
        if kind is self._alias_event:
            return self._alias(event, path)
        if depth >= MAX_DEPTH:
            self._diag(ALIAS_BOMB, f"nesting deeper than {MAX_DEPTH} levels", mark, path)
            raise _Abort
        kind_name = "mapping" if kind is self._mapping_start else "sequence"
        if event.tag not in (None, _NON_SPECIFIC_TAG, _COLLECTION_TAGS[kind_name]):
            self._refuse_tag(event.tag, mark, path)
        nodes_before = self._nodes
        self._nodes += 1
        if kind is self._mapping_start:
            value = self._mapping(path, depth)
        else:
            value = self._sequence(path, depth)
        if event.anchor is not None:
            self._anchors[event.anchor] = (value, self._nodes - nodes_before)
        return value

    def _scalar(self, event: Any, path: Path) -> Any:
        tag = event.tag
        text = event.value
        if tag is None:
            # style '' marks a plain scalar; quoted and block scalars are always strings
            return self._plain(text, event.start_mark, path) if not event.style else text
        if tag == _STR_TAG or tag == _NON_SPECIFIC_TAG:
            return text
        expected = _SCALAR_TAG_TYPES.get(tag)
        if expected is None:
            self._refuse_tag(tag, event.start_mark, path)
            return text
        value = self._plain(text, event.start_mark, path)
        what, types = expected
        if type(value) not in types:
            self._diag(UNSUPPORTED_YAML, f"{tag.replace(_YAML_TAG_PREFIX, '!!')} value '{text}' is not {what}", event.start_mark, path)
            return text
        return float(value) if tag == _YAML_TAG_PREFIX + "float" else value

    def _plain(self, text: str, mark: Any, path: Path) -> Any:
        if len(text) > MAX_NUMBER_LITERAL and text[:1] in _SCALAR_STARTS and _NUMBER.fullmatch(text):
            self._diag(
                INVALID_VALUE,
                f"a number of {len(text)} characters is too large for any topology field",
                mark,
                path,
                hint="the largest number in a topology is an ASN, at most 4294967295",
            )
            return None
        return resolve_plain_scalar(text)

    def _alias(self, event: Any, path: Path) -> Any:
        anchored = self._anchors.get(event.anchor)
        if anchored is None:
            self._diag(YAML_SYNTAX, f"undefined alias *{event.anchor}", event.start_mark, path)
            return None
        value, size = anchored
        self._nodes += size
        self._expanded += size
        if self._expanded > MAX_ALIAS_EXPANDED_NODES:
            self._diag(ALIAS_BOMB, f"aliases expand to more than {MAX_ALIAS_EXPANDED_NODES} nodes", event.start_mark, path)
            raise _Abort
        return value

    def _sequence(self, path: Path, depth: int) -> list[Any]:
        out: list[Any] = []
        next_event = self._next
        child_depth = depth + 1
        end = self._sequence_end
        event = next_event()
        while type(event) is not end:
            out.append(self.node(event, path + (len(out),), child_depth))
            event = next_event()
        return out

    def _mapping(self, path: Path, depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        first_seen: dict[str, int] = {}  # key -> 1-based line
        merged: list[tuple[Any, Any]] = []  # (merge value, mark of '<<')
        next_event = self._next
        child_depth = depth + 1
        end = self._mapping_end
        key_event = next_event()
        while type(key_event) is not end:
            mark = key_event.start_mark
            if type(key_event) is not self._scalar_event:
                self._diag(UNSUPPORTED_YAML, "complex (non-scalar) mapping keys are not supported", mark, path)
                self.node(key_event, path + ("?",), child_depth)
                self.node(next_event(), path + ("?",), child_depth)
                key_event = next_event()
                continue
            if key_event.tag not in (None, _NON_SPECIFIC_TAG, _STR_TAG):
                self._refuse_tag(key_event.tag, mark, path)
            key = key_event.value  # keys keep their source text: `1:` is the key '1'
            value_event = next_event()
            if key == _MERGE_KEY and not key_event.style:
                merged.append((self.node(value_event, path, child_depth), mark))
            elif key in first_seen:
                self._diag(DUPLICATE_KEY, f"duplicate key '{key}' (first defined at line {first_seen[key]})", mark, path + (key,))
                self.node(value_event, path + (key,), child_depth)  # still checked for its own problems
            else:
                first_seen[key] = mark.line + 1
                child = path + (key,)
                self.key_positions[child] = (mark.line + 1, mark.column + 1)
                out[key] = self.node(value_event, child, child_depth)
            key_event = next_event()
        for value, mark in merged:
            for source in value if isinstance(value, list) else [value]:
                if not isinstance(source, dict):
                    self._diag(UNSUPPORTED_YAML, "'<<' merges only mappings", mark, path)
                    continue
                for key, merged_value in source.items():
                    out.setdefault(key, merged_value)
        return out


def _describe(character: int | str) -> str:
    code = character if isinstance(character, int) else ord(character[:1] or "\0")
    return f"U+{code:04X}"


def _pos(mark: Any) -> Position:
    return Position(mark.line + 1, mark.column + 1)


def _position_of_offset(raw: bytes | str, offset: int) -> Position:
    if isinstance(raw, bytes):
        line, line_start = raw.count(b"\n", 0, offset) + 1, raw.rfind(b"\n", 0, offset) + 1
    else:
        line, line_start = raw.count("\n", 0, offset) + 1, raw.rfind("\n", 0, offset) + 1
    return Position(line, offset - line_start + 1)


class _Unusual(Exception):
    """The document needs the positioned builder: it holds something that may be a finding."""


def _plain_data(text: str) -> Any:
    """The data of a document made only of what needs no finding (no tag, anchor, alias, merge,
    duplicate or complex key, overlong number, deep nesting; one document, a mapping at the top),
    built without positions; raises _Unusual for anything else, including every YAML error.

    The same values as _Builder's: plain scalars resolved by resolve_plain_scalar, all other
    scalars strings. Most topologies are like this, and a 65,000-node file loads in about two
    thirds of the positioned builder's time; positions follow when a diagnostic asks (Document)."""
    from ruamel.yaml import events
    from ruamel.yaml.cyaml import CParser  # type: ignore[attr-defined]  # (re-exported from _ruamel_yaml, untyped)

    scalar_event, mapping_start, sequence_start = events.ScalarEvent, events.MappingStartEvent, events.SequenceStartEvent
    mapping_end, sequence_end = events.MappingEndEvent, events.SequenceEndEvent
    starts, resolve = _SCALAR_STARTS, resolve_plain_scalar

    def scalar(event: Any) -> Any:
        if event.tag is not None or event.anchor is not None:
            raise _Unusual
        value = event.value
        if event.style or (value and value[0] not in starts):
            return value
        if len(value) > MAX_NUMBER_LITERAL:
            raise _Unusual
        return resolve(value)

    def collection(event: Any, depth: int) -> Any:
        kind = type(event)
        if kind is scalar_event:
            return scalar(event)
        if kind not in (mapping_start, sequence_start) or event.tag is not None or event.anchor is not None or depth >= MAX_DEPTH:
            raise _Unusual
        child_depth = depth + 1
        if kind is sequence_start:
            items: list[Any] = []
            event = next_event()
            while type(event) is not sequence_end:
                items.append(scalar(event) if type(event) is scalar_event else collection(event, child_depth))
                event = next_event()
            return items
        out: dict[str, Any] = {}
        key_event = next_event()
        while type(key_event) is not mapping_end:
            if type(key_event) is not scalar_event or key_event.tag is not None or key_event.anchor is not None:
                raise _Unusual
            key = key_event.value
            if key in out or (key == _MERGE_KEY and not key_event.style):
                raise _Unusual
            event = next_event()
            out[key] = scalar(event) if type(event) is scalar_event else collection(event, child_depth)
            key_event = next_event()
        return out

    parser = CParser(text)
    next_event = parser.get_event
    try:
        next_event()  # StreamStart
        if type(next_event()) is not events.DocumentStartEvent:
            raise _Unusual
        root = next_event()
        if type(root) is not mapping_start:
            raise _Unusual
        data = collection(root, 0)
        next_event()  # DocumentEnd
        if type(next_event()) is not events.StreamEndEvent:
            raise _Unusual
        return data
    except _Unusual:
        raise
    except Exception:
        raise _Unusual from None  # the positioned builder reports it
    finally:
        parser.dispose()


def _parse(text: str, file: str) -> Document:
    try:
        return Document(file, _plain_data(text), text)
    except _Unusual:
        pass
    builder = _positioned(text, file)
    if builder.diagnostics:
        raise TopologyInvalid(builder.diagnostics)
    return Document(file, builder.data, text, (builder.value_positions, builder.key_positions))


def _positioned(text: str, file: str) -> "_Builder":
    """The document built with every position and finding (raises TopologyInvalid for a
    document it cannot build, and YAML errors as the parser raises them)."""
    # Deferred imports: keep `vtepc --help` free of the YAML stack.
    from ruamel.yaml import events
    from ruamel.yaml.cyaml import CParser  # type: ignore[attr-defined]  # (re-exported from _ruamel_yaml, untyped)

    parser = CParser(text)
    try:
        parser.get_event()  # StreamStart
        start = parser.get_event()
        if type(start) is events.StreamEndEvent:
            raise TopologyInvalid([Diagnostic(EMPTY_DOCUMENT, "the file holds no YAML document", file=file)])
        root_event = parser.get_event()
        if type(root_event) is events.ScalarEvent and not root_event.style and root_event.value in _NULL:
            raise TopologyInvalid([Diagnostic(EMPTY_DOCUMENT, "the YAML document is empty", file=file)])
        if type(root_event) is not events.MappingStartEvent:
            kind = {events.ScalarEvent: "scalar", events.SequenceStartEvent: "sequence"}.get(type(root_event), "alias")
            raise TopologyInvalid(
                [Diagnostic(NOT_A_MAPPING, f"the top level is a {kind}, not a mapping", file=file, position=_pos(root_event.start_mark))]
            )
        builder = _Builder(parser, file)
        try:
            builder.data = builder.node(root_event, (), 0)
        except _Abort:
            raise TopologyInvalid(builder.diagnostics) from None
        parser.get_event()  # DocumentEnd
        after = parser.get_event()
        if type(after) is events.DocumentStartEvent:
            builder.diagnostics.append(
                Diagnostic(MULTIPLE_DOCUMENTS, "more than one YAML document in the file", file=file, position=_pos(after.start_mark))
            )
    finally:
        parser.dispose()
    return builder


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
    try:
        # Most topologies are block style through and through: read without the YAML parser.
        return Document(file, load_subset(text, _TYPED, resolve_plain_scalar, MAX_DEPTH, MAX_NUMBER_LITERAL), text)
    except OutsideSubset:
        pass
    from ruamel.yaml.error import MarkedYAMLError, YAMLError
    from ruamel.yaml.reader import ReaderError

    try:
        return _parse(text, file)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = " ".join(part for part in (exc.context, exc.problem) if part) or "invalid YAML"
        raise TopologyInvalid([Diagnostic(YAML_SYNTAX, message, file=file, position=_pos(mark) if mark else None)]) from None
    except ReaderError as exc:
        raise TopologyInvalid(
            [
                Diagnostic(
                    YAML_SYNTAX,
                    f"character {_describe(exc.character)} is not allowed in YAML ({exc.reason})",
                    file=file,
                    position=_position_of_offset(text, exc.position),
                )
            ]
        ) from None
    except YAMLError as exc:
        raise TopologyInvalid([Diagnostic(YAML_SYNTAX, str(exc).splitlines()[0], file=file)]) from None
    except UnicodeEncodeError as exc:  # a str argument holding lone surrogates
        raise TopologyInvalid(
            [
                Diagnostic(
                    NOT_UTF8,
                    "the text holds characters that cannot be encoded as UTF-8",
                    file=file,
                    position=_position_of_offset(text, exc.start),
                )
            ]
        ) from None


def load_file(path: str | FsPath) -> Document:
    display = str(path)
    try:
        raw = FsPath(path).read_bytes()
    except OSError as exc:
        raise TopologyInvalid([Diagnostic(UNREADABLE, f"cannot read {display}: {exc.strerror or exc}", file=display)]) from None
    return load_text(raw, display)
