"""The walkthrough steps that need a device, run as written against the emulators (tests/emulators).

A page's shell blocks marked `<!-- docs-test: emulated -->` run here, in page order with its unmarked
blocks and the `vtepc build ... -o DIR` commands its text gives, in a fresh copy of the repository:
- each BIG-IP of the page's example is a BigipEmulator, new (nothing set up), with the credentials
  the page exports (`admin` / `...`) and a TLS certificate the system trust store takes
  (SSL_CERT_FILE), reached at the example's `managementURL` (rewritten to the emulator's address);
- the cluster is a KubeEmulator holding the example's nodes (KUBECONFIG);
- `scp FILE admin@NAME:DIR/` and `ssh admin@NAME bash DIR/FILE` are stand-ins on PATH: the script
  copied and run is applied to emulator NAME as tmsh would apply it (tests/emulators/tmsh.py), and
  the device gives a tunnel it creates a MAC, as a BIG-IP does.
The page's closing claim is then checked: `vtepc diff` finds nothing left to change on the BIG-IP.
Blocks still marked `live` (helm upgrade, kubectl apply, rollout restart) need what the read-only
Kubernetes emulator does not serve: a Helm release, server-side apply, a DaemonSet rollout.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.emulators.bigip import TUNNELS, BigipEmulator
from tests.emulators.fixtures import KUBE_TOKEN, certificates  # noqa: F401 (fixture)
from tests.emulators.kube import KubeEmulator, write_kubeconfig
from tests.emulators.tmsh import apply_tmsh, tmsh_argv
from tests.test_docs_blocks import INLINE, SHELL_BLOCKS, _repository_copy
from vtepc.state import compile_desired_state
from vtepc.validate import load_topology

pytestmark = pytest.mark.slow  # emulated devices on local sockets, the CLI in a child
DEVICE_MAC = "00:50:56:a0:7d:d8"  # the MAC the emulated device gives its tunnel (seed 000's)
PAGES = sorted({b.page for b in SHELL_BLOCKS if b.marker == "emulated"})

SSH = """#!/bin/sh
# ssh admin@NAME COMMAND: recorded for the test, which runs it on emulator NAME.
printf '%s\\t%s\\n' "${1#*@}" "$2 $3" >> "$DOCS_SSH_LOG"
"""
SCP = """#!/bin/sh
# scp FILE admin@NAME:DIR/: the file lands in $DOCS_DEVICES/NAME/DIR/.
dest="$DOCS_DEVICES/$(printf '%s' "${2#*@}" | cut -d: -f1)$(printf '%s' "$2" | cut -d: -f2)"
mkdir -p "$dest" && cp "$1" "$dest"
"""


def _steps(page: Path) -> list[str]:
    """The page's unmarked and emulated shell blocks and its `vtepc build ... -o DIR` commands, in page order."""
    text = page.read_text()
    found = [(m.start(), m.group(1) + "\n") for m in INLINE.finditer(text) if re.match(r"vtepc build \S+ -o \S+$", m.group(1))]
    offsets = [(text.index(block.text), block.text) for block in SHELL_BLOCKS if block.page == page and block.marker in (None, "emulated")]
    return [step for _, step in sorted(found + offsets)]


def _run_on_devices(log: Path, devices: Path, emulators: dict[str, BigipEmulator]) -> None:
    for line in log.read_text().splitlines() if log.exists() else []:
        host, command = line.split("\t")
        words = shlex.split(command)
        assert words[0] == "bash" and len(words) == 2, f"ssh {host}: only `bash SCRIPT` is emulated, not {command!r}"
        emulator = emulators[host]
        before = set(emulator.collections.get(TUNNELS, {}))
        for argv in tmsh_argv((devices / host / words[1].lstrip("/")).read_text()):
            apply_tmsh(emulator, argv)
        for tunnel in set(emulator.collections.get(TUNNELS, {})) - before:
            emulator.tunnel_macs[tunnel] = DEVICE_MAC
    log.unlink(missing_ok=True)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_walkthrough_device_steps_run_against_the_emulators(page, tmp_path, certificates):  # noqa: F811
    copy = _repository_copy(tmp_path)
    (example_name,) = {b.example for b in SHELL_BLOCKS if b.page == page and b.marker == "emulated"}
    example = copy / "examples" / example_name
    topology = load_topology(example)
    desired = compile_desired_state(topology)
    shims = tmp_path / "bin"
    shims.mkdir()
    for name, body in (("ssh", SSH), ("scp", SCP)):
        (shims / name).write_text(body)
        (shims / name).chmod(0o755)
    pair = (certificates.certificate, certificates.key)
    with contextlib.ExitStack() as stack:
        emulators = {name: stack.enter_context(BigipEmulator("admin", "...", certificate=pair)) for name in desired.bigips}
        for emulator in emulators.values():
            emulator.add_device_defaults()  # a new BIG-IP: its built-ins, nothing of vtepc's yet
        kube = stack.enter_context(KubeEmulator(KUBE_TOKEN, certificate=pair))
        kube.load_state(desired.cluster)
        text = example.read_text()
        for bigip in topology.bigips:  # the page's device is reached at the emulator's address
            text = text.replace(str(bigip.management_url), emulators[bigip.name].url.replace("127.0.0.1", "localhost"))
        # The page starts before the tunnel exists: its MAC is what `vtepc discover` fills in (step 4).
        example.write_text(re.sub(r"\n *mac: [0-9a-f:]{17}\n", "\n", text, count=1))
        env = {k: v for k, v in os.environ.items() if not k.startswith("VTEPC_")}
        env.update(
            PATH=os.pathsep.join([str(shims), str(Path(sys.executable).parent), env["PATH"]]),
            SSL_CERT_FILE=str(certificates.ca),
            KUBECONFIG=str(write_kubeconfig(tmp_path / "kubeconfig", kube.url, KUBE_TOKEN, ca_file=certificates.ca)),
            DOCS_SSH_LOG=str(tmp_path / "ssh.log"),
            DOCS_DEVICES=str(tmp_path / "devices"),
        )
        for step in _steps(page):
            done = subprocess.run(["bash", "-euo", "pipefail", "-c", step], cwd=copy, env=env, capture_output=True, text=True)
            assert done.returncode == 0, f"{page.relative_to(ROOT)}:\n{step}\n{done.stdout}\n{done.stderr}"
            _run_on_devices(tmp_path / "ssh.log", tmp_path / "devices", emulators)
        discovered = load_topology(example)
        assert [b.tunnel.mac for b in discovered.bigips] == [DEVICE_MAC] * len(emulators)  # step 4 wrote it
        command = ["vtepc", "diff", str(example.relative_to(copy)), "--format", "json"]  # with the credentials the page exports
        credentials = {"VTEPC_BIGIP_USERNAME": "admin", "VTEPC_BIGIP_PASSWORD": "..."}
        diff = subprocess.run(command, cwd=copy, env={**env, **credentials}, capture_output=True, text=True)
    assert diff.returncode in (0, 2), diff.stderr
    assert [c for c in json.loads(diff.stdout)["changes"] if c["target"].startswith("bigip/")] == []
