import json
import os
import subprocess

import pytest
from typer.testing import CliRunner

from vtepc.cli import app

from .conftest import EXAMPLE_FILES, EXAMPLES, registry_oracle

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


def test_an_unknown_mode_is_one_positioned_error(tmp_path):
    bad = tmp_path / "t.yaml"
    bad.write_text(
        "apiVersion: vtepc/v1\nkind: Topology\nmetadata: {name: t}\n"
        "cluster:\n  name: c\n  cni: calico\n  podCIDR: 10.0.0.0/16\n"
        "bigips:\n  - name: b\n    underlay: {vlan: e, selfIP: 10.1.0.2/24}\n"
    )
    result = runner.invoke(app, ["validate", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:6:8: VTEP012 error: cluster.cni: unknown mode 'calico'" in result.output
    assert "known modes: cilium, flannel" in result.output
    assert "Traceback" not in result.output


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


# The broken copies: (example, old text, new text, expected code, needle on the reported line)
BROKEN_COPIES = [
    ("cilium-vxlan", "    tunnel:\n", "    tunnel:\n      vni: 3\n", "VTEP301", "vni: 3"),
    ("cilium-vxlan", "selfIP: 10.1.6.34/24", "selfIP: 10.0.200.34/24", "VTEP303", "10.0.200.34/24"),
    ("cilium-vxlan-two-bigips", "podCIDR: 10.0.1.0/24", "podCIDR: 10.0.0.0/23", "VTEP204", "10.0.0.0/23"),
    ("cilium-vxlan", "mac: 00:50:56:a0:7d:d8", "mac: 00:50:56:a0:7d:zz", "VTEP105", "7d:zz"),
    ("cilium-vxlan", "      ip: 10.169.72.233\n", "      ip: 10.169.72.233\n      ip: 10.169.72.234\n", "VTEP005", "10.169.72.234"),
    ("flannel", "    underlay:\n", "    underlay:\n      selfIp: 172.16.1.29/16\n", "VTEP010", "selfIp"),
]


@pytest.mark.parametrize("name,old,new,code,needle", BROKEN_COPIES, ids=[c[3] for c in BROKEN_COPIES])
def test_broken_copy_of_an_example_names_line_and_code(tmp_path, name, old, new, code, needle):
    text = (EXAMPLE_FILES[0].parent / f"{name}.yaml").read_text()
    assert old in text
    text = text.replace(old, new, 1)
    path = tmp_path / f"{name}.yaml"
    path.write_text(text)
    line = next(i for i, content in enumerate(text.splitlines(), 1) if needle in content)
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 1, result.output
    assert f"{path}:{line}:" in result.output and f": {code} error:" in result.output, result.output
    reported = [row for row in result.output.splitlines() if f": {code} " in row]
    assert any(row.startswith(f"{path}:{line}:") for row in reported), reported


def test_strict_fails_on_warnings(tmp_path):
    path = tmp_path / "t.yaml"
    path.write_text((EXAMPLE_FILES[0].parent / "cilium-vxlan.yaml").read_text().replace("      mac: 00:50:56:a0:7d:d8\n", ""))
    relaxed = runner.invoke(app, ["validate", str(path)])
    assert relaxed.exit_code == 0 and "VTEP313 warning" in relaxed.output
    assert runner.invoke(app, ["validate", str(path), "--strict"]).exit_code == 1


def test_json_lists_every_diagnostic_with_stable_fields(tmp_path):
    path = tmp_path / "t.yaml"
    text = (EXAMPLE_FILES[0].parent / "cilium-vxlan.yaml").read_text()
    path.write_text(text.replace("  routing: tunnel\n", "  routng: tunnel\n").replace("10.169.72.233", "10.169.72.333"))
    result = runner.invoke(app, ["validate", str(path), "--format", "json"])
    assert result.exit_code == 1
    doc = json.loads(result.output)
    assert doc["errors"] == 2 and [d["code"] for d in doc["diagnostics"]] == ["VTEP010", "VTEP102"]
    assert set(doc["diagnostics"][0]) == {"file", "line", "column", "code", "severity", "message", "hint", "path"}
    assert doc["diagnostics"][1]["path"] == "cluster.nodes[1].ip"


def test_unreadable_file_is_a_diagnostic_not_a_traceback(tmp_path):
    result = runner.invoke(app, ["validate", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 1 and "VTEP007 error: cannot read" in result.output
    assert isinstance(result.exception, SystemExit)  # a clean exit, no exception escaped


@pytest.mark.slow
def test_console_script_usage_errors_exit_1_never_2(tmp_path):
    """2 is reserved for `vtepc diff`'s "changes"; a typo'd option must not look like one."""
    import subprocess
    import sys

    def run(*args):
        return subprocess.run([sys.executable, "-m", "vtepc", *args], capture_output=True, text=True)

    for args in (["validate", "--bogus"], ["diff", "x.yaml", "--no-such-flag"], ["build"]):
        result = run(*args)
        assert result.returncode == 1, (args, result.returncode, result.stderr)
        assert result.stdout == "" and len(result.stderr.splitlines()) == 1, result.stderr
        assert result.stderr.startswith(f"vtepc {args[0]}: ") and result.stderr.endswith(f"(see vtepc {args[0]} -h)\n")
    assert run().returncode == 1 and "Usage:" in run().stdout + run().stderr
    assert run("--help").returncode == 0 and run("-h").stdout == run("--help").stdout
    assert run("validate", "-h").returncode == 0 and "--strict" in run("validate", "-h").stdout
    assert run("validate", str(EXAMPLE_FILES[0])).returncode == 0


@pytest.mark.slow
def test_a_bad_format_is_one_plain_line_naming_the_choices():
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "vtepc", "validate", str(EXAMPLE_FILES[0]), "--format", "yaml"], capture_output=True, text=True
    )
    assert done.returncode == 1 and done.stdout == ""
    assert (
        done.stderr == "vtepc validate: invalid --format: 'yaml' is not one of 'text', 'json', 'github', 'sarif' (see vtepc validate -h)\n"
    )


def _vtepc(*args: str, stdin: str | None = None):
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "vtepc", *args], input=stdin, capture_output=True, text=True)


