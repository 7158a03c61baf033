"""The common block-style subset of YAML, read without a YAML parser.

A topology as people write it (and as generators print it) is block mappings and sequences of
one-line plain or simply quoted scalars. `load_subset` reads exactly that subset, one regex over the
lines and a loop over them, and builds the very values the loader's event builders build
(vtepc.loader: plain scalars resolved by the YAML 1.2 core schema, quoted ones strings, keys kept
as written). Most of a large topology is one long sequence of mappings of one shape (the nodes):
once two items in a row have the same keys, the items after them that have those keys, in that
order, one scalar each, are read as a run, by a regex made for that shape, without a Python step
per line; the first item that does not fit ends the run and is read line by line. It raises
OutsideSubset for anything else, and the caller reads the text with the full parser: flow
collections, anchors, aliases, tags, block and multi-line scalars, escapes or doubled quotes in
quoted scalars, quoted, complex, merge or duplicate keys, directives and document markers other
than one leading `---`, a `-` with nothing after it, tabs, carriage returns, any character outside
printable ASCII (a BOM included), indentation other than the structure's, nesting past the
loader's bound and overlong numbers. Reading less than YAML is safe; reading anything differently
is not: tests/test_block_yaml.py compares the two on generated documents.
"""

from __future__ import annotations

import re
from collections import deque
from functools import lru_cache
from itertools import repeat
from operator import itemgetter, setitem
from typing import Any, Callable, Sequence

__all__ = ["OutsideSubset", "load_subset"]


class OutsideSubset(Exception):
    """The text uses YAML beyond the subset (or is not YAML): the full parser must read it."""


# A plain scalar on one line (YAML 1.2 spec 7.3.3, block context): it starts with no indicator
# (a '-' only when no space follows), holds no ': ' and no ' #', and ends in neither a space nor
# ':'. Possessive quantifiers: a line that does not fit fails at once, without backtracking.
_FIRST = r"(?:[A-Za-z0-9_./~+(]|-(?=[^ \n]))"
_PLAIN = rf"{_FIRST}(?:[!-9;-~]++|:(?=[^ \n])| ++(?=[^ \n#:]))*+"  # [!-9;-~]: printable ASCII but the space and ':'
# The same, where only the end of its line or a comment may follow the scalar (the values of a
# run): a ':' is taken with the other characters, and a word that ends in one refuses the scalar,
# where _PLAIN ends before that ':' and what follows cannot. Fewer steps per ':' (a MAC has five).
_PLAIN_VALUE = rf"{_FIRST}[!-~]*+(?<!:)(?: ++(?=[^ \n#:])[!-~]*+(?<!:))*+"
# Every class holds only printable ASCII and the space: a character outside them (a tab, a carriage
# return, any other control character, anything non-ASCII, a BOM) leaves its line unmatched.
_QUOTED = r"\"[ !#-\[\]-~]*+\"|'[ -&(-~]*+'"  # no escape, no doubled quote
_COMMENT = r"#[ -~]*+"
_TRAIL = rf"(?: ++{_COMMENT}| *+)"  # what may follow a scalar on its line
_END = r"(?= *+(?:\n|\Z)| ++#)"  # where a scalar ends: the line's end, or a comment
_SKIP = rf"(?: *+(?:{_COMMENT})?\n)*+"  # blank and comment-only lines
_SOME_VALUE = r"[^ #\n][^\n]*+"  # the rest of a line with a value: its start is neither a space nor '#'
_MAX_KEY = 1024  # libyaml's bound on an implicit (plain, one-line) key
_QUOTES = "'\""
_UNQUOTE = itemgetter(slice(1, -1))  # a quoted scalar's text


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
        rf"{_TRAIL}(?=\n|\Z)| *+{_COMMENT}(?=\n|\Z)|(?P<bad>[^\n]++))",
        re.MULTILINE,
    )


@lru_cache(maxsize=None)
def _typed_line(typed: str) -> re.Pattern[str]:
    """A typed scalar on a line of its own, searched for in scalars joined by newlines."""
    return re.compile(rf"\n(?:{typed})\n")


@lru_cache(maxsize=None)
def _typed_scalar(typed: str) -> re.Pattern[str]:
    return re.compile(f"(?:{typed})")


@lru_cache(maxsize=64)
def _item_patterns(column: int, dash: str, keys: tuple[str, ...]) -> tuple[re.Pattern[str], re.Pattern[str], str]:
    """Sequence items of one shape: (an item, capturing the scalar of each key as `other` does
    (_PLAIN_VALUE), a plain scalar whether typed or not; a run of items with these lines whatever their values, if
    they have one; the start of an item's first line, after the newline that ends the line before).

    The shape: blank and comment lines, `dash` at `column` with the first key, then each other key
    on a line of its own at the item's column, in this order; every key with a one-line scalar and
    an optional comment. The line pattern reads each of these lines the same way. An item starts
    where a line does."""

    def item(value: str) -> str:
        entries = [f"{re.escape(key)} *+: ++{value}\n" for key in keys]
        return r"(?<=\n)" + _SKIP + " " * column + re.escape(dash) + (" " * (column + len(dash))).join(entries)

    # The second pattern takes a line whose value is anything that starts with neither a space nor
    # '#': where the first does not take such a line, the line pattern cannot read it either (it
    # takes a scalar there, or nothing), and the text is outside the subset.
    return (
        re.compile(item(f"({_PLAIN_VALUE}|{_QUOTED}){_TRAIL}")),
        re.compile(f"(?:{item(_SOME_VALUE)})*+"),
        "\n" + " " * column + dash + keys[0],
    )


