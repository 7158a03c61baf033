"""The BGP peers' generated configuration parses with FRR itself (Debian frr 8.4).

`vtysh --dryrun --inputfile FILE` checks every line against FRR's command grammar;
`bgpd -C -f FILE` loads it into a BGP daemon that exits after reading it, which also
catches what the grammar lets through (an undefined peer group, a malformed neighbor
address): bgpd exits 0 either way, so its output is the verdict. The `.imish` files for
BIG-IP peers use the same statements (router bgp, bgp router-id, peer groups, remote-as),
which FRR and ZebOS share: FRR checks them as far as that subset goes.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from vtepc import api

from .conftest import EXAMPLE_FILES, EXAMPLES, require_tool

FRR_LIBEXEC = Path("/usr/lib/frr")
PEER_FILES = [
    (example, path)
    for example in EXAMPLE_FILES
    for path in sorted(api.build(example)[0])
    if path.startswith("bgp/peers/") and path.endswith((".frr.conf", ".imish"))
]


FRR_TMPDIR = "/var/tmp/frr"  # the per-daemon directory Debian's bgpd names in that error (fixed when FRR is built)


def _frr_verdict(text: str, tmp_path: Path) -> str:
    """'' when FRR accepts the configuration, else what it said."""
    vtysh = require_tool("vtysh")
    bgpd = require_tool("bgpd", FRR_LIBEXEC)
    # bgpd reads its file after dropping to the frr user: the file and its directory must be readable to all.
    readable = Path(tempfile.mkdtemp(dir=tmp_path.anchor + "tmp"))
    readable.chmod(0o755)
    target = readable / "frr.conf"
    target.write_text(text)
    target.chmod(0o644)
    try:
        return _verdict(vtysh, bgpd, target)
    finally:
        shutil.rmtree(readable)


def _verdict(vtysh: str, bgpd: str, target: Path) -> str:
    syntax = subprocess.run([vtysh, "--dryrun", "--inputfile", str(target)], capture_output=True, text=True, timeout=60)
    if syntax.returncode != 0:
        return f"vtysh --dryrun exit {syntax.returncode}: {syntax.stdout}{syntax.stderr}"
    with subprocess.Popen([bgpd, "-C", "-f", str(target)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as daemon:
        try:
            stdout, stderr = daemon.communicate(timeout=60)
        finally:
            # bgpd -C leaves its per-process directory behind; once a later bgpd gets the same pid it
            # refuses to start ("failed to mkdir /var/tmp/frr/bgpd.<pid>: File exists"), so remove ours.
            shutil.rmtree(f"{FRR_TMPDIR}/bgpd.{daemon.pid}", ignore_errors=True)
    said = (stdout + stderr).strip()
    if daemon.returncode != 0 or said:
        return f"bgpd -C exit {daemon.returncode}: {said}"
    return ""


def test_examples_have_peer_files():
    kinds = {Path(path).suffix for _, path in PEER_FILES}
    assert {".conf", ".imish"} <= kinds, PEER_FILES


@pytest.mark.oracle
def test_frr_accepts_the_imish_of_a_bigip_peer(tmp_path):
    from vtepc.render.bgp_peers import render_bgp_peers

    from .checks_support import desired_state, example
    from .test_bgp_peers import SEED_004, _bigip_peer

    imish = render_bgp_peers(desired_state(_bigip_peer(example(SEED_004))))["bgp/peers/uplink1.imish"]
    assert _frr_verdict(imish, tmp_path) == ""


@pytest.mark.oracle
@pytest.mark.parametrize("example, path", PEER_FILES, ids=lambda v: getattr(v, "stem", v))
def test_frr_accepts_generated_peer_config(example, path, tmp_path):
    assert _frr_verdict(api.build(example)[0][path], tmp_path) == ""


@pytest.mark.oracle
@pytest.mark.parametrize(
    "old, new",
    [
        (" remote-as ", " remote-ass "),  # not a command: the grammar check
        ("peer-group k8s-", "peer-group nope-"),  # a group that is not configured: only bgpd sees it
        ("neighbor 10.1.0.3 ", "neighbor 10.1.0.300 "),  # not an address: only bgpd sees it
    ],
)
def test_frr_rejects_a_broken_peer_config(old, new, tmp_path):
    text = api.build(EXAMPLES / "cilium-native-bgp.yaml")[0]["bgp/peers/uplink0.frr.conf"]
    assert old in text
    assert _frr_verdict(text.replace(old, new, 1), tmp_path) != ""


@pytest.mark.oracle
@pytest.mark.parametrize("value", ["x\nrouter bgp 1", "}; exit", "a b", "$(touch PWNED)"], ids=repr)
def test_hostile_names_stay_out_of_frr_statements(value, tmp_path):
    from vtepc.render.bgp_peers import render_bgp_peers
    from vtepc.state import compile_desired_state

    from .test_hostile_render import _hostile_topology

    topology = _hostile_topology(value)
    topology = topology.model_copy(update={"cluster": topology.cluster.model_copy(update={"name": value})})
    files = render_bgp_peers(compile_desired_state(topology))
    confs = [text for path, text in files.items() if path.endswith(".frr.conf")]
    assert len(confs) == 2
    for text in confs:
        assert _frr_verdict(text, tmp_path) == ""
        assert [line for line in text.splitlines() if line.startswith("router bgp")] == ["router bgp 64512"]
