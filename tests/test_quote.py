"""Property tests of the renderers' quoting and of the name rules that make it a formality."""

from __future__ import annotations

import shlex
import subprocess
import tempfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vtepc._bird_keywords import BIRD_KEYWORDS
from vtepc.api import render
from vtepc.names import BIRD_SYMBOL, F5_NAME
from vtepc.render._quote import all_plain, shell_word
from vtepc.render.tmsh import Command
from vtepc.integrations.cilium.state import helm_upgrade_command
from vtepc.text import one_line
from vtepc.validate import load_topology

from .conftest import EXAMPLES, require_tool

# argv cannot carry NUL; everything else is fair game, including line breaks and quotes.
WORDS = st.lists(st.text(st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)), max_size=30), min_size=1, max_size=20)
TMSH_SPECIAL = set(" \t\n\r\"'{}#;$`\\&|<>()*?[]~!")


@pytest.mark.slow
@settings(max_examples=60, deadline=None)
@given(WORDS)
def test_shell_words_round_trip_through_bash(words):
    script = "printf '%s\\0' " + " ".join(shell_word(w) for w in words) + "\n"
    result = subprocess.run(["bash", "-c", script], capture_output=True, check=True)
    assert result.stdout.decode("utf-8").split("\0")[:-1] == words


@settings(max_examples=300)
@given(st.from_regex(r"[A-Za-z][0-9A-Za-z_.-]{0,60}\n?", fullmatch=True) | st.text(max_size=60))
def test_a_valid_f5_name_is_one_plain_word_for_bash_and_tmsh(text):
    if F5_NAME.matches(text):
        assert shell_word(text) == text
        assert not TMSH_SPECIAL & set(text)
        assert text[:1].isascii() and text[:1].isalpha()


@pytest.mark.oracle
@settings(max_examples=40, deadline=None)
@given(st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,70}", fullmatch=True) | st.sampled_from(sorted(BIRD_KEYWORDS)))
def test_a_name_the_bird_rule_accepts_parses_as_a_bird_protocol_name(name):
    bird = require_tool("bird")
    if not BIRD_SYMBOL.matches(name):
        return
    topology = load_topology(EXAMPLES / "cilium-native-bgp.yaml")
    peers = [p.model_copy(update={"name": name + "_" * i}) for i, p in enumerate(topology.bgp.peers)]
    topology = topology.model_copy(update={"bgp": topology.bgp.model_copy(update={"peers": peers})})
    text = render(topology)["bgp/bird-node1.conf"]
    assert f"protocol bgp {name} {{" in text
    with tempfile.NamedTemporaryFile("w", suffix=".conf") as conf:
        conf.write(text)
        conf.flush()
        result = subprocess.run([bird, "-p", "-c", conf.name], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_trailing_newline_is_no_match():
    assert F5_NAME.matches("external")
    assert not F5_NAME.matches("external\n")
    assert not BIRD_SYMBOL.matches("uplink0\n")


@given(st.text())
def test_one_line_is_one_line(text):
    assert len((one_line(text) + "x").splitlines()) == 1
    assert one_line(text) == text or not text.isprintable()


def test_the_helm_command_vtepc_prints_keeps_each_value_one_word():
    command = helm_upgrade_command("kube-system", "1.16.19; touch PWNED", "cilium values.yaml")
    words = shlex.split(command)
    assert words[words.index("--version") + 1] == "1.16.19; touch PWNED"
    assert words[-1] == "cilium values.yaml"
    assert helm_upgrade_command("kube-system", "1.16.19", "v.yaml").endswith("--version 1.16.19 -n kube-system --reuse-values -f v.yaml")


PLAIN_WORD = st.from_regex(r"[A-Za-z0-9_@%+=:,./-]{1,12}", fullmatch=True)
PLAIN_WORDS = st.lists(st.from_regex(r"[A-Za-z0-9_@%+=:,./-]{1,12}|[{}]", fullmatch=True), max_size=20)


@settings(max_examples=200)
@given(WORDS | PLAIN_WORDS | st.lists(st.sampled_from(["{", "}", "", "a", "a{", "}b", "\n", "{\n", "é", "x y"]), max_size=8))
def test_all_plain_says_true_only_when_shell_word_leaves_every_word_alone(words):
    # Command.script_lines joins the words of a body unquoted when all_plain says so (the FDB records' fast path).
    if all_plain(words):
        assert [shell_word(w) for w in words] == words


@settings(max_examples=100)
@given(PLAIN_WORDS)
def test_all_plain_takes_words_that_need_no_quoting_and_are_no_adjacent_braces(words):
    adjacent = any(a in "{}" and b in "{}" for a, b in zip(words, words[1:]) if a and b)
    assert all_plain(words) or adjacent or not words


@settings(max_examples=100)
@given(st.lists((WORDS | PLAIN_WORDS).map(tuple), max_size=6))
def test_a_commands_body_is_quoted_as_word_by_word(body):
    command = Command(("tmsh", "modify"), tuple(body), ("}",))

    def words(line):
        return " ".join(shell_word(w) for w in line)

    expected = [words(command.head) + " \\", *(f"    {words(line)} \\" for line in body), "}"]
    assert command.script_lines() == (expected if body else [words(command.head) + " \\", "}"])


@settings(max_examples=100)
@given(
    st.lists(
        st.tuples(st.sampled_from(["t", "t2", "a b"]), st.text(max_size=12) | PLAIN_WORD, st.text(max_size=12) | PLAIN_WORD), max_size=8
    )
)
def test_the_fdb_commands_lines_are_quoted_as_word_by_word(rows):
    from vtepc.render.tmsh import _fdb_commands
    from vtepc.state.bigip import FdbRecord

    records = [FdbRecord(f"{tunnel}/{mac}", tunnel, mac, endpoint) for tunnel, mac, endpoint in rows]
    for command in _fdb_commands(records):
        words = [" ".join(shell_word(w) for w in line) for line in command.body]
        assert command.script_lines()[1:-1] == [f"    {line} \\" for line in words]