def _broken() -> str:
    return (EXAMPLE_FILES[0].parent / "cilium-vxlan.yaml").read_text().replace("10.169.72.233", "10.169.72.333")


@pytest.mark.slow
def test_several_files_and_stdin_in_one_run_with_diagnostics_on_stderr_only():
    flannel = str(EXAMPLE_FILES[0].parent / "flannel.yaml")
    done = _vtepc("validate", "-", flannel, stdin=_broken())
    assert done.returncode == 1 and done.stdout == ""
    lines = done.stderr.splitlines()
    assert lines[0].startswith("<stdin>:21:11: VTEP102 error:")
    assert lines[-2:] == ["<stdin>: invalid: 1 error(s), 0 warning(s)", f"{flannel}: ok: 0 error(s), 0 warning(s)"]
    clean = _vtepc("validate", flannel, flannel)  # several files are a fleet (docs/fleet.md): a file named twice counts once
    assert clean.returncode == 0 and clean.stdout == "" and clean.stderr.count(": ok:") == 1
    assert _vtepc("validate", "-", "-", stdin="").returncode == 1


@pytest.mark.slow
def test_json_for_several_files_is_a_list_of_the_one_file_objects():
    flannel = str(EXAMPLE_FILES[0].parent / "flannel.yaml")
    one = json.loads(_vtepc("validate", flannel, "--format", "json").stdout)
    both = _vtepc("validate", "-", flannel, "--format", "json", stdin=_broken())
    assert both.returncode == 1 and both.stderr == ""
    first, second = json.loads(both.stdout)
    assert second == one and first["file"] == "<stdin>" and [d["code"] for d in first["diagnostics"]] == ["VTEP102"]


