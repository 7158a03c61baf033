"""The block-style reader (vtepc.block_yaml) reads what the full loader reads, or leaves the text to it.

The property: for any text the subset reader accepts, the positioned builder (the full parser,
ruamel.yaml's libyaml events) builds it without a finding, to the same values with the same
types, and load_text's document holds the positioned builder's positions. Documents are
generated block style with nasty scalars and keys, decorations (comments, blank lines, trailing
spaces, indentation, markers, CRLF, BOM, tabs) and single-character corruptions; each fallback
trigger also has its own test.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from vtepc.block_yaml import OutsideSubset, load_subset
from vtepc.diagnostics import TopologyInvalid
from vtepc.loader import _TYPED, MAX_DEPTH, MAX_NUMBER_LITERAL, _positioned, load_text, resolve_plain_scalar

from .conftest import EXAMPLES

# Scalars the subset reads (plain and quoted), then scalars it must leave to the full parser
# when they stand as written.
SCALARS = [
    *("yes no on off y n Y N ~ null Null NULL nULL true True TRUE tRUE false False FALSE".split()),
    *("0 -0 +4 012 0o17 0O17 0o8 0x1F 0xg 0X1F 1_000 1e3 1E3 1e+3 1.5e-2 1. .5 . +.inf .inf -.Inf .INF .nan .NaN .NAN".split()),
    *("12:30:00 2026-11-30 00:50:56:86:60:28 10.0.0.0/8 172.16.0.1 fd00::1 https://192.0.2.10 node-1 1.16.19".split()),
    *("a b", "a  b", "a#b", "a::b", "-1", "--", "x,y", "a[0]", "it's", 'say "hi"', "back\\slash", "p%", "x@y", "1" * 30),
]
NASTY_SCALARS = [
    *("a: b", "a #b", "a:", ":x", "- a", "-", "---", "...", "?x", "? x", "[x]", "{x: 1}", "*x", "&x", "!x", "!!str x"),
    *("|", "> x", "'q'", '"q"', "%p", "@x", "`x`", "", " ", "x ", " x", "caf\u00e9", "tab\there", "cr\rhere", "\ufeffbom"),
    "1" * (MAX_NUMBER_LITERAL + 1),
    "a" * (MAX_NUMBER_LITERAL + 1),
]
KEYS = ["name", "ip", "podCIDR", "a b", "a:b", "1", "-x", "true", "~", "a#b", "x'y", "k.8"]
NASTY_KEYS = ["<<", "a:", "k ", " k", "? k", "caf\u00e9", "k" * 1100]
NASTY = list(" \t\r\n:#-'\"&*!|>[]{}?,%@`\\x0.~") + ["\ufeff", "\u00e9", "\r\n", "---\n", "...\n", "- ", ": "]


def values(nasty: bool) -> st.SearchStrategy[Any]:
    scalars = st.sampled_from(SCALARS + NASTY_SCALARS if nasty else SCALARS)
    keys = st.sampled_from(KEYS + NASTY_KEYS if nasty else KEYS) | st.from_regex(r"[a-z][a-z0-9]{0,5}", fullmatch=True)
    return st.recursive(
        scalars | st.text(alphabet="ab01.:-# '\"", max_size=6) if nasty else scalars,
        lambda children: (
            st.lists(children, min_size=0 if nasty else 1, max_size=4)
            | st.dictionaries(keys, children, min_size=0 if nasty else 1, max_size=4)
        ),
        max_leaves=10,
    )


def _scalar(draw: Any, text: str, nasty: bool) -> str:
    style = draw(st.sampled_from(["plain", "plain", "double", "single"]))
    if style == "double" and (nasty or '"' not in text and "\\" not in text):
        return f'"{text}"'
    if style == "single" and (nasty or "'" not in text):
        return "'" + text.replace("'", "''") + "'"
    return text


def _trail(draw: Any, nasty: bool) -> str:
    return draw(st.sampled_from(["", "", "", "  ", " # c", " #", " # a: b", "#c"][: None if nasty else -1]))


def _render(draw: Any, value: Any, column: int, out: list[str], nasty: bool) -> None:
    """`value` (a collection) as block-style lines starting at `column`."""
    pad = " " * column
    if isinstance(value, dict):
        if not value:
            out.append(pad + "{}")
        for key, item in value.items():
            key_text = _scalar(draw, key, True) if nasty and draw(st.integers(0, 9)) == 0 else key
            head = f"{pad}{key_text}{draw(st.sampled_from([':', ':', ' :']))}"
            if isinstance(item, (dict, list)) and item:
                out.append(head + _trail(draw, nasty))
                indentless = isinstance(item, list) and draw(st.booleans())
                _render(draw, item, column if indentless else column + draw(st.integers(1, 4)), out, nasty)
            else:
                empty = "[]" if item == [] else "{}" if item == {} else None
                out.append(f"{head}{draw(st.sampled_from([' ', '  ']))}{empty or _scalar(draw, item, nasty)}{_trail(draw, nasty)}")
    else:
        if not value:
            out.append(pad + "[]")
        for item in value:
            dash = "-" + draw(st.sampled_from([" ", " ", "   "]))
            if isinstance(item, dict) and item:
                lines: list[str] = []
                _render(draw, item, column + len(dash), lines, nasty)
                out.append(pad + dash + lines[0][column + len(dash) :])
                out.extend(lines[1:])
            elif isinstance(item, list) and item:
                out.append(pad + ("-" + _trail(draw, nasty) if nasty else dash + "x"))
                _render(draw, item, column + draw(st.integers(1, 3)), out, nasty)
            else:
                empty = "[]" if item == [] else "{}" if item == {} else None
                out.append(f"{pad}{dash}{empty or _scalar(draw, item, nasty)}{_trail(draw, nasty)}")
        if nasty and draw(st.integers(0, 5)) == 0:
            out.append(pad + "-")  # a dash alone


@st.composite
def documents(draw: Any) -> str:
    """Half the documents stay inside the subset (the subset must read them as the full parser
    does); the others hold something outside it, or may, and a corruption."""
    nasty = draw(st.booleans())
    root = draw(st.dictionaries(st.sampled_from(KEYS + ["cluster", "bigips", "nodes"]), values(nasty), min_size=1, max_size=4))
    lines: list[str] = []
    _render(draw, root, draw(st.sampled_from([0, 0, 0, 2])) if nasty else 0, lines, nasty)
    for _ in range(draw(st.integers(0, 3))):  # blank and comment lines anywhere
        at = draw(st.integers(0, len(lines)))
        lines.insert(at, draw(st.sampled_from(["", "   ", "# comment", "    # indented: comment", "#"])))
    head = draw(st.sampled_from(["", "", "", "---\n", "--- \n"] + (["---\n---\n", "%YAML 1.2\n---\n", "\ufeff"] if nasty else [])))
    tail = draw(st.sampled_from(["\n", "\n", ""] + (["\n...\n", "\n---\nb: 1\n"] if nasty else [])))
    text = head + draw(st.sampled_from(["\n", "\n", "\r\n"] if nasty else ["\n"])).join(lines) + tail
    if nasty and draw(st.booleans()):  # one corruption
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.sampled_from(NASTY)) + text[at + draw(st.integers(0, 1)) :]
    return text


def typed(value: Any) -> Any:
    """The value with each scalar's type beside it (1, 1.0 and True compare equal otherwise)."""
    if isinstance(value, dict):
        return [(key, typed(item)) for key, item in value.items()]  # in order
    if isinstance(value, list):
        return [typed(item) for item in value]
    if isinstance(value, float) and math.isnan(value):
        return (float, "nan")
    return (type(value), value)


