"""vtepc completion: the shell completion script, to source or install by hand."""

from __future__ import annotations

import enum

import typer

from ._app import app


class Shell(str, enum.Enum):
    bash = "bash"
    zsh = "zsh"
    fish = "fish"


@app.command()
def completion(shell: Shell = typer.Argument(..., help="bash, zsh or fish.")) -> None:
    """Print the completion script for a shell.

    bash: `source <(vtepc completion bash)` (or save it in ~/.local/share/bash-completion/completions/vtepc);
    zsh: `vtepc completion zsh > "${fpath[1]}/_vtepc"`; fish: `vtepc completion fish > ~/.config/fish/completions/vtepc.fish`.
    The script calls vtepc with _VTEPC_COMPLETE set, which typer answers. Exit 0.
    """
    # typer's own script templates (the ones its --install-completion writes), not a copy of them.
    from typer._completion_shared import get_completion_script

    from . import COMPLETE_VAR

    typer.echo(get_completion_script(prog_name="vtepc", complete_var=COMPLETE_VAR, shell=shell.value))
