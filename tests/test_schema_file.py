from vtepc.jsonschema_export import topology_schema_text

from .conftest import EXAMPLE_FILES, ROOT


def test_committed_schema_is_current():
    committed = (ROOT / "schemas" / "topology.schema.json").read_text()
    assert committed == topology_schema_text(), "schemas/topology.schema.json is stale: run `vtepc schema > schemas/topology.schema.json`"


def test_examples_carry_the_schema_modeline():
    for example in EXAMPLE_FILES:
        first = example.read_text().splitlines()[0]
        assert first == "# yaml-language-server: $schema=../schemas/topology.schema.json", example
