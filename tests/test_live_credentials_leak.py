"""No credential value in any output, log record, error or snapshot file, in success and in failure.

The password and token are distinctive strings; every place vtepc writes to is grepped for them
(and for their JSON-escaped forms, since the password contains characters JSON escapes).
"""
from __future__ import annotations

import json
import logging

from typer.testing import CliRunner

from tests.conftest import EXAMPLES
from tests.emulators.fixtures import KUBE_TOKEN, PASSWORD, desired_example, emulate
from tests.emulators.fixtures import bigip_env  # noqa: F401 (fixture)
from vtepc.cli import app

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
