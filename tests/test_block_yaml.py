"""The block-style reader (vtepc.block_yaml) reads what the full loader reads, or leaves the text to it.

The property: for any text the subset reader accepts, the positioned builder (the full parser,
ruamel.yaml's libyaml events) builds it without a finding, to the same values with the same
types, and load_text's document holds the positioned builder's positions. Documents are
generated block style with nasty scalars and keys, decorations (comments, blank lines, trailing
spaces, indentation, markers, CRLF, BOM, tabs) and single-character corruptions, and with
sequences of mappings of one shape (which the subset reads as runs, by one pattern) and items
that break the shape; each fallback trigger, and each way to break a run, also has its own test.
"""

from __future__ import annotations

import math
import re
import sys
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from vtepc import block_yaml
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
            | runs(keys, scalars, children)
        ),
        max_leaves=10,
    )


@st.composite
def runs(draw: Any, keys: st.SearchStrategy[str], scalars: st.SearchStrategy[Any], children: st.SearchStrategy[Any]) -> list[Any]:
    """A sequence of mappings of one shape (the keys in one order, scalar values), as a node list
    is, long enough to be read as a run; now and then an item breaks the shape: a key missing, one
    more, the keys in another order, a collection as a value. (_render breaks it in the other ways:
    another dash, quoted or typed values, comments and blank lines, a corruption.)"""
    shape = draw(st.lists(keys, min_size=1, max_size=4, unique=True))
    items = []
    for _ in range(draw(INTEGERS[3, 8])):
        item = {key: draw(scalars) for key in shape}
        change = draw(CHANGES)
        if change == "missing" and len(item) > 1:
            del item[draw(st.sampled_from(shape))]
        elif change == "extra":
            item[draw(keys)] = draw(scalars)
        elif change == "order":
            item = dict(reversed(item.items()))
        elif change == "nested":
            item[draw(st.sampled_from(shape))] = draw(children)
        items.append(item)
    return items


# The strategies the renderer draws from, made once (making one costs more than drawing from it).
STYLES = st.sampled_from(["plain", "plain", "double", "single"])
TRAILS = {nasty: st.sampled_from(["", "", "", "  ", " # c", " #", " # a: b", "#c"][: None if nasty else -1]) for nasty in (False, True)}
COLONS = st.sampled_from([":", ":", " :"])
AFTER_COLONS = st.sampled_from([" ", "  "])
DASHES = st.sampled_from([" ", " ", "   "])
OTHER_DASHES = st.sampled_from([" ", "  ", "   "])
CHANGES = st.sampled_from(["none"] * 8 + ["missing", "extra", "order", "nested"])
BOOLEANS = st.booleans()
INTEGERS = {bounds: st.integers(*bounds) for bounds in [(0, 9), (1, 4), (0, 7), (1, 3), (0, 5), (3, 8), (0, 3)]}


def _scalar(draw: Any, text: str, nasty: bool) -> str:
    style = draw(STYLES)
    if style == "double" and (nasty or '"' not in text and "\\" not in text):
        return f'"{text}"'
    if style == "single" and (nasty or "'" not in text):
        return "'" + text.replace("'", "''") + "'"
    return text


def _trail(draw: Any, nasty: bool) -> str:
    return draw(TRAILS[nasty])


