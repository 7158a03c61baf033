"""No credential value in any output, log record, error or snapshot file, in success and in failure.

The password and token are distinctive strings; every place vtepc writes to is grepped for them
(and for their JSON-escaped forms, since the password contains characters JSON escapes). The
full-run test adds secrets vtepc never holds but live objects carry: a password in a CIS
Deployment's args and an Authorization header in an AS3 monitor's send string.
"""

from __future__ import annotations

import json
import logging

import pytest
from typer.testing import CliRunner

from tests.conftest import EXAMPLES
from tests.emulators.fixtures import KUBE_TOKEN, PASSWORD, desired_example, emulate
from tests.emulators.fixtures import bigip_env  # noqa: F401 (fixture)
from tests.test_live_secrets import SHAPES
from vtepc.cli import app

pytestmark = pytest.mark.slow  # every test here serves the emulated APIs on local sockets

runner = CliRunner()
SECRETS = [PASSWORD, json.dumps(PASSWORD)[1:-1], KUBE_TOKEN]


def assert_clean(text: str, where: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"a credential leaked into {where}"


def test_no_credential_anywhere(tmp_path, bigip_env, caplog):  # noqa: F811
    caplog.set_level(logging.DEBUG)
    desired = desired_example("cilium-vxlan-two-bigips")
    topology = tmp_path / "topology.yaml"
    topology.write_text((EXAMPLES / "cilium-vxlan-two-bigips.yaml").read_text())
    outputs = []
    with emulate(desired, tmp_path) as emulated:
        live = [*emulated.bigip_args(), "--kubeconfig", str(emulated.kubeconfig)]
        outputs.append(runner.invoke(app, ["snapshot", str(topology), "-o", str(tmp_path / "snap"), *live]))
        outputs.append(runner.invoke(app, ["diff", str(topology), *live]))
        outputs.append(runner.invoke(app, ["discover", str(topology), "--dry-run", *live]))
        outputs.append(runner.invoke(app, ["discover", str(topology), *live]))
        # Failures: the device rejects the password (its 401 body echoes the request, password
        # included), then a token that dies after login, then a truncated answer.
        emulated.bigips["bigip-1"].password = "rotated"
        outputs.append(runner.invoke(app, ["snapshot", str(topology), "-o", str(tmp_path / "snap2"), *live]))
        emulated.bigips["bigip-1"].password = PASSWORD
        emulated.bigips["bigip-1"].token_lifetime = 0
        outputs.append(runner.invoke(app, ["discover", str(topology), *live]))
        emulated.bigips["bigip-1"].token_lifetime = None
        emulated.bigips["bigip-2"].truncate_json = True
        outputs.append(runner.invoke(app, ["diff", str(topology), "--format", "json", *live]))
        emulated.bigips["bigip-2"].truncate_json = False
        emulated.kube.token = "rotated"
        outputs.append(runner.invoke(app, ["diff", str(topology), "--format", "markdown", *live]))
        sent = [r for e in emulated.bigips.values() for r in e.requests]
    assert [o.exit_code for o in outputs[:1]] == [0], outputs[0].output
    assert all(o.exit_code == 1 for o in outputs[4:]), [o.output for o in outputs[4:]]
    assert "login rejected" in outputs[4].output
    assert "right after a fresh login" in outputs[5].output
    for index, result in enumerate(outputs):
        assert "Traceback" not in result.output
        assert_clean(result.output, f"the output of run {index}")
        assert_clean(repr(result.exception), f"the exception of run {index}")
    for record in caplog.records:
        assert_clean(record.getMessage(), "a log record")
    for file in (tmp_path / "snap").rglob("*"):
        if file.is_file():
            assert_clean(file.read_text(), str(file))
    assert_clean(topology.read_text(), "the topology")
    # The password went only to the login endpoint, in the body.
    carrying = [r.path for r in sent if SECRETS[1].encode() in r.body or any(PASSWORD in v for v in r.headers.values())]
    assert set(carrying) == {"/mgmt/shared/authn/login"}


LIVE_CANARIES = [
    SHAPES[shape][1]
    for shape in ("cis --bigip-password=", "cis --bigip-token VALUE", "as3 monitor Authorization (CRLF)", "cis url userinfo")
]


def test_no_canary_anywhere_in_a_full_run(tmp_path, bigip_env, caplog):  # noqa: F811
    """build, diff in every format, snapshot, diff --snapshot, discover, and failures: grep all of it."""
    caplog.set_level(logging.DEBUG)
    example = "cilium-native-bgp"
    desired = desired_example(example)
    topology = tmp_path / "topology.yaml"
    topology.write_text((EXAMPLES / f"{example}.yaml").read_text())
    outputs = [runner.invoke(app, ["build", str(topology), "-o", str(tmp_path / "out")])]
    with emulate(desired, tmp_path) as emulated:
        for shape in ("cis --bigip-password=", "cis --bigip-token VALUE", "as3 monitor Authorization (CRLF)", "cis url userinfo"):
            SHAPES[shape][0](emulated.kube)
        live = [*emulated.bigip_args(), "--kubeconfig", str(emulated.kubeconfig)]
        for fmt in ("text", "markdown", "json"):
            outputs.append(runner.invoke(app, ["diff", str(topology), "--format", fmt, *live]))
        outputs.append(runner.invoke(app, ["snapshot", str(topology), "-o", str(tmp_path / "snap"), *live]))
        for fmt in ("text", "markdown", "json"):
            outputs.append(runner.invoke(app, ["diff", str(topology), "--format", fmt, "--snapshot", str(tmp_path / "snap")]))
        outputs.append(runner.invoke(app, ["discover", str(topology), "--dry-run", *live]))
        # Failures: a server message quoting the password across the 160-character cut, a
        # rejected login (the 401 body echoes the password), a token rejected by the API server.
        emulated.bigips["bigip-1"].fail_next(3, status=503, message="y" * 150 + " " + PASSWORD)
        failures = [runner.invoke(app, ["diff", str(topology), "--format", "json", *live])]
        emulated.bigips["bigip-1"].password = "rotated"
        failures.append(runner.invoke(app, ["snapshot", str(topology), "-o", str(tmp_path / "snap2"), *live]))
        emulated.bigips["bigip-1"].password = PASSWORD
        emulated.kube.token = "rotated"
        failures.append(runner.invoke(app, ["diff", str(topology), "--format", "markdown", *live]))
    assert [o.exit_code for o in outputs] == [0, 2, 2, 2, 0, 2, 2, 2, 0], [o.output for o in outputs]
    assert [o.exit_code for o in failures] == [1, 1, 1], [o.output for o in failures]
    secrets = SECRETS + LIVE_CANARIES
    for index, result in enumerate(outputs + failures):
        assert "Traceback" not in result.output
        for secret in secrets:
            assert secret not in result.output, f"{secret!r} leaked into the output of run {index}"
            assert secret not in repr(result.exception), f"{secret!r} leaked into the exception of run {index}"
    records = [record.getMessage() for record in caplog.records]
    files = [f for directory in ("out", "snap") for f in (tmp_path / directory).rglob("*") if f.is_file()]
    assert len(files) > 5
    for secret in secrets:
        assert all(secret not in message for message in records), f"{secret!r} leaked into a log record"
        for file in files + [topology]:
            assert secret not in file.read_text(encoding="utf-8", errors="replace"), f"{secret!r} leaked into {file}"
