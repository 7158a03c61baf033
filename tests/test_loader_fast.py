"""The loader's two builders agree: a document with nothing that may be a finding loads without
positions (loader._plain_data) to the very values the positioned builder gives, and its positions,
found when a diagnostic first asks, are the positioned builder's; every document with a finding
takes the positioned builder."""

from __future__ import annotations

import math
from typing import Any

import pytest

from vtepc.loader import _plain_data, _positioned, _Unusual, load_text

from .conftest import EXAMPLES
from .test_loader import LOADER_CASES

SCALARS = """\
plain: text
ints: [0, 7, -3, +4, 0x1F, 0o17, 012, 1_000]
floats: [1.5, -0.5, .5, 1e3, 1.0e-2, .inf, -.Inf, +.INF, 1.]
nan: .nan
nulls: [~, null, Null, NULL, ]
empty:
bools: [true, True, TRUE, false, False, FALSE, yes, no, on, off, y, n]
macs:
  - 00:50:56:86:60:28
  - 0a:0a:0a:a9:48:ef
quoted: ["1", '2', "true", 'null', "", '~']
block: |
  line one
  line two
folded: >-
  folded
  text
numbers as keys: {1: a, 2.5: b, true: c, null: d}
"<<": a quoted merge key is a plain key
flow: {a: [1, {b: [2, [3]]}], c: {}}
nested:
  - - [deep, [deeper]]
    - {}
  - []
unicode: "caf\\u00e9 \u00fc"
"""

ACCEPTED_WITH_POSITIONS_ONLY = [
    "a: !!str 1\nb: !!int 2\n",  # core-schema tags fitting their values: no finding, but tagged
    "a: &x {k: v}\nb: *x\n",
    "base: &b {x: 1}\nc:\n  <<: *b\n  y: 2\n",
    "%YAML 1.2\n---\na: 1\n",
    "---\na: 1\n...\n",
]


def typed(value: Any) -> Any:
    """The value with every scalar's type beside it (1, 1.0 and True compare equal otherwise)."""
    if isinstance(value, dict):
        return {key: typed(item) for key, item in value.items()}
    if isinstance(value, list):
        return [typed(item) for item in value]
    if isinstance(value, float) and math.isnan(value):
        return (float, "nan")
    return (type(value), value)


def documents() -> list[tuple[str, str]]:
    out = [("scalars", SCALARS)] + [(p.name, p.read_text(encoding="utf-8")) for p in sorted(EXAMPLES.glob("*.yaml"))]
    return out + [(f"accepted-{i}", text) for i, text in enumerate(ACCEPTED_WITH_POSITIONS_ONLY)]


@pytest.mark.parametrize("name,text", documents(), ids=[name for name, _ in documents()])
def test_loaded_data_and_positions_are_the_positioned_builders(name, text):
    builder = _positioned(text, "t.yaml")
    assert not builder.diagnostics
    document = load_text(text, "t.yaml")
    assert typed(document.data) == typed(builder.data)
    assert document.value_positions == builder.value_positions and document.key_positions == builder.key_positions
    assert document.value_positions  # something to compare


@pytest.mark.parametrize("name,text", documents()[:2], ids=[name for name, _ in documents()[:2]])
def test_a_document_without_findings_loads_without_positions(name, text):
    assert typed(_plain_data(text)) == typed(_positioned(text, "t.yaml").data)
    assert load_text(text)._positions is None  # found only when a diagnostic asks


@pytest.mark.parametrize("text", ACCEPTED_WITH_POSITIONS_ONLY)
def test_tags_anchors_aliases_merges_and_directives_take_the_positioned_builder(text):
    if text.startswith(("%YAML", "---")):
        return  # directives and markers alone are plain
    with pytest.raises(_Unusual):
        _plain_data(text)


@pytest.mark.parametrize(
    "raw", [raw for _, raw, _, _ in LOADER_CASES if raw is not None], ids=[c[0] for c in LOADER_CASES if c[1] is not None]
)
def test_every_document_with_a_finding_takes_the_positioned_builder(raw):
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return  # refused before either builder runs
    with pytest.raises(_Unusual):
        _plain_data(text)