def _render(draw: Any, value: Any, column: int, out: list[str], nasty: bool) -> None:
    """`value` (a collection) as block-style lines starting at `column`."""
    pad = " " * column
    if isinstance(value, dict):
        if not value:
            out.append(pad + "{}")
        for key, item in value.items():
            key_text = _scalar(draw, key, True) if nasty and draw(INTEGERS[0, 9]) == 0 else key
            head = f"{pad}{key_text}{draw(COLONS)}"
            if isinstance(item, (dict, list)) and item:
                out.append(head + _trail(draw, nasty))
                indentless = isinstance(item, list) and draw(BOOLEANS)
                _render(draw, item, column if indentless else column + draw(INTEGERS[1, 4]), out, nasty)
            else:
                empty = "[]" if item == [] else "{}" if item == {} else None
                out.append(f"{head}{draw(AFTER_COLONS)}{empty or _scalar(draw, item, nasty)}{_trail(draw, nasty)}")
    else:
        if not value:
            out.append(pad + "[]")
        dashes = "-" + draw(DASHES)
        for item in value:
            dash = dashes if draw(INTEGERS[0, 7]) else "-" + draw(OTHER_DASHES)
            if isinstance(item, dict) and item:
                lines: list[str] = []
                _render(draw, item, column + len(dash), lines, nasty)
                out.append(pad + dash + lines[0][column + len(dash) :])
                out.extend(lines[1:])
            elif isinstance(item, list) and item:
                out.append(pad + ("-" + _trail(draw, nasty) if nasty else dash + "x"))
                _render(draw, item, column + draw(INTEGERS[1, 3]), out, nasty)
            else:
                empty = "[]" if item == [] else "{}" if item == {} else None
                out.append(f"{pad}{dash}{empty or _scalar(draw, item, nasty)}{_trail(draw, nasty)}")
        if nasty and draw(INTEGERS[0, 5]) == 0:
            out.append(pad + "-")  # a dash alone


ROOTS = {
    nasty: st.dictionaries(st.sampled_from(KEYS + ["cluster", "bigips", "nodes"]), values(nasty), min_size=1, max_size=4)
    for nasty in (False, True)
}


@st.composite
def documents(draw: Any) -> str:
    """Half the documents stay inside the subset (the subset must read them as the full parser
    does); the others hold something outside it, or may, and a corruption."""
    nasty = draw(BOOLEANS)
    root = draw(ROOTS[nasty])
    lines: list[str] = []
    _render(draw, root, draw(st.sampled_from([0, 0, 0, 2])) if nasty else 0, lines, nasty)
    for _ in range(draw(INTEGERS[0, 3])):  # blank and comment lines anywhere
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


def read_in_runs(text: str) -> tuple[dict[str, Any], int]:
    """What the subset reads, and how many sequence items of it it read in runs (by one pattern).

    A run that reads past an item that is not in the subset (and then goes back to it) happens
    only in a text outside the subset, at most twice (the run that reaches the item, and the one
    that starts at it), not once per item."""
    read = 0
    read_run = block_yaml._read_run

    def counted(*args: Any) -> Any:
        nonlocal read
        run = read_run(*args)
        read += len(run[0]) if run else 0
        return run

    with (
        mock.patch.object(block_yaml, "_read_run", counted),
        mock.patch.object(block_yaml, "_end_of_run", wraps=block_yaml._end_of_run) as went_back,
    ):
        try:
            data = subset(text)
        except OutsideSubset:
            assert went_back.call_count <= 2
            raise
        assert not went_back.called
        return data, read


def assert_read_as_the_full_loader_reads(text: str) -> int:
    """Returns how many sequence items the subset read in runs."""
    data, read = read_in_runs(text)
    builder = _positioned(text, "t.yaml")  # raises what the full parser raises: the test fails
    assert not builder.diagnostics, builder.diagnostics
    assert typed(data) == typed(builder.data)
    document = load_text(text, "t.yaml")
    assert typed(document.data) == typed(builder.data)
    assert (document.value_positions, document.key_positions) == (builder.value_positions, builder.key_positions)
    return read


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_what_the_subset_reads_the_full_loader_reads_alike(text):
    what_the_subset_reads_the_full_loader_reads_alike(text)


def what_the_subset_reads_the_full_loader_reads_alike(text: str) -> None:
    try:
        read = assert_read_as_the_full_loader_reads(text)
    except OutsideSubset:
        event("left to the full parser")
        return
    event("read by the subset, with runs" if read else "read by the subset")