@pytest.mark.slow
def test_sarif_is_what_github_code_scanning_reads():
    """GitHub's SARIF support: version 2.1.0, tool.driver.name and rules, each result with ruleId,
    message.text and a physical location (uri relative to the repository, startLine)."""
    from vtepc import __version__

    done = _vtepc(
        "validate",
        "-",
        str(EXAMPLE_FILES[0].parent / "cilium-vxlan-ha.yaml"),
        "--format",
        "sarif",
        stdin=_broken().replace("mac: 00:50:56:a0:7d:d8", "mac: 01:50:56:a0:7d:d8"),
    )
    assert done.returncode == 1 and done.stderr == ""
    log = json.loads(done.stdout)
    assert log["version"] == "2.1.0" and log["$schema"].endswith("sarif-2.1.0.json")
    (run,) = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "vtepc" and driver["version"] == __version__
    rule_ids = [rule["id"] for rule in driver["rules"]]
    assert rule_ids == sorted(set(rule_ids)) and len(rule_ids) >= 2
    for result in run["results"]:
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] in ("error", "warning") and result["message"]["text"]
        (location,) = result["locations"]
        assert location["physicalLocation"]["artifactLocation"]["uri"] == "%3Cstdin%3E"  # a URI: <> percent-encoded
        assert location["physicalLocation"]["region"]["startLine"] >= 1
    assert {r["ruleId"] for r in run["results"]} == set(rule_ids)
    for rule in driver["rules"]:
        assert rule["helpUri"].endswith("/docs/check-codes.md#" + rule["id"].lower())


@pytest.mark.slow
def test_validate_json_has_the_session_table_and_reads_peer_configs(tmp_path):
    path = tmp_path / "t.yaml"
    path.write_text(_example_text("cilium-native-bgp"))
    run = subprocess.run(["vtepc", "validate", str(path), "--format", "json"], capture_output=True, text=True)
    rows = json.loads(run.stdout)["bgp_sessions"]
    assert len(rows) == 12 and rows[0] == {
        "peer": "uplink0",
        "peer_address": "10.1.0.253",
        "peer_asn": 64512,
        "node": "node1",
        "node_address": "10.1.0.1",
        "node_asn": 64512,
        "status": "matched",
        "detail": "",
    }
    router = tmp_path / "uplink0.conf"
    router.write_text("router bgp 64512\n neighbor 10.1.0.1 remote-as 64512\n")
    run = subprocess.run(["vtepc", "validate", str(path), "--peer-config", f"uplink0={router}"], capture_output=True, text=True)
    assert run.returncode == 0
    assert "BGP sessions: 5 half open, 7 matched" in run.stderr
    assert "uplink0 10.1.0.253 <-> node6 10.1.0.6: half open" in run.stderr
    bad = subprocess.run(["vtepc", "validate", str(path), "--peer-config", f"nope={router}"], capture_output=True, text=True)
    assert bad.returncode == 1 and "no topology has a BGP peer nope" in bad.stderr


def _example_text(name: str) -> str:
    return (EXAMPLE_FILES[0].parent / f"{name}.yaml").read_text()


@pytest.mark.slow
def test_sarif_is_valid_against_the_sarif_2_1_0_json_schema(tmp_path):
    """The whole log against the SARIF 2.1.0 JSON Schema (scripts/oracle-pins.json), formats included:
    artifactLocation.uri is a URI reference, so a file name with a space or '#' is percent-encoded."""
    import shutil
    from urllib.parse import unquote

    import jsonschema

    checker = jsonschema.FormatChecker()
    assert not checker.conforms("my net/a b.yaml", "uri-reference")  # rfc3986-validator is there: formats are checked
    schema = json.loads(registry_oracle("sarif-schema").read_text(encoding="utf-8"))
    spaced = tmp_path / "my net" / "ha #1.yaml"
    spaced.parent.mkdir()
    shutil.copy(EXAMPLE_FILES[0].parent / "cilium-vxlan-ha.yaml", spaced)
    spaced.write_text(spaced.read_text().replace("mac: 00:50:56:a0:7d:d8", "mac: 01:50:56:a0:7d:d8"))
    done = _vtepc("validate", "-", str(spaced), "--format", "sarif", stdin=_broken())
    assert done.returncode == 1, done.stderr
    log = json.loads(done.stdout)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in jsonschema.Draft4Validator(schema, format_checker=checker).iter_errors(log)]
    assert errors == []
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in log["runs"][0]["results"]}
    assert {unquote(u) for u in uris} == {"<stdin>", spaced.as_posix()} and " " not in "".join(uris)


