"""Addresses as integers, and overlap queries over many CIDRs in O(n log n).

Node IPs and pod CIDRs are the one part of a topology that grows into the thousands;
`ipaddress` objects cost microseconds each to build and hash, so the per-node checks work
on (version, integer) values instead: a dotted quad is decoded by the C library's inet_pton
(POSIX: exactly four decimal octets of at most 255; glibc and the BSDs also refuse leading
zeros, as `ipaddress` does), anything else (IPv6, netmask notation, invalid text) goes through
`ipaddress`, so both paths accept exactly the same strings as vtepc.addresses.

Two CIDRs overlap exactly when each starts no later than the other ends, so with the
networks sorted by first address and a running maximum of last addresses, "does anything
overlap X" is one bisect, and "which networks overlap an earlier one" is one sweep.
"""

from __future__ import annotations

from bisect import bisect_right
from socket import AF_INET, inet_pton
from typing import Generic, Hashable, Iterable, Iterator, NamedTuple, Sequence, TypeVar

from ..addresses import IPNetwork, parse_ip, parse_network

Label = TypeVar("Label", bound=Hashable)

PREFIX_LENGTHS = {str(n): n for n in range(33)}  # an IPv4 prefix length as written: 0-32, no leading zeros


class IpValue(NamedTuple):
    version: int
    value: int


class Span(NamedTuple):
    """A CIDR as integers: its first and last address."""

    version: int
    start: int
    end: int
    prefixlen: int

    def contains(self, other: Span) -> bool:
        return self.version == other.version and self.start <= other.start and other.end <= self.end


def _ipv4(text: str) -> int | None:
    """The dotted quad as an integer (None for anything else: IPv6, invalid text, leading zeros)."""
    try:
        return int.from_bytes(inet_pton(AF_INET, text), "big")
    except OSError:
        return None


def ip_value(text: object) -> IpValue | None:
    """The address as (version, integer), or None where parse_ip would return None."""
    if isinstance(text, str):
        value = _ipv4(text)
        if value is not None:
            return IpValue(4, value)
    ip = parse_ip(text)
    return IpValue(ip.version, int(ip)) if ip is not None else None


def network_span(text: object) -> Span | None:
    """The CIDR as a Span, or None where parse_network would return None (host bits set...)."""
    if isinstance(text, str):
        address, _, length = text.partition("/")
        prefixlen = PREFIX_LENGTHS.get(length)
        start = _ipv4(address) if prefixlen is not None else None
        if start is not None and prefixlen is not None:
            host_bits = (1 << (32 - prefixlen)) - 1
            return Span(4, start, start | host_bits, prefixlen) if not start & host_bits else None
    network = parse_network(text)
    return span_of(network) if network is not None else None


def span_of(network: IPNetwork) -> Span:
    return Span(network.version, int(network.network_address), int(network.broadcast_address), network.prefixlen)


class _Sorted(NamedTuple, Generic[Label]):
    """One IP version's networks sorted by (first address, -last address), as columns, and for each
    prefix of that order its largest last address and who has it."""

    starts: Sequence[int]
    ends: Sequence[int]
    labels: Sequence[Label]
    max_ends: Sequence[int]
    holders: Sequence[Label]
    disjoint: bool  # known to share no address (then max_ends and holders are ends and labels)


class NetworkIndex(Generic[Label]):
    """Labelled networks of one or both IP versions, sorted for overlap queries."""

    def __init__(self, entries: Iterable[tuple[Span, Label]]):
        by_version: dict[int, list[tuple[int, int, Label]]] = {}
        for span, label in entries:
            by_version.setdefault(span.version, []).append((span.start, span.end, label))
        self._by_version: dict[int, _Sorted[Label]] = {}
        for version, items in by_version.items():
            items.sort(key=lambda item: (item[0], -item[1]))
            max_ends: list[int] = []
            holders: list[Label] = []
            best: tuple[int, Label] | None = None
            for _, end, label in items:
                if best is None or end > best[0]:
                    best = (end, label)
                max_ends.append(best[0])
                holders.append(best[1])
            starts, ends, labels = (list(column) for column in zip(*items))
            self._by_version[version] = _Sorted(starts, ends, labels, max_ends, holders, False)

    @classmethod
    def disjoint(cls, version: int, starts: Sequence[int], ends: Sequence[int], labels: Sequence[Label]) -> NetworkIndex[Label]:
        """Networks of one version already sorted by first address, no two sharing an address (the
        caller knows): built without a step per network, and with no overlapping pairs."""
        index: NetworkIndex[Label] = cls(())
        if starts:
            index._by_version[version] = _Sorted(starts, ends, labels, ends, labels, True)
        return index

    def overlapping(self, span: Span) -> Label | None:
        """The label of some indexed network that shares an address with `span`, if any."""
        networks = self._by_version.get(span.version)
        if networks is None:
            return None
        i = bisect_right(networks.starts, span.end) - 1
        if i < 0:
            return None
        return networks.holders[i] if networks.max_ends[i] >= span.start else None

    def overlapping_pairs(self) -> Iterator[tuple[Label, Label]]:
        """A pair of labels for every network that overlaps one sorted before it, once per network."""
        for networks in self._by_version.values():
            if networks.disjoint:
                continue
            holder: tuple[int, Label] | None = None  # the largest end seen so far, and its label
            for start, end, label in zip(networks.starts, networks.ends, networks.labels):
                if holder is not None and start <= holder[0]:
                    yield holder[1], label
                if holder is None or end > holder[0]:
                    holder = (end, label)
