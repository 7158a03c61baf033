"""Address parsing shared by checks and compilers: one definition of what a valid value is."""

from __future__ import annotations

import ipaddress
import re
import socket
import sys
from array import array
from functools import lru_cache
from itertools import repeat
from typing import Sequence, TypeGuard

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPInterface = ipaddress.IPv4Interface | ipaddress.IPv6Interface

_MAC = re.compile(r"[0-9a-fA-F]{2}(?::[0-9a-fA-F]{2}){5}")


def _plain(text: object) -> TypeGuard[str]:
    """A string without an IPv6 zone (fe80::1%eth0): ipaddress accepts zones since Python 3.9,
    but BIG-IP reads `%` as its route domain separator and no config file vtepc writes takes one."""
    return isinstance(text, str) and "%" not in text


def parse_ip(text: object) -> IPAddress | None:
    if not _plain(text) or "/" in text:
        return None
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def parse_network(text: object) -> IPNetwork | None:
    """A CIDR with a prefix and no host bits set (10.0.0.0/16, not 10.0.0.1/16)."""
    if not _plain(text) or "/" not in text:
        return None
    try:
        return ipaddress.ip_network(text, strict=True)
    except ValueError:
        return None


def parse_interface(text: object) -> IPInterface | None:
    """An interface address: address/prefix (10.1.6.34/24 or 10.1.6.34/255.255.255.0)."""
    if not _plain(text) or "/" not in text:
        return None
    try:
        return ipaddress.ip_interface(text)
    except ValueError:
        return None


def parse_mac(text: object) -> str | None:
    """A 6-byte colon-separated MAC, normalized to lower case."""
    if not isinstance(text, str) or not _MAC.fullmatch(text):
        return None
    return text.lower()


def macs_valid(texts: Sequence[str]) -> bool:
    """Whether parse_mac takes every text: one regex over them joined by newlines (no MAC holds one)."""
    joined = "\n".join(texts)
    return not texts or (joined.count("\n") == len(texts) - 1 and _macs_regex().fullmatch(joined) is not None)


@lru_cache(maxsize=None)
def _macs_regex() -> re.Pattern[str]:
    return re.compile(f"(?:{_MAC.pattern}\n)*+{_MAC.pattern}")  # possessive: see names.NameRule._joined_regex


def mac_is_group(mac: str) -> bool:
    """True when the I/G (multicast) bit of the first octet is set."""
    return bool(int(mac[:2], 16) & 1)


@lru_cache(maxsize=None)
def fake_fdb_mac(node_ip: str) -> str:
    """The MAC CIS fakes for a Cilium node: 0a:0a + the four IPv4 octets in hex."""
    try:
        octets = socket.inet_pton(socket.AF_INET, node_ip)  # strict dotted quad, C speed (5,000 nodes x every BIG-IP)
    except (OSError, ValueError):
        octets = ipaddress.IPv4Address(node_ip).packed  # raises the error a caller expects for a non-IPv4 address
    return "0a:0a:%02x:%02x:%02x:%02x" % tuple(octets)


def fake_fdb_macs(node_ips: list[str]) -> list[str]:
    """fake_fdb_mac of each address, from the packed form ipv4_column decodes (and keeps) when every
    one is a dotted quad: the node IPs are then decoded once for the checks, compile and reach."""
    packed = _packed_ipv4(tuple(node_ips))
    if packed is None:
        return list(map(fake_fdb_mac, node_ips))
    octets = packed.hex(":")  # 'aa:bb:cc:dd:ee:...': each address 11 characters, then a ':'
    return ["0a:0a:" + octets[i : i + 11] for i in range(0, len(octets), 12)]


def with_route_domain(address: str, route_domain: int) -> str:
    """BIG-IP's IP%RD notation; also for address/prefix (10.1.6.34%2/24)."""
    if "/" in address:
        addr, prefix = address.split("/", 1)
        return f"{addr}%{route_domain}/{prefix}"
    return f"{address}%{route_domain}"


_UINT32 = next(code for code in "IL" if array(code).itemsize == 4)


def ipv4_column(texts: Sequence[str]) -> array[int] | None:
    """Every text as an IPv4 integer, in order, when every one is a dotted quad (as ipaddress.IPv4Address
    reads one: inet_pton takes exactly those); else None. The checks, compile and the reachability walk
    read node addresses as such columns (vtepc.checks._columns)."""
    packed = _packed_ipv4(tuple(texts))
    if packed is None:
        return None
    values = array(_UINT32, packed)  # a new array each time: the caller may change it
    if sys.byteorder == "little":
        values.byteswap()  # inet_pton gives network (big-endian) order
    return values


@lru_cache(maxsize=8)
def _packed_ipv4(texts: tuple[str, ...]) -> bytes | None:
    """The texts as packed IPv4 addresses; None unless every one is a dotted quad. Kept for the
    last few lists: the checks, the compiled state and the reachability walk each decode the same
    node IPs and pod CIDR bases (about 20 ms at 65,000 nodes each time); hashing and comparing the
    texts again costs a tenth of that."""
    try:
        return b"".join(map(socket.inet_pton, repeat(socket.AF_INET), texts))
    except (OSError, ValueError, TypeError):  # not a dotted quad; an embedded NUL; not a str
        return None