def test_the_console_entry_point_collects_garbage_less_often(monkeypatch):
    """main() (the process entry) raises the collector's thresholds: with the defaults a 65,000-node
    validate spent about a fifth of its CPU collecting (benchmarks/README.md); importing the CLI does not."""
    import gc

    from vtepc.cli import main

    before = gc.get_threshold()
    assert before != (200_000, 30, 30)  # importing changed nothing
    monkeypatch.setattr("sys.argv", ["vtepc", "--help"])
    monkeypatch.delenv("PYDANTIC_DISABLE_PLUGINS", raising=False)
    try:
        with pytest.raises(SystemExit) as exited:
            main()
        assert exited.value.code == 0
        assert gc.get_threshold() == (200_000, 30, 30)
        # and pydantic looks for no plugins (entry points) in vtepc's process
        assert os.environ["PYDANTIC_DISABLE_PLUGINS"] == "__all__"
    finally:
        gc.set_threshold(*before)
        os.environ.pop("PYDANTIC_DISABLE_PLUGINS", None)


IMPORTED = """
import json, sys
sys.argv = ["vtepc", *sys.argv[1:]]
from vtepc.cli import main
try:
    main()
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)), file=sys.__stdout__)
"""


def _imported(*argv: str) -> set[str]:
    """The modules a fresh `vtepc ARGV...` process has imported when it is done."""
    import sys

    done = subprocess.run([sys.executable, "-c", IMPORTED, *argv], capture_output=True, text=True, check=True)
    return set(json.loads(done.stdout.splitlines()[-1]))


@pytest.mark.slow
def test_help_and_validate_import_only_what_they_need():
    """Start-up is most of `vtepc validate` on a small topology (benchmarks/README.md): --help loads
    the command definitions only; validate neither the live readers (HTTP, TLS), the plan, diff,
    graph or discover code, nor ruamel.yaml for a block-style file, and of the renderers only DO's
    gaps, which its VTEP950 check judges."""
    # vtepc's own modules (and ruamel, which only vtepc imports): ssl or http.client would also be
    # vtepc.live's marks, but a dependency may import them itself (pydantic-core 2.46's core_schema imports asyncio, which imports ssl).
    heavy = ("vtepc.live", "vtepc.plan", "vtepc.diff", "vtepc.graph", "vtepc.discover", "vtepc.snapshot", "ruamel")
    shown = _imported("--help")
    assert not {m for m in shown if m.startswith(heavy + ("vtepc.render", "vtepc.model", "pydantic"))}
    validated = _imported("validate", str(EXAMPLES / "cilium-vxlan.yaml"))  # block style through and through
    assert "vtepc.checks.reachability" in validated  # it did validate
    assert not {m for m in validated if m.startswith(heavy)}
    assert {m for m in validated if m.startswith("vtepc.render")} <= {"vtepc.render", "vtepc.render.declarative_onboarding"}
    # of the CLI, the validate command only (vtepc.cli._app.COMMANDS: the others are imported when asked for)
    assert {m for m in validated if m.startswith("vtepc.cli.")} == {"vtepc.cli._app", "vtepc.cli.validate", "vtepc.cli.output"}
    # the api's sources and results, a fleet's members, a diff's follow-ups: one file's validate uses none of them
    assert not {"vtepc.api_types", "vtepc.fleet.model", "vtepc.integrations.cilium.followups", "pkgutil"} & validated
