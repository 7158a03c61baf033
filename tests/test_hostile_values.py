"""Hostile values in every field that reaches an artifact: `validate` refuses each, on its line.

Each case takes an example, puts one hostile value into one field and writes the topology as
JSON (which is YAML) with one field per line, so the line a refusal must point at is known.
Free text that is only ever serialized as JSON or YAML strings (metadata.description, monitor
send/receive) is not a name and is not in this list.
"""

from __future__ import annotations

import json

import pytest
from ruamel.yaml import YAML

from vtepc.validate import validate_text

from .conftest import EXAMPLES


def _example(name: str) -> dict:
    return json.loads(json.dumps(YAML(typ="safe").load((EXAMPLES / f"{name}.yaml").read_text())))


# (example, path) for every name or address the renderers write into an artifact.
FIELDS = [
    ("cilium-vxlan-ha", ("metadata", "name")),
    ("cilium-vxlan-ha", ("cluster", "name")),
    ("cilium-vxlan-ha", ("cluster", "podCIDR")),
    ("cilium-vxlan-ha", ("cluster", "nodes", 0, "name")),
    ("cilium-vxlan-ha", ("cluster", "nodes", 0, "ip")),
    ("cilium-vxlan-ha", ("bigips", 0, "name")),
    ("cilium-vxlan-ha", ("bigips", 0, "underlay", "vlan")),
    ("cilium-vxlan-ha", ("bigips", 0, "underlay", "selfIP")),
    ("cilium-vxlan-ha", ("bigips", 0, "tunnel", "name")),
    ("cilium-vxlan-ha", ("bigips", 0, "tunnel", "profile")),
    ("cilium-vxlan-ha", ("bigips", 0, "tunnel", "selfIP")),
    ("cilium-vxlan-ha", ("bigips", 0, "tunnel", "mac")),
    ("cilium-vxlan-ha", ("bigips", 0, "ha", "trafficGroup")),
    ("cilium-vxlan-ha", ("bigips", 0, "ha", "floatingUnderlayIP")),
    ("cilium-vxlan-ha", ("bigips", 0, "ha", "floatingTunnelIP")),
    ("flannel", ("cluster", "nodes", 0, "vtepMAC")),
    ("flannel", ("cluster", "nodes", 0, "publicIP")),
    ("cilium-native-bgp", ("cluster", "nodes", 0, "podCIDR")),
    ("cilium-native-bgp", ("bigips", 0, "underlay", "gateway")),
    ("cilium-native-bgp", ("bgp", "peers", 0, "name")),
    ("cilium-native-bgp", ("bgp", "peers", 0, "address")),
    ("cilium-native-bgp", ("cis", "image")),
    ("cilium-native-bgp", ("cis", "namespace")),
    ("cilium-native-bgp", ("cis", "partition")),
    ("cilium-native-bgp", ("cis", "credentialsSecret")),
    ("cilium-native-bgp", ("services", 0, "name")),
    ("cilium-native-bgp", ("services", 0, "namespace")),
    ("cilium-native-bgp", ("services", 0, "service")),
    ("cilium-native-bgp", ("services", 0, "virtualAddress")),
]

# Each turns the field's valid value into a hostile one: appended, so only the hostile part is wrong.
HOSTILE = {
    "trailing-newline": lambda v: v + "\n",
    "newline-command": lambda v: v + "\ntouch PWNED",
    "command-substitution": lambda v: v + "$(touch PWNED)",
    "backticks": lambda v: v + "`touch PWNED`",
    "semicolon": lambda v: v + ";touch PWNED",
    "and-and": lambda v: v + "&&touch PWNED",
    "single-quote": lambda v: v + "'",
    "double-quote": lambda v: v + '"',
    "space": lambda v: v + " x",
    "braces": lambda v: v + "{x}",
    "hash": lambda v: v + "#x",
    "ipv6-zone": lambda v: v + "%eth0",
}


# Optional fields the examples leave to their defaults (only tunnel names are ever missing
# "name"), given explicitly before the hostile edit.
DEFAULTS = {"name": "flannel_vxlan", "profile": "fl-vxlan", "publicIP": "172.16.2.11"}


def _get(data, path):
    for key in path:
        if isinstance(data, dict) and key not in data:
            data[key] = DEFAULTS[key]
        data = data[key]
    return data


def _set(data, path, value):
    _get(data, path[:-1])[path[-1]] = value


@pytest.mark.parametrize("hostile", sorted(HOSTILE))
@pytest.mark.parametrize("example, path", FIELDS, ids=lambda v: ".".join(map(str, v)) if isinstance(v, tuple) else v)
def test_validate_refuses_a_hostile_value_on_its_line(example, path, hostile):
    data = _example(example)
    original = _get(data, path)
    assert isinstance(original, str)
    value = HOSTILE[hostile](original)
    _set(data, path, value)
    text = json.dumps(data, indent=2)
    needle = f'"{path[-1]}": {json.dumps(value)}'
    assert text.count(needle) == 1
    line = text[: text.index(needle)].count("\n") + 1
    report = validate_text(text.encode(), "topology.json")
    assert not report.ok
    on_line = [d for d in report.errors if d.position is not None and d.position.line == line]
    assert on_line, [d.format_text() for d in report.errors]


def test_a_hostile_value_cannot_forge_lines_of_the_text_report():
    data = _example("cilium-vxlan")
    data["bigips"][0]["underlay"]["vlan"] = "x\ntopology.yaml:1:1: VTEP000 ok: \x1b[2Kall good"
    report = validate_text(json.dumps(data, indent=2).encode(), "topology.json")
    assert report.errors
    for diagnostic in report.diagnostics:
        first, *more = diagnostic.format_text().split("\n")
        assert first.startswith("topology.json:") and "\x1b" not in first
        # Only the hint and what is related go on further lines, indented: none can pass for a diagnostic.
        assert all(line.startswith("  ") and "\x1b" not in line for line in more)
        assert len(more) == len(diagnostic.related) + diagnostic.hint.count("\n") + (1 if diagnostic.hint else 0)
