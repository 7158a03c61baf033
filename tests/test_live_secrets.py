"""Secrets that live objects carry are masked as whole tokens in every diff format and in snapshots.

vtepc never holds these values: a CIS Deployment whose args carry a password or token, an AS3
monitor whose `send` string carries an Authorization header, a URL with user:password (with or
without a scheme). They must still never reach a diff or a snapshot file.
"""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from tests.conftest import EXAMPLES
from tests.emulators.fixtures import desired_example, emulate
from tests.emulators.fixtures import bigip_env  # noqa: F401 (fixture)
from vtepc.cli import app
from vtepc.secrets import MASK, scrub_text, scrub_value

runner = CliRunner()
EXAMPLE = "cilium-native-bgp"
CIS = ("/apis/apps/v1/namespaces/kube-system/deployments", "k8s-bigip-ctlr-bigip-1")
AS3 = ("/api/v1/namespaces/default/configmaps", "vtepc-as3-demo")


def _cis_args(kube, change) -> None:
    container = kube.objects[CIS[0]][CIS[1]]["spec"]["template"]["spec"]["containers"][0]
    container["args"] = change(container["args"])


def _monitor_send(kube, send: str) -> None:
    configmap = kube.objects[AS3[0]][AS3[1]]
    declaration = json.loads(configmap["data"]["template"])
    tenant = declaration["declaration"]["vtepc_cilium-native-bgp_demo"]
    tenant["demo"]["demo_monitor"]["send"] = send
    configmap["data"]["template"] = json.dumps(declaration)


# shape -> (how the live object gets the secret, the secret)
SHAPES = {
    "cis --bigip-password=": (
        lambda k: _cis_args(k, lambda a: [x.replace("$(BIGIP_PASSWORD)", "Cis-Arg-S3cret") for x in a]),
        "Cis-Arg-S3cret",
    ),
    "cis --bigip-token VALUE": (lambda k: _cis_args(k, lambda a: a + ["--bigip-token", "Cis-Tok-S3cret"]), "Cis-Tok-S3cret"),
    "cis url userinfo": (
        lambda k: _cis_args(k, lambda a: [x.replace("https://10.1.0.100", "https://admin:Url-S3cret@10.1.0.100") for x in a]),
        "Url-S3cret",
    ),
    "cis userinfo without scheme": (
        lambda k: _cis_args(k, lambda a: a + ["--log-as3-response=ops:NoScheme-S3cret@10.9.9.9"]),
        "NoScheme-S3cret",
    ),
    "as3 monitor Authorization (CRLF)": (
        lambda k: _monitor_send(k, "GET / HTTP/1.1\r\nHost: a\r\nAuthorization: Basic SGRyLVMzY3JldA==\r\n\r\n"),
        "SGRyLVMzY3JldA==",
    ),
    "as3 monitor Authorization (written \\r\\n)": (
        lambda k: _monitor_send(k, "GET / HTTP/1.1\\r\\nAuthorization: Bearer Hdr2-S3cret\\r\\n\\r\\n"),
        "Hdr2-S3cret",
    ),
}


@pytest.mark.slow
@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_live_secret_is_masked_in_every_diff_format_and_in_a_snapshot(tmp_path, bigip_env, shape):  # noqa: F811
    inject, secret = SHAPES[shape]
    desired = desired_example(EXAMPLE)
    topology = str(EXAMPLES / f"{EXAMPLE}.yaml")
    with emulate(desired, tmp_path) as emulated:
        inject(emulated.kube)
        live = [*emulated.bigip_args(), "--kubeconfig", str(emulated.kubeconfig)]
        outputs = {fmt: runner.invoke(app, ["diff", topology, "--format", fmt, *live]) for fmt in ("text", "markdown", "json")}
        snapshot = runner.invoke(app, ["snapshot", topology, "-o", str(tmp_path / "snap"), *live])
        shown = runner.invoke(app, ["diff", topology, "--show-secrets", *live])
    for fmt, result in outputs.items():
        assert result.exit_code == 2, (fmt, result.output)  # the change is still there ...
        assert secret not in result.output, f"{shape} leaked into diff --format {fmt}"  # ... its secret is not
        assert "(masked)" in result.output, fmt
    assert snapshot.exit_code == 0, snapshot.output
    files = [f for f in (tmp_path / "snap").rglob("*") if f.is_file()]
    assert files and all(secret not in f.read_text() for f in files), f"{shape} leaked into the snapshot"
    assert "(stripped)" in (tmp_path / "snap" / "cluster.json").read_text()
    assert secret in shown.output  # --show-secrets is the explicit way to see it


