"""The integer address parsers of the per-node checks (vtepc.checks._networks) accept exactly what
vtepc.addresses accepts, and decode it to the same numbers: the fast dotted-quad path (inet_pton)
must refuse every string `ipaddress` refuses (leading zeros, octets over 255, short forms...)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from vtepc.addresses import parse_ip, parse_network
from vtepc.checks._networks import ip_value, network_span

octets = st.sampled_from(
    ["0", "00", "01", "1", "9", "10", "99", "100", "199", "249", "250", "255", "256", "300", "", "0x1", " 1", "1 ", "+1"]
)
quads = st.lists(octets, min_size=3, max_size=5).map(".".join)
lengths = st.sampled_from(["", "/0", "/8", "/08", "/24", "/32", "/33", "/-1", "/", "/24/1", "/255.255.255.0", "%0/24"])
texts = st.one_of(quads, st.tuples(quads, lengths).map("".join), st.sampled_from(["::1", "fd00::/64", "1.2.3.4%0", "\u0661.2.3.4"]))


@settings(max_examples=60, deadline=None)
@given(texts)
def test_ip_value_and_network_span_agree_with_the_address_parsers(text):
    ip = parse_ip(text)
    assert ip_value(text) == ((ip.version, int(ip)) if ip is not None else None)
    net = parse_network(text)
    expected = (net.version, int(net.network_address), int(net.broadcast_address), net.prefixlen) if net is not None else None
    assert network_span(text) == expected


def test_a_dotted_quad_and_a_cidr_decode_to_their_integers():
    assert ip_value("172.16.4.1") == (4, 0xAC100401)
    assert network_span("10.1.2.0/24") == (4, 0x0A010200, 0x0A0102FF, 24)
    assert network_span("10.1.2.1/24") is None  # host bits set
    assert ip_value("01.2.3.4") is None  # ipaddress refuses leading zeros (an octal reading would differ)