def load_subset(text: str, typed: str, resolve: Callable[[str], Any], max_depth: int, max_number: int) -> dict[str, Any]:
    """The mapping `text` holds, if all of it is in the subset; raises OutsideSubset otherwise.

    A plain scalar that `typed` (a regex) matches whole is turned into its value by `resolve`,
    every other one is its text: `typed` must match every plain scalar `resolve` does not return
    as a string. Collections nested `max_depth` deep and typed scalars longer than `max_number`
    characters are left to the full parser."""
    if text.startswith("---"):
        marker, _, text = text.partition("\n")
        if marker.rstrip(" ") != "---":
            raise OutsideSubset
    lines = _line_pattern(typed)
    root: dict[str, Any] = {}
    # Open collections, innermost last: (column, the collection); a sequence's column is its
    # dashes', a mapping's its keys'.
    stack: list[tuple[int, Any]] = []
    top_column: int = -1  # stack[-1]
    collection: Any = None
    pending: tuple[dict[str, Any], str, int] | None = None  # `key:` without a value: (mapping, key, key column)
    position = 0  # where the lines still to read start
    while True:
        for line in lines.finditer(text, position):
            indent, dash, key, typed_value, other, bad = line.groups("")
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
                    if len(stack) >= max_depth:
                        raise OutsideSubset
                    keys = _run_keys(collection, key)
                    run = _read_run(text, line.start(), column, dash, keys, typed, resolve, max_number) if keys else None
                    if run:
                        # this item and the ones after it of the same shape, read at once; the last stays open
                        items, position = run
                        collection.extend(items)
                        top_column, collection = column + len(dash), items[-1]
                        stack.append((top_column, collection))
                        break
                    item: dict[str, Any] = {}
                    collection.append(item)
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
            if other and other[0] not in _QUOTES:
                collection[key] = other
            elif typed_value or other:
                collection[key] = _scalar(typed_value, other, resolve, max_number)
            else:
                collection[key] = None
                pending = (collection, key, column)
        else:
            break
    if not stack:
        raise OutsideSubset  # no content
    return root


def _run_keys(sequence: list[Any], key: str) -> tuple[str, ...] | None:
    """The keys of the items a run in `sequence` may have, when its next item starts with `key`:
    those of two mappings in a row with the same keys in the same order, its last two, or the two
    before its last (after an item of another shape, the run goes on). A sequence of one-off
    shapes is read line by line, not by a pattern for each."""
    for last in (-1, -2):
        if len(sequence) < 1 - last or type(sequence[last]) is not dict or type(sequence[last - 1]) is not dict:
            return None
        keys = tuple(sequence[last])
        if keys == tuple(sequence[last - 1]):
            return keys if keys[0] == key else None
    return None


def _read_run(
    text: str, start: int, column: int, dash: str, keys: tuple[str, ...], typed: str, resolve: Callable[[str], Any], max_number: int
) -> tuple[list[dict[str, Any]], int] | None:
    """The items of the shape `keys` (a sequence's at `column`, written with `dash`) that stand one
    after the other from `start`, and where the first line after them starts; None if there is none.

    One pattern finds where the lines of such items end, a second splits the values off them: when
    nothing stands between the items, every one is in the subset. The values of a key are then
    looked at together: only a key with a typed or quoted value has them converted one by one."""
    item, lines, first_line = _item_patterns(column, dash, keys)
    matched = lines.match(text, start)  # `(...)*+`: never None
    end = matched.end() if matched else start
    # [what stands before the first item, its values, what stands between it and the next, ...], from
    # the newline before `start` (an item starts after one)
    parts = item.split(text[start - 1 : end])
    width = len(keys) + 1
    count = len(parts) // width
    if parts[0] != "\n" or any(parts[width::width]):
        end = _end_of_run(item, text, start)
        count = text.count(first_line, start - 1, end)  # the first items split off are the run's
    if not count:
        return None
    items: list[dict[str, Any]] = [{} for _ in range(count)]
    typed_line = _typed_line(typed)
    for index, key in enumerate(keys, 1):
        values: Sequence[Any] = parts[index : width * count : width]
        joined = "\n" + "\n".join(values) + "\n"
        quoted = joined.count("\n'") + joined.count('\n"')  # a plain scalar starts with neither quote
        if quoted == count:
            values = list(map(_UNQUOTE, values))
        elif quoted or typed_line.search(joined):
            typed_scalar = _typed_scalar(typed)
            values = [
                _scalar(value, "", resolve, max_number) if typed_scalar.fullmatch(value) else _scalar("", value, resolve, max_number)
                for value in values
            ]
        deque(map(setitem, items, repeat(key), values), maxlen=0)  # items[i][key] = values[i]
    return items, end


def _end_of_run(item: re.Pattern[str], text: str, start: int) -> int:
    """Where the items `item` matches that stand one after the other from `start` end. Only for a
    text outside the subset: the item after them has a line the line pattern cannot read."""
    matched = re.compile(f"(?:{item.pattern})*+").match(text, start)  # `(...)*+`: never None
    return matched.end() if matched else start


def _scalar(typed_value: str, other: str, resolve: Callable[[str], Any], max_number: int) -> Any:
    if typed_value:
        if len(typed_value) > max_number:
            raise OutsideSubset
        return resolve(typed_value)
    return other[1:-1] if other[0] in _QUOTES else other
