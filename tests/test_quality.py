"""Engineering habits, enforced by the test command: ruff clean, mypy --strict clean on vtepc/ and scripts/, py.typed shipped."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=cwd, capture_output=True, text=True, timeout=600)


@pytest.mark.slow
def test_ruff_check_reports_nothing():
    done = _run("ruff", "check", "--no-cache", ".")
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.slow
def test_ruff_format_leaves_every_file_as_it_is():
    done = _run("ruff", "format", "--check", "--no-cache", ".")
    assert done.returncode == 0, "run `ruff format .`:\n" + done.stdout + done.stderr


@pytest.mark.slow
def test_mypy_strict_reports_nothing_outside_the_listed_exemptions():
    done = _run("mypy", "--no-incremental")
    assert done.returncode == 0, done.stdout + done.stderr


def _exempted() -> set[str]:
    overrides = PYPROJECT["tool"]["mypy"].get("overrides", [])
    return {module for override in overrides if override.get("ignore_errors") for module in override["module"]}


@pytest.mark.slow
def test_mypy_exemptions_are_exactly_the_modules_not_yet_clean(tmp_path):
    """Without the exemptions, the modules mypy --strict complains about are exactly those listed."""
    config = tmp_path / "mypy.ini"
    config.write_text("[mypy]\npython_version = 3.11\nstrict = True\nwarn_unreachable = True\n", encoding="utf-8")
    done = _run("mypy", "--no-incremental", "--config-file", str(config), "vtepc")
    files = set(re.findall(r"^(vtepc/\S+?\.py):\d+: error:", done.stdout, re.MULTILINE))
    dirty = {f[:-3].replace("/", ".").removesuffix(".__init__") for f in files}
    assert dirty - _exempted() == set(), (
        "modules outside the exemptions have mypy --strict errors; fix them (a new module starts clean):\n" + done.stdout
    )
    assert _exempted() - dirty == set(), "clean now: remove these from [[tool.mypy.overrides]] in pyproject.toml"


def test_py_typed_is_shipped():
    assert (ROOT / "vtepc" / "py.typed").is_file()
    assert "py.typed" in PYPROJECT["tool"]["setuptools"]["package-data"]["vtepc"]
