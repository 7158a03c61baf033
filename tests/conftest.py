from __future__ import annotations

import functools
import importlib.util
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
SHARED = ROOT.parent / "shared"
ORACLES = SHARED / "oracles"
EXAMPLE_FILES = sorted(EXAMPLES.glob("*.yaml"))


@functools.cache
def oracles_script() -> ModuleType:
    """scripts/oracles.py: the pinned oracle files (scripts/oracle-pins.json), the cache they go to.
    Loaded on first use, so this conftest also works copied elsewhere (tests/test_fast_marker.py)."""
    spec = importlib.util.spec_from_file_location("vtepc_oracles_script", ROOT / "scripts" / "oracles.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def oracle_cache() -> Path:
    """The writable cache scripts/test.sh installs oracles into (and tests keep their renders in)."""
    return Path(oracles_script().cache_dir())


def registry_oracle(name: str) -> Path:
    """A file scripts/test.sh fetched from a package registry (scripts/oracle-pins.json); missing in CI is a failure."""
    script = oracles_script()
    path = Path(script.target(name, script.load_pins()["registry"][name]))
    if path.is_file():
        return path
    message = f"oracle '{name}' is not in the cache ({path}): `python3 scripts/oracles.py fetch {name}` (scripts/test.sh runs it)"
    if _in_ci():
        pytest.fail(message)
    pytest.skip(message)


def require_tool(name: str, *also_in: Path) -> str:
    """The path of an external oracle tool (on PATH, or in one of `also_in`, e.g. the oracle cache);
    in CI a missing tool fails the test, never skips it."""
    path = shutil.which(name) or shutil.which(name, path=os.pathsep.join(map(str, also_in)) or None)
    if path:
        return path
    if _in_ci():
        pytest.fail(f"oracle tool '{name}' is missing in CI (scripts/test.sh installs it)")
    pytest.skip(f"oracle tool '{name}' is not installed")


def require_oracle(path: Path) -> Path:
    """An oracle file from ../shared; missing in CI is a failure, naming why no registry serves it."""
    if path.exists():
        return path
    message = f"oracle file {path} is missing"
    if not SHARED.is_dir():
        why = [
            f"{rel}: {pin['why']}" for rel, pin in oracles_script().load_pins()["shared"].items() if (SHARED / rel) in (path, *path.parents)
        ]
        message += f": {SHARED} is missing" + (f", and no package registry serves it ({why[0]})" if why else "")
    if _in_ci():
        pytest.fail(message)
    pytest.skip(message)


GOLDEN = ROOT / "tests" / "golden"

pytest_plugins = ["pytester"]  # tests/test_fast_marker.py runs pytest on tests of its own


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


# The `fast` selection (`pytest -m fast`) for the inner loop: every test not marked `slow` or
# `oracle`. A test is slow when it starts a process (the CLI in a child, git, bird, kubectl,
# helm, graphviz, mypy, ruff), serves or reaches a socket (the emulated BIG-IP and Kubernetes
# APIs), or searches long with hypothesis (more than FAST_MAX_EXAMPLES examples: marked slow
# here, from its own @settings). The marker cannot lie: while a fast test runs (fixtures
# included), starting a process or binding/connecting a socket fails it. A fast test that spends
# more than FAST_CPU_BUDGET seconds of CPU is named in the run's summary, not failed: CPU time
# depends on the machine and its load, and timings are not tests (they live in benchmarks/).
# The full suite (scripts/test.sh) runs every test, with the same guard on the fast ones.
FAST_CPU_BUDGET = 2.0
FAST_MAX_EXAMPLES = 100


def pytest_configure(config):
    config.addinivalue_line("markers", "fast: no subprocess, socket, oracle or long search (pytest -m fast, under 20 s); set automatically")
    config.addinivalue_line("markers", "slow: starts a process, serves or reaches a socket, or searches long (outside pytest -m fast)")


def _long_search(item: pytest.Item) -> bool:
    """A hypothesis test asking for more than the default number of examples (100)."""
    test = getattr(item, "obj", None)
    if not getattr(test, "is_hypothesis_test", False):
        return False
    # @settings records itself on the test under this name (hypothesis has no public getter).
    chosen = getattr(test, "_hypothesis_internal_use_settings", None)
    return chosen is not None and chosen.max_examples > FAST_MAX_EXAMPLES


def pytest_collection_modifyitems(config, items):
    for item in items:
        if _long_search(item):
            item.add_marker(pytest.mark.slow)
        if item.get_closest_marker("slow") is None and item.get_closest_marker("oracle") is None:
            item.add_marker(pytest.mark.fast)


class _FastGuard:
    """Refuses processes and sockets while a fast test's phase runs, and notes each attempt (the
    refusal is pytest's Failed, a BaseException, so `except Exception` in the code under test
    cannot swallow it; the note fails the phase even if something catches it anyway)."""

    REFUSED = (
        (subprocess.Popen, "_execute_child", "started a process"),
        (os, "fork", "forked"),
        (os, "system", "started a process"),
        (os, "posix_spawn", "started a process"),
        (os, "posix_spawnp", "started a process"),
        (socket.socket, "bind", "bound a socket"),
        (socket.socket, "connect", "connected a socket"),
        (socket.socket, "connect_ex", "connected a socket"),
    )

    def __init__(self) -> None:
        self.attempts: list[str] = []

    def __enter__(self) -> "_FastGuard":
        self._patch = pytest.MonkeyPatch()
        for owner, name, what in self.REFUSED:
            if hasattr(owner, name):
                self._patch.setattr(owner, name, self._refuse(what, name))
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._patch.undo()

    def _refuse(self, what: str, name: str):
        def refuse(*args, **kwargs):
            message = f"{what} ({name})"
            self.attempts.append(message)
            pytest.fail(f"this test is marked fast but {message}: mark it @pytest.mark.slow", pytrace=False)

        return refuse

    def verdict(self) -> None:
        if self.attempts:
            pytest.fail(f"this test is marked fast but {'; '.join(self.attempts)}: mark it @pytest.mark.slow", pytrace=False)


def _guarded(item: pytest.Item, budget: float | None = None):
    if item.get_closest_marker("fast") is None:
        return (yield)
    started = time.process_time()
    with _FastGuard() as guard:
        result = yield
    guard.verdict()
    spent = time.process_time() - started
    if budget is not None and spent > budget:
        item.config.stash.setdefault(_OVER_BUDGET, []).append((item.nodeid, spent))
    return result


_OVER_BUDGET = pytest.StashKey[list[tuple[str, float]]]()


def pytest_terminal_summary(terminalreporter, config):
    over = config.stash.get(_OVER_BUDGET, [])
    if over:
        terminalreporter.section("fast tests over their CPU budget")
        for nodeid, spent in over:
            terminalreporter.line(f"{nodeid}: {spent:.1f} s of CPU (budget {FAST_CPU_BUDGET} s): shorten it or mark it @pytest.mark.slow")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item):
    return (yield from _guarded(item))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    return (yield from _guarded(item, FAST_CPU_BUDGET))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item):
    return (yield from _guarded(item))
