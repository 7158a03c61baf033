from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
SHARED = ROOT.parent / "shared"
ORACLES = SHARED / "oracles"
EXAMPLE_FILES = sorted(EXAMPLES.glob("*.yaml"))


def oracle_cache() -> Path:
    """The writable cache scripts/test.sh installs oracles into (and tests keep their renders in)."""
    default = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "vtepc-oracles"
    return Path(os.environ.get("VTEPC_ORACLE_CACHE") or default)


def require_tool(name: str, *also_in: Path) -> str:
    """The path of an external oracle tool (on PATH, or in one of `also_in`, e.g. the oracle cache);
    in CI a missing tool fails the test, never skips it."""
    path = shutil.which(name) or shutil.which(name, path=os.pathsep.join(map(str, also_in)) or None)
    if path:
        return path
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"oracle tool '{name}' is missing in CI (scripts/test.sh installs it)")
    pytest.skip(f"oracle tool '{name}' is not installed")


def require_oracle(path: Path) -> Path:
    """An oracle file from ../shared/oracles; missing in CI is a failure."""
    if path.exists():
        return path
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"oracle file {path} is missing")
    pytest.skip(f"oracle file {path} is missing")

GOLDEN = ROOT / "tests" / "golden"


def pytest_addoption(parser):
    parser.addoption(
        "--update-goldens",
        action="store_true",
        default=False,
        help="rewrite tests/golden/ from the current renderers (review the git diff afterwards)",
    )


@pytest.fixture
def update_goldens(request) -> bool:
    return bool(request.config.getoption("--update-goldens"))
