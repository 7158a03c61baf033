"""Pydantic validation errors -> positioned diagnostics with 'did you mean' hints, and the
part of the data that is still valid, so the semantic checks can run on it in the same pass.
"""

from __future__ import annotations

import collections.abc
import difflib
import types
import typing
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from .diagnostics import INVALID_VALUE, MISSING_KEY, UNKNOWN_KEY, Diagnostic, Path, path_to_str
from .loader import Document

# Lists whose entries stand alone: one bad entry can be left out and the rest still checked.
ENTRY_LISTS: tuple[Path, ...] = (("cluster", "nodes"), ("bigips",), ("services",), ("bgp", "peers"))


def _model_of(annotation: Any) -> type[BaseModel] | None:
    """The BaseModel inside `X`, `X | None`, `list[X]`, `Sequence[X]` or `Annotated[...]`, if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType, list, collections.abc.Sequence, typing.Annotated):
        for arg in typing.get_args(annotation):
            found = _model_of(arg)
            if found is not None:
                return found
    return None


def _aliases(model: type[BaseModel]) -> dict[str, Any]:
    return {(f.alias or name): f for name, f in model.model_fields.items()}


def _model_at(root: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The model at a data path (tags already taken out of it)."""
    model: type[BaseModel] | None = root
    for part in loc:
        if model is None:
            return None
        if isinstance(part, int):
            continue
        field = _aliases(model).get(part)
        if field is None:
            return None
        model = _model_of(field.annotation)
    return model


def _union_members(field: Any) -> dict[str, type[BaseModel]]:
    """A discriminated union field's members by tag ({} for any other field)."""
    if field.discriminator is None:
        return {}
    members = {}
    for member in typing.get_args(field.annotation):
        for tag in typing.get_args(member.model_fields[field.discriminator].annotation):
            members[tag] = member
    return members


@dataclass(frozen=True)
class _Located:
    """A pydantic error location as a data path: the union tag segments pydantic inserts after a
    discriminated union field (cluster -> 'flannel' -> nodes) are not YAML keys, so they are taken out."""

    path: tuple[Any, ...]
    model: type[BaseModel] | None  # the model holding the last key (None when unknown)
    # The union the path went through: (its path, its discriminator key, the tag taken, every member by tag).
    union: tuple[tuple[Any, ...], str, str, dict[str, type[BaseModel]]] | None = None


def _locate(root: type[BaseModel], loc: tuple[Any, ...]) -> _Located:
    path: list[Any] = []
    model: type[BaseModel] | None = root
    union = None
    parts = iter(loc)
    for part in parts:
        path.append(part)
        if model is None or isinstance(part, int):
            continue
        field = _aliases(model).get(part)
        if field is None:
            model = None
            continue
        members = _union_members(field)
        if members:
            tag = next(parts, None)
            if tag is None:
                break
            union = (tuple(path), str(field.discriminator), tag, members)
            model = members.get(tag)
        else:
            model = _model_of(field.annotation)
    if union is None:
        return _Located(tuple(path), _model_at(root, tuple(path)[:-1]))
    member = union[3].get(union[2])
    return _Located(tuple(path), _model_at(member, tuple(path)[len(union[0]) : -1]) if member else None, union)


