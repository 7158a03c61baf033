"""Drift on a schedule: the example workflow's step run with a stand-in vtepc and gh (exit 0/2/1 ->
close/open-or-update/fail), and the CronJob manifest checked against the Kubernetes schema."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import kubernetes_validate
import pytest
from ruamel.yaml import YAML

from tests.conftest import ROOT

WORKFLOW = YAML(typ="safe").load((ROOT / "examples" / "drift-workflow.yml").read_text())
(JOB,) = WORKFLOW["jobs"].values()
STEP = next(step for step in JOB["steps"] if "vtepc diff" in step.get("run", ""))

FAKE = """#!{python}
import json, sys, pathlib
log = pathlib.Path({log!r})
calls = json.loads(log.read_text()) if log.exists() else []
calls.append([pathlib.Path(sys.argv[0]).name, *sys.argv[1:]])
log.write_text(json.dumps(calls))
if sys.argv[0].endswith("vtepc"):
    print("### vtepc diff: 1 change")
    sys.exit({vtepc_exit})
if sys.argv[1:3] == ["issue", "list"]:
    print({open_issue!r})
"""


def _run(tmp_path: Path, vtepc_exit: int, open_issue: str):
    import subprocess

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "calls.json"
    for name in ("vtepc", "gh"):
        (bin_dir / name).write_text(FAKE.format(python=sys.executable, log=str(log), vtepc_exit=vtepc_exit, open_issue=open_issue))
        (bin_dir / name).chmod(0o755)
    env = {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "RUNNER_TEMP": str(tmp_path),
        "TOPOLOGY": STEP["env"]["TOPOLOGY"],
        "KUBECONFIG_DATA": "apiVersion: v1\nkind: Config\n",
    }
    done = subprocess.run(["bash", "-e", "-c", STEP["run"]], env=env, capture_output=True, text=True, cwd=tmp_path)
    return done, json.loads(log.read_text())


def test_the_workflow_runs_on_a_schedule_with_what_it_needs():
    assert WORKFLOW["on"]["schedule"][0]["cron"] and "workflow_dispatch" in WORKFLOW["on"]
    assert WORKFLOW["permissions"] == {"contents": "read", "issues": "write"}
    assert {"VTEPC_BIGIP_USERNAME", "VTEPC_BIGIP_PASSWORD", "GH_TOKEN"} <= set(STEP["env"])


@pytest.mark.slow
@pytest.mark.parametrize(
    "vtepc_exit, open_issue, job_exit, gh_write",
    [
        (2, "", 0, ["gh", "issue", "create"]),  # drift, no issue yet: open one
        (2, "12", 0, ["gh", "issue", "edit", "12"]),  # drift again: the same issue, new text
        (0, "12", 0, ["gh", "issue", "close", "12"]),  # drift gone: close it
        (0, "", 0, None),  # nothing drifted, nothing open: nothing to do
        (1, "12", 1, None),  # vtepc could not compare: the job fails, the issue stays
    ],
)
def test_exit_status_decides_the_issue_and_the_job(tmp_path, vtepc_exit, open_issue, job_exit, gh_write):
    done, calls = _run(tmp_path, vtepc_exit, open_issue)
    assert done.returncode == job_exit, done.stdout + done.stderr
    (diff_call,) = [c for c in calls if c[0] == "vtepc"]
    assert diff_call[1:3] == ["diff", STEP["env"]["TOPOLOGY"]] and "--format" in diff_call
    writes = [c for c in calls if c[0] == "gh" and c[2] != "list"]
    assert writes == ([] if gh_write is None else [writes[0]]) and (gh_write is None or writes[0][: len(gh_write)] == gh_write)
    if vtepc_exit == 1:
        assert "::error title=vtepc drift::" in done.stdout
    kubeconfig = tmp_path / "kubeconfig"
    assert kubeconfig.stat().st_mode & 0o077 == 0, "the kubeconfig is readable by its owner only"


def test_cronjob_is_a_valid_batch_v1_cronjob_that_never_retries_a_drift():
    (cronjob,) = YAML(typ="safe").load_all((ROOT / "deploy" / "drift" / "cronjob.yaml").read_text())
    kubernetes_validate.validate(cronjob, kubernetes_validate.latest_version(), strict=True)
    job = cronjob["spec"]["jobTemplate"]["spec"]
    assert job["backoffLimit"] == 0 and job["template"]["spec"]["restartPolicy"] == "Never"
    (container,) = job["template"]["spec"]["containers"]
    assert container["args"][:2] == ["vtepc", "diff"]
    env = {e["name"] for e in container["env"]}
    assert "VTEPC_BIGIP_PASSWORD" not in env and "VTEPC_BIGIP_PASSWORD_FILE" in env
