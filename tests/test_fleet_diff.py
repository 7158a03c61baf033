"""`vtepc diff DIR --against-ref REF` on a fleet: one diff per member, each shared BIG-IP once, as its merged device."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from typer.testing import CliRunner

from vtepc import api
from vtepc.cli import app

from .conftest import EXAMPLES

pytestmark = pytest.mark.slow  # runs git


def _git(repo, *args):
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args], cwd=repo, check=True, capture_output=True)


def _repo(tmp_path):
    shutil.copytree(EXAMPLES / "fleet", tmp_path / "fleet")
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-q", "-m", "fleet")
    return tmp_path / "fleet"


def test_a_node_added_to_one_member_changes_its_cluster_and_the_shared_devices_once(tmp_path):
    fleet = _repo(tmp_path)
    assert not any(d.result.has_changes for d in api.diff_fleet([fleet], api.GitRefSource("HEAD")))
    prod_b = fleet / "prod-b.yaml"
    prod_b.write_text(
        prod_b.read_text().replace(
            "      podCIDR: 10.2.1.0/24\n",
            "      podCIDR: 10.2.1.0/24\n    - name: b-node3\n      ip: 10.169.72.103\n      podCIDR: 10.2.2.0/24\n",
        )
    )
    diffs = {d.member: d.result for d in api.diff_fleet([fleet], api.GitRefSource("HEAD"))}
    changed = {member: sorted(t.target for t in result.targets if t.changes) for member, result in diffs.items()}
    # The shared pair is diffed in the first member by name (dev-flannel), as the merged devices.
    assert changed == {"dev-flannel": ["bigip/bigip-1", "bigip/bigip-2"], "prod-a": [], "prod-b": ["cluster/prod-b"]}, changed
    fdb = [c for t in diffs["dev-flannel"].targets for c in t.changes if "fdb" in c.kind]
    assert [c.name for c in fdb] == ["vxlan_prod_b/0a:0a:0a:a9:48:67"] * 2

    runner = CliRunner()
    done = runner.invoke(app, ["diff", str(fleet), "--against-ref", "HEAD", "--format", "json"])
    assert done.exit_code == 2, done.output
    assert [d["topology"].split()[0] for d in json.loads(done.stdout)] == ["dev-flannel", "prod-a", "prod-b"]
    live = runner.invoke(app, ["diff", str(fleet), "--kubeconfig", "kubeconfig"])
    assert live.exit_code == 1 and "reads its BIG-IPs only" in live.stderr  # each member's cluster: vtepc diff FILE
