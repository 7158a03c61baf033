"""Command-line interface: a thin layer over the library. Only this package prints or exits."""
from ._app import app

# Each import attaches one or more commands to `app`.
from . import validate as _validate  # noqa: E402,F401
from . import schema as _schema  # noqa: E402,F401
from . import build as _build  # noqa: E402,F401
from . import diff as _diff  # noqa: E402,F401
from . import graph as _graph  # noqa: E402,F401
from . import manifests as _manifests  # noqa: E402,F401
from . import snapshot as _snapshot  # noqa: E402,F401
from . import discover as _discover  # noqa: E402,F401


def main() -> None:
    app()
