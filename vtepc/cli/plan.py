"""vtepc plan and vtepc apply: the BIG-IP changes from the live devices to the topology, shown, then carried out."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Optional

import typer

from . import _live_options
from ._app import app

if TYPE_CHECKING:
    from ..api import LiveSource
    from ..plan import Plan

# `vtepc plan` follows `vtepc diff` (terraform plan -detailed-exitcode): 0 nothing to do,
# 1 error, 2 changes. `vtepc apply`: 0 applied or nothing to do, 1 error (2 is not used).
EXIT_NOTHING, EXIT_ERROR, EXIT_CHANGES = 0, 1, 2

BIGIP = typer.Option(
    [],
    "--bigip",
    metavar="NAME[=URL]",
    help="Only this BIG-IP (repeatable; a unit of an HA pair brings its pair), at URL if given (default: its managementURL).",
)
ADOPT = typer.Option(
    False, "--adopt", help="Take over existing objects of the desired names that vtepc did not create (shown in the plan)."
)


def _source(
    bigip: list[str], ca_bundle: Optional[Path], insecure: bool, allow_insecure_http: bool, timeout: Optional[float]
) -> tuple["LiveSource", tuple[str, ...]]:
    names = tuple(dict.fromkeys(value.partition("=")[0] for value in bigip))
    source = _live_options.LiveFlags(
        bigip=[value for value in bigip if "=" in value],
        ca_bundle=ca_bundle,
        insecure=insecure,
        allow_insecure_http=allow_insecure_http,
        timeout=timeout,
    ).source()
    return source, names


@app.command()
def plan(
    topology: Path = typer.Argument(..., help="The topology YAML file."),
    bigip: list[str] = BIGIP,
    adopt: bool = ADOPT,
    output: Optional[Path] = typer.Option(
        None, "--output", "-o", metavar="PLAN", help="Also save the plan (JSON, no secrets) for vtepc apply --plan."
    ),
    ca_bundle: Optional[Path] = _live_options.CA_BUNDLE,
    insecure: bool = _live_options.INSECURE,
    allow_insecure_http: bool = _live_options.ALLOW_INSECURE_HTTP,
    timeout: Optional[float] = _live_options.TIMEOUT,
) -> None:
    """Show the BIG-IP changes that take the live devices to the topology, in the order apply makes them.

    Reads only. Each change names the topology field that causes it; objects vtepc does not own
    are never changed (--adopt takes over same-named ones, shown as such). Credentials come from
    the environment (VTEPC_BIGIP_USERNAME / VTEPC_BIGIP_PASSWORD, or per device). Exit 0 nothing
    to do, 2 changes, 1 error.
    """
    from .. import api
    from ..plan import format_text
    from .output import exit_on_failure

    with exit_on_failure(topology, "no plan"):
        source, names = _source(bigip, ca_bundle, insecure, allow_insecure_http, timeout)
        result = api.plan(topology, source, bigips=names, adopt=adopt)
        if output is not None:
            output.write_text(result.to_json(), encoding="utf-8")
    typer.echo(format_text(result), nl=False)
    if output is not None:
        typer.echo(f"plan saved to {output}", err=True)
    raise typer.Exit(EXIT_CHANGES if result.has_changes else EXIT_NOTHING)


def _stdin_is_terminal() -> bool:
    return sys.stdin.isatty()


def _confirm(shown: "Plan") -> bool:
    from ..plan import format_text

    typer.echo(format_text(shown), nl=False)
    if not _stdin_is_terminal():
        # Never read a pipe as consent: CI passes --auto-approve.
        typer.echo("error: not a terminal to ask on; pass --auto-approve to apply without asking", err=True)
        raise typer.Exit(EXIT_ERROR)
    answer = typer.prompt("Apply these changes? Only 'yes' applies", default="", show_default=False)
    return str(answer) == "yes"


@app.command()
def apply(
    topology: Path = typer.Argument(..., help="The topology YAML file."),
    saved: Optional[Path] = typer.Option(
        None, "--plan", metavar="PLAN", help="Apply this saved plan (vtepc plan -o); refused if a device changed since."
    ),
    auto_approve: bool = typer.Option(False, "--auto-approve", help="Apply without asking (CI)."),
    bigip: list[str] = BIGIP,
    adopt: bool = ADOPT,
    ca_bundle: Optional[Path] = _live_options.CA_BUNDLE,
    insecure: bool = _live_options.INSECURE,
    allow_insecure_http: bool = _live_options.ALLOW_INSECURE_HTTP,
    timeout: Optional[float] = _live_options.TIMEOUT,
) -> None:
    """Apply the plan: one iControl REST transaction per device (all or nothing), save, config sync, verify.

    Shows the plan and asks (or --auto-approve), re-reads every device and refuses if one changed
    since the plan was made, then applies device by device, saves the configuration, syncs an HA
    pair's device group, and re-reads every device: a difference left is an error. Exit 0 applied
    or nothing to do, 1 error (the message says which devices, if any, were changed).
    """
    from .. import api
    from ..plan import Plan, format_text
    from .output import exit_on_failure

    with exit_on_failure(topology, "nothing applied"):
        source, names = _source(bigip, ca_bundle, insecure, allow_insecure_http, timeout)
        loaded = Plan.from_json(saved.read_text(encoding="utf-8")) if saved is not None else None
        result = api.apply(topology, source, saved=loaded, bigips=names, adopt=adopt, confirm=None if auto_approve else _confirm)
    if auto_approve:
        typer.echo(format_text(result.plan), nl=False)
    if result.declined:
        typer.echo("apply cancelled; nothing applied", err=True)
        raise typer.Exit(EXIT_ERROR)
    if result.report is None:
        typer.echo("nothing to do", err=True)
        raise typer.Exit(EXIT_NOTHING)
    for device in result.report.devices:
        synced = f", config-synced to {device.synced_to}" if device.synced_to else ""
        typer.echo(
            f"{device.bigip}: {device.steps} change(s) applied in one transaction ({device.requests} requests), saved{synced}", err=True
        )
    typer.echo(f"verified: {len(result.report.verified)} device(s) equal the topology", err=True)
