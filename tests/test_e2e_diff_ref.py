"""`vtepc diff --against-ref`: the topology at two git revisions, desired vs desired, no devices."""

from __future__ import annotations

import json
import subprocess

import pytest
from typer.testing import CliRunner

from vtepc.cli import app

from .conftest import EXAMPLES

pytestmark = pytest.mark.slow  # every test here runs git

runner = CliRunner()

SECOND_BIGIP = """\
  - name: bigip-2
    managementURL: https://192.0.2.11
    underlay:
      vlan: external
      selfIP: 10.169.72.36/24
    tunnel:
      selfIP: 10.1.5.36/24
      mac: 00:50:56:86:6b:28
"""


def _git(repo, *args):
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args], cwd=repo, check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path):
    """A repository whose topology lives in a subdirectory, so paths are taken from the repo root."""
    topology = tmp_path / "clusters" / "prod.yaml"
    topology.parent.mkdir()
    topology.write_text((EXAMPLES / "cilium-vxlan.yaml").read_text())
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-q", "-m", "one BIG-IP")
    return topology


def _commit(topology, text, message):
    topology.write_text(text)
    _git(topology.parent, "commit", "-q", "-a", "-m", message)


def _diff(*args):
    return runner.invoke(app, ["diff", *map(str, args)])


def test_second_bigip_shows_its_objects_and_the_vtep_keys(repo, monkeypatch):
    _commit(repo, repo.read_text() + SECOND_BIGIP, "second BIG-IP")
    monkeypatch.chdir(repo.parent)  # git must find the file from its path, wherever vtepc runs
    result = _diff(repo.name, "--against-ref", "HEAD~1", "--format", "json")
    assert result.exit_code == 2, result.output
    doc = json.loads(result.stdout)
    assert doc["complete"] is True
    by_target = {t["target"]: t for t in doc["targets"]}
    assert by_target["bigip/bigip-1"]["added"] + by_target["bigip/bigip-1"]["removed"] + by_target["bigip/bigip-1"]["changed"] == 0
    bigip2 = [c for c in doc["changes"] if c["target"] == "bigip/bigip-2"]
    assert {c["action"] for c in bigip2} == {"add"}
    # profile, tunnel, two self IPs, the pod route, one FDB record per node (2)
    assert sorted(c["kind"] for c in bigip2) == [
        "net/fdb/record",
        "net/fdb/record",
        "net/route",
        "net/self",
        "net/self",
        "net/tunnels/tunnel",
        "net/tunnels/vxlan",
    ]
    assert all(c["origin"].startswith(("bigips[1]", "cluster.")) for c in bigip2)
    cluster = {(c["kind"], c["field"]): c for c in doc["changes"] if c["target"] == "cluster/prod"}
    assert set(cluster) == {
        ("cilium/config", "data.vtep-cidr"),
        ("cilium/config", "data.vtep-endpoint"),
        ("cilium/config", "data.vtep-mac"),
        ("cilium/helm-values", "values.vtep.cidr"),
        ("cilium/helm-values", "values.vtep.endpoint"),
        ("cilium/helm-values", "values.vtep.mac"),
    }
    mac = cluster[("cilium/config", "data.vtep-mac")]
    assert (mac["before"], mac["after"]) == ("00:50:56:a0:7d:d8", "00:50:56:a0:7d:d8 00:50:56:86:6b:28")
    assert mac["origin"] == "bigips[0].tunnel.mac, bigips[1].tunnel.mac"
    commands = [f["command"] for f in doc["follow_ups"]]
    assert "tmsh save sys config" in commands and "kubectl -n kube-system rollout restart ds/cilium" in commands
    # Helm values are the way to change cilium-config, pinned to the topology's chart version.
    helm = "helm upgrade cilium cilium/cilium --version 1.16.19 -n kube-system --reuse-values -f kubernetes/cilium-values.yaml"
    assert commands.index(helm) == commands.index("kubectl -n kube-system rollout restart ds/cilium") - 1


