"""Secret values in free text: found by value (what vtepc itself holds) and by shape (what live objects carry).

vtepc holds passwords, tokens and client keys; live objects may carry secrets of their own:
a CIS Deployment's `--bigip-password=...` argument, an AS3 monitor's `send` string with an
`Authorization: Basic ...` header, a URL with `user:password@` in it (with or without a
scheme). Every text that leaves vtepc (errors, diffs, snapshots) goes through `scrub_text`
first, and only then is it shortened: a cut never leaves the prefix of a secret behind.

Masking replaces whole tokens: a known secret is replaced only where it stands as a token of
its own (not inside a longer word), so a one-letter password never blanks out every letter;
a secret-looking value is replaced from its first character to the end of its token.

    scrub_text("login as admin:hunter2@10.0.0.1 failed", known=("hunter2",)) -> "login as ***@10.0.0.1 failed"
    scrub_value({"args": ["--bigip-password", "x"], "password": "y"}) -> {"args": ["--bigip-password", "***"], "password": "***"}
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import quote

MASK = "***"

# Mapping keys whose whole value is secret.
SECRET_KEY = re.compile(r"pass(word|wd|phrase)?$|secret|token|credential|private[-_]?key|api[-_]?key|bearer|^auth$", re.IGNORECASE)
# Names that mark a value as secret, inside a longer name (bigip-password, X-Auth-Token, apiKey).
SECRET_NAME = r"(?:passw(?:or)?d|passphrase|secret|token|credential|api[-_]?key|private[-_]?key|authorization)"
_NAME_CHARS = r"[\w.-]"

# --bigip-password=VALUE, password: VALUE, "token":"VALUE", password='VALUE'.
_KEY_VALUE = re.compile(
    rf"(?i)(?P<key>{_NAME_CHARS}*{SECRET_NAME}{_NAME_CHARS}*)(?P<sep>[\"']?\s*[=:]\s*)"
    r"(?:\"(?P<dq>(?:[^\"\\]|\\.)*)\"|'(?P<sq>[^']*)'|(?P<bare>(?:[^\s,;&\"'<>\\]|\\(?![rn\"]))+))"
)
# An HTTP header with credentials: the rest of its line (a real CR/LF or a written "\r\n") is the value.
_HEADER = re.compile(
    r"(?i)(?:(?<=\\[rn])|(?<![\w-]))(?P<key>(?:proxy-)?authorization|x-f5-auth-token|x-auth-token|cookie)(?P<sep>\s*:\s*)"
    r"(?P<bare>(?:[^\r\n\"\\]|\\(?![rn\"]))+)"
)
# user:password@host, with a scheme (https://a:b@h) or without one (a:b@h); the whole userinfo goes.
_USERINFO = re.compile(r"(?:(?<=://)|(?<![\w.~%!$&'()*+,;=:@/-]))(?P<bare>[\w.~%!$&'()*+,;=-]+:[^\s/@\"'<>]*)@(?=[\w\[])")
# $(VAR) / ${VAR}: a reference Kubernetes or a shell expands, not the secret itself.
_REFERENCE = re.compile(r"\$\(\w+\)|\$\{\w+\}")
# A command-line flag whose next argument is its value: ["--bigip-password", "x"].
_SECRET_FLAG = re.compile(rf"(?i)^--?{_NAME_CHARS}*{SECRET_NAME}{_NAME_CHARS}*$")


def secret_variants(secret: str) -> set[str]:
    """The forms a secret takes in text vtepc writes: as is, JSON-escaped, percent-encoded."""
    if not secret:
        return set()
    return {secret, json.dumps(secret, ensure_ascii=False)[1:-1], json.dumps(secret)[1:-1], quote(secret, safe="")}


def _known_pattern(secret: str) -> str:
    # Whole token: no word character may continue the secret on a side where it starts/ends with one.
    head = r"(?<!\w)" if re.match(r"\w", secret) else ""
    tail = r"(?!\w)" if re.search(r"\w$", secret) else ""
    return head + re.escape(secret) + tail


def _value_span(match: re.Match[str]) -> tuple[int, int] | None:
    for group in ("dq", "sq", "bare"):
        if group in match.re.groupindex and match.group(group) is not None:
            return match.span(group)
    return None


def _masked(match: re.Match[str], mask: str) -> str:
    """The match with its value replaced; an empty value, or one already masked, is left alone."""
    span = _value_span(match)
    whole: str = match.group(0)
    value = match.string[span[0] : span[1]] if span else ""
    if span is None or not value or value == mask or _REFERENCE.fullmatch(value):
        return whole
    start, end = span[0] - match.start(), span[1] - match.start()
    return whole[:start] + mask + whole[end:]


def scrub_text(text: str, known: Iterable[str] = (), mask: str = MASK) -> str:
    """`text` with every known secret and every secret-looking value replaced by `mask`."""
    variants = sorted({v for secret in known for v in secret_variants(secret)}, key=len, reverse=True)
    if variants:
        text = re.sub("|".join(_known_pattern(v) for v in variants), mask, text)
    for pattern in (_HEADER, _KEY_VALUE, _USERINFO):
        text = pattern.sub(lambda m: _masked(m, mask), text)
    return text


def is_secret_flag(text: str) -> bool:
    return bool(_SECRET_FLAG.match(text))


def _secret_argument(values: Sequence[object], index: int) -> bool:
    """The argument after a secret flag (["--bigip-password", "x"]), unless it is a $(VAR) reference."""
    item, previous = values[index], values[index - 1] if index else None
    return (
        isinstance(item, str) and bool(item) and isinstance(previous, str) and is_secret_flag(previous) and not _REFERENCE.fullmatch(item)
    )


def is_secret_key(key: str) -> bool:
    """A mapping key whose value is secret as a whole (password, bigip_token, apiKey, ...)."""
    return bool(SECRET_KEY.search(key))


def scrub_value(value: Any, mask: str = MASK, *, known: Iterable[str] = ()) -> Any:
    """A JSON-like value with its secrets replaced by `mask`, structure kept.

    Under a secret-looking key the whole (non-empty) value goes; in a list, the argument
    after a secret flag (["--bigip-password", "x"]); in every string, what scrub_text finds.
    """
    known = tuple(known)
    if isinstance(value, dict):
        return {k: mask if is_secret_key(str(k)) and v not in (None, "") else scrub_value(v, mask, known=known) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [mask if _secret_argument(value, index) else scrub_value(item, mask, known=known) for index, item in enumerate(value)]
    if isinstance(value, str):
        return scrub_text(value, known, mask)
    return value
