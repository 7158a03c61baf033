"""docs/architecture.md stays true where the code can check it."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGE = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
PACKAGE = ROOT / "vtepc"


def test_every_module_and_package_of_vtepc_is_listed():
    listed = set(re.findall(r"`(vtepc/[\w/]+?(?:\.py|/))`", PAGE))
    top = {f"vtepc/{p.name}" for p in PACKAGE.glob("*.py") if p.name not in ("__init__.py", "__main__.py")}
    top |= {f"vtepc/{p.name}/" for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}
    assert top - listed == set(), "describe these in docs/architecture.md"
    assert {path for path in listed if not (ROOT / path).exists()} == set(), "docs/architecture.md names files that do not exist"


def _imports(path: Path) -> set[str]:
    """The vtepc modules a file imports (relative imports resolved), at any depth in the file."""
    module = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = package
            for _ in range(node.level - 1):
                base = base.rpartition(".")[0]
            target = (f"{base}.{node.module}" if node.module else base) if node.level else (node.module or "")
            found |= {target} | {f"{target}.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return {name for name in found if name == "vtepc" or name.startswith("vtepc.")}


def test_only_the_cli_reaches_the_cli_and_renderers_read_no_live_state():
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(ROOT).as_posix()
        imports = _imports(path)
        if not relative.startswith("vtepc/cli/") and relative != "vtepc/__main__.py":
            assert not any(name.startswith("vtepc.cli") for name in imports), f"{relative} imports the CLI"
        if relative.startswith(("vtepc/render/", "vtepc/state/")) or re.fullmatch(
            r"vtepc/integrations/\w+/(state|render_\w+)\.py", relative
        ):
            bad = sorted(name for name in imports if name.startswith(("vtepc.live", "vtepc.diff", "vtepc.snapshot", "vtepc.api")))
            assert not bad, f"{relative} imports {bad}: the compiler and renderers depend on the topology and state only"


def test_renderers_read_the_state_only():
    """Issue 11 item 3: a renderer gets the state (and its RenderMeta), never the topology."""
    from dataclasses import fields

    from vtepc.state import DesiredState

    for path in (PACKAGE / "render").glob("*.py"):
        bad = sorted(name for name in _imports(path) if name.startswith(("vtepc.model", "vtepc.validate", "vtepc.facts")))
        assert not bad, f"{path.name} imports {bad}: renderers read the state only"
    assert [f.name for f in fields(DesiredState) if "Topology" in str(f.type)] == [], "DesiredState carries no topology"


def test_the_registry_lists_every_mode_package_and_the_page_names_them():
    from vtepc import integrations

    packages = sorted(p.name for p in (PACKAGE / "integrations").iterdir() if (p / "__init__.py").is_file())
    assert list(integrations.names()) == packages, "every package under vtepc/integrations/ registers its mode, and only they do"
    for registered in integrations.integrations():
        assert registered.cluster_model.__module__.startswith(f"vtepc.integrations.{registered.name}.")
        for module in registered.check_modules + registered.renderer_modules:
            assert module.startswith(f"vtepc.integrations.{registered.name}."), module
        assert f"`vtepc/integrations/{registered.name}/`" in PAGE


def test_the_flow_names_every_api_command():
    from vtepc import api

    commands = re.search(r"one function per command \(([^)]*)\)", PAGE.replace("\n      ", " "))
    assert commands, "the flow lists the api commands"
    named = {name.strip() for name in commands.group(1).split(",")}
    assert named == {name for name in api.__all__ if callable(getattr(api, name)) and name in _cli_commands()}


def _cli_commands() -> set[str]:
    from vtepc.cli._app import COMMANDS

    return set(COMMANDS)


def test_the_cli_command_table_is_what_the_command_modules_register():
    """`vtepc <command>` imports only the module COMMANDS names for it: the command modules,
    imported, register exactly the table's commands, each in the module the table names."""
    import importlib

    import typer.main

    from vtepc.cli._app import COMMANDS, app

    modules = {p.stem for p in (PACKAGE / "cli").glob("*.py") if not p.stem.startswith("_")} - {"output"}
    assert set(COMMANDS.values()) == modules
    for module in modules:
        importlib.import_module(f"vtepc.cli.{module}")
    registered = {c.name or typer.main.get_command_name(c.callback.__name__): c.callback.__module__ for c in app.registered_commands}
    assert registered == {name: f"vtepc.cli.{module}" for name, module in COMMANDS.items()}


def _ripple_row(change: str) -> str:
    """The files column of one row of "What a change touches"."""
    table = PAGE.split("## What a change touches", 1)[1]
    row = next((line for line in table.splitlines() if line.startswith(f"| {change} |")), None)
    assert row is not None, f"the change-ripple table has a row for {change!r}"
    return row.split(" | ", 1)[1]


def test_the_ripple_table_names_tables_that_exist():
    """Each `TABLE` in `file.py` the change-ripple table names is an attribute of that module."""
    import importlib

    table = PAGE.split("## What a change touches", 1)[1]
    named = [
        (name, path)
        for names, path in re.findall(r"((?:`[A-Z][A-Z_]+` and )*`[A-Z][A-Z_]+`) in `((?:vtepc|tests)/[\w/]+)\.py`", table)
        for name in re.findall(r"`(\w+)`", names)
    ]
    assert len(named) >= 8
    for name, path in named:
        assert hasattr(importlib.import_module(path.replace("/", ".")), name), f"{path}.py has no {name}"


def test_a_new_mode_touches_its_package_and_the_hooks_named_exist():
    """The new-mode row names only files of the mode's package under vtepc/, and each hook it names
    (`compile_cluster`, `cluster_kinds`, `datapath`, ...) is a field of Integration."""
    from dataclasses import fields

    from vtepc.integrations import Integration

    row = _ripple_row("a new integration mode (CNI)")
    paths = re.findall(r"`(vtepc/[\w/<>.]+)`", row)
    assert paths and all(p.startswith("vtepc/integrations/<mode>/") for p in paths), paths
    names = set(re.findall(r"`([a-z][a-z_]+)`", row))
    hooks = {f.name for f in fields(Integration)}
    decorators = {"register", "check", "renderer"}
    assert {"compile_cluster", "cluster_kinds", "datapath", "bgp_speakers"} <= names
    assert names - decorators <= hooks, f"not Integration fields: {sorted(names - decorators - hooks)}"


def test_a_new_cilium_minor_stays_in_the_cilium_package():
    """The Cilium-minor row names files of vtepc/integrations/cilium/ only, and no module outside that
    package imports it (what differs between minors is asked of the registry)."""
    row = _ripple_row("a new Cilium minor")
    paths = re.findall(r"`(vtepc/[\w/.]+)`", row)
    assert paths and all(p.startswith("vtepc/integrations/cilium/") and (ROOT / p).exists() for p in paths), paths
    outside = [
        path.relative_to(ROOT).as_posix()
        for path in PACKAGE.rglob("*.py")
        if not path.is_relative_to(PACKAGE / "integrations" / "cilium")
        and any(name.startswith("vtepc.integrations.cilium") for name in _imports(path))
    ]
    assert outside == [], outside
