"""A pull request's life, simulated: a git repository with base and head commits, the action's steps run
as the runner runs them (tests/test_action.py's run_step), and a fake `gh` that keeps the pull
request's comments the way the GitHub API does, refusing writes when the token is read-only.

The inputs are the documented ones (docs/gitops.md, examples/github-workflow.yml):
`topology: network/*.vtepc.yaml`, `output-dir: rendered/{name}`.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES
from tests.test_action import ACTION, _git, _vtepc, action_steps, run_step
from vtepc.validate import validate_text

TOPOLOGY = "network/prod.vtepc.yaml"
RENDERED = "rendered/prod"  # what `rendered/{name}` must mean for network/prod.vtepc.yaml
INPUTS = {"topology": "network/*.vtepc.yaml", "output-dir": "rendered/{name}"}

# The comments API as far as the comment step uses it: list (with the step's --jq filter), create, update.
# A read-only token gets what GitHub answers a fork's GITHUB_TOKEN: 403 on writes, reads allowed.
FAKE_GH = r"""#!{python}
import json, re, sys, pathlib
state_file = pathlib.Path({state!r})
state = json.loads(state_file.read_text()) if state_file.exists() else {{"comments": [], "calls": []}}
args = sys.argv[1:]
state["calls"].append(args)

def save():
    state_file.write_text(json.dumps(state))

assert args[0] == "api", args
if "--method" not in args:
    marker = json.loads(re.search(r'startswith\((".*?")\)', args[-1]).group(1))
    for comment in state["comments"]:
        if comment["body"].startswith(marker):
            print(comment["id"])
    save()
    sys.exit(0)
if {read_only!r}:
    save()
    print('{{"message":"Resource not accessible by integration","status":"403"}}')
    print("gh: Resource not accessible by integration (HTTP 403)", file=sys.stderr)
    sys.exit(1)
method, endpoint = args[args.index("--method") + 1], args[args.index("--method") + 2]
body = pathlib.Path(args[args.index("-F") + 1].split("=@", 1)[1]).read_text()
if method == "POST":
    state["comments"].append({{"id": 1000 + len(state["comments"]), "body": body}})
else:
    comment_id = int(endpoint.rsplit("/", 1)[1])
    next(c for c in state["comments"] if c["id"] == comment_id)["body"] = body
save()
"""


class PullRequest:
    """One pull request on a repository: push head commits, run the workflow job, read the comments."""

    def __init__(self, tmp_path: Path, read_only: bool = False):
        self.repo = tmp_path / "repo"
        self.repo.mkdir()
        _git(self.repo, "init", "-q", "-b", "main")
        _git(self.repo, "config", "user.email", "ci@example.com")
        _git(self.repo, "config", "user.name", "ci")
        self.gh_dir = tmp_path / "fake-gh"
        self.gh_dir.mkdir()
        self.state = self.gh_dir / "state.json"
        gh = self.gh_dir / "gh"
        gh.write_text(FAKE_GH.format(python=sys.executable, state=str(self.state), read_only=read_only))
        gh.chmod(0o755)

    def commit(self, message: str, topology: str | None = None, rebuild: bool = True) -> str:
        if topology is not None:
            path = self.repo / TOPOLOGY
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(topology)
            if rebuild:
                _vtepc(self.repo, "build", TOPOLOGY, "-o", RENDERED)
        else:
            (self.repo / "README.md").write_text("network as code\n")
        _git(self.repo, "add", "-A")
        _git(self.repo, "commit", "-q", "-m", message)
        return _git(self.repo, "rev-parse", "HEAD").strip()

    def run_job(self, base: str):
        """The action's steps in order, as a job: the comment step runs after a failed check too."""
        github = {"event.pull_request.base.sha": base, "event.pull_request.number": "7", "token": "dummy-token"}
        check, outputs, body = run_step("check", self.repo, INPUTS, github)
        comment_step = next(s for s in ACTION["runs"]["steps"] if s.get("id") == "comment")
        assert comment_step["if"].startswith("${{ !cancelled()")
        comment, _, _ = run_step("comment", self.repo, INPUTS, github, extra_path=self.gh_dir)
        job_failed = check.returncode != 0 or comment.returncode != 0
        return job_failed, check, comment, outputs, body

    @property
    def comments(self) -> list[dict]:
        return json.loads(self.state.read_text())["comments"] if self.state.exists() else []


def _example(name: str = "cilium-vxlan") -> str:
    return (EXAMPLES / f"{name}.yaml").read_text()


def _annotations(stdout: str, level: str) -> list[str]:
    return [line for line in stdout.splitlines() if line.startswith(f"::{level}")]


@pytest.mark.slow
def test_first_pull_request_adding_a_topology_passes_and_says_it_is_new(tmp_path):
    pr = PullRequest(tmp_path)
    base = pr.commit("base without any topology")
    pr.commit("add the prod topology", _example())
    job_failed, check, comment, outputs, body = pr.run_job(base)
    assert not job_failed, check.stdout + check.stderr + comment.stderr
    assert _annotations(check.stdout, "error") == []
    assert outputs == {"failed": "false", "changes": "true"}
    assert f"| `{TOPOLOGY}` | ok | up to date | new topology |" in body
    assert "is new in this pull request" in body
    assert [c["body"] for c in pr.comments] == [body]


