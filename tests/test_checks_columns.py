"""The checks' fast verdicts over node columns (vtepc.checks._columns) never change a finding.

Each check that walks the nodes first asks a column ("are the node IPs distinct dotted quads",
"are the names all DNS-1123 subdomains") and runs its per-node code only when the answer is
"maybe". The property: on generated topologies of every mode and routing, with node lists full of
duplicates, overlaps, invalid, IPv6, non-unicast and out-of-range values (and clean ones, so the fast
verdicts do say "nothing here"), every check reports exactly the same findings (code, path, message,
hint) as with the fast verdicts turned off (Context.fast_verdicts). The column builders are held to
the per-value parsers they stand for (ip_value, network_span, parse_mac, NameRule.matches).
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from vtepc.addresses import macs_valid, parse_mac
from vtepc.checks import CHECKS, Context, _load_check_modules
from vtepc.addresses import ipv4_column
from vtepc.checks._columns import ipv4_cidrs
from vtepc.checks._networks import PREFIX_LENGTHS, NetworkIndex, Span, ip_value, network_span
from vtepc.model import Topology, resolve
from vtepc.names import (
    BIGIP_NAME,
    BIRD_SYMBOL,
    DNS1035_LABEL,
    DNS1123_LABEL,
    DNS1123_SUBDOMAIN,
    F5_NAME,
    IMAGE_REFERENCE,
    METADATA_NAME,
    SERVICE_NAME,
    TUNNEL_NAME,
)

from .conftest import EXAMPLES

_load_check_modules()
SKIPPED = {"do_declaration", "reachability"}  # they judge the compiled state, not the nodes


class PerNodeContext(Context):
    fast_verdicts = False


# Values the examples' other entries hold (BIG-IP self IPs, gateways, peers, virtual addresses,
# names, MACs), so generated nodes collide with them too.
IPS = [
    *("10.169.72.239 10.169.72.233 10.169.72.34 10.1.6.34 10.1.0.1 10.1.0.100 10.1.0.253 10.1.0.254".split()),
    *("10.1.10.100 10.3.0.11 10.3.0.100 10.3.10.100 172.16.2.10 172.16.1.28 10.244.30.15 192.0.2.10 192.0.2.20".split()),
    *("10.0.0.5 10.0.1.1 10.16.0.9 10.42.0.7 10.244.1.3 0.0.0.0 0.1.2.3 127.0.0.1 224.0.0.5 239.1.1.1 240.0.0.1".split()),
    *("255.255.255.255 255.255.255.254 223.255.255.255 1.0.0.0 126.255.255.255 128.0.0.0 fd00::1 :: ::1 ff02::1".split()),
    *("fe80::1 10.0.0.256 01.2.3.4 1.2.3 1.2.3.4.5 x 1.2.3.4/24 1.2.3.4%0 \u0661.2.3.4".split()),
    "",
    " 10.1.0.9",
    "10.1.0.9\n",
]
POD_CIDRS = [
    *("10.0.0.0/24 10.0.1.0/24 10.0.0.0/25 10.0.0.128/25 10.0.0.0/16 10.0.0.0/8 10.0.0.0/23 10.16.0.0/24".split()),
    *("10.16.1.0/24 10.42.0.0/24 10.244.1.0/24 10.244.30.0/24 10.9.0.0/24 10.169.72.0/24 172.16.0.0/12".split()),
    *("0.0.0.0/0 0.0.0.0/1 128.0.0.0/1 10.0.0.5/32 10.0.0.1/24 fd00::/64 ::/0 fd00::1/64 x 10.0.0.0".split()),
    *("10.0.0.0/33 10.0.0.0/08 10.0.0.0/-1 10.0.0.0/24/1 10.0.0.0/255.255.255.0 10.0.0.0/24%0 10.0.0.0//24".split()),
    "",
    "10.0.2.0/24\n10.0.3.0/24",
]
NAMES = [
    *("node1 node2 node-1 node-2 a.b a.b.c bigip-1 bigip-2 uplink0 x Node1 node_1 -x x- a..b .a a. 0".split()),
    "a" * 63,
    "a" * 64,
    "a." * 126 + "a",
    "a." * 127 + "a",
    "n\nx",
    "",
]
MACS = [
    *("98:ba:76:dc:54:fe 98:BA:76:DC:54:FE 00:50:56:bb:70:8b 00:50:56:BB:70:8B 00:00:00:00:00:00 01:00:5e:00:00:01".split()),
    *("03:00:00:00:00:01 zz:00:00:00:00:00 00:50:56:bb:70 00-50-56-bb-70-8b 00:50:56:bb:70:8b:00".split()),
    "00:50:56:bb:70:8b\n",
]


@st.composite
def clean_nodes(draw: Any) -> list[dict[str, Any]]:
    """Nodes with distinct names, IPs, MACs and /24s (from where the example's start), some without a pod CIDR."""
    count = draw(st.integers(0, 12))
    first = draw(st.integers(0, 3))
    nodes = []
    for i in range(first, first + count):
        node: dict[str, Any] = {"name": f"gen-{i}", "ip": f"172.20.{i >> 8}.{i & 255}", "podCIDR": f"10.0.{100 + i}.0/24"}
        if draw(st.integers(0, 9)) == 0:
            del node["podCIDR"]
        nodes.append(node)
    return nodes


def messy_node(flannel: bool) -> st.SearchStrategy[dict[str, Any]]:
    fields = {
        "name": st.sampled_from(NAMES) | st.from_regex(r"gen-[0-9]", fullmatch=True),
        "ip": st.sampled_from(IPS) | st.from_regex(r"172\.20\.0\.[0-9]", fullmatch=True),
    }
    optional = {"podCIDR": st.sampled_from(POD_CIDRS) | st.from_regex(r"10\.0\.10[0-9]\.0/24", fullmatch=True)}
    if flannel:
        optional |= {"vtepMAC": st.sampled_from(MACS), "publicIP": st.sampled_from(IPS)}
    return st.fixed_dictionaries(fields, optional=optional)


BASES = ["cilium-vxlan", "cilium-vxlan-ha", "cilium-native-bgp", "cilium-static", "flannel", "flannel-static"]


@st.composite
def topologies(draw: Any) -> dict[str, Any]:
    data: dict[str, Any] = copy.deepcopy(EXAMPLE_DATA[draw(st.sampled_from(BASES))])
    flannel = data["cluster"]["cni"] == "flannel"
    nodes = draw(clean_nodes())
    if flannel:
        for i, node in enumerate(nodes):
            node["vtepMAC"] = f"02:00:00:00:{i >> 8:02x}:{i & 255:02x}"
            if draw(st.booleans()):
                node["publicIP"] = f"172.21.0.{i}"
    for _ in range(draw(st.integers(0, 3))):  # messy nodes, anywhere in the list
        nodes.insert(draw(st.integers(0, len(nodes))), draw(messy_node(flannel)))
    if nodes and draw(st.booleans()):  # a copy of one of them (duplicate name, IP, MAC, pod CIDR)
        nodes.append(dict(draw(st.sampled_from(nodes))))
    data["cluster"]["nodes"] = nodes
    data["cluster"]["podCIDR"] = draw(
        st.sampled_from(["10.0.0.0/16", "10.0.0.0/8", data["cluster"]["podCIDR"], "172.16.0.0/12", "fd00::/48", "::/0", "x"])
    )
    if draw(st.booleans()):  # an underlay that holds the generated node IPs (routing: static wants them on it)
        data["bigips"][0]["underlay"]["selfIP"] = draw(st.sampled_from(["172.20.0.200/16", "172.16.0.1/12", "fd00:1::1/64"]))
    return data


EXAMPLE_DATA = {name: yaml.safe_load((EXAMPLES / f"{name}.yaml").read_text()) for name in BASES}


def _findings(context: type[Context], data: dict[str, Any]) -> dict[str, list[Any]]:
    ctx = context(resolve(Topology.model_validate(copy.deepcopy(data))))
    mode = ctx.integration.name
    found: dict[str, list[Any]] = {
        registered.name: list(registered.run(ctx))
        for registered in CHECKS
        if registered.name not in SKIPPED and registered.mode in (None, mode)
    }
    found["node_pod_prefixlens"] = list(ctx.node_pod_prefixlens)  # a fact the modes' own checks read
    return found


@settings(max_examples=400, deadline=None)
@given(topologies())
def test_fast_verdicts_report_what_the_per_node_checks_report(data):
    assert _findings(Context, data) == _findings(PerNodeContext, data)


@pytest.mark.parametrize("base", BASES)
def test_a_clean_large_node_list_is_judged_by_the_columns(base):
    """The property above is not vacuous: on a clean list every column is built and every check's verdict is 'nothing here'."""
    data = copy.deepcopy(EXAMPLE_DATA[base])
    flannel = data["cluster"]["cni"] == "flannel"
    data["cluster"]["podCIDR"] = "10.0.0.0/8"
    data["cluster"]["nodes"] = [
        {"name": f"gen-{i}", "ip": f"172.20.{i >> 8}.{i & 255}", "podCIDR": f"10.100.{i}.0/24"}
        | ({"vtepMAC": f"02:00:00:00:{i >> 8:02x}:{i & 255:02x}", "publicIP": f"172.20.{i >> 8}.{i & 255}"} if flannel else {})
        for i in range(200)
    ]
    data["bigips"][0]["underlay"]["selfIP"] = "172.20.1.200/16"
    ctx = Context(resolve(Topology.model_validate(data)))
    columns = ctx.node_columns
    pods = columns.pods4
    assert columns.distinct_ip4 is not None and columns.other_ip4 is not None and columns.names_unique()
    assert pods is not None and pods.disjoint and columns.names_match(DNS1123_SUBDOMAIN) and columns.macs_valid()
    assert _findings(Context, data) == _findings(PerNodeContext, data)


# The column builders against the per-value parsers.

ADDRESS_TEXTS = st.sampled_from(IPS) | st.from_regex(r"[0-9]{1,3}(\.[0-9]{1,3}){3}", fullmatch=True)
CIDR_TEXTS = st.sampled_from(POD_CIDRS) | st.from_regex(r"10\.[0-9]{1,3}\.[0-9]{1,3}\.0/(2[0-9]|3[0-3]|[0-9])", fullmatch=True)


@settings(max_examples=200, deadline=None)
@given(st.lists(ADDRESS_TEXTS, max_size=8))
def test_ipv4_column_holds_what_ip_value_decodes(texts):
    values = [ip_value(text) for text in texts]
    column = ipv4_column(texts)
    if all(value is not None and value.version == 4 for value in values):
        assert column is not None and list(column) == [value.value for value in values if value is not None]
    else:
        assert column is None


@settings(max_examples=200, deadline=None)
@given(st.lists(st.none() | CIDR_TEXTS, max_size=8))
def test_ipv4_cidrs_hold_what_network_span_decodes(texts):
    spans = {i: network_span(text) for i, text in enumerate(texts) if text is not None}
    cidrs = ipv4_cidrs(texts)
    valid = all(span is not None and span.version == 4 for span in spans.values())
    if valid and all(text.partition("/")[2] in PREFIX_LENGTHS for text in texts if text is not None):
        assert cidrs is not None  # (a prefix written 08, which ipaddress reads, leaves the verdict to the per-node code)
    if cidrs is not None:
        assert valid
        decoded = {label: (start, end) for label, start, end in zip(cidrs.labels, cidrs.starts, cidrs.ends)}
        assert decoded == {i: (span.start, span.end) for i, span in spans.items() if span is not None}
        assert cidrs.prefixlens == [span.prefixlen for span in spans.values() if span is not None]
        assert list(cidrs.starts) == sorted(cidrs.starts)
        overlapping = any(a.start <= b.end and b.start <= a.end for i, a in spans.items() for j, b in spans.items() if i < j and a and b)
        assert cidrs.disjoint is not overlapping
        if cidrs.disjoint:  # the index built from the columns answers as the one built span by span
            fast = NetworkIndex.disjoint(4, cidrs.starts, cidrs.ends, cidrs.labels)
            slow = NetworkIndex((span, i) for i, span in spans.items() if span is not None)
            for start in range(0x0A000000, 0x0A000000 + 0x30000, 0x1FFF):
                query = Span(4, start, start + 0x2FF, 22)
                assert fast.overlapping(query) == slow.overlapping(query)
            assert list(fast.overlapping_pairs()) == list(slow.overlapping_pairs()) == []


RULES = [
    METADATA_NAME,
    BIGIP_NAME,
    SERVICE_NAME,
    F5_NAME,
    TUNNEL_NAME,
    DNS1123_LABEL,
    DNS1035_LABEL,
    DNS1123_SUBDOMAIN,
    BIRD_SYMBOL,
    IMAGE_REFERENCE,
]
NAME_TEXTS = (
    st.sampled_from(NAMES + ["static", "bgp", "f5networks/k8s-bigip-ctlr:2.20.2", "localhost:5000/a/b@sha256:" + "a" * 32, "A_b.c-d"])
    | st.text(alphabet="aZ0._-:/@\n", max_size=12)
    | st.from_regex(r"[a-z][a-z0-9-]{0,70}", fullmatch=True)
)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(RULES), st.lists(NAME_TEXTS, max_size=6))
def test_matches_all_is_matches_for_every_value(rule, values):
    assert rule.matches_all(values) == all(rule.matches(value) for value in values)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(MACS) | st.text(alphabet="0aF:\n", max_size=18), max_size=6))
def test_macs_valid_is_parse_mac_for_every_value(texts):
    assert macs_valid(texts) == all(parse_mac(text) is not None for text in texts)
