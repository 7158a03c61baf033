"""The topology JSON Schema, generated from the pydantic model (schemas/topology.schema.json)."""

from __future__ import annotations

import json
from typing import Any

SCHEMA_ID = "https://vtepc.dev/schemas/topology.schema.json"


def topology_schema() -> dict[str, Any]:
    from .model import Topology

    schema = Topology.model_json_schema(by_alias=True, mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = SCHEMA_ID
    schema["title"] = "vtepc topology (format v1)"
    return schema


def topology_schema_text() -> str:
    return json.dumps(topology_schema(), indent=2, sort_keys=True) + "\n"
