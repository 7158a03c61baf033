"""The GitHub Action's steps, run as the runner runs them: action.yml's env and run lines, in a git repo."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from tests.conftest import EXAMPLES, ROOT

ACTION = YAML(typ="safe").load((ROOT / "action.yml").read_text())
_spec = importlib.util.spec_from_file_location("action_steps", ROOT / "scripts" / "action_steps.py")
action_steps = sys.modules["action_steps"] = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(action_steps)

TOPOLOGY = "net/topology.yaml"
RENDERED = "rendered/topology"


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout


def _vtepc(repo: Path, *args: str) -> None:
    subprocess.run([sys.executable, "-m", "vtepc", *args], cwd=repo, check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository whose base commit has a topology and its rendered output, up to date."""
    repo = tmp_path / "repo"
    (repo / "net").mkdir(parents=True)
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "config", "user.email", "ci@example.com")
    _git(repo, "config", "user.name", "ci")
    shutil.copy(EXAMPLES / "cilium-vxlan.yaml", repo / TOPOLOGY)
    _vtepc(repo, "build", TOPOLOGY, "-o", RENDERED)
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "base")
    return repo


def _head_commit(repo: Path, old: str, new: str, rebuild: bool = False) -> None:
    path = repo / TOPOLOGY
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    if rebuild:
        _vtepc(repo, "build", TOPOLOGY, "-o", RENDERED)
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "head")


_EXPRESSION = re.compile(r"\$\{\{\s*(.+?)\s*\}\}")


def run_step(step_id: str, repo: Path, inputs: dict[str, str], github: dict[str, str], extra_path: Path | None = None):
    """Run one `run:` step of action.yml: its env with `${{ }}` resolved, its script with bash."""
    step = next(s for s in ACTION["runs"]["steps"] if s.get("id") == step_id)
    runner_temp = repo.parent / "runner-temp"
    runner_temp.mkdir(exist_ok=True)
    context = {f"github.{k}": v for k, v in github.items()}
    context["runner.temp"] = str(runner_temp)
    for name, spec in ACTION["inputs"].items():
        value = inputs.get(name, spec.get("default", ""))
        context[f"inputs.{name}"] = _EXPRESSION.sub(lambda m: context[m.group(1)], str(value))

    def resolve(value: str) -> str:
        return _EXPRESSION.sub(lambda m: context[m.group(1)], str(value))

    bin_dir = repo.parent / "bin"
    bin_dir.mkdir(exist_ok=True)
    if not (bin_dir / "python").exists():
        # What setup-python puts first on PATH: this interpreter. A wrapper, not a symlink: a
        # symlinked venv python no longer finds its pyvenv.cfg and loses the venv's packages.
        (bin_dir / "python").write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
        (bin_dir / "python").chmod(0o755)
    path = os.pathsep.join(p for p in (str(extra_path or ""), str(bin_dir), os.environ["PATH"]) if p)
    env = {
        **os.environ,
        "PATH": path,
        "GITHUB_ACTION_PATH": str(ROOT),
        "GITHUB_OUTPUT": str(runner_temp / "output"),
        "GITHUB_STEP_SUMMARY": str(runner_temp / "summary"),
        "GITHUB_REPOSITORY": "acme/network",
    }
    env.update({name: resolve(value) for name, value in step.get("env", {}).items()})
    done = subprocess.run(["bash", "-e", "-c", step["run"]], cwd=repo, env=env, capture_output=True, text=True)
    outputs = (
        dict(line.split("=", 1) for line in (runner_temp / "output").read_text().splitlines()) if (runner_temp / "output").exists() else {}
    )
    body_file = runner_temp / "vtepc-comment.md"
    body = body_file.read_text() if body_file.exists() else ""
    return done, outputs, body


PR = {"event.pull_request.base.sha": "", "event.pull_request.number": "7", "token": "dummy-token"}


def _base_sha(repo: Path) -> str:
    return _git(repo, "rev-parse", "HEAD~1").strip()


@pytest.mark.slow
def test_invalid_topology_gives_annotations_on_the_line(repo):
    _head_commit(repo, "ip: 10.169.72.233", "ip: 10.169.72.999")
    line = next(n for n, text in enumerate((repo / TOPOLOGY).read_text().splitlines(), 1) if "10.169.72.999" in text)
    github = {**PR, "event.pull_request.base.sha": _base_sha(repo)}
    done, outputs, body = run_step("check", repo, {"topology": TOPOLOGY, "output-dir": RENDERED}, github)
    assert done.returncode == 1
    errors = [a for a in done.stdout.splitlines() if a.startswith("::error ")]
    assert any(f"file={TOPOLOGY},line={line}," in a for a in errors), done.stdout
    assert outputs["failed"] == "true"
    assert body.startswith(action_steps.comment_marker("vtepc"))
    assert "checks failed" in body and "| not run |" in body
    assert re.search(rf"\| {line} \| `VTEP\d+` \| error \|", body), body


