"""Releases a user can pin (docs/releasing.md): one version source, a changelog that matches the tags,
and a wheel that installs and runs."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
import zipfile

import pytest

from tests.conftest import ROOT
from tests.test_docs_blocks import _repository_copy
from vtepc import __version__


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


def _wheel(tmp_path):
    source = _repository_copy(tmp_path)  # setuptools writes build/ next to the sources
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path / "dist"), str(source)],
        capture_output=True,
        text=True,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = (tmp_path / "dist").glob("vtepc-*.whl")
    return wheel


@pytest.mark.slow
def test_wheel_installs_and_runs_vtepc_version(tmp_path):
    """`pip wheel .` then the wheel alone on the path (dependencies from this environment): the
    console script's module, the package data and the version all come from the wheel."""
    wheel = _wheel(tmp_path)
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


TOOL_INSTALLS = {
    # tool -> (install argv, the environment that keeps its venvs and the `vtepc` it links under tmp_path)
    "uv": (["uv", "tool", "install"], lambda home: {"UV_TOOL_DIR": f"{home}/tools", "UV_TOOL_BIN_DIR": f"{home}/bin"}),
    "pipx": (["pipx", "install"], lambda home: {"PIPX_HOME": f"{home}/tools", "PIPX_BIN_DIR": f"{home}/bin"}),
}


@pytest.mark.slow
@pytest.mark.parametrize("source", ["checkout", "wheel"])
@pytest.mark.parametrize("tool", sorted(TOOL_INSTALLS))
def test_pipx_and_uv_tool_install_put_a_working_vtepc_on_the_path(tool, source, tmp_path):
    """The README's `pipx install .` / `uv tool install .` (and the same with a wheel): a `vtepc` in a
    venv of its own, dependencies from PyPI, that validates an example. The test extras install both tools."""
    argv, layout = TOOL_INSTALLS[tool]
    target = str(_repository_copy(tmp_path) if source == "checkout" else _wheel(tmp_path))
    env = {**os.environ, **layout(tmp_path), "UV_CACHE_DIR": str(tmp_path / "uv-cache")}
    env.pop("VIRTUAL_ENV", None)
    installed = subprocess.run([*argv, target], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    vtepc = tmp_path / "bin" / "vtepc"
    version = subprocess.run([str(vtepc), "--version"], capture_output=True, text=True)
    assert version.stdout == f"vtepc {__version__}\n", version.stderr
    validate = subprocess.run([str(vtepc), "validate", str(ROOT / "examples" / "flannel.yaml")], capture_output=True, text=True)
    assert validate.returncode == 0 and ": ok:" in validate.stderr, validate.stderr
    assert vtepc.resolve().is_relative_to(tmp_path / "tools")  # its own venv, not this checkout's
