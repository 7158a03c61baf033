"""Quoting for the text targets the renderers write by hand (not a renderer: the leading _
keeps it out of the registry).

Validation keeps every name to the strictest rule of each target it reaches, so for a
validated topology these functions change nothing; they are the second line of defence for
a model built without validation: a value can then still not end a comment line or leave a
shell word.
"""
from __future__ import annotations

import shlex

# Words bash takes literally in argument position that shlex.quote would still quote: the
# braces of tmsh's own list syntax (`records add { ... }`). `{` and `}` are reserved words
# only where a command starts, and a lone brace is no brace expansion (bash(1) "Brace
# Expansion" needs a comma or a sequence inside).
_LITERAL_WORDS = frozenset({"{", "}"})


def shell_word(word: str) -> str:
    """`word` as one bash word that expands to exactly `word`; plain names stay unquoted."""
    return word if word in _LITERAL_WORDS else shlex.quote(word)


def comment_text(text: str) -> str:
    """`text` for the inside of a one-line comment: printable text as is, anything else escaped.

    str.isprintable is False for every line break Python or a consumer knows (\\n, \\r, \\v,
    \\f, \\x1c-\\x1e, \\x85, \\u2028, \\u2029) and for other control characters, so the escaped
    form never ends the comment line.
    """
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text)