@pytest.mark.slow
def test_cilium_bgp_drift_shows_in_the_diff_and_the_peers_bgp_password_never_does(tmp_path, bigip_env):  # noqa: F811
    # The BGP session password lives in the Secret a peer config's authSecretRef names (Cilium's
    # BGP control plane docs): vtepc reads the peer config, never that Secret.
    example = "cilium-bgp-control-plane-1-19"
    secret = "Bgp-Md5-S3cret"
    topology = str(EXAMPLES / f"{example}.yaml")
    with emulate(desired_example(example), tmp_path) as emulated:
        kube = emulated.kube
        kube.get_object("cilium.io/v2", "CiliumBGPPeerConfig", "vtepc")["spec"]["authSecretRef"] = "bgp-auth"
        kube.put(
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": {"name": "bgp-auth", "namespace": "kube-system"},
                "data": {"password": secret},
            }
        )
        peers = kube.get_object("cilium.io/v2", "CiliumBGPClusterConfig", "vtepc")["spec"]["bgpInstances"][0]["peers"]
        peers[0]["peerASN"] = 65999
        live = [*emulated.bigip_args(), "--kubeconfig", str(emulated.kubeconfig)]
        outputs = {fmt: runner.invoke(app, ["diff", topology, "--format", fmt, *live]) for fmt in ("text", "markdown", "json")}
        snapshot = runner.invoke(app, ["snapshot", topology, "-o", str(tmp_path / "snap"), *live])
        read = {r.path for r in kube.requests}
    for fmt, result in outputs.items():
        assert result.exit_code == 2, (fmt, result.output)
        assert "CiliumBGPClusterConfig/vtepc" in result.output and "65999" in result.output, fmt
        assert secret not in result.output and "authSecretRef" not in result.output, fmt
    assert snapshot.exit_code == 0, snapshot.output
    assert all(secret not in f.read_text() for f in (tmp_path / "snap").rglob("*") if f.is_file())
    assert not any("/secrets/bgp-auth" in path for path in read)


def test_masking_replaces_whole_tokens_only():
    # A one-letter password hides that token, not every "a" of the text around it.
    assert scrub_text("a cat sat on a mat", ["a"]) == f"{MASK} cat sat on {MASK} mat"
    assert scrub_text("database unavailable", ["a"]) == "database unavailable"
    # Secret values and their JSON-escaped and percent-encoded forms.
    assert scrub_text('{"password": "p\\"w"} p%22w', ['p"w']) == f'{{"password": "{MASK}"}} {MASK}'


@pytest.mark.parametrize(
    "text, expected",
    [
        ("--bigip-password=hunter2 --bigip-username=admin", f"--bigip-password={MASK} --bigip-username=admin"),
        ("login as admin:hunter2@10.0.0.1 failed", f"login as {MASK}@10.0.0.1 failed"),
        ("https://admin:hunter2@10.0.0.1/mgmt", f"https://{MASK}@10.0.0.1/mgmt"),
        ("GET / HTTP/1.1\r\nAuthorization: Basic YTpi\r\nHost: x\r\n", f"GET / HTTP/1.1\r\nAuthorization: {MASK}\r\nHost: x\r\n"),
        ("GET / HTTP/1.1\\r\\nX-F5-Auth-Token: ABC\\r\\n", f"GET / HTTP/1.1\\r\\nX-F5-Auth-Token: {MASK}\\r\\n"),
        ('{"token":"abc","name":"x"}', f'{{"token":"{MASK}","name":"x"}}'),
        # Not secrets: references, e-mail addresses, a "token" that is not a key, hosts and ports.
        ("--bigip-password=$(BIGIP_PASSWORD)", "--bigip-password=$(BIGIP_PASSWORD)"),
        ("ops@example.com", "ops@example.com"),
        ("token rejected (HTTP 401)", "token rejected (HTTP 401)"),
        ("https://[fd00::1]:8443/x", "https://[fd00::1]:8443/x"),
        ("GET /health.html HTTP/1.1\r\nHost:1.1.1.1\r\n\r\n", "GET /health.html HTTP/1.1\r\nHost:1.1.1.1\r\n\r\n"),
    ],
)
def test_secret_looking_values_are_found_by_shape(text, expected):
    assert scrub_text(text) == expected
    assert scrub_text(expected) == expected  # scrubbing twice changes nothing


def test_scrub_value_masks_the_argument_after_a_secret_flag_and_secret_keys():
    assert scrub_value(
        {"args": ["--bigip-token", "t0k", "--bigip-password", "$(BIGIP_PASSWORD)", "--x", "y"], "password": "p", "token": ""}
    ) == {"args": ["--bigip-token", MASK, "--bigip-password", "$(BIGIP_PASSWORD)", "--x", "y"], "password": MASK, "token": ""}
