"""The typer application object; command modules attach themselves to it.

`vtepc <command>` imports only that command's module: the group's commands are a lazy mapping
(COMMANDS) that imports a command's module and builds its click command the first time the
command is asked for, with typer's own builder, so typer still parses every option. Listing
them (`vtepc --help`, completion, a typo's suggestions) builds each. Command modules import only
typer at module level and the library inside the command body.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, MutableMapping
from typing import Any

import typer
import typer.core
import typer.main

# Every command, in the order `vtepc --help` lists them, with the module of vtepc.cli that defines it
# (tests/test_architecture.py checks this against what the modules register).
COMMANDS = {
    "validate": "validate",
    "schema": "schema",
    "build": "build",
    "diff": "diff",
    "graph": "graph",
    "manifests": "manifests",
    "snapshot": "snapshot",
    "discover": "discover",
    "plan": "plan",
    "apply": "plan",
    "trace": "trace",
    "completion": "completion",
}


class _LazyCommands(MutableMapping[str, Any]):
    """A group's commands by name (click.Command values), each built on first access."""

    def __init__(self, built: MutableMapping[str, Any]) -> None:
        self._built = dict(built)

    def __getitem__(self, name: str) -> Any:
        if name not in self._built:
            importlib.import_module(f"{__package__}.{COMMANDS[name]}")  # registers its commands on `app`
            info = next(c for c in app.registered_commands if c.callback is not None and _name(c) == name)
            self._built[name] = typer.main.get_command_from_info(
                info, pretty_exceptions_short=app.pretty_exceptions_short, rich_markup_mode=app.rich_markup_mode
            )
        return self._built[name]

    def __setitem__(self, name: str, command: Any) -> None:
        self._built[name] = command

    def __delitem__(self, name: str) -> None:
        del self._built[name]

    def __iter__(self) -> Iterator[str]:
        return iter({**dict.fromkeys(COMMANDS), **self._built})

    def __len__(self) -> int:
        return len(COMMANDS.keys() | self._built.keys())


def _name(info: Any) -> str:
    return info.name or typer.main.get_command_name(info.callback.__name__)


class _Group(typer.core.TyperGroup):
    def __init__(self, *, commands: MutableMapping[str, Any] | None = None, **attrs: Any) -> None:
        # TyperGroup keeps the mapping it is given as its `commands` (a MutableMapping, as click's Group does).
        super().__init__(commands=_LazyCommands(commands or {}), **attrs)  # type: ignore[arg-type]


app = typer.Typer(
    name="vtepc",
    cls=_Group,
    help="Compile one topology YAML into BIG-IP and Kubernetes artifacts, and diff them against live state.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def version_callback(value: bool) -> None:
    if value:
        from .. import __version__

        typer.echo(f"vtepc {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=version_callback, is_eager=True, help="Print the version and exit."),
) -> None:
    """vtepc: topology YAML -> BIG-IP tmsh/DO/AS3 + Cilium/flannel/CIS/BIRD manifests."""
