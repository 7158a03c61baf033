"""kubeconfig exec credential plugins (client.authentication.k8s.io/v1), as EKS, GKE and AKS use:
a test plugin prints an ExecCredential and vtepc reads the emulated cluster with it."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from tests.emulators.fixtures import FAST, KUBE_TOKEN, no_sleep
from tests.emulators.kube import KubeEmulator
from vtepc.live.http import ConfigurationError
from vtepc.live.kube import KubeOptions, KubeSession, read_nodes, resolve_kubeconfig

pytestmark = pytest.mark.slow  # every test here runs a credential plugin process and serves the emulated API

# The plugin: what kubectl hands it (KUBERNETES_EXEC_INFO, the kubeconfig's env) is checked and
# recorded; it answers with the token from its env, in the apiVersion it was asked for.
PLUGIN = """#!{python}
import json, os, sys
info = json.loads(os.environ["KUBERNETES_EXEC_INFO"])
with open({record!r}, "w") as fh:
    json.dump({{"info": info, "args": sys.argv[1:], "stdin_tty": sys.stdin.isatty()}}, fh)
if os.environ.get("PLUGIN_FAIL"):
    print("token expired; run the login", file=sys.stderr)
    sys.exit(3)
status = {{"token": os.environ["PLUGIN_TOKEN"], "expirationTimestamp": "2099-01-01T00:00:00Z"}}
print(json.dumps({{"apiVersion": info["apiVersion"], "kind": "ExecCredential", "status": status}}))
"""


def _setup(tmp_path: Path, server: str, exec_extra: dict | None = None, api_version: str = "client.authentication.k8s.io/v1"):
    plugin = tmp_path / "bin" / "get-token"
    plugin.parent.mkdir()
    record = tmp_path / "record.json"
    plugin.write_text(PLUGIN.format(python=sys.executable, record=str(record)))
    plugin.chmod(0o755)
    exec_config = {
        "apiVersion": api_version,
        "command": "./bin/get-token",
        "args": ["--cluster", "emulated"],
        "env": [{"name": "PLUGIN_TOKEN", "value": KUBE_TOKEN}],
        "provideClusterInfo": True,
        "interactiveMode": "IfAvailable",
        **(exec_extra or {}),
    }
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "current-context": "eks",
        "clusters": [{"name": "eks", "cluster": {"server": server}}],
        "users": [{"name": "eks", "user": {"exec": exec_config}}],
        "contexts": [{"name": "eks", "context": {"cluster": "eks", "user": "eks"}}],
    }
    path = tmp_path / "kubeconfig"
    path.write_text(json.dumps(config))
    return path, record


def test_exec_plugin_credential_reads_the_emulated_cluster(tmp_path):
    with KubeEmulator(KUBE_TOKEN) as emulator:
        emulator.add_node("node1", "10.0.0.1", "10.244.0.0/24")
        path, record = _setup(tmp_path, emulator.url)
        connection = resolve_kubeconfig(KubeOptions(kubeconfig=path), dict(os.environ))
        nodes = read_nodes(KubeSession(connection, FAST, sleep=no_sleep))
    assert [(n.name, n.ip) for n in nodes] == [("node1", "10.0.0.1")]
    assert connection.token == KUBE_TOKEN and KUBE_TOKEN not in repr(connection)
    seen = json.loads(record.read_text())
    assert seen["args"] == ["--cluster", "emulated"] and seen["stdin_tty"] is False
    assert seen["info"] == {
        "apiVersion": "client.authentication.k8s.io/v1",
        "kind": "ExecCredential",
        "spec": {"interactive": False, "cluster": {"server": emulator.url}},
    }


def test_v1beta1_plugins_work_too(tmp_path):
    path, _ = _setup(tmp_path, "https://c.example", api_version="client.authentication.k8s.io/v1beta1")
    assert resolve_kubeconfig(KubeOptions(kubeconfig=path), dict(os.environ)).token == KUBE_TOKEN


@pytest.mark.parametrize(
    "extra, env, message",
    [
        (
            {"env": [{"name": "PLUGIN_TOKEN", "value": "x"}, {"name": "PLUGIN_FAIL", "value": "1"}]},
            {},
            r"exited 3: token expired; run the login",
        ),
        (
            {"command": "no-such-aws-cli", "installHint": "install the AWS CLI"},
            {},
            r"no-such-aws-cli is not on PATH \(install the AWS CLI\)",
        ),
        ({"interactiveMode": "Always"}, {}, "interactiveMode Always needs a terminal"),
        ({"apiVersion": "client.authentication.k8s.io/v1alpha1"}, {}, "apiVersion 'client.authentication.k8s.io/v1alpha1' is not one of"),
    ],
)
def test_exec_plugin_problems_are_clear_errors(tmp_path, extra, env, message):
    path, _ = _setup(tmp_path, "https://c.example", extra)
    with pytest.raises(ConfigurationError, match=message):
        resolve_kubeconfig(KubeOptions(kubeconfig=path), {**os.environ, **env})