@pytest.mark.slow
def test_stale_rendered_output_fails_the_check_step(repo):
    _head_commit(repo, "ip: 10.169.72.233", "ip: 10.169.72.234")
    github = {**PR, "event.pull_request.base.sha": _base_sha(repo)}
    done, outputs, body = run_step("check", repo, {"topology": TOPOLOGY, "output-dir": RENDERED}, github)
    assert done.returncode == 1
    assert f"::error file={RENDERED},title=vtepc build --check::" in done.stdout
    assert outputs["failed"] == "true"
    assert "| stale |" in body and "```diff" in body and "vtepc-manifest.json" in body


@pytest.mark.slow
def test_up_to_date_tree_passes_and_the_comment_holds_diff_and_graph(repo):
    _head_commit(repo, "ip: 10.169.72.233", "ip: 10.169.72.234", rebuild=True)
    github = {**PR, "event.pull_request.base.sha": _base_sha(repo)}
    done, outputs, body = run_step("check", repo, {"topology": TOPOLOGY, "output-dir": RENDERED}, github)
    assert done.returncode == 0, done.stdout + done.stderr
    assert outputs == {"failed": "false", "changes": "true"}
    assert "| up to date | yes |" in body
    # The graph, as GitHub renders it, shows the edited node.
    mermaid = body.split("```mermaid\n", 1)[1].split("```", 1)[0]
    assert "flowchart TB" in mermaid and "10.169.72.234" in mermaid
    # The change list against the base: the FDB record of the old node IP goes, the new one comes.
    changes = body.split("#### changes against", 1)[1]
    assert "10.169.72.233%0" in changes and "10.169.72.234%0" in changes
    assert (repo.parent / "runner-temp" / "summary").read_text() == body


FAKE_GH = """#!{python}
import json, sys, pathlib
state = pathlib.Path({state!r})
calls = json.loads(state.read_text()) if state.exists() else []
calls.append(sys.argv[1:])
state.write_text(json.dumps(calls))
if "--paginate" in sys.argv:
    print({existing!r})
"""


def _fake_gh(directory: Path, existing: str) -> Path:
    directory.mkdir(exist_ok=True)
    gh = directory / "gh"
    gh.write_text(FAKE_GH.format(python=sys.executable, state=str(directory / "calls.json"), existing=existing))
    gh.chmod(0o755)
    return directory / "calls.json"


@pytest.mark.slow
@pytest.mark.parametrize(
    "existing, method, endpoint",
    [("", "POST", "repos/acme/network/issues/7/comments"), ("4242\n", "PATCH", "repos/acme/network/issues/comments/4242")],
)
def test_comment_step_creates_or_updates_the_one_sticky_comment(repo, existing, method, endpoint):
    _head_commit(repo, "ip: 10.169.72.233", "ip: 10.169.72.234", rebuild=True)
    github = {**PR, "event.pull_request.base.sha": _base_sha(repo)}
    run_step("check", repo, {"topology": TOPOLOGY}, github)
    calls_file = _fake_gh(repo.parent / "fake-gh", existing)
    done, _, _ = run_step("comment", repo, {}, github, extra_path=repo.parent / "fake-gh")
    assert done.returncode == 0, done.stderr
    listing, write = json.loads(calls_file.read_text())
    assert listing[:3] == ["api", "--paginate", "repos/acme/network/issues/7/comments"]
    assert 'startswith("<!-- vtepc-comment:vtepc -->")' in listing[-1]
    assert write[:4] == ["api", "--method", method, endpoint]
    assert write[-2:] == ["-F", f"body=@{repo.parent / 'runner-temp' / 'vtepc-comment.md'}"]


def test_comment_step_condition_skips_non_pull_request_events():
    step = next(s for s in ACTION["runs"]["steps"] if s.get("id") == "comment")
    assert "!cancelled()" in step["if"] and "github.event.pull_request.number" in step["if"]


def test_truncation_closes_open_blocks_and_stays_under_the_limit():
    text = "<details><summary>x</summary>\n\n```diff\n" + "+ a line of diff \U0001f600\n" * 10000 + "```\n</details>\n"
    cut = action_steps.truncate_markdown(text, 5000)
    assert action_steps.utf16_length(cut) <= 5000
    assert cut.count("```") % 2 == 0, "a cut inside a fence must close it"
    assert cut.count("<details>") == cut.count("</details>")
    assert "truncated:" in cut
    assert action_steps.truncate_markdown("short\n", 5000) == "short\n"


