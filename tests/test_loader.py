import pytest

from vtepc.diagnostics import TopologyInvalid
from vtepc.loader import MAX_DEPTH, load_file, load_text, resolve_plain_scalar


def rejected(raw) -> list:
    with pytest.raises(TopologyInvalid) as info:
        load_text(raw, "t.yaml")
    return info.value.diagnostics


def billion_laughs(levels: int = 7) -> bytes:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for level in range(1, levels):
        prev, name = chr(ord("a") + level - 1), chr(ord("a") + level)
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 10) + "]")
    return ("\n".join(lines) + "\n").encode()


# (code, input, expected line or None, a word the message must contain)
LOADER_CASES = [
    ("VTEP001", b"a: [1, 2\nb: 3\n", 2, "flow sequence"),
    ("VTEP001", b"a: *nowhere\n", 1, "undefined alias"),
    ("VTEP001", "a: \x07\n".encode(), 1, "U+0007"),
    ("VTEP002", b"name: caf\xe9\n", 1, "0xe9"),
    ("VTEP003", b"", None, "no YAML document"),
    ("VTEP003", b"# only a comment\n", None, "no YAML document"),
    ("VTEP003", b"---\n", None, "empty"),
    ("VTEP004", b"- a\n- b\n", 1, "sequence"),
    ("VTEP004", b"just a string\n", 1, "scalar"),
    ("VTEP005", b"a: 1\nb: 2\na: 3\n", 3, "first defined at line 1"),
    ("VTEP006", billion_laughs(), 5, "aliases expand"),
    ("VTEP006", ("a: " + "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5) + "\n").encode(), 1, "nesting"),
    ("VTEP007", None, None, "cannot read"),
    ("VTEP008", b"a: 1\n---\nb: 2\n", 2, "more than one"),
    ("VTEP009", b"a: !Ref x\n", 1, "tag !Ref"),
    ("VTEP009", b"a: 1\nb: !!binary aGVsbG8=\n", 2, "tag !!binary"),
    ("VTEP009", b"a: 1\nb: !!timestamp 2001-12-14\n", 2, "tag !!timestamp"),
    ("VTEP009", b"a: 1\nb: !!set {x, y}\n", 2, "tag !!set"),
    ("VTEP009", b"a: 1\nb: !!omap [x: 1]\n", 2, "tag !!omap"),
    ("VTEP009", b"a: 1\nb: !!python/name:os.system x\n", 2, "tag !!python/name:os.system"),
    ("VTEP009", b"a: 1\nb: !!python/object/apply:os.system [ls]\n", 2, "tag !!python/object/apply:os.system"),
    ("VTEP009", b"a: 1\nb: !local x\n", 2, "tag !local"),
    ("VTEP009", b"%TAG !e! tag:example.com,2000:\n---\na: 1\nb: !e!thing x\n", 4, "tag tag:example.com,2000:thing"),
    ("VTEP009", b"%TAG !! tag:example.com,2000:\n---\na: 1\nb: !!str x\n", 4, "tag tag:example.com,2000:str"),
    ("VTEP009", b"a: 1\n!!binary aGk=: x\n", 2, "tag !!binary"),
    ("VTEP009", b"a: 1\nb: !!int abc\n", 2, "is not an integer"),
    ("VTEP009", b"a: 1\nb: !!bool 3\n", 2, "is not true or false"),
    ("VTEP012", b"a: 1\nb: " + b"9" * 5000 + b"\n", 2, "too large"),
    ("VTEP012", b"a: 1\nb: 0x" + b"f" * 4000 + b"\n", 2, "too large"),
    ("VTEP009", b"? [1, 2]\n: x\n", 1, "complex"),
    ("VTEP009", b"a:\n  <<: 1\n", 2, "merges only mappings"),
]


@pytest.mark.parametrize("code,raw,line,word", LOADER_CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(LOADER_CASES)])
def test_rejected_input(code, raw, line, word, tmp_path):
    if raw is None:
        with pytest.raises(TopologyInvalid) as info:
            load_file(tmp_path / "missing.yaml")
        diagnostics = info.value.diagnostics
    else:
        diagnostics = rejected(raw)
    assert diagnostics[0].code == code, diagnostics
    assert word in diagnostics[0].message
    if line is not None:
        assert diagnostics[0].position.line == line


def test_every_duplicate_key_is_reported():
    diagnostics = rejected(b"a: 1\na: 2\nb:\n  c: 1\n  c: 2\n")
    assert [(d.code, d.position.line, d.path) for d in diagnostics] == [
        ("VTEP005", 2, ("a",)),
        ("VTEP005", 5, ("b", "c")),
    ]


def test_unquoted_macs_and_cidrs_stay_strings():
    data = load_text(b"mac: 00:50:56:86:60:28\ncidr: 10.0.0.0/16\nip: 10.1.6.34\nversion: 1.16\n").data
    assert data["mac"] == "00:50:56:86:60:28"  # YAML 1.1 would read base 60: 5142053908
    assert data["cidr"] == "10.0.0.0/16" and data["ip"] == "10.1.6.34"
    assert data["version"] == 1.16


@pytest.mark.parametrize(
    "text,value",
    [
        ("no", "no"),
        ("on", "on"),
        ("yes", "yes"),
        ("true", True),
        ("False", False),
        ("~", None),
        ("null", None),
        ("0x1F", 31),
        ("0o17", 15),
        ("017", 17),
        ("-3", -3),
        ("1e3", 1000.0),
        (".inf", float("inf")),
        ("12:30", "12:30"),
        ("1_000", "1_000"),
        ("+.5", 0.5),
    ],
)
def test_yaml_1_2_core_schema(text, value):
    assert resolve_plain_scalar(text) == value


def test_quoted_and_tagged_scalars_are_strings():
    data = load_text(b"a: '1'\nb: \"true\"\nc: !!str 2\nd: ! 3\n").data
    assert data == {"a": "1", "b": "true", "c": "2", "d": "3"}


def test_core_schema_tags_are_honoured():
    data = load_text(b"a: !!int '3'\nb: !!float 3\nc: !!bool true\nd: !!null ''\ne: !!map {x: 1}\nf: !!seq [1]\n").data
    assert data == {"a": 3, "b": 3.0, "c": True, "d": None, "e": {"x": 1}, "f": [1]}
    assert type(data["b"]) is float


def test_every_unsupported_tag_is_reported_at_once():
    diagnostics = rejected(b"a: !!binary aGk=\nb: !x y\nc: !!set {z}\n")
    assert [(d.code, d.position.line) for d in diagnostics] == [("VTEP009", 1), ("VTEP009", 2), ("VTEP009", 3)]
    assert all(d.hint for d in diagnostics)


def test_a_number_too_long_to_convert_is_a_diagnostic_with_a_hint():
    (diag,) = rejected(b"vni: " + b"9" * 5000 + b"\n")
    assert (diag.code, diag.position.line, diag.position.column) == ("VTEP012", 1, 6)
    assert "4294967295" in diag.hint


def test_positions_of_keys_and_values():
    doc = load_text(b"cluster:\n  nodes:\n    - name: n1\n      ip: 10.0.0.1\n")
    assert doc.position(("cluster", "nodes", 0, "ip")).line == 4
    assert doc.position(("cluster", "nodes", 0, "ip")).column == 11
    assert doc.key_position(("cluster", "nodes")).line == 2
    assert doc.position(("cluster", "nodes", 0, "missing")).line == 3  # falls back to the entry


def test_small_aliases_and_merge_keys_are_expanded():
    data = load_text(b"base: &b {vlan: external, selfIP: 10.1.0.2/24}\nu:\n  <<: *b\n  vlan: internal\nv: *b\n").data
    assert data["u"] == {"vlan": "internal", "selfIP": "10.1.0.2/24"}
    assert data["v"] == {"vlan": "external", "selfIP": "10.1.0.2/24"}


def test_utf8_bom_is_accepted():
    assert load_text("\ufeffa: 1\n".encode()).data == {"a": 1}


def test_lone_surrogates_in_text_are_rejected():
    assert rejected("a: \udc80\n")[0].code == "VTEP002"
