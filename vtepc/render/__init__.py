"""Renderer registry: one module per target, each a pure function from desired state to files.

A renderer takes the whole DesiredState and returns {relative path: text}. It does no I/O,
reads no clock and uses no randomness; it builds a structure and serializes it once,
sorted and stable. Output paths are built only from validated names.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Collection, Mapping

if TYPE_CHECKING:
    from ..state import DesiredState

RendererFn = Callable[["DesiredState"], Mapping[str, str]]
# An index renderer lists what the others wrote (e.g. kustomization.yaml): it runs after
# them and gets their paths, so nothing is rendered twice to learn what exists.
IndexFn = Callable[["DesiredState", frozenset[str]], Mapping[str, str]]

RENDERERS: dict[str, RendererFn] = {}
INDEXES: dict[str, IndexFn] = {}


def renderer(name: str) -> Callable[[RendererFn], RendererFn]:
    def decorate(fn: RendererFn) -> RendererFn:
        _register(RENDERERS, name, fn)
        return fn

    return decorate


def index_renderer(name: str) -> Callable[[IndexFn], IndexFn]:
    def decorate(fn: IndexFn) -> IndexFn:
        _register(INDEXES, name, fn)
        return fn

    return decorate


def _register(registry: dict[str, Any], name: str, fn: Callable[..., Mapping[str, str]]) -> None:
    if name in RENDERERS or name in INDEXES:
        raise ValueError(f"renderer {name} registered twice")
    registry[name] = fn


def load_renderers() -> dict[str, RendererFn]:
    """Import every module of this package and every integration mode's renderer modules; each
    registers its renderers on import (a mode's renderers write nothing for another mode's state)."""
    import importlib
    import pkgutil

    from ..integrations import integrations

    for module in sorted(m.name for m in pkgutil.iter_modules(__path__)):
        if not module.startswith("_"):
            importlib.import_module(f"{__name__}.{module}")
    for registered in integrations():
        for name in registered.renderer_modules:
            importlib.import_module(name)
    return RENDERERS


def render_all(state: "DesiredState", names: Collection[str] | None = None) -> dict[str, str]:
    """Every artifact of every registered renderer (or of those `names` names), keyed by relative path, sorted."""
    out: dict[str, str] = {}

    def collect(name: str, files: Mapping[str, str]) -> None:
        for path, text in files.items():
            if path in out:
                raise ValueError(f"renderer {name} wrote {path}, already written by another renderer")
            out[path] = text

    for name, fn in sorted(load_renderers().items()):
        if names is None or name in names:
            collect(name, fn(state))
    paths = frozenset(out)
    for name, index in sorted(INDEXES.items()):
        collect(name, index(state, paths))
    return dict(sorted(out.items()))
