"""The `fast` marker cannot lie: tests/conftest.py fails a fast test that starts a process or
opens a socket, names one that spends too much CPU, and moves long hypothesis searches out of the selection."""

from __future__ import annotations

from pathlib import Path

import pytest

CONFTEST = Path(__file__).with_name("conftest.py")

TESTS = """
import os, socket, subprocess, sys, time
import pytest
from hypothesis import given, settings, strategies as st

def test_pure():
    assert 1 + 1 == 2

def test_process():
    subprocess.run([sys.executable, "-c", "pass"])

def test_process_swallowed():
    try:
        subprocess.run([sys.executable, "-c", "pass"])
    except BaseException:
        pass

def test_socket():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))

def test_system():
    os.system("true")

def test_spins():
    started = time.process_time()
    while time.process_time() - started < 0.5:
        pass

@pytest.fixture
def child():
    return subprocess.run([sys.executable, "-c", "pass"])

def test_process_in_a_fixture(child):
    pass

@pytest.mark.slow
def test_slow_process():
    assert subprocess.run([sys.executable, "-c", "pass"]).returncode == 0

@settings(max_examples=10)
@given(st.integers())
def test_short_search(n):
    assert n == n

@settings(max_examples=500)
@given(st.integers())
def test_long_search(n):
    assert n == n
"""


def _run(pytester, *args: str, cpu_budget: float | None = None):
    # pytest cuts each short-summary line at the terminal width (80 columns without a terminal, as in CI);
    # the messages matched below need the whole line.
    pytester._monkeypatch.setenv("COLUMNS", "400")
    # Only the plugins these tests need: an installed plugin that starts a process while pytest
    # starts (pytest-benchmark runs git for its commit info) would be charged to the outer fast test.
    pytester._monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    conftest = CONFTEST.read_text(encoding="utf-8")
    if cpu_budget is not None:
        assert "\nFAST_CPU_BUDGET = " in conftest
        conftest = conftest.replace("\nFAST_CPU_BUDGET = ", f"\nFAST_CPU_BUDGET = {cpu_budget}  # ")
    pytester.makeconftest(conftest)
    pytester.makepyfile(test_sample=TESTS)
    return pytester.runpytest_inprocess("-p", "no:cacheprovider", "-p", "_hypothesis_pytestplugin", *args)


def test_fast_tests_that_start_processes_or_open_sockets_fail(pytester):
    result = _run(pytester, "-m", "fast", "-k", "not spins", "-rfE")
    outcomes = result.parseoutcomes()
    assert outcomes.get("passed") == 2  # test_pure, test_short_search
    assert outcomes.get("failed") == 4 and outcomes.get("errors") == 1
    assert outcomes.get("deselected") == 3  # the slow-marked test, the long search and test_spins
    result.stdout.fnmatch_lines(
        [
            "*test_process - *marked fast but started a process*",
            "*test_process_swallowed - *marked fast but started a process*",
            "*test_socket - *marked fast but bound a socket*",
            "*test_system - *marked fast but started a process*",
            "*test_process_in_a_fixture - *marked fast but started a process*",
        ]
    )


def test_a_fast_test_over_its_cpu_budget_is_named_in_the_summary(pytester):
    # Named, not failed: CPU time depends on the machine's load. Its own budget, well under the
    # spin, keeps this test's CPU (spin included) far under the real one.
    result = _run(pytester, "-k", "spins", cpu_budget=0.2)
    result.assert_outcomes(passed=1, deselected=9)
    result.stdout.fnmatch_lines(["*fast tests over their CPU budget*", "*test_spins: * s of CPU (budget 0.2 s)*"])
    within = _run(pytester, "-k", "pure", cpu_budget=0.2)
    within.assert_outcomes(passed=1, deselected=9)
    assert "over their CPU budget" not in within.stdout.str()


@pytest.mark.slow  # its own test starts a process, which is what it shows is allowed there
def test_slow_tests_run_unguarded_in_the_full_suite(pytester):
    result = _run(pytester, "-m", "slow")
    result.assert_outcomes(passed=2, deselected=8)
