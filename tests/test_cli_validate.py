import json

import pytest
from typer.testing import CliRunner

from vtepc.cli import app

from .conftest import EXAMPLE_FILES

runner = CliRunner()


@pytest.mark.parametrize("example", EXAMPLE_FILES, ids=lambda p: p.stem)
def test_every_example_validates(example):
    result = runner.invoke(app, ["validate", str(example)])
    assert result.exit_code == 0, result.output
    assert "0 error(s)" in result.output


def test_typo_reports_line_code_and_suggestion(tmp_path):
    bad = tmp_path / "t.yaml"
    bad.write_text(
        "apiVersion: vtepc/v1\nkind: Topology\nmetadata: {name: t}\n"
        "cluster:\n  name: c\n  cni: cilium\n  ciliumVersion: '1.16.19'\n  podCIDR: 10.0.0.0/16\n"
        "bigips:\n  - name: b\n    underlay: {vlan: e, selfIP: 10.1.0.2/24}\n    tunel: {selfIP: 10.2.0.1/24}\n"
    )
    result = runner.invoke(app, ["validate", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:12:5: VTEP010 error: unknown key 'tunel'" in result.output
    assert "did you mean 'tunnel'?" in result.output


def test_json_format_is_machine_readable(tmp_path):
    bad = tmp_path / "t.yaml"
    bad.write_text("a: 1\na: 2\n")
    result = runner.invoke(app, ["validate", str(bad), "--format", "json"])
    assert result.exit_code == 1
    doc = json.loads(result.output)
    assert doc["format_version"] == 1 and doc["ok"] is False
    assert doc["diagnostics"][0]["code"] == "VTEP005"
    assert doc["diagnostics"][0]["line"] == 2


def test_github_format_annotations(tmp_path):
    bad = tmp_path / "t.yaml"
    bad.write_text("a: 1\na: 2\n")
    result = runner.invoke(app, ["validate", str(bad), "--format", "github"])
    assert result.exit_code == 1
    assert result.output.startswith(f"::error file={bad},line=2,col=1,title=VTEP005::duplicate key 'a'")