@pytest.mark.slow
def test_pull_request_changing_a_node_keeps_one_sticky_comment_across_pushes(tmp_path):
    pr = PullRequest(tmp_path)
    base = pr.commit("base", _example())
    pr.commit("move node2", _example().replace("ip: 10.169.72.233", "ip: 10.169.72.234"))
    job_failed, check, _, outputs, body = pr.run_job(base)
    assert not job_failed, check.stdout
    assert outputs == {"failed": "false", "changes": "true"}
    assert f"| `{TOPOLOGY}` | ok | up to date | yes |" in body
    changes = body.split("#### changes against", 1)[1]
    assert "10.169.72.233%0" in changes and "10.169.72.234%0" in changes
    # The graph outlines the moved node, and only it.
    assert "topology graph (1 outlined: changed by this pull request)" in body
    mermaid = body.split("```mermaid\n", 1)[1].split("```", 1)[0]
    moved = re.search(r'^\s*(\w+)\["node node2<br/>node IP 10\.169\.72\.234', mermaid, re.M).group(1)
    assert mermaid.endswith(f"  class {moved} vtepcChanged\n") and action_steps.CHANGED_CLASS in mermaid
    assert len(pr.comments) == 1
    # A second push to the same pull request edits that comment instead of adding one.
    pr.commit("move node2 again", _example().replace("ip: 10.169.72.233", "ip: 10.169.72.235"))
    job_failed, check, comment, _, body = pr.run_job(base)
    assert not job_failed, check.stdout + check.stderr + comment.stdout + comment.stderr
    assert [c["body"] for c in pr.comments] == [body] and "10.169.72.235" in body
    assert [call[1] for call in json.loads(pr.state.read_text())["calls"] if "--method" in call] == ["--method"] * 2


@pytest.mark.slow
def test_pull_request_breaking_the_vni_fails_with_an_annotation_on_its_line(tmp_path):
    pr = PullRequest(tmp_path)
    base = pr.commit("base", _example())
    broken = _example().replace("      mac: 00:50:56:a0:7d:d8\n", "      mac: 00:50:56:a0:7d:d8\n      vni: 5\n")
    pr.commit("a VNI Cilium drops", broken, rebuild=False)
    line = broken.splitlines().index("      vni: 5") + 1
    job_failed, check, comment, outputs, body = pr.run_job(base)
    assert job_failed and check.returncode == 1 and comment.returncode == 0
    errors = _annotations(check.stdout, "error")
    assert any(a.startswith(f"::error file={TOPOLOGY},line={line},") and "VTEP301" in a for a in errors), check.stdout
    assert outputs["failed"] == "true"
    assert "checks failed" in body and f"| `{TOPOLOGY}` | 1 error(s), 0 warning(s) | not run |" in body
    (diagnostic,) = validate_text(broken, TOPOLOGY).diagnostics
    assert diagnostic.code == "VTEP301" and diagnostic.hint
    assert f"| {line} | `VTEP301` | error | {diagnostic.message} | {diagnostic.hint} |" in body, "the hint is in the comment"
    assert [c["body"] for c in pr.comments] == [body]


@pytest.mark.slow
def test_fork_pull_request_with_a_read_only_token_passes_with_a_warning(tmp_path):
    pr = PullRequest(tmp_path, read_only=True)
    base = pr.commit("base", _example())
    pr.commit("move node2", _example().replace("ip: 10.169.72.233", "ip: 10.169.72.234"))
    job_failed, check, comment, outputs, body = pr.run_job(base)
    assert not job_failed, comment.stdout + comment.stderr
    assert outputs["failed"] == "false"
    warnings = _annotations(comment.stdout, "warning")
    assert len(warnings) == 1 and "read-only" in warnings[0] and "HTTP 403" in warnings[0]
    assert pr.comments == []
    assert (pr.repo.parent / "runner-temp" / "summary").read_text() == body


@pytest.mark.slow
def test_comment_step_still_fails_on_other_api_errors(tmp_path, monkeypatch):
    gh = tmp_path / "gh"
    gh.write_text("#!/bin/sh\necho 'gh: Server Error (HTTP 502)' >&2\nexit 1\n")
    gh.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:{Path(shutil.which('sh')).parent}")
    with pytest.raises(SystemExit, match="HTTP 502"):
        action_steps._gh("repos/acme/network/issues/7/comments")


@pytest.mark.parametrize(
    "topology, name",
    [
        ("network/prod.vtepc.yaml", "prod"),
        ("network/prod.yaml", "prod"),
        ("prod.yml", "prod"),
        ("deploy/vtepc-topology.yaml", "vtepc-topology"),
        ("a/.vtepc.yaml", ".vtepc"),
    ],
)
def test_output_dir_name_is_the_file_name_without_yaml_and_vtepc(topology, name):
    assert action_steps.topology_name(topology) == name


def test_two_topologies_for_one_output_dir_are_refused(tmp_path, monkeypatch, capsys):
    for name in ("prod.yaml", "prod.vtepc.yaml"):
        shutil.copy(EXAMPLES / "cilium-vxlan.yaml", tmp_path / name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("VTEPC_TOPOLOGY", "prod.yaml prod.vtepc.yaml")
    monkeypatch.setenv("VTEPC_OUTPUT_DIR", "rendered/{name}")
    assert action_steps.step_check() == 1
    assert "would both be checked against rendered/prod" in capsys.readouterr().out
