"""Masking secret values in changes, unless the user asks with --show-secrets.

A value is secret when any key on its path looks like a password, token, secret, credential
or key, or when it belongs to a Kubernetes Secret's data. Inside any other value, secret-looking
parts are masked as whole tokens (vtepc.secrets): the value of a `--*password*=` argument or
of the argument after a `--*token*` flag, an `Authorization:` header in a string (an AS3
monitor's `send`), the user:password of a URL with or without a scheme. Masked values keep
their presence (an added secret still shows as added), never their content.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from ..secrets import is_secret_key, scrub_value
from .records import ABSENT, Change

MASKED = "(masked)"

SECRET_KINDS = frozenset({"Secret"})
SECRET_DOCUMENT_FIELDS = frozenset({"data", "stringData"})
_PATH_SEGMENT = re.compile(r'\["((?:[^"\\]|\\.)*)"\]|\[\d+\]|([^.\[]+)')


def _segments(path: str) -> list[str]:
    return [quoted or bare for quoted, bare in _PATH_SEGMENT.findall(path) if quoted or bare]


def _mask_all(value: Any) -> Any:
    return value if value is ABSENT else MASKED


def _mask_object(kind: str, fields: Any) -> Any:
    if kind in SECRET_KINDS and isinstance(fields, dict):
        fields = {k: _mask_all(v) if k in SECRET_DOCUMENT_FIELDS else v for k, v in fields.items()}
    return scrub_value(fields, MASKED)


def mask_change(change: Change) -> Change:
    segments = _segments(change.field)
    secret_document = change.kind in SECRET_KINDS and bool(segments) and segments[0] in SECRET_DOCUMENT_FIELDS
    if secret_document or any(is_secret_key(s) for s in segments):
        return dataclasses.replace(change, before=_mask_all(change.before), after=_mask_all(change.after))
    if not segments:
        return dataclasses.replace(change, before=_mask_object(change.kind, change.before), after=_mask_object(change.kind, change.after))
    return dataclasses.replace(change, before=scrub_value(change.before, MASKED), after=scrub_value(change.after, MASKED))
