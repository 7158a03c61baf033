"""The typer application object; command modules attach themselves to it.

Command modules import only typer at module level and the library inside the command
body, so `vtepc --help` stays fast.
"""

import typer

app = typer.Typer(
    name="vtepc",
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
