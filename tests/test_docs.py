"""The generated reference pages match the code; the hand-written docs point at things that exist."""

from __future__ import annotations

import importlib.util
import re
import sys

import pytest

from tests.conftest import ROOT
from vtepc.checks import CHECKS, all_codes
from vtepc.docs_gen import check_codes_markdown, exit_codes_of
from vtepc.fleet.checks import fleet_codes

_spec = importlib.util.spec_from_file_location("gen_docs", ROOT / "scripts" / "gen_docs.py")
gen_docs = sys.modules["gen_docs"] = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gen_docs)

DOCS = ROOT / "docs"


def test_generated_docs_are_up_to_date():
    assert gen_docs.stale_docs() == [], "run: python scripts/gen_docs.py (and commit docs/)"


def _documented_codes() -> list[str]:
    return re.findall(r"^## (VTEP\d+)$", (DOCS / "check-codes.md").read_text(), re.M)


def test_check_codes_reference_lists_every_code_the_validator_can_emit():
    documented = _documented_codes()
    assert documented == sorted(documented) and len(documented) == len(set(documented))
    assert set(documented) == set(all_codes()) and set(fleet_codes()) <= set(documented)
    # Independently of the import machinery: every code registered in the loader, schema and check
    # modules' source (a check module nobody imports would be missing from all_codes()).
    sources = [ROOT / "vtepc" / "diagnostics.py", *sorted((ROOT / "vtepc" / "checks").glob("*.py")), ROOT / "vtepc" / "fleet" / "checks.py"]
    in_source = {code for path in sources for code in re.findall(r'register_code\(\s*"(VTEP\d+)"', path.read_text())}
    assert len(in_source) > 12 and in_source <= set(documented)
    assert {code for check in CHECKS for code in check.codes} <= set(documented)


def test_check_codes_reference_names_the_check_that_reports_each_code():
    text = (DOCS / "check-codes.md").read_text()
    for check in CHECKS:
        area = check.run.__module__.removeprefix("vtepc.").removeprefix("checks.")
        for code in check.codes:
            row = next(line for line in text.splitlines() if line.startswith(f"| [{code}]"))
            assert f"`{area}.{check.name}`" in row


def test_check_codes_markdown_escapes_table_cells():
    from vtepc.diagnostics import Code, Severity

    text = check_codes_markdown([Code("VTEP999", Severity.WARNING, "a | b", "")], [])
    assert "| [VTEP999](#vtep999) | warning | a \\| b | loader and schema |" in text


def test_every_command_documents_its_exit_codes():
    text = (DOCS / "exit-codes.md").read_text()
    rows = re.findall(r"^\| `vtepc (\S+)` \| (.*) \|$", text, re.M)
    assert {"validate", "build", "schema", "graph", "manifests"} <= {name for name, _ in rows}
    assert all(status != "not documented" for _, status in rows), rows


@pytest.mark.parametrize(
    "help_text, expected",
    [
        ("Does x.\n\nExit 0 ok, 1 invalid\ninput (see x.y).", "0 ok, 1 invalid input (see x.y)"),
        ("Does x.", None),
    ],
)
def test_exit_sentence_extraction(help_text, expected):
    assert exit_codes_of(help_text) == expected


def _markdown_files():
    return [ROOT / "README.md", *sorted(DOCS.rglob("*.md")), *sorted((ROOT / "deploy").rglob("*.md"))]


def test_relative_links_in_docs_resolve():
    for page in _markdown_files():
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", page.read_text()):
            if "://" in target or target.startswith("mailto:"):
                continue
            assert (page.parent / target).exists(), f"{page.relative_to(ROOT)} links to missing {target}"


def test_readme_quick_start_is_a_venv_then_the_two_fresh_machine_commands():
    readme = (ROOT / "README.md").read_text()
    first_blocks = re.findall(r"```sh\n(.*?)```", readme, re.S)[:3]
    assert first_blocks == [
        "python3 -m venv .venv && . .venv/bin/activate\n",
        "pip install . && vtepc build examples/cilium-vxlan.yaml -o out/cilium-vxlan\n",
        "bash scripts/test.sh\n",
    ]
    assert "docs/images/cilium-vxlan-ha.svg" in readme


@pytest.mark.parametrize("seed_example", ["cilium-vxlan", "cilium-vxlan-ha", "cilium-geneve", "flannel", "cilium-native-bgp"])
def test_each_seed_scenario_has_a_walkthrough_using_its_example(seed_example):
    walkthroughs = {p.name: p.read_text() for p in (DOCS / "walkthroughs").glob("*.md")}
    using = [name for name, text in walkthroughs.items() if f"examples/{seed_example}.yaml" in text]
    assert using, f"no walkthrough uses examples/{seed_example}.yaml"
