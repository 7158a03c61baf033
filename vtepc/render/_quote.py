"""Quoting for the shell script the renderers write by hand (not a renderer: the leading _
keeps it out of the registry).

Validation keeps every name to the strictest rule of each target it reaches, so for a
validated topology shell_word changes nothing; it is the second line of defence for
a model built without validation: a value can then still not leave a shell word.
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