def subset(text: str) -> dict[str, Any]:
    return load_subset(text, _TYPED, resolve_plain_scalar, MAX_DEPTH, MAX_NUMBER_LITERAL)


def assert_read_as_the_full_loader_reads(text: str) -> None:
    data = subset(text)
    builder = _positioned(text, "t.yaml")  # raises what the full parser raises: the test fails
    assert not builder.diagnostics, builder.diagnostics
    assert typed(data) == typed(builder.data)
    document = load_text(text, "t.yaml")
    assert typed(document.data) == typed(builder.data)
    assert (document.value_positions, document.key_positions) == (builder.value_positions, builder.key_positions)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_what_the_subset_reads_the_full_loader_reads_alike(text):
    try:
        assert_read_as_the_full_loader_reads(text)
    except OutsideSubset:
        event("left to the full parser")
        return
    event("read by the subset")


@pytest.mark.slow
@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_what_the_subset_reads_the_full_loader_reads_alike_long_search(text):
    try:
        assert_read_as_the_full_loader_reads(text)
    except OutsideSubset:
        pass


def _benchmark_topology(n: int) -> str:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    try:
        from gen_topology import topology_text
    finally:
        sys.path.pop(0)
    return str(topology_text(n))


IN_SUBSET = {
    "nasty scalars": "".join(f"k{i}: {text}\n" for i, text in enumerate(SCALARS)),
    "quoted": 'a: "1"\nb: \'true\'\nc: ""\nd: \'\'\ne: \'say "hi"\'\nf: "it\'s"\n',
    "keys": "a b: 1\na:b: 2\n1: x\n-x: y\ntrue: 3\n~: 4\na#b: 5\nk : 6\n",
    "comments": "# head\na: 1 # one\n  # indented\nb:   # nothing\n\n   \nc: x#y\n",
    "nesting": "a:\n  b:\n    - c: 1\n      d:\n      - 2\n      - x\n    -   e: 3\n        f: 4\n",
    "indentless": "a:\n- 1\n- b: 2\n  c: 3\nd: 4\n",
    "leading marker": "---\na: 1\n",
    "empty values": "a:\nb:\n  c:\nd: ~\n",
    "no final newline": "a: 1",
    "benchmark": _benchmark_topology(20),
}


