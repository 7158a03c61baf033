"""Random mutations of valid topologies: the validator reports, it never crashes.

Data mutations (delete keys, swap in values of other types, domain-looking strings and
numbers) are written back as JSON, which is YAML 1.2, and go through the whole pipeline;
byte mutations of the YAML text exercise the loader. The only exception the load functions
may raise is TopologyInvalid; validate_text never raises.
"""

from __future__ import annotations

import copy
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vtepc.api import render
from vtepc.diagnostics import CODES, TopologyInvalid
from vtepc.loader import load_text
from vtepc.validate import validate_text

from .conftest import EXAMPLE_FILES

EXAMPLE_TEXTS = {path.stem: path.read_bytes() for path in EXAMPLE_FILES}
EXAMPLE_DATA = {name: load_text(raw).data for name, raw in EXAMPLE_TEXTS.items()}

DOMAIN_STRINGS = [
    "10.0.0.0/16",
    "10.0.0.0/24",
    "10.1.6.34/24",
    "10.1.6.0/24",
    "10.169.72.34",
    "10.169.72.34/24",
    "fd00::1",
    "fd00::/64",
    "0.0.0.0/0",
    "255.255.255.255",
    "00:50:56:a0:7d:d8",
    "01:50:56:A0:7D:D8",
    "1.15.1",
    "1.18.7",
    "1.11.0",
    "2.0",
    "geneve",
    "vxlan",
    "native",
    "static",
    "tunnel",
    "flannel",
    "cilium",
    "multipoint",
    "none",
    "bigip-1",
    "bigip-2",
    "node1",
    "traffic-group-local-only",
    "nodeport",
    "ipv4",
    "ipv6",
    "",
    " ",
    "https://192.0.2.10",
]
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-3, max_value=5_000_000_000),
    st.sampled_from(DOMAIN_STRINGS),
    st.text(max_size=12),
    st.floats(allow_nan=False, allow_infinity=False),
)
KEYS = st.sampled_from(DOMAIN_STRINGS + ["name", "selfIP", "vni"])
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(KEYS, inner, max_size=3)), max_leaves=6)
YAML_PIECES = [b":", b"-", b"&a", b"*a", b"!t", b"<<", b"\t", b"{", b"[", b"\n  ", b"'", b"---\n", b"#"]
SETTINGS = settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _containers(data, path=()):
    """Every (container, key) slot in the data."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield data, key
            yield from _containers(value, path + (key,))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield data, i
            yield from _containers(value, path + (i,))


@st.composite
def mutated_topology(draw) -> str:
    data = copy.deepcopy(EXAMPLE_DATA[draw(st.sampled_from(sorted(EXAMPLE_DATA)))])
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        slots = list(_containers(data))
        if not slots:
            break
        container, key = draw(st.sampled_from(slots))
        action = draw(st.sampled_from(["delete", "replace", "swap", "add"]))
        if action == "delete":
            del container[key]
        elif action == "replace":
            container[key] = draw(VALUES)
        elif action == "swap":
            other, other_key = draw(st.sampled_from(slots))
            container[key] = copy.deepcopy(other[other_key])
        elif isinstance(container, dict):
            container[draw(st.sampled_from(DOMAIN_STRINGS + ["tunel", "vni", "ha", "bgp"]))] = draw(VALUES)
        else:
            container.append(copy.deepcopy(container[key]))
    return json.dumps(data, indent=1)


def assert_sound(report, text_lines: int) -> None:
    for diag in report.diagnostics:
        assert diag.code in CODES
        assert diag.message
        if diag.position is not None:
            assert 1 <= diag.position.line <= text_lines + 1
    assert report.ok == (not any(d.is_error for d in report.diagnostics))


@SETTINGS
@given(mutated_topology())
def test_data_mutations_only_produce_diagnostics(text):
    report = validate_text(text)
    assert_sound(report, text.count("\n") + 1)
    if report.ok:
        # A topology the validator accepts must compile: every compile error has a check first.
        assert report.topology is not None
        render(report.topology)


@st.composite
def mutated_bytes(draw) -> bytes:
    raw = bytearray(EXAMPLE_TEXTS[draw(st.sampled_from(sorted(EXAMPLE_TEXTS)))])
    for _ in range(draw(st.integers(min_value=1, max_value=5))):
        at = draw(st.integers(min_value=0, max_value=len(raw)))
        action = draw(st.sampled_from(["insert", "replace", "delete"]))
        chunk = draw(st.one_of(st.binary(min_size=1, max_size=4), st.sampled_from(YAML_PIECES)))
        if action == "insert":
            raw[at:at] = chunk
        elif action == "replace":
            raw[at : at + len(chunk)] = chunk
        else:
            del raw[at : at + len(chunk)]
    return bytes(raw)


@SETTINGS
@given(mutated_bytes())
def test_byte_mutations_only_produce_diagnostics(raw):
    try:
        load_text(raw)
    except TopologyInvalid as exc:
        assert exc.diagnostics and all(d.is_error for d in exc.diagnostics)
    report = validate_text(raw)
    assert_sound(report, raw.count(b"\n") + 1)


@pytest.mark.parametrize("name", sorted(EXAMPLE_TEXTS))
def test_json_form_of_each_example_is_still_valid(name):
    # the mutation tests rely on JSON being read as the same YAML data
    assert validate_text(json.dumps(EXAMPLE_DATA[name])).ok


# The packet model as an oracle: whatever validate accepts, every BIG-IP unit reaches every
# node's pods and the reply returns. Mutations aim at the fields the datapath depends on.
DATAPATH_EDITS = {
    ("cluster", "ciliumVersion"): ["1.14.5", "1.15.1", "1.16.19", "1.18.7", "1.18.8", "1.19.1", "1.20.0"],
    ("cluster", "ipFamilies"): [["ipv4"], ["ipv4", "ipv6"]],
    ("cluster", "tunnelPort"): [4789, 8472, 6081, 9000],
    ("cluster", "tunnelProtocol"): ["vxlan", "geneve"],
    ("cluster", "l7Proxy"): [True, False],
    ("bigips", 0, "tunnel", "vni"): [1, 2, 9],
    ("bigips", 0, "tunnel", "profile"): ["vxlan", "fl-vxlan", "geneve", "vxlan-multipoint"],
    ("bigips", 0, "tunnel", "floodingType"): ["multipoint", "none", "point-to-point", "replicator"],
    ("bigips", 0, "tunnel", "selfIP"): ["10.1.6.34/24", "10.169.72.230/28", "10.0.0.5/24", "10.244.30.15/16"],
    ("bigips", 0, "tunnel", "mac"): ["00:50:56:a0:7d:d8", "00:50:56:86:6b:28"],
    ("bigips", 0, "routeDomain"): [0, 2],
    ("bigips", 0, "staticFDB"): [True, False],
    ("bigips", 0, "underlay", "gateway"): ["10.1.0.254", "10.1.0.253", "10.169.72.1"],
    ("bgp", "peers"): [[{"name": "uplink0", "address": "10.1.0.253"}]],
    ("cis",): [None],
}


@st.composite
def datapath_topology(draw) -> str:
    data = copy.deepcopy(EXAMPLE_DATA[draw(st.sampled_from(sorted(EXAMPLE_DATA)))])
    for path in draw(st.lists(st.sampled_from(sorted(DATAPATH_EDITS, key=str)), min_size=1, max_size=3, unique=True)):
        node = data
        for part in path[:-1]:
            if isinstance(node, dict) and part in node and isinstance(node[part], (dict, list)):
                node = node[part]
            elif isinstance(node, list) and isinstance(part, int) and part < len(node):
                node = node[part]
            else:
                node = None
                break
        if node is None:
            continue
        value = draw(st.sampled_from(DATAPATH_EDITS[path]))
        if value is None and isinstance(node, dict):
            node.pop(path[-1], None)
        elif isinstance(node, dict):
            node[path[-1]] = copy.deepcopy(value)
    return json.dumps(data, indent=1)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(datapath_topology())
def test_every_accepted_topology_is_fully_reachable(text):
    from vtepc.reach import Fabric, unreachable

    report = validate_text(text)
    if report.ok:
        fabric = Fabric.from_topology(report.topology)
        # What other checks report (known-broken Cilium releases: VTEP604/605 warnings, by design) stays out.
        reported = fabric.rules.reported_elsewhere
        assert [(u.scenario.label, u.hop) for u in unreachable(fabric) if u.hop.origin not in reported] == []
