"""`vtepc diff` command-line behaviour that needs no device: option checks, colour, formats, errors."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from vtepc.cli import app
from vtepc.cli.diff import _use_color

from .conftest import EXAMPLES

runner = CliRunner()
EXAMPLE = EXAMPLES / "cilium-vxlan.yaml"


def _diff(*args, **kwargs):
    return runner.invoke(app, ["diff", *map(str, args)], **kwargs)


@pytest.mark.parametrize(
    "args, message",
    [
        (["--snapshot", "s", "--against-ref", "HEAD"], "give one"),
        (["--snapshot", "s", "--insecure"], "--insecure only apply to live state, not with --snapshot"),
        (["--against-ref", "HEAD", "--bigip", "bigip-1=https://h", "--context", "c"], "--bigip, --context only apply to live state"),
    ],
)
def test_conflicting_sources_are_errors(args, message):
    result = _diff(EXAMPLE, *args)
    assert result.exit_code == 1
    assert message in result.stderr and result.stdout == ""


def test_credentials_in_a_bigip_url_are_refused_and_never_echoed():
    result = _diff(EXAMPLE, "--bigip", "bigip-1=https://admin:s3cr3t-value@192.0.2.10", "--format", "json")
    assert result.exit_code == 1
    assert "credentials in the URL are refused" in result.stderr
    assert "s3cr3t-value" not in result.output and "s3cr3t-value" not in result.stderr
    assert json.loads(result.stdout)["complete"] is False


def test_malformed_bigip_option():
    result = _diff(EXAMPLE, "--bigip", "https://192.0.2.10")
    assert result.exit_code == 1 and "--bigip expects NAME=URL" in result.stderr


def test_invalid_topology_exits_1_with_diagnostics(tmp_path):
    bad = tmp_path / "t.yaml"
    bad.write_text("a: 1\na: 2\n")
    result = _diff(bad, "--against-ref", "HEAD")
    assert result.exit_code == 1
    assert f"{bad}:2:1: VTEP005 error" in result.stderr
    assert f"error: {bad}: invalid: " in result.stderr


def test_bad_ignore_file_is_an_error(tmp_path):
    rules = tmp_path / "ignore.yaml"
    rules.write_text("- kind: x\n  feild: y\n")
    result = _diff(EXAMPLE, "--against-ref", "HEAD", "--ignore-file", rules)
    assert result.exit_code == 1 and "unknown key(s) feild" in result.stderr


class _Stdout:
    def __init__(self, tty: bool):
        self._tty = tty

    def isatty(self) -> bool:
        return self._tty


@pytest.mark.parametrize(
    "tty, no_color_env, flag, expected",
    [
        (True, None, False, True),
        (True, "1", False, False),
        (True, "", False, True),  # NO_COLOR only counts when non-empty (no-color.org)
        (True, None, True, False),
        (False, None, False, False),
    ],
)
def test_colour_auto(monkeypatch, tty, no_color_env, flag, expected):
    monkeypatch.setattr("sys.stdout", _Stdout(tty))
    if no_color_env is None:
        monkeypatch.delenv("NO_COLOR", raising=False)
    else:
        monkeypatch.setenv("NO_COLOR", no_color_env)
    assert _use_color(flag) is expected