def data_path(root: type[BaseModel], loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """An error's location as a path of YAML keys and indexes."""
    return _locate(root, loc).path


def _other_mode(located: _Located, key: str) -> str | None:
    """The tag of another member of the union the path went through that has this key there."""
    if located.union is None:
        return None
    union_path, _, tag, members = located.union
    rest = located.path[len(union_path) : -1]
    for other, member in sorted(members.items()):
        model = _model_at(member, rest)
        if other != tag and model is not None and key in _aliases(model):
            return other
    return None


def _yaml_type(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "boolean", int: "integer", float: "number", str: "string", list: "list", dict: "mapping"}.get(
        type(value), type(value).__name__
    )


def diagnostics_from_validation_error(exc: ValidationError, root: type[BaseModel], document: Document) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    for err in exc.errors(include_url=False):
        located = _locate(root, tuple(err["loc"]))
        loc = located.path
        kind = err["type"]
        where = path_to_str(loc) or "the document"
        if kind == "extra_forbidden":
            key = str(loc[-1])
            parent = located.model
            known = sorted(_aliases(parent)) if parent else []
            other = _other_mode(located, key)
            close = difflib.get_close_matches(key, known, n=1, cutoff=0.6) or difflib.get_close_matches(
                key.lower(), [k.lower() for k in known], n=1, cutoff=0.6
            )
            message = f"unknown key '{key}' in {path_to_str(loc[:-1]) or 'the top level'}"
            if other is not None and located.union is not None:
                _, discriminator, tag, _ = located.union
                message += f": it belongs to {discriminator}: {other}, and this one is {discriminator}: {tag}"
                hint = f"remove it, or set {discriminator}: {other} if that is what the cluster runs"
            elif close:
                match = next(k for k in known if k.lower() == close[0].lower())
                hint = f"did you mean '{match}'?"
            else:
                hint = "allowed keys here: " + ", ".join(known) if known else ""
            out.append(Diagnostic(UNKNOWN_KEY, message, loc, hint, document.file, document.key_position(loc)))
        elif kind == "missing" or kind == "union_tag_not_found":
            key = err["ctx"]["discriminator"].strip("'") if kind == "union_tag_not_found" else loc[-1]
            parent_loc = loc if kind == "union_tag_not_found" else loc[:-1]
            full = parent_loc + (key,)
            out.append(
                Diagnostic(
                    MISSING_KEY,
                    f"required key '{key}' is missing from {path_to_str(parent_loc) or 'the top level'}",
                    full,
                    f"add '{key}:' here",
                    document.file,
                    document.position(parent_loc),
                )
            )
        elif kind == "union_tag_invalid":
            key = err["ctx"]["discriminator"].strip("'")
            full = loc + (key,)
            tags = ", ".join(str(t).strip("'") for t in err["ctx"]["expected_tags"].split(", "))
            out.append(
                Diagnostic(
                    INVALID_VALUE,
                    f"{path_to_str(full)}: unknown mode {_shown(err['ctx']['tag'])}",
                    full,
                    f"known modes: {tags}",
                    document.file,
                    document.position(full),
                )
            )
        else:
            message, hint = _invalid_value(where, kind, err)
            out.append(Diagnostic(INVALID_VALUE, message, loc, hint, document.file, document.position(loc)))
    return out


def _shown(value: Any) -> str:
    """The value as the message repeats it: long numbers and strings shortened (the loader caps number
    literals at 1000 characters, so repr never meets Python's 4300-digit limit)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = repr(value)
    if isinstance(value, int) and len(text) > 24:
        return f"a {len(text.lstrip('-'))}-digit number"
    if isinstance(value, str) and len(value) > 60:
        return f"{value[:40]!r}... ({len(value)} characters)"
    return text


def _invalid_value(where: str, kind: str, err: ErrorDetails) -> tuple[str, str]:
    """Message and hint for a value of the wrong type or out of range. Number fields are strict
    (model.py): a boolean or a float such as 2.0 is an error here, never read as 1 or 2."""
    value = err.get("input")
    if isinstance(value, (dict, list)):
        return f"{where}: {err['msg']}", ""
    got = f"{_yaml_type(value)} {_shown(value)}"
    bounds: dict[str, Any] = err.get("ctx") or {}
    if kind in ("less_than_equal", "less_than") and isinstance(value, int):
        limit = bounds.get("le", bounds.get("lt"))
        return f"{where}: {_shown(value)} is too large (at most {limit})", f"use a whole number no larger than {limit}"
    if kind in ("greater_than_equal", "greater_than") and isinstance(value, int):
        limit = bounds.get("ge", bounds.get("gt"))
        return f"{where}: {_shown(value)} is too small (at least {limit})", f"use a whole number no smaller than {limit}"
    if kind == "int_type":
        if isinstance(value, bool):
            return f"{where}: expected a whole number, got {got}", "write a number: YAML reads true/false as booleans"
        if isinstance(value, float) and value.is_integer():
            return f"{where}: expected a whole number, got {got}", f"write {int(value)}, without a decimal point or exponent"
        return f"{where}: expected a whole number, got {got}", "write a whole number"
    if kind == "bool_type":
        return f"{where}: expected true or false, got {got}", "write true or false, unquoted"
    hint = ""
    if kind == "string_type" and isinstance(value, (int, float)):
        hint = f'quote the value: "{value}" (YAML read it as a number)'
    return f"{where}: {err['msg']} (got {got})", hint


@dataclass(frozen=True)
class Salvage:
    """The data without unknown keys and without the list entries that failed validation."""

    data: dict[str, Any]
    original_indices: dict[Path, list[int]]  # per trimmed list: the file index of each kept entry
    unknown_keys: tuple[Path, ...]  # file paths of the keys left out
    dropped_names: dict[Path, frozenset[str]]  # per trimmed list: the names of the entries left out
    choices: tuple[tuple[Path, tuple[Any, ...]], ...] = ()  # a bad or missing choice outside the lists: its values


def _choices(root: type[BaseModel], loc: tuple[Any, ...], err: ErrorDetails) -> tuple[Path, tuple[Any, ...]] | None:
    """A bad or missing choice: its data path and every value it may take, when they are few
    (a Literal, a boolean, the tag of a discriminated union such as cluster.cni); else None."""
    located = _locate(root, loc)
    if err["type"] in ("union_tag_invalid", "union_tag_not_found"):
        field = _aliases(located.model).get(located.path[-1]) if located.model is not None and located.path else None
        members = _union_members(field) if field is not None else {}
        return (located.path + (str(field.discriminator),), tuple(sorted(members))) if field is not None and members else None
    parent = located.model
    field = _aliases(parent).get(located.path[-1]) if parent is not None and located.path else None
    annotation = field.annotation if field is not None else None
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    if annotation is bool:
        return located.path, (False, True)
    if typing.get_origin(annotation) is typing.Literal:
        return located.path, typing.get_args(annotation)
    return None


def salvage(data: Any, exc: ValidationError, root: type[BaseModel]) -> Salvage | None:
    """What is left to check once unknown keys and broken list entries are set aside.

    A bad or missing choice outside the lists (`routing: natvie`) comes back in `choices` with
    every value it may take: the caller checks each and keeps what all of them find. None when
    another error lies outside every entry list (a bad bgp.asn, a missing bigips): guessing a
    value there would make the checks report problems that are not in the file, so only the
    schema diagnostics are reported then.
    """
    unknown: list[tuple[Any, ...]] = []
    broken: dict[Path, set[int]] = {}
    choices: dict[Path, tuple[Any, ...]] = {}
    for err in exc.errors(include_url=False):
        loc = data_path(root, tuple(err["loc"]))
        if err["type"] == "extra_forbidden":
            unknown.append(loc)
            continue
        entry = _entry_of(loc)
        if entry is None:
            choice = _choices(root, tuple(err["loc"]), err)
            if choice is None:
                return None
            choices[choice[0]] = choice[1]
            continue
        broken.setdefault(entry[0], set()).add(entry[1])
    for loc in unknown:
        data = _without(data, loc)
    original_indices: dict[Path, list[int]] = {}
    dropped_names: dict[Path, frozenset[str]] = {}
    for list_path, indices in broken.items():
        entries = _get(data, list_path)
        kept = [i for i in range(len(entries)) if i not in indices]
        data = _replaced(data, list_path, [entries[i] for i in kept])
        original_indices[list_path] = kept
        dropped_names[list_path] = frozenset(
            entries[i]["name"] for i in indices if isinstance(entries[i], dict) and isinstance(entries[i].get("name"), str)
        )
    return Salvage(data, original_indices, tuple(unknown), dropped_names, tuple(sorted(choices.items(), key=lambda c: str(c[0]))))


def with_value(data: dict[Any, Any], path: Path, value: Any) -> dict[Any, Any]:
    """A copy of data with value at path (a mapping key; mappings on the way are copied)."""
    head, rest = path[0], path[1:]
    copy = dict(data)
    inner = data.get(head)
    copy[head] = value if not rest else with_value(inner if isinstance(inner, dict) else {}, rest, value)
    return copy


def _entry_of(loc: tuple[Any, ...]) -> tuple[Path, int] | None:
    for list_path in ENTRY_LISTS:
        n = len(list_path)
        if loc[:n] == list_path and len(loc) > n and isinstance(loc[n], int):
            return list_path, loc[n]
    return None


def _get(data: Any, path: Path) -> Any:
    for part in path:
        data = data[part]
    return data


def _without(data: Any, path: tuple[Any, ...]) -> Any:
    """A copy of data without the mapping entry at path (containers on the way are copied, never changed)."""
    head, rest = path[0], path[1:]
    if isinstance(data, dict) and head in data:
        copy = dict(data)
        if rest:
            copy[head] = _without(data[head], rest)
        else:
            del copy[head]
        return copy
    if isinstance(data, list) and isinstance(head, int) and 0 <= head < len(data) and rest:
        entries = list(data)
        entries[head] = _without(data[head], rest)
        return entries
    return data


def _replaced(data: dict[Any, Any], path: Path, value: Any) -> dict[Any, Any]:
    copy = dict(data)
    copy[path[0]] = value if len(path) == 1 else _replaced(data[path[0]], path[1:], value)
    return copy
