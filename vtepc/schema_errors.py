"""Turn pydantic validation errors into positioned diagnostics with 'did you mean' hints."""
from __future__ import annotations

import difflib
import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError

from .diagnostics import INVALID_VALUE, MISSING_KEY, UNKNOWN_KEY, Diagnostic, path_to_str
from .loader import Document


def _model_of(annotation: Any) -> type[BaseModel] | None:
    """The BaseModel inside `X`, `X | None`, `list[X]` or `Annotated[...]`, if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType, list, typing.Annotated):
        for arg in typing.get_args(annotation):
            found = _model_of(arg)
            if found is not None:
                return found
    return None


def _aliases(model: type[BaseModel]) -> dict[str, Any]:
    return {(f.alias or name): f for name, f in model.model_fields.items()}


def _model_at(root: type[BaseModel], loc: tuple) -> type[BaseModel] | None:
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


def _yaml_type(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "boolean", int: "integer", float: "number", str: "string", list: "list", dict: "mapping"}.get(
        type(value), type(value).__name__
    )


def diagnostics_from_validation_error(
    exc: ValidationError, root: type[BaseModel], document: Document
) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    for err in exc.errors(include_url=False):
        # Unions add the member's class name to loc; positions only know data keys.
        loc = tuple(p for p in err["loc"] if isinstance(p, int) or not p[:1].isupper())
        kind = err["type"]
        where = path_to_str(loc) or "the document"
        if kind == "extra_forbidden":
            key = str(loc[-1])
            parent = _model_at(root, loc[:-1])
            known = sorted(_aliases(parent)) if parent else []
            close = difflib.get_close_matches(key, known, n=1, cutoff=0.6) or difflib.get_close_matches(
                key.lower(), [k.lower() for k in known], n=1, cutoff=0.6
            )
            if close:
                match = next(k for k in known if k.lower() == close[0].lower())
                hint = f"did you mean '{match}'?"
            else:
                hint = "allowed keys here: " + ", ".join(known) if known else ""
            out.append(
                Diagnostic(UNKNOWN_KEY, f"unknown key '{key}' in {path_to_str(loc[:-1]) or 'the top level'}", loc, hint,
                           document.file, document.key_position(loc))
            )
        elif kind == "missing":
            out.append(
                Diagnostic(MISSING_KEY, f"required key '{loc[-1]}' is missing from {path_to_str(loc[:-1]) or 'the top level'}",
                           loc, f"add '{loc[-1]}:' here", document.file, document.position(loc[:-1]))
            )
        else:
            value = err.get("input")
            message = f"{where}: {err['msg']} (got {_yaml_type(value)} {value!r})" if not isinstance(value, (dict, list)) else f"{where}: {err['msg']}"
            hint = ""
            if kind == "string_type" and isinstance(value, (int, float)):
                hint = f"quote the value: \"{value}\" (YAML read it as a number)"
            out.append(Diagnostic(INVALID_VALUE, message, loc, hint, document.file, document.position(loc)))
    return out
