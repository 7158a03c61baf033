"""Quoting for the shell script the renderers write by hand (not a renderer: the leading _
keeps it out of the registry).

Validation keeps every name to the strictest rule of each target it reaches, so for a
validated topology shell_word changes nothing; it is the second line of defence for
a model built without validation: a value can then still not leave a shell word.
"""

from __future__ import annotations

import shlex
import string

# Words bash takes literally in argument position that shlex.quote would still quote: the
# braces of tmsh's own list syntax (`records add { ... }`). `{` and `}` are reserved words
# only where a command starts, and a lone brace is no brace expansion (bash(1) "Brace
# Expansion" needs a comma or a sequence inside).
_LITERAL_WORDS = frozenset({"{", "}"})


def shell_word(word: str) -> str:
    """`word` as one bash word that expands to exactly `word`; plain names stay unquoted."""
    return word if word in _LITERAL_WORDS else shlex.quote(word)


# What shlex.quote leaves unquoted (its _find_unsafe: \w in ASCII and @%+=:,./-), the braces (whole
# words only) and the newline the words are joined with.
_PLAIN_BYTES = (string.ascii_letters + string.digits + "_@%+=:,./-{}\n").encode()


def all_plain(words: list[str]) -> bool:
    """Whether shell_word leaves every word as it is, judged over them all at once (an FDB record
    is five words, a cluster thousands of records) rather than by shlex per word. May say False
    for words shell_word leaves alone (then the caller quotes them one by one), never True for others."""
    text = "\n" + "\n".join(words) + "\n"
    if "" in words or text.count("\n") != len(words) + 1:  # an empty word, or one with a newline
        return False
    try:
        raw = text.encode("ascii")
    except UnicodeEncodeError:
        return False
    if raw.translate(None, _PLAIN_BYTES):
        return False
    # A brace must be a whole word: each one between newlines (two braces in a row count once: False, the safe side).
    return text.count("{") == text.count("\n{\n") and text.count("}") == text.count("\n}\n")
