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


# The `fast` selection (`pytest -m fast`) for the inner loop: no subprocesses, no emulated
# devices, no oracles, no network. These modules start processes (the CLI in a child, git,
# bird, kubectl, helm, graphviz, mypy, ruff), serve emulated BIG-IP/Kubernetes APIs on local
# sockets, or run hypothesis' long property searches, so they stay out of it; every other test
# is fast. The full suite (scripts/test.sh) still runs everything.
NOT_FAST_MODULES = frozenset(
    {
        "test_action",
        "test_action_pr",
        "test_build",
        "test_cli_validate",
        "test_discover",
        "test_e2e_diff_live",
        "test_e2e_diff_ref",
        "test_gitops",
        "test_graph",
        "test_live_bigip",
        "test_live_credentials_leak",
        "test_live_kube",
        "test_manifests",
        "test_object_kinds",
        "test_oracle_bird",
        "test_oracle_f5",
        "test_oracle_helm",
        "test_oracle_k8s",
        "test_outdir",
        "test_properties",
        "test_quality",
        "test_snapshot",
        "test_spec_example",
    }
)


def pytest_configure(config):
    config.addinivalue_line("markers", "fast: no subprocess, emulator, oracle or network (pytest -m fast, under 20 s)")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.module.__name__.rpartition(".")[2] not in NOT_FAST_MODULES and item.get_closest_marker("oracle") is None:
            item.add_marker(pytest.mark.fast)