@pytest.mark.slow
@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_what_the_subset_reads_the_full_loader_reads_alike_long_search(text):
    what_the_subset_reads_the_full_loader_reads_alike(text)


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(SCALARS) | st.text(alphabet="0123456789+-._eExXoOabcdfinNlLtTrRuUsSA~", min_size=1, max_size=8))
def test_typed_matches_exactly_the_plain_scalars_not_resolved_to_strings(text):
    assert bool(re.fullmatch(f"(?:{_TYPED})", text)) == (not isinstance(resolve_plain_scalar(text), str))


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(SCALARS + NASTY_SCALARS) | st.text(alphabet=" :#-a1'\"\t\u00e9", max_size=10))
def test_a_run_reads_a_value_as_the_line_pattern_does(text):
    """A value that ends its line: _PLAIN_VALUE (runs) takes what _PLAIN (the line pattern) takes."""
    line, run = (
        re.compile(f"({plain}|{block_yaml._QUOTED}){block_yaml._TRAIL}\n") for plain in (block_yaml._PLAIN, block_yaml._PLAIN_VALUE)
    )
    read, read_in_a_run = line.match(text + "\n"), run.match(text + "\n")
    assert (read and (read[1], read.end())) == (read_in_a_run and (read_in_a_run[1], read_in_a_run.end()))


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


def node(i: int) -> str:
    return f"    - name: node-{i}\n      ip: 10.0.{i}.1\n      podCIDR: 10.1.{i}.0/24\n"


def nodes(*middle: str, items: str = "".join(map(node, range(4)))) -> str:
    """A node list: four items, `middle`, four more."""
    return "cluster:\n  nodes:\n" + items + "".join(middle) + items + "bigips:\n  - name: b\n"


# Sequences of mappings of one shape, read in runs (the first two items of a sequence, and one or
# two after an item that breaks the shape, line by line): each way of writing or breaking them.
RUNS = {
    "nodes": nodes(),
    "one key": "names:\n" + "".join(f"- name: n{i}\n" for i in range(6)),
    "blank lines and comments between items": nodes("\n", "# rack 2\n", "   \n", "        # deeper\n", "#\n"),
    "comments after the values": nodes(node(9).replace("\n", " # c\n"), node(10).replace("\n", "   #\n")),
    "quoted values": nodes(
        *(node(i).replace("node-", "'node-").replace("\n      ip", "'\n      ip") for i in range(3)),
        '    - name: ""\n      ip: "1"\n      podCIDR: \'~\'\n',
    ),
    "typed values": "x:\n"
    + "".join(
        f"  - a: {a}\n    b: {b}\n"
        for a in ("1", "-2", "0x1F", "0o17", "1.5", "1e3", ".inf", "-.Inf", ".nan", "~", "null", "true", "False")
        for b in ("x", "1", "'1'")
    ),
    "quoted values, all of them": "x:\n" + "".join(f"  - a: \"v{i}\"\n    b: 'w{i}'\n    c: ''\n" for i in range(6)),
    "typed values in one run only": "x:\n" + "".join(f"  - a: n{i}\n    b: {i}\n" for i in range(5)) + "  - a: 1\n    b: 1\n",
    "flannel nodes": "cluster:\n  nodes:\n"
    + "".join(
        f"  - name: n{i}\n    ip: 10.0.0.{i}\n    podCIDR: 10.1.{i}.0/24\n    vtepMAC: 98:ba:76:dc:54:{i:02x}\n    publicIP: 172.16.2.{i}\n"
        for i in range(6)
    ),
    "sequence at its key's column": "cluster:\n  nodes:\n"
    + "".join(f"  - name: n{i}\n    ip: 10.0.0.{i}\n" for i in range(6))
    + "  cni: x\n",
    "at column 0": "nodes:\n" + "".join(f"- name: n{i}\n  ip: 10.0.0.{i}\n" for i in range(6)) + "other: 1\n",
    "wide dashes": "nodes:\n" + "".join(f"  -   name: n{i}\n      ip: 10.0.0.{i}\n" for i in range(6)),
    "another dash in the middle": nodes("    -  name: x\n       ip: y\n       podCIDR: z\n"),
    "spaces around colons": "nodes:\n" + "".join(f"  - name :   n{i}\n    ip  : 10.0.0.{i}  \n" for i in range(6)),
    "a key missing": nodes("    - name: x\n      podCIDR: z\n"),
    "a key more": nodes("    - name: x\n      ip: y\n      podCIDR: z\n      vtepMAC: 00:00:00:00:00:01\n"),
    "a key more on the last item": nodes(items="".join(map(node, range(5)))).replace("bigips:", "      vtepMAC: m\nbigips:", 1),
    "keys in another order": nodes("    - ip: y\n      name: x\n      podCIDR: z\n"),
    "a key that starts with another": nodes(
        "    - names: x\n      ip: y\n      podCIDR: z\n", "    - name: x\n      ips: y\n      podCIDR: z\n"
    ),
    "a comment for a value": nodes(
        "    - name: x\n      ip:   # none\n      podCIDR: z\n", "    - name: x\n      ip: y\n      podCIDR:  \n"
    ),
    "an empty value": nodes("    - name: x\n      ip:\n      podCIDR: z\n", "    - name: x\n      ip: y\n      podCIDR:\n"),
    "a nested value": nodes(
        "    - name: x\n      ip:\n        a: 1\n      podCIDR: z\n", "    - name: x\n      ip: y\n      podCIDR:\n      - 1\n"
    ),
    "a comment inside an item": nodes("    - name: x\n      # c\n      ip: y\n\n      podCIDR: z\n"),
    "a scalar item": nodes("    - just a scalar\n"),
    "the end of the text": nodes().rstrip("\n").replace("\nbigips:\n  - name: b", ""),
    "two sequences of one shape": "a:\n" + "".join(f"  - k: {i}\n" for i in range(5)) + "b:\n" + "".join(f"  - k: {i}\n" for i in range(5)),
    "sequences in items": "x:\n" + "".join(f"  - a: {i}\n    b:\n    - c: 1\n    - c: 2\n    - c: 3\n" for i in range(4)),
}


