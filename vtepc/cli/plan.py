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
TOPOLOGIES = typer.Argument(
    ...,
    metavar="TOPOLOGY...",
    help="The topology YAML file; or several files, or a directory of them: a fleet, planned device by device (docs/fleet.md).",
)
PRUNE = typer.Option(
    [],
    "--prune",
    metavar="TOPOLOGY",
    help="A fleet only: delete the objects of this topology (metadata.name), which left the fleet (repeatable; shown in the plan).",
)


def _label(topologies: list[Path]) -> str:
    return str(topologies[0]) if len(topologies) == 1 else ", ".join(str(t) for t in topologies)


def _prune_only_in_a_fleet(topologies: list[Path], prune: list[str]) -> None:
    from ..diagnostics import VtepcError
    from ..fleet import is_fleet

    if prune and not is_fleet(topologies):
        raise VtepcError("--prune is for a fleet (a directory or several files): one topology deletes what it no longer names")


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
    topologies: list[Path] = TOPOLOGIES,
    bigip: list[str] = BIGIP,
    adopt: bool = ADOPT,
    prune: list[str] = PRUNE,
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

    A fleet (a directory or several files) is planned device by device, every member's objects on
    a shared BIG-IP in one plan; objects of topologies outside the fleet are left alone (--prune).
    """
    from .. import api
    from ..fleet import is_fleet
    from ..plan import format_text
    from .output import exit_on_failure

    with exit_on_failure(_label(topologies), "no plan"):
        _prune_only_in_a_fleet(topologies, prune)
        source, names = _source(bigip, ca_bundle, insecure, allow_insecure_http, timeout)
        if is_fleet(topologies):
            result = api.plan_fleet(topologies, source, bigips=names, adopt=adopt, prune=tuple(prune))
        else:
            result = api.plan(topologies[0], source, bigips=names, adopt=adopt)
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
    topologies: list[Path] = TOPOLOGIES,
    saved: Optional[Path] = typer.Option(
        None, "--plan", metavar="PLAN", help="Apply this saved plan (vtepc plan -o); refused if a device changed since."
    ),
    auto_approve: bool = typer.Option(False, "--auto-approve", help="Apply without asking (CI)."),
    bigip: list[str] = BIGIP,
    adopt: bool = ADOPT,
    prune: list[str] = PRUNE,
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

    A fleet (a directory or several files) is applied device by device as `vtepc plan` plans it.
    """
    from .. import api
    from ..fleet import is_fleet
    from ..plan import Plan, format_text
    from .output import exit_on_failure

    with exit_on_failure(_label(topologies), "nothing applied"):
        _prune_only_in_a_fleet(topologies, prune)
        source, names = _source(bigip, ca_bundle, insecure, allow_insecure_http, timeout)
        loaded = Plan.from_json(saved.read_text(encoding="utf-8")) if saved is not None else None
        confirm = None if auto_approve else _confirm
        if is_fleet(topologies):
            result = api.apply_fleet(topologies, source, saved=loaded, bigips=names, adopt=adopt, prune=tuple(prune), confirm=confirm)
        else:
            result = api.apply(topologies[0], source, saved=loaded, bigips=names, adopt=adopt, confirm=confirm)
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