def test_node_ip_edit_shows_exactly_that_node(repo):
    _commit(repo, repo.read_text().replace("ip: 10.169.72.233", "ip: 10.169.72.240"), "node2 moved")
    result = _diff(repo, "--against-ref", "HEAD~1")
    assert result.exit_code == 2, result.output
    lines = result.stdout.splitlines()
    assert 'cluster/prod: cluster/node node2: ip: "10.169.72.233" -> "10.169.72.240"  (from cluster.nodes[1])' in lines
    assert (
        "bigip/bigip-1: net/fdb/record flannel_vxlan/0a:0a:0a:a9:48:f0: (absent) -> "
        '{"endpoint": "10.169.72.240%0", "mac": "0a:0a:0a:a9:48:f0", "tunnel": "flannel_vxlan"}  (from cluster.nodes[1])'
    ) in lines
    assert lines[0].startswith("bigip/bigip-1: net/fdb/record flannel_vxlan/0a:0a:0a:a9:48:e9: {")  # the old record, removed
    assert lines[0].endswith("-> (absent)  (from cluster.nodes[1])")
    assert lines[3].startswith("3 changes (")
    # A deliberate edit, not drift: no "vtepc discover" follow-up.
    assert "discover" not in result.stdout and "tmsh save sys config" in result.stdout


def test_same_revision_is_no_change(repo):
    result = _diff(repo, "--against-ref", "HEAD")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("no changes")


@pytest.mark.parametrize(
    "ref, message",
    [
        ("no-such-ref", "--against-ref no-such-ref: git show no-such-ref:clusters/prod.yaml: fatal:"),
        ("--output=/tmp/x", "invalid git revision"),
    ],
)
def test_bad_ref_is_a_one_line_error(repo, ref, message):
    result = _diff(repo, "--against-ref", ref)
    assert result.exit_code == 1
    assert message in result.stderr and result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1


def test_outside_a_repository(tmp_path):
    topology = tmp_path / "t.yaml"
    topology.write_text((EXAMPLES / "cilium-vxlan.yaml").read_text())
    result = _diff(topology, "--against-ref", "HEAD", "--format", "json")
    assert result.exit_code == 1
    assert "not a git repository" in result.stderr
    assert json.loads(result.stdout)["complete"] is False


def test_invalid_topology_at_the_ref_names_the_revision(repo):
    _commit(repo, repo.read_text().replace("podCIDR: 10.0.0.0/16", "podCIDR: banana"), "broken")
    _commit(repo, (EXAMPLES / "cilium-vxlan.yaml").read_text(), "fixed")
    result = _diff(repo, "--against-ref", "HEAD~1")
    assert result.exit_code == 1
    assert "HEAD~1:clusters/prod.yaml:" in result.stderr


def test_vtepc_diff_between_the_speakers_changes_the_speaker_only(tmp_path):
    """docs/bgp-speakers.md step 1: switch the speaker in git, diff against the previous revision."""
    from .checks_support import edit, example
    from .test_cilium_bgp import _cilium_speaker

    def git(*args: str) -> None:
        subprocess.run(["git", "-c", "user.email=t@t", "-c", "user.name=t", *args], cwd=tmp_path, check=True, capture_output=True)

    topology = tmp_path / "topology.yaml"
    topology.write_text(edit(example("cilium-native-bgp"), '  ciliumVersion: "1.16.19"', '  ciliumVersion: "1.19.6"'))
    git("init", "-q")
    git("add", ".")
    git("commit", "-qm", "bird")
    topology.write_text(_cilium_speaker("1.19.6"))
    run = subprocess.run(["vtepc", "diff", str(topology), "--against-ref", "HEAD"], cwd=tmp_path, capture_output=True, text=True)
    assert run.returncode == 2, run.stderr
    kinds = {line.split(": ")[1].split(" ")[0] for line in run.stdout.splitlines() if line.startswith("cluster/")}
    assert kinds == {"bird/config", "cilium/bgp", "cilium/config", "cilium/helm-values"}
    assert "11 changes" in run.stdout