@pytest.mark.parametrize("name", list(RUNS))
def test_runs_of_sequence_items_are_read_as_the_full_loader_reads_them(name):
    assert assert_read_as_the_full_loader_reads(RUNS[name]) > 0


def test_a_node_list_is_read_in_one_run_after_its_first_two_items():
    assert assert_read_as_the_full_loader_reads(nodes()) == 6


@pytest.mark.parametrize("name", ["a key missing", "keys in another order", "a nested value"])
def test_after_an_item_of_another_shape_the_run_goes_on_at_the_next_item(name):
    # four nodes (the first two read line by line), the items of another shape, four nodes
    assert assert_read_as_the_full_loader_reads(RUNS[name]) == 2 + 4


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
    # in a run of sequence items (as RUNS)
    "an unclosed quote in a run": nodes("    - name: 'x    - name: y\n      ip: y\n      podCIDR: z\n"),
    "an escape in a run": nodes('    - name: "x\\ty"\n      ip: y\n      podCIDR: z\n'),
    "a flow value in a run": nodes("    - name: x\n      ip: [y]\n      podCIDR: z\n"),
    "an anchor in a run": nodes("    - name: &a x\n      ip: y\n      podCIDR: z\n"),
    "a tab in a run": nodes("    - name: x\n      ip:\ty\n      podCIDR: z\n"),
    "a trailing tab in a run": nodes("    - name: x\t\n      ip: y\n      podCIDR: z\n"),
    "a carriage return in a run": nodes("    - name: x\r\n      ip: y\n      podCIDR: z\n"),
    "non-ASCII in a run": nodes("    - name: caf\u00e9\n      ip: y\n      podCIDR: z\n"),
    "non-ASCII in a comment in a run": nodes("    - name: x # caf\u00e9\n      ip: y\n      podCIDR: z\n"),
    "non-ASCII in a comment line in a run": nodes("  # caf\u00e9\n"),
    "a duplicate key in a run": nodes("    - name: x\n      ip: y\n      podCIDR: z\n      ip: w\n"),
    "a deeper line in a run": nodes("    - name: x\n        ip: y\n      podCIDR: z\n"),
    "a line between levels after a run": nodes("     - name: x\n"),
    "a multi-line scalar in a run": nodes("    - name: x\n      ip: y\n       w\n      podCIDR: z\n"),
    "an overlong number in a run": nodes(f"    - name: x\n      ip: {'1' * (MAX_NUMBER_LITERAL + 1)}\n      podCIDR: z\n"),
    "a document end after a run": nodes("...\n"),
}


@pytest.mark.parametrize("name", list(FALLBACKS))
def test_each_construct_outside_the_subset_is_left_to_the_full_parser(name):
    text = FALLBACKS[name]
    with pytest.raises(OutsideSubset):
        read_in_runs(text)
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
