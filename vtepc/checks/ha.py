"""ha checks (see checks/__init__.py for the registry)."""
from __future__ import annotations
