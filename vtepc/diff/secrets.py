"""Masking secret values in changes, unless the user asks with --show-secrets.

A value is secret when any key on its path looks like a password, token, secret, credential
or key, when it belongs to a Kubernetes Secret's data, or when it is the user:password part
of a URL. Masked values keep their presence (an added secret still shows as added), never
their content.
"""
from __future__ import annotations

import dataclasses
import re
from typing import Any

from .records import ABSENT, Change

MASKED = "(masked)"

SECRET_KEY = re.compile(r"pass(word|wd|phrase)?$|secret|token|credential|private[-_]?key|api[-_]?key|bearer|^auth$", re.IGNORECASE)
SECRET_KINDS = frozenset({"Secret"})
SECRET_DOCUMENT_FIELDS = frozenset({"data", "stringData"})
URL_USERINFO = re.compile(r"(?<=://)[^/@\s]+@")
_PATH_SEGMENT = re.compile(r'\["((?:[^"\\]|\\.)*)"\]|\[\d+\]|([^.\[]+)')


def is_secret_key(key: str) -> bool:
    return bool(SECRET_KEY.search(key))


def _segments(path: str) -> list[str]:
    return [quoted or bare for quoted, bare in _PATH_SEGMENT.findall(path) if quoted or bare]


def _mask_all(value: Any) -> Any:
    return value if value is ABSENT else MASKED


def _mask_nested(value: Any) -> Any:
    """Mask what sits under secret-looking keys, and credentials inside URLs."""
    if isinstance(value, dict):
        return {k: _mask_all(v) if is_secret_key(k) else _mask_nested(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask_nested(v) for v in value]
    if isinstance(value, str):
        return URL_USERINFO.sub(MASKED + "@", value)
    return value


def _mask_object(kind: str, fields: Any) -> Any:
    if kind in SECRET_KINDS and isinstance(fields, dict):
        fields = {k: _mask_all(v) if k in SECRET_DOCUMENT_FIELDS else v for k, v in fields.items()}
    return _mask_nested(fields)


def mask_change(change: Change) -> Change:
    segments = _segments(change.field)
    secret_document = change.kind in SECRET_KINDS and bool(segments) and segments[0] in SECRET_DOCUMENT_FIELDS
    if secret_document or any(is_secret_key(s) for s in segments):
        return dataclasses.replace(change, before=_mask_all(change.before), after=_mask_all(change.after))
    if not segments:
        return dataclasses.replace(change, before=_mask_object(change.kind, change.before), after=_mask_object(change.kind, change.after))
    return dataclasses.replace(change, before=_mask_nested(change.before), after=_mask_nested(change.after))