def test_comment_body_keeps_marker_graph_and_every_topology_under_the_limit():
    raw_diff = "+ x\n" * 100000
    markdown = "<details><summary>d</summary>\n\n```json\n" + "{}\n" * 100000 + "```\n</details>\n"
    results = [
        action_steps.TopologyResult(
            f"t{i}.yaml", check="stale", check_diff=raw_diff, diffs=[("against base", markdown)], graph="flowchart TB\n  a\n"
        )
        for i in range(3)
    ]
    body = action_steps.comment_body(results, "key")
    assert action_steps.utf16_length(body) <= action_steps.GITHUB_COMMENT_LIMIT
    assert body.startswith("<!-- vtepc-comment:key -->\n")
    for i in range(3):
        assert f"### `t{i}.yaml`" in body
    assert body.count("```mermaid") == 3
    assert body.count("```") % 2 == 0
    assert body.count("<details") == body.count("</details>")


def test_several_topologies_need_a_name_placeholder_for_the_output_dir():
    assert action_steps._output_dir("rendered/{name}", "net/a.yaml", many=True) == "rendered/a"
    with pytest.raises(SystemExit):
        action_steps._output_dir("rendered", "net/a.yaml", many=True)


def test_example_workflow_uses_this_action_with_full_history():
    workflow = YAML(typ="safe").load((ROOT / "examples" / "github-workflow.yml").read_text())
    steps = next(iter(workflow["jobs"].values()))["steps"]
    checkout = next(s for s in steps if str(s.get("uses", "")).startswith("actions/checkout"))
    assert checkout["with"]["fetch-depth"] == 0, "--against-ref needs the base commit"
    action_step = next(s for s in steps if "vtepc" in str(s.get("uses", "")))
    assert set(action_step["with"]) <= set(ACTION["inputs"])
    assert workflow["permissions"]["pull-requests"] == "write"


# The current major of each action we use; all run on node24 (node20 is deprecated on GitHub's runners:
# https://github.blog/changelog/2025-09-19-deprecation-of-node-20-on-github-actions-runners/).
# actions/checkout v7.0.1 and actions/setup-python v7.0.0 (July 2026), azure/setup-kubectl v5.
CURRENT_MAJORS = {"actions/checkout": 7, "actions/setup-python": 7, "azure/setup-kubectl": 5}


def test_every_action_we_use_or_document_is_its_current_node24_major():
    files = [
        ROOT / "action.yml",
        *sorted((ROOT / ".github").rglob("*.yml")),
        *sorted((ROOT / "examples").glob("*.yml")),
        ROOT / "README.md",
        *sorted((ROOT / "docs").rglob("*.md")),
    ]
    seen = set()
    for path in files:
        for action, version in re.findall(r"uses:\s*([\w.-]+/[\w.-]+)@(\S+)", path.read_text()):
            if action in CURRENT_MAJORS:
                seen.add(action)
                assert version == f"v{CURRENT_MAJORS[action]}", f"{path.relative_to(ROOT)}: {action}@{version}"
    assert seen == set(CURRENT_MAJORS)


def test_ci_workflow_runs_the_test_command_on_every_supported_python():
    import tomllib

    workflow = YAML(typ="safe").load((ROOT / ".github" / "workflows" / "ci.yml").read_text())
    (job,) = workflow["jobs"].values()
    minimum = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert minimum == ">=3.11"
    assert job["strategy"]["matrix"]["python-version"] == ["3.11", "3.12", "3.13"]
    checkout = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/checkout@"))
    assert checkout["with"]["fetch-depth"] == 0
    assert any("bash scripts/test.sh" in s.get("run", "") for s in job["steps"])


def test_check_step_calls_the_library_in_process(tmp_path, capsys):
    """validate, build --check, diff against a snapshot and graph, with no `vtepc` process (the fast
    marker's guard fails this test if one starts); a stale tree is one annotation and its diff."""
    from vtepc import api
    from vtepc.live import ObservedState
    from vtepc.snapshot import write_snapshot

    topology = tmp_path / "topology.yaml"
    shutil.copy(EXAMPLES / "cilium-vxlan.yaml", topology)
    artifacts, _ = api.build(topology)
    api.write_output(tmp_path / "rendered", artifacts)
    desired = api.desired_state(topology)
    write_snapshot(ObservedState(desired.bigips, desired.cluster), tmp_path / "snap", desired.meta.topology_name)

    result = action_steps.check_topology(str(topology), str(tmp_path / "rendered"), str(tmp_path / "snap"), "", True)
    assert (result.valid, result.check, result.failed, result.changes) == (True, "up to date", False, False)
    [(title, markdown)] = result.diffs
    assert title == f"against the snapshot {tmp_path / 'snap'}" and markdown.startswith("### vtepc diff: no changes")
    assert result.graph == api.graph(topology, "mermaid")
    assert capsys.readouterr().out == ""

    (tmp_path / "rendered" / sorted(artifacts)[0]).write_text("edited\n")
    stale = action_steps.check_topology(str(topology), str(tmp_path / "rendered"), "", "", False)
    assert (stale.check, stale.failed) == ("stale", True) and "+++ b/" in stale.check_diff
    annotation = capsys.readouterr().out
    assert annotation.startswith(
        f"::error file={tmp_path / 'rendered'},title=vtepc build --check::{tmp_path / 'rendered'} is stale: 1 changed"
    )
