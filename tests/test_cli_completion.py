"""`vtepc completion bash|zsh|fish`: the script, sourced by its shell, completes commands and choices."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # every test here runs vtepc or a shell in a child process

ENV = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}


def _vtepc(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "vtepc", *args], capture_output=True, text=True, env={**ENV, **env})


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_prints_a_script_for_the_shell(shell):
    done = _vtepc("completion", shell)
    assert done.returncode == 0 and done.stderr == ""
    assert "_VTEPC_COMPLETE=complete_" + shell in done.stdout and "vtepc" in done.stdout


def test_bash_script_completes_commands_and_format_choices():
    assert shutil.which("vtepc", path=ENV["PATH"]), "the vtepc console script is installed"
    script = _vtepc("completion", "bash").stdout
    probe = script + (
        '\nCOMP_WORDS=(vtepc val); COMP_CWORD=1; _vtepc_completion vtepc; printf "%s\\n" "${COMPREPLY[@]}"; echo ---'
        '\nCOMP_WORDS=(vtepc validate --format s); COMP_CWORD=3; _vtepc_completion vtepc; printf "%s\\n" "${COMPREPLY[@]}"'
    )
    done = subprocess.run(["bash", "-c", probe], capture_output=True, text=True, env=ENV)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("---\n") == ["validate\n", "sarif\n"]


def test_an_unknown_shell_is_a_usage_error():
    done = _vtepc("completion", "tcsh")
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.startswith("vtepc completion: invalid") and "'bash', 'zsh', 'fish'" in done.stderr
