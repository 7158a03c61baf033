"""Releases a user can pin (docs/releasing.md): one version source, a changelog that matches the tags,
and a wheel that installs and runs."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
import zipfile

from tests.conftest import ROOT
from tests.test_docs_blocks import _repository_copy
from vtepc import __version__
import pytest


def test_the_version_has_one_source():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" not in project["project"] and "version" in project["project"]["dynamic"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "vtepc.__version__"}
    assert re.fullmatch(r"\d+\.\d+\.\d+", __version__)
    others = [
        p
        for p in ROOT.rglob("*.py")
        if "tests" not in p.parts and p != ROOT / "vtepc" / "__init__.py" and re.search(r"^__version__\s*=", p.read_text(), re.M)
    ]
    assert others == []


def _tags() -> set[str]:
    return set(subprocess.run(["git", "tag", "--list"], cwd=ROOT, capture_output=True, text=True).stdout.split())


@pytest.mark.slow
def test_changelog_is_keep_a_changelog_and_lists_exactly_the_tagged_releases():
    text = (ROOT / "CHANGELOG.md").read_text()
    headings = re.findall(r"^## \[([^\]]+)\](.*)$", text, re.M)
    assert headings and headings[0][0] == "Unreleased"
    released = [version for version, _ in headings[1:]]
    for version, rest in headings[1:]:
        assert re.fullmatch(r" - \d{4}-\d{2}-\d{2}", rest), f"## [{version}] needs ' - YYYY-MM-DD'"
    assert {f"v{v}" for v in released} == {t for t in _tags() if re.fullmatch(r"v\d+\.\d+\.\d+", t)}
    for section in re.findall(r"^### (.+)$", text, re.M):
        assert section in {"Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"}, section
    # The version being prepared is not presented as released before its tag exists.
    assert f"v{__version__}" in _tags() or __version__ not in released


@pytest.mark.slow
def test_wheel_installs_and_runs_vtepc_version(tmp_path):
    """`pip wheel .` then the wheel alone on the path (dependencies from this environment): the
    console script's module, the package data and the version all come from the wheel."""
    source = _repository_copy(tmp_path)  # setuptools writes build/ next to the sources
    built = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "--disable-pip-version-check",
            "-w",
            str(tmp_path / "dist"),
            str(source),
        ],
        capture_output=True,
        text=True,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = (tmp_path / "dist").glob("vtepc-*.whl")
    assert wheel.name.startswith(f"vtepc-{__version__}-py3-none-any")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        entry_points = archive.read(next(n for n in names if n.endswith(".dist-info/entry_points.txt"))).decode()
    assert "vtepc = vtepc.cli:main" in entry_points
    assert not [n for n in names if n.startswith(("tests/", "examples/", "scripts/"))]
    target = tmp_path / "site"
    installed = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)], capture_output=True, text=True
    )
    assert installed.returncode == 0, installed.stderr
    env = {**os.environ, "PYTHONPATH": str(target)}
    run = subprocess.run(
        [
            sys.executable,
            "-c",
            "import vtepc, sys; from vtepc.cli import main; print(vtepc.__file__); sys.argv = ['vtepc', '--version']; main()",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    module_file, version_line = run.stdout.splitlines()
    assert module_file.startswith(str(target)) and version_line == f"vtepc {__version__}"
    schema = subprocess.run([sys.executable, "-m", "vtepc", "schema"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert schema.returncode == 0 and '"$schema"' in schema.stdout
