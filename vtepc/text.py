"""Values shown inside one line of text: a comment line in an artifact, a diagnostic on a terminal."""

from __future__ import annotations


def one_line(text: str) -> str:
    """`text` as is when it is printable, else with each unprintable character escaped.

    str.isprintable is False for every line break Python or a consumer knows (\\n, \\r, \\v,
    \\f, \\x1c-\\x1e, \\x85, \\u2028, \\u2029) and for the other control characters (terminal
    escapes included), so the result never ends the line it is written into.
    """
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text)
