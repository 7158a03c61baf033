"""Docs that cannot rot: every fenced shell and YAML block in README.md and docs/, and every inline
`vtepc ...` command, is run or validated here.

- YAML blocks parse with the loader vtepc uses (libyaml), then by what they are: a topology
  fragment is laid over the example the page names last before it and must validate without a
  diagnostic the example itself does not have (`[...]` keeps the example's value); a Service
  must carry the labels vtepc computes; an ignore-rule list must load; a workflow or pre-commit
  fragment may use only inputs and hooks that exist, pinned to a tag or commit that exists.
- Shell blocks: every one is syntax-checked and every vtepc subcommand and option in it must
  exist. A page's unmarked blocks then run in order, in one shell, in a fresh copy of the
  repository. Markers on the line before a block: `<!-- docs-test: emulated -->` (needs a BIG-IP or
  a cluster: run against the emulators by tests/test_docs_emulated.py), `<!-- docs-test: live -->`
  (needs what the emulators do not offer, such as a Helm release: not run), `<!-- docs-test: manual -->` (a maintainer's step such as tagging a
  release: not run), `<!-- docs-test: ci -->` (the test command itself, which `.ci/run` must
  run), and for a topology fragment `<!-- docs-test: expect VTEP313 (why) -->` (a warning the
  fragment is meant to show).
- Inline `vtepc ...` commands: the subcommand and options exist; an offline one on an example runs;
  after "`vtepc build EXAMPLE -o DIR` writes:", every artifact path the page lists is written.
"""

from __future__ import annotations

import functools
import io
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from tests.conftest import ROOT
from vtepc.diff import load_ignore_rules
from vtepc.state.cluster import service_labels
from vtepc.validate import load_topology, validate_text

PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
MARKER = re.compile(r"<!--\s*docs-test:\s*([\w-]+)(.*?)-->")
MARKERS = {"live", "emulated", "ci", "manual", "expect"}
FENCE = re.compile(r"^( {0,3})```(\w*)\n(.*?)^\1```\n", re.S | re.M)  # also indented in a list item
EXAMPLE = re.compile(r"examples/([\w.-]+\.yaml)")
OFFLINE = {"validate", "build", "graph", "manifests", "schema", "trace"}
ELIDED = ["..."]  # `nodes: [...]` in a fragment: as in the example