@pytest.mark.parametrize("name", list(IN_SUBSET))
def test_common_documents_are_read_by_the_subset(name):
    assert_read_as_the_full_loader_reads(IN_SUBSET[name])


def test_the_block_style_examples_are_read_by_the_subset():
    read = 0
    for path in sorted(EXAMPLES.rglob("*.yaml")):
        try:
            assert_read_as_the_full_loader_reads(path.read_text(encoding="utf-8"))
            read += 1
        except OutsideSubset:
            pass
    assert read >= 5


FALLBACKS = {
    "flow mapping": "a: {b: 1}\n",
    "flow sequence": "a: [1, 2]\n",
    "flow in a sequence": "a:\n  - {b: 1}\n",
    "anchor": "a: &x 1\n",
    "alias": "a: 1\nb: *x\n",
    "tag": "a: !!str 1\n",
    "local tag": "a: !x 1\n",
    "literal block": "a: |\n  x\n",
    "folded block": "a: >-\n  x\n",
    "multi-line plain": "a: b\n  c\n",
    "multi-line in a sequence": "a:\n  - b\n    c\n",
    "escape": 'a: "x\\ny"\n',
    "doubled quote": "a: 'it''s'\n",
    "multi-line quoted": 'a: "x\n  y"\n',
    "quoted key": '"a": 1\n',
    "complex key": "? a\n: 1\n",
    "merge key": "b:\n  <<: {c: 1}\n",
    "duplicate key": "a: 1\na: 2\n",
    "duplicate nested key": "a:\n  b: 1\n  b: 2\n",
    "directive": "%YAML 1.2\n---\na: 1\n",
    "second document": "a: 1\n---\nb: 2\n",
    "document end": "a: 1\n...\n",
    "marker with content": "--- a: 1\n",
    "dash alone": "a:\n  -\n  - 1\n",
    "nested dash": "a:\n  - - 1\n",
    "tab": "a:\t1\n",
    "tab indentation": "a:\n\tb: 1\n",
    "carriage return": "a: 1\r\nb: 2\r\n",
    "BOM": "\ufeffa: 1\n",
    "non-ASCII": "a: caf\u00e9\n",
    "control character": "a: \x07\n",
    "deeper than its mapping": "a: 1\n  b: 2\n",
    "between levels": "a:\n    b: 1\n  c: 2\n",
    "sequence after a scalar": "a: 1\n- b\n",
    "key after a sequence": "a:\n  - 1\n  b: 2\n",
    "top-level sequence": "- a\n",
    "top-level scalar": "a\n",
    "indented top level": "  a: 1\n",
    "empty": "",
    "comments only": "# x\n",
    "value after a colon without space": "a: b:c: d\n",
    "mapping value in a value": "a: b: c\n",
    "overlong number": f"a: {'1' * (MAX_NUMBER_LITERAL + 1)}\n",
    "overlong key": f"{'k' * 1100}: 1\n",
    "too deep": "".join(f"{' ' * i}k:\n" for i in range(MAX_DEPTH + 1)) + " " * (MAX_DEPTH + 1) + "k: 1\n",
    "comment without a space": "a: b #c\nd: 'e'#f\n",
}


@pytest.mark.parametrize("name", list(FALLBACKS))
def test_each_construct_outside_the_subset_is_left_to_the_full_parser(name):
    text = FALLBACKS[name]
    with pytest.raises(OutsideSubset):
        subset(text)
    # and load_text still reads it as the full parser does (or refuses it with its diagnostics)
    try:
        builder = _positioned(text, "t.yaml")
    except Exception:
        with pytest.raises(TopologyInvalid):
            load_text(text, "t.yaml")
        return
    if builder.diagnostics:
        with pytest.raises(TopologyInvalid) as raised:
            load_text(text, "t.yaml")
        assert raised.value.diagnostics == builder.diagnostics
    else:
        assert typed(load_text(text, "t.yaml").data) == typed(builder.data)
