"""Command-line interface: a thin layer over the library. Only this package prints or exits."""

import gc
import os
import re
from typing import Any, Callable

import typer

from ._app import app


# Usage errors exit 1, not click's 2: `vtepc diff` uses 2 for "changes" (terraform's
# -detailed-exitcode convention), and a pipeline must never read a typo as a pending change.
USAGE_ERROR_EXIT = 1
COMPLETE_VAR = "_VTEPC_COMPLETE"


def _click_exception(name: str) -> Any:  # click.UsageError / click.ClickException (show(), exit_code)
    # Typer >= 0.29 vendors click (typer._click) while older releases use click itself; the
    # public typer.BadParameter derives from whichever UsageError/ClickException is in use.
    return next(base for base in typer.BadParameter.__mro__ if base.__name__ == name)


def usage_message(exc: Exception) -> str:
    """One line for a usage mistake: what was wrong, and where the help is.

    typer turns a bad choice into "Value error, 'x' is not one of ..." (a ValueError it wraps);
    the prefix is dropped and the option named, e.g.
    `vtepc validate: invalid --format: 'yaml' is not one of 'text', 'json', 'github' (see vtepc validate -h)`.
    """
    message = re.sub(r"^Value error, ", "", getattr(exc, "message", "") or str(exc)).rstrip(".")
    param = getattr(exc, "param", None)
    format_message: Callable[[], str] | None = getattr(exc, "format_message", None)  # click's exceptions have it
    missing = type(exc).__name__ == "MissingParameter"  # a BadParameter whose own message already names the option
    if not missing and isinstance(exc, _click_exception("BadParameter")) and param is not None and param.opts:
        message = f"invalid {param.opts[0]}: {message}"
    elif format_message is not None:
        message = format_message().rstrip(".")
    ctx = getattr(exc, "ctx", None)
    command = ctx.command.name if ctx is not None and ctx.parent is not None else None
    where = f"vtepc {command}" if command else "vtepc"
    return f"{where}: {message} (see {where} -h)"


def main() -> None:
    # A 65,000-node topology is millions of small objects, nearly all alive until the process ends:
    # the default thresholds (700, 10, 10) spent about a fifth of `vtepc validate`'s CPU in the
    # cyclic collector. Collect less often, as mypy does (mypy/build.py); the process, not the
    # library, owns this setting.
    gc.set_threshold(200_000, 30, 30)
    # pydantic looks for plugins (the entry points of every installed distribution's metadata)
    # when it builds its first validator: about 6 ms of every run, and vtepc's models are internal,
    # not meant for a plugin to observe. The process, not the library, owns this too; a value the
    # user set wins. (pydantic.plugin._loader imports importlib.metadata whatever the setting.)
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    usage_error = _click_exception("UsageError")
    click_exception = _click_exception("ClickException")
    if COMPLETE_VAR in os.environ:
        # The shell asks for completions (the script of `vtepc completion SHELL`): typer answers
        # once its completion classes are registered, which add_completion=False leaves undone.
        # typer.completion imports it from the private typer._completion_classes without listing it in __all__.
        from typer.completion import completion_init  # type: ignore[attr-defined]

        completion_init()
    try:
        status = app(standalone_mode=False, prog_name="vtepc", complete_var=COMPLETE_VAR)
    except usage_error as exc:
        typer.echo(usage_message(exc), err=True)
        raise SystemExit(USAGE_ERROR_EXIT) from None
    except click_exception as exc:
        exc.show()
        raise SystemExit(exc.exit_code) from None
    except (typer.Abort, KeyboardInterrupt):
        typer.echo("aborted", err=True)
        raise SystemExit(130) from None
    raise SystemExit(status if isinstance(status, int) else 0)