@dataclass(frozen=True)
class Block:
    page: Path
    line: int
    language: str
    text: str
    marker: str | None
    expect: tuple[str, ...]  # `<!-- docs-test: expect VTEP313 (why) -->`: the warnings the block is meant to show
    example: str | None  # the examples/*.yaml the page names last before the block

    def __str__(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


def _blocks() -> list[Block]:
    blocks = []
    for page in PAGES:
        text = page.read_text()
        for match in FENCE.finditer(text):
            before = text[: match.start()]
            previous = before.rstrip("\n").rsplit("\n", 1)[-1]
            marker = MARKER.fullmatch(previous.strip())
            examples = EXAMPLE.findall(before)
            body = "".join(line.removeprefix(match.group(1)) for line in match.group(3).splitlines(keepends=True))
            blocks.append(
                Block(
                    page,
                    before.count("\n") + 1,
                    match.group(2),
                    body,
                    marker.group(1) if marker else None,
                    tuple(re.findall(r"VTEP\d+", marker.group(2))) if marker else (),
                    examples[-1] if examples else None,
                )
            )
    return blocks


BLOCKS = _blocks()
YAML_BLOCKS = [b for b in BLOCKS if b.language == "yaml"]
SHELL_BLOCKS = [b for b in BLOCKS if b.language in ("sh", "bash", "shell", "console")]


def test_every_block_is_yaml_or_shell_and_every_marker_is_known():
    assert len(YAML_BLOCKS) >= 8 and len(SHELL_BLOCKS) >= 8
    for block in BLOCKS:
        assert block in YAML_BLOCKS or block in SHELL_BLOCKS or block.language in ("text", "mermaid"), (
            f"{block}: a ```{block.language} block this test does not check"
        )
        assert block.marker is None or block.marker in MARKERS, f"{block}: unknown marker {block.marker}"
    for page in PAGES:
        for marker, _ in MARKER.findall(page.read_text()):
            assert marker in MARKERS, f"{page.relative_to(ROOT)}: unknown docs-test marker {marker}"


# --- YAML -------------------------------------------------------------------------------------


def _load(text: str):
    # vtepc's loader is libyaml-based: it rejects what a pure-Python YAML 1.2 parser would accept,
    # e.g. an unquoted MAC inside {...}.
    return YAML(typ="safe").load(text)


@functools.cache
def _topology_keys() -> frozenset[str]:
    return frozenset(json.loads((ROOT / "schemas" / "topology.schema.json").read_text())["properties"])


def _overlay(example: dict, fragment: dict) -> dict:
    merged = dict(example)
    for key, value in fragment.items():
        if isinstance(value, dict) and isinstance(example.get(key), dict):
            value = {k: example[key][k] if v == ELIDED else v for k, v in value.items()}
        merged[key] = example[key] if value == ELIDED else value
    return merged


def _codes(report) -> list[str]:
    return sorted(f"{d.code} {d.severity}" for d in report.diagnostics)


def _check_topology_fragment(block: Block, data: dict) -> None:
    assert block.example, f"{block}: a topology fragment, but the page names no examples/*.yaml before it"
    example_text = (ROOT / "examples" / block.example).read_text()
    merged = _overlay(_load(example_text), data)
    out = io.StringIO()
    YAML(typ="safe").dump(merged, out)
    report = validate_text(out.getvalue(), f"{block} over examples/{block.example}")
    expected = _codes(validate_text(example_text, block.example))
    shown = sorted(code for code in _codes(report) if code.split()[0] not in block.expect)
    assert sorted(code for code in _codes(report) if code.split()[0] in block.expect) == sorted(
        f"{c} Severity.WARNING" for c in block.expect
    )
    assert shown == expected, f"{block}: " + "; ".join(f"{d.code} {d.message}" for d in report.diagnostics)


def _check_service(block: Block, data: dict) -> None:
    labels = service_labels(load_topology(ROOT / "examples" / block.example))
    service = next(name for name, wanted in labels.items() if wanted.items() <= data["metadata"]["labels"].items())
    assert service, f"{block}: the Service's labels are none that vtepc computes for examples/{block.example}"
    assert data["spec"]["selector"].items() <= data["metadata"]["labels"].items()


def _check_ignore_rules(block: Block, data: list, tmp_path: Path) -> None:
    path = tmp_path / "ignore.yaml"
    path.write_text(block.text)
    assert len(load_ignore_rules(path)) == len(data)


def _pinned_ref_exists(ref: str) -> bool:
    """A release tag, or a full commit SHA in this repository's history that has action.yml."""
    if re.fullmatch(r"[0-9a-f]{40}", ref):
        done = subprocess.run(["git", "cat-file", "-e", f"{ref}:action.yml"], cwd=ROOT, capture_output=True)
        return done.returncode == 0
    tags = subprocess.run(["git", "tag", "--list", ref], cwd=ROOT, capture_output=True, text=True).stdout.split()
    return tags == [ref]


def _check_workflow_steps(block: Block, steps: list[dict]) -> None:
    """Workflow steps: the vtepc action pinned to what exists with inputs it has; vtepc commands
    in `run:` with options that exist."""
    action_inputs = set(_load((ROOT / "action.yml").read_text())["inputs"])
    vtepc_steps = [step for step in steps if str(step.get("uses", "")).startswith("vtepc/vtepc@")]
    runs = [words for step in steps for words in _vtepc_commands(step.get("run", ""))]
    assert vtepc_steps or runs, f"{block}: workflow steps that use neither the vtepc action nor vtepc"
    for words in runs:
        _check_options(str(block), words)
    for step in vtepc_steps:
        assert _pinned_ref_exists(step["uses"].split("@", 1)[1]), f"{block}: {step['uses']} is not a tag or commit"
        assert set(step.get("with", {})) <= action_inputs, f"{block}: unknown inputs {set(step['with']) - action_inputs}"


def _check_pre_commit_fragment(block: Block, data: list) -> None:
    hook_ids = {hook["id"] for hook in _load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    for repo in data:
        assert _pinned_ref_exists(repo["rev"]), f"{block}: rev {repo['rev']} is not a tag or commit"
        assert {hook["id"] for hook in repo["hooks"]} <= hook_ids


@pytest.mark.slow
@pytest.mark.parametrize("block", YAML_BLOCKS, ids=str)
def test_yaml_block_parses_and_is_what_it_says(block, tmp_path):
    data = _load(block.text)
    if isinstance(data, dict) and data and set(data) <= _topology_keys() and {"cluster", "bigips"} & set(data):
        _check_topology_fragment(block, data)
    elif isinstance(data, dict) and data.get("kind") == "Service":
        _check_service(block, data)
    elif isinstance(data, dict) and "steps" in data:
        _check_workflow_steps(block, data["steps"])
    elif isinstance(data, list) and data and all(isinstance(i, dict) and {"run", "uses"} & set(i) for i in data):
        _check_workflow_steps(block, data)
    elif isinstance(data, list) and data and all(isinstance(i, dict) and "hooks" in i for i in data):
        _check_pre_commit_fragment(block, data)
    elif isinstance(data, list) and data and all(isinstance(i, dict) and set(i) <= {"target", "kind", "name", "field"} for i in data):
        _check_ignore_rules(block, data, tmp_path)
    else:
        pytest.fail(f"{block}: a YAML block this test cannot tell what it is; teach tests/test_docs_blocks.py")


@pytest.mark.slow
def test_the_fragments_vtepc_must_reject_are_rejected():
    """The checks above can fail: an unquoted MAC in {...} and a cluster without a name do."""
    with pytest.raises(Exception):  # noqa: B017 (any refusal counts)
        _load("tunnel: {selfIP: 10.1.6.34/24, mac: 00:50:56:a0:7d:d8}\n")
    block = Block(ROOT / "docs", 1, "yaml", "", None, (), "flannel.yaml")
    with pytest.raises(AssertionError, match="VTEP"):
        _check_topology_fragment(block, {"cluster": {"cni": "flannel", "podCIDR": "10.244.0.0/16"}})
    assert not _pinned_ref_exists("v0.1.0") and not _pinned_ref_exists("0" * 40)


# --- shell ------------------------------------------------------------------------------------


@functools.cache
def _help(command: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "vtepc", *command.split(), "--help"],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200", "NO_COLOR": "1", "TERM": "dumb"},
    )
    assert done.returncode == 0, f"vtepc {command} --help: {done.stderr}"
    return done.stdout


def _vtepc_commands(script: str) -> list[list[str]]:
    """Every `vtepc ...` invocation in a script, as words, up to a redirection, pipe or comment."""
    commands = []
    for line in script.replace("\\\n", " ").splitlines():
        for part in re.split(r"&&|\|\||;|\|", line.split(" #", 1)[0]):
            words = shlex.split(part, comments=True)
            if words and words[0] == "vtepc":
                commands.append(
                    [w for w in words if not w.startswith(">")][: next((i for i, w in enumerate(words) if w.startswith(">")), None)]
                )
    return commands


def _check_options(where: str, words: list[str]) -> None:
    subcommand = words[1]
    assert f" {subcommand} " in _help(""), f"{where}: vtepc has no subcommand {subcommand}"
    options = set(re.findall(r"(?<![\w-])(--?[a-zA-Z][\w-]*)", _help(subcommand)))
    for word in words[2:]:
        if word.startswith("-"):
            assert word.split("=", 1)[0] in options, f"{where}: vtepc {subcommand} has no option {word}"


def _repository_copy(tmp_path: Path) -> Path:
    """The files a fresh clone has (tracked and new, not ignored), without building anything."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split("\0")
    copy = tmp_path / "vtepc"
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, copy / name)
    return copy


@pytest.mark.slow
@pytest.mark.parametrize("block", SHELL_BLOCKS, ids=str)
def test_shell_block_parses_and_names_only_real_options(block):
    done = subprocess.run(["bash", "-n", "-c", block.text], capture_output=True, text=True)
    assert done.returncode == 0, f"{block}: {done.stderr}"
    for words in _vtepc_commands(block.text):
        _check_options(str(block), words)
    if block.marker == "ci":
        assert block.text.strip() in (ROOT / ".ci" / "run").read_text(), f"{block}: .ci/run does not run it"


SESSIONS = {page: [b for b in SHELL_BLOCKS if b.page == page and b.marker is None] for page in PAGES}


@pytest.mark.slow
@pytest.mark.parametrize("page", [p for p, blocks in SESSIONS.items() if blocks], ids=lambda p: str(p.relative_to(ROOT)))
def test_page_shell_blocks_run_in_order_in_a_fresh_copy(page, tmp_path):
    """A reader's session: the page's unmarked shell blocks, in order, in one shell, in a fresh copy.

    For README.md that is the quick start: a new venv, `pip install .` (PEP 668 safe), a build.
    """
    copy = _repository_copy(tmp_path)
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env["PATH"] = os.pathsep.join(p for p in env["PATH"].split(os.pathsep) if not p.startswith(sys.prefix))
    env["PATH"] += os.pathsep + str(Path(sys.executable).parent)  # vtepc, unless the page installs its own
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    script = "".join(block.text for block in SESSIONS[page])
    done = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=copy, env=env, capture_output=True, text=True)
    assert done.returncode == 0, f"{page.relative_to(ROOT)}:\n{script}\n{done.stdout}\n{done.stderr}"
    if page.name == "README.md":
        assert (copy / ".venv" / "bin" / "vtepc").is_file(), "the quick start installs vtepc into its own venv"
        assert (copy / "out" / "cilium-vxlan" / "vtepc-manifest.json").is_file()


INLINE = re.compile(r"`(vtepc [^`]+)`")


def _inline_commands() -> list[tuple[str, str]]:
    found = []
    for page in PAGES:
        for number, line in enumerate(page.read_text().splitlines(), 1):
            found += [(f"{page.relative_to(ROOT)}:{number}", command) for command in INLINE.findall(line)]
    return found


@pytest.mark.slow
@pytest.mark.parametrize("where, command", _inline_commands(), ids=lambda value: value)
def test_inline_vtepc_command_exists_and_runs_offline_on_an_example(where, command, tmp_path):
    words = shlex.split(command.split(" >", 1)[0])
    if len(words) < 2 or not re.fullmatch(r"[a-z]+", words[1]):
        return  # `vtepc diff` alone, or a placeholder: nothing to run
    _check_options(where, words)
    examples = [w for w in words if EXAMPLE.fullmatch(w)]
    if words[1] not in OFFLINE or not examples or "..." in words:
        return
    copy = tmp_path / "repo"
    shutil.copytree(ROOT / "examples", copy / "examples")
    shutil.copytree(ROOT / "schemas", copy / "schemas")
    done = subprocess.run([sys.executable, "-m", "vtepc", *words[1:]], cwd=copy, capture_output=True, text=True)
    assert done.returncode == 0, f"{where}: {command}: {done.stderr}"


_ARTIFACT = re.compile(r"`((?:bigip|kubernetes|bgp)/[\w*<>./-]+|vtepc-manifest\.json)`")


def _build_listings() -> list[tuple[str, list[str], list[str]]]:
    """(where, build command words, artifact paths listed after it up to the next heading)."""
    found = []
    for page in PAGES:
        lines = page.read_text().splitlines()
        for number, line in enumerate(lines):
            match = re.search(r"`(vtepc build examples/\S+ -o \S+)`(?: writes)?:\s*$", line)
            if not match:
                continue
            following = []
            for later in lines[number + 1 :]:
                if later.startswith("#"):
                    break
                following += _ARTIFACT.findall(later)
            found.append((f"{page.relative_to(ROOT)}:{number + 1}", shlex.split(match.group(1)), following))
    return found


@pytest.mark.slow
@pytest.mark.parametrize("where, words, listed", _build_listings(), ids=lambda value: value if isinstance(value, str) else "")
def test_the_files_a_page_says_build_writes_are_written(where, words, listed, tmp_path):
    assert listed, f"{where}: no artifact listed after the build command"
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    shutil.copytree(ROOT / "schemas", tmp_path / "schemas")
    done = subprocess.run([sys.executable, "-m", "vtepc", *words[1:]], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    out = tmp_path / words[words.index("-o") + 1]
    for path in listed:
        pattern = re.sub(r"<[^>]+>", "*", path)  # bgp/bird-<node>.conf
        assert list(out.glob(pattern)), f"{where}: the page lists {path}, which the build does not write"
