"""The common block-style subset of YAML, read without a YAML parser.

A topology as people write it (and as generators print it) is block mappings and sequences of
one-line plain or simply quoted scalars. `load_subset` reads exactly that subset, one regex over
the whole text and one loop over its lines, and builds the very values the loader's event
builders build (vtepc.loader: plain scalars resolved by the YAML 1.2 core schema, quoted ones
strings, keys kept as written). It raises OutsideSubset for anything else, and the caller reads
the text with the full parser: flow collections, anchors, aliases, tags, block and multi-line
scalars, escapes or doubled quotes in quoted scalars, quoted, complex, merge or duplicate keys,
directives and document markers other than one leading `---`, a `-` with nothing after it, tabs,
carriage returns, any character outside printable ASCII (a BOM included), indentation other than
the structure's, nesting past the loader's bound and overlong numbers. Reading less than YAML is
safe; reading anything differently is not: tests/test_block_yaml.py compares the two on
generated documents.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Callable

__all__ = ["OutsideSubset", "load_subset"]


class OutsideSubset(Exception):
    """The text uses YAML beyond the subset (or is not YAML): the full parser must read it."""


# A plain scalar on one line (YAML 1.2 spec 7.3.3, block context): it starts with no indicator
# (a '-' only when no space follows), holds no ': ' and no ' #', and ends in neither a space nor
# ':'. Possessive quantifiers: a line that does not fit fails at once, without backtracking.
_PLAIN = r"(?:[A-Za-z0-9_./~+(]|-(?=[^ \n]))(?:[A-Za-z0-9_./~+()\-@=,;$%^&*!?'\"<>`|\\{}\[\]#]++|:(?=[^ \n])| ++(?=[^ \n#:]))*+"
_QUOTED = r"\"[^\"\\\n]*+\"|'[^'\n]*+'"
_END = r"(?= *+(?:\n|\Z)| ++#)"  # where a scalar ends: the line's end, or a comment
_OUTSIDE = re.compile(r"[^\n -~]")  # tabs, carriage returns, other control and all non-ASCII characters
_MAX_KEY = 1024  # libyaml's bound on an implicit (plain, one-line) key


@lru_cache(maxsize=None)
def _line_pattern(typed: str) -> re.Pattern[str]:
    """Every line: blank or comment only (no group set), or indentation, an optional sequence dash,
    then `key:` with an optional value or a lone value, then an optional comment; anything else is
    caught whole by `bad`. Document markers at column 0 are never content. A plain scalar that
    matches `typed` whole is captured apart (`typed`): only those need resolving; `other` holds the
    other plain scalars and the quoted ones, quotes included."""
    return re.compile(
        rf"^(?:(?!---|\.\.\.)(?P<indent> *+)(?P<dash>- ++)?(?:(?P<key>{_PLAIN}) *+:(?: ++(?=[^ #\n]))?)?"
        rf"(?:(?P<typed>(?:{typed}){_END})|(?P<other>{_PLAIN}|{_QUOTED}))?"
        rf"(?: ++#[^\n]*+| *+)(?=\n|\Z)| *+#[^\n]*+(?=\n|\Z)|(?P<bad>[^\n]++))",
        re.MULTILINE,
    )


def load_subset(text: str, typed: str, resolve: Callable[[str], Any], max_depth: int, max_number: int) -> dict[str, Any]:
    """The mapping `text` holds, if all of it is in the subset; raises OutsideSubset otherwise.

    A plain scalar that `typed` (a regex) matches whole is turned into its value by `resolve`,
    every other one is its text: `typed` must match every plain scalar `resolve` does not return
    as a string. Collections nested `max_depth` deep and typed scalars longer than `max_number`
    characters are left to the full parser."""
    if _OUTSIDE.search(text):
        raise OutsideSubset
    if text.startswith("---"):
        marker, _, text = text.partition("\n")
        if marker.rstrip(" ") != "---":
            raise OutsideSubset
    root: dict[str, Any] = {}
    # Open collections, innermost last: (column, the collection); a sequence's column is its
    # dashes', a mapping's its keys'.
    stack: list[tuple[int, Any]] = []
    top_column: int = -1  # stack[-1]
    collection: Any = None
    pending: tuple[dict[str, Any], str, int] | None = None  # `key:` without a value: (mapping, key, key column)
    for indent, dash, key, typed_value, other, bad in _line_pattern(typed).findall(text):
        column = len(indent)
        if key and not dash and pending is None and column == top_column and type(collection) is dict:
            pass  # the common line: the next entry of the open mapping
        elif bad:
            raise OutsideSubset
        elif not (key or dash):
            if typed_value or other:
                raise OutsideSubset  # a scalar where a mapping entry or a sequence item must stand
            continue  # blank or comment only
        else:
            if pending is not None:
                mapping, pending_key, key_column = pending
                pending = None
                if column > key_column or (dash and column == key_column):
                    # the value of `key:` is the block that starts here (a sequence may stand at its key's column)
                    child: Any = [] if dash else {}
                    mapping[pending_key] = child
                    if len(stack) >= max_depth:
                        raise OutsideSubset
                    stack.append((column, child))
            elif not stack:
                if dash or column:
                    raise OutsideSubset  # the document is a mapping at column 0
                stack.append((0, root))
            while stack[-1][0] > column:
                stack.pop()
                if not stack:
                    raise OutsideSubset
            top_column, collection = stack[-1]
            if dash:
                if top_column != column or type(collection) is not list:
                    raise OutsideSubset
                if not key:
                    if not (typed_value or other):
                        raise OutsideSubset  # a '-' alone: its value may be the block below
                    collection.append(_scalar(typed_value, other, resolve, max_number))
                    continue
                item: dict[str, Any] = {}
                collection.append(item)
                if len(stack) >= max_depth:
                    raise OutsideSubset
                top_column = column = column + len(dash)
                collection = item
                stack.append((column, item))
            else:
                if type(collection) is list:
                    # a key where a sequence stands: it ends a sequence at its mapping's column
                    stack.pop()
                    if not stack:
                        raise OutsideSubset
                    top_column, collection = stack[-1]
                if top_column != column or type(collection) is not dict:
                    raise OutsideSubset
        if key in collection or len(key) > _MAX_KEY:
            raise OutsideSubset
        if other and other[0] not in "'\"":
            collection[key] = other
        elif typed_value or other:
            collection[key] = _scalar(typed_value, other, resolve, max_number)
        else:
            collection[key] = None
            pending = (collection, key, column)
    if not stack:
        raise OutsideSubset  # no content
    return root


def _scalar(typed_value: str, other: str, resolve: Callable[[str], Any], max_number: int) -> Any:
    if typed_value:
        if len(typed_value) > max_number:
            raise OutsideSubset
        return resolve(typed_value)
    return other[1:-1] if other[0] in "'\"" else other
