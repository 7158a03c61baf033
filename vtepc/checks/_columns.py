"""The nodes' facts as columns, each computed once per context by C-level builtins.

The nodes are the one part of a topology that grows into the tens of thousands (GKE runs 65,000),
and a check that asked each node for its parsed address in Python would cost about a microsecond a
node, a check. Here every fact is a column over all nodes: the IPs decoded by one inet_pton pass
(`b"".join(map(inet_pton, ...))` into an array of integers), the names judged by one regex over
their newline-joined text, uniqueness by a set's size, containment by min/max or a bisect in the
sorted values, overlaps of pod CIDRs by one sort. A check asks its question of the whole column and
runs its per-node code, which finds and words the findings, only when the answer is "maybe": a fast
verdict only ever says "nothing to report here".

A column that cannot be built that way (an IPv6 or invalid value, a host bit set) is None, and the
checks fall back to their per-node code for it, which judges every value as vtepc.addresses does.
The dotted quads inet_pton accepts are exactly those ipaddress accepts (_networks.py), so a column
holds the numbers ip_value and network_span would give. With `enabled=False` every verdict is
"maybe" and every check runs its per-node code: the equivalence tests compare the two.
"""

from __future__ import annotations

import re
from array import array
from bisect import bisect_left
from dataclasses import dataclass
from functools import cached_property, partial
from itertools import chain, islice, repeat
from operator import and_, attrgetter, gt, is_not, itemgetter, lt, or_
from typing import TYPE_CHECKING, Iterable, Sequence, cast

from ..addresses import ipv4_column, macs_valid
from ._networks import PREFIX_LENGTHS, NetworkIndex, Span

if TYPE_CHECKING:
    from ..integrations import NodeField
    from ..model import Node
    from ..names import NameRule

_CIDR_LINES = re.compile(r"(?:[0-9.]+/[0-9]+\n)*+[0-9.]+/[0-9]+")  # possessive: see names.NameRule._joined_regex
_ODD_HEX = frozenset("13579bdfBDF")  # a MAC's second digit is odd when the group bit is set
_HOST_MASKS = [(1 << (32 - n)) - 1 for n in range(33)]


def any_between(sorted_values: Sequence[int], low: int, high: int) -> bool:
    """Whether some value v of the sorted sequence has low <= v <= high."""
    i = bisect_left(sorted_values, low)
    return i < len(sorted_values) and sorted_values[i] <= high


@dataclass(frozen=True)
class Ipv4Cidrs:
    """IPv4 CIDRs (host bits clear) as integer columns, sorted by first address (ties: by node index)."""

    labels: Sequence[int]  # the node index of each CIDR
    starts: Sequence[int]
    ends: Sequence[int]
    prefixlens: list[int]  # by node index, for the nodes that have a CIDR

    @cached_property
    def disjoint(self) -> bool:
        """No two share an address: each starts after the previous one ends (CIDRs either nest or are
        disjoint, so an overlap anywhere shows between two neighbours in this order)."""
        return all(map(gt, islice(self.starts, 1, None), self.ends))

    def within(self, span: Span) -> bool:
        """Whether every CIDR lies inside `span` (vacuously true when there is none)."""
        if not self.starts:
            return True
        return span.version == 4 and span.start <= self.starts[0] and max(self.ends) <= span.end


def ipv4_cidrs(texts: Sequence[str | None]) -> Ipv4Cidrs | None:
    """The CIDRs of the texts that are not None, labelled with their position, when every one is an
    IPv4 network/prefix with no host bits set (as network_span reads it); else None."""
    if None in texts:
        labels = [i for i, text in enumerate(texts) if text is not None]
        present = [text for text in texts if text is not None]
    else:
        labels, present = list(range(len(texts))), cast("list[str]", texts)
    if not present:
        return Ipv4Cidrs([], [], [], [])
    joined = "\n".join(present)
    if joined.count("\n") != len(present) - 1 or _CIDR_LINES.fullmatch(joined) is None:
        return None  # each must be one line of digits/digits for the split below to pair them up
    parts = joined.replace("/", "\n").split("\n")
    starts = ipv4_column(parts[0::2])
    written = parts[1::2]
    lengths = {PREFIX_LENGTHS.get(text, -1) for text in set(written)}
    if starts is None or -1 in lengths:
        return None
    host_masks: Iterable[int]
    if len(lengths) == 1:  # one size for every node (flannel's rule; the usual case): one mask for all
        (prefixlen,) = lengths
        prefixlens, host_masks = [prefixlen] * len(written), repeat(_HOST_MASKS[prefixlen])  # (endless: read twice)
    else:
        prefixlens = list(map(PREFIX_LENGTHS.__getitem__, written))
        host_masks = list(map(_HOST_MASKS.__getitem__, prefixlens))
    if any(map(and_, starts, host_masks)):
        return None  # host bits set: not a network
    ends = list(map(or_, starts, host_masks))
    if all(map(lt, starts, islice(starts, 1, None))):
        return Ipv4Cidrs(labels, starts, ends, prefixlens)  # already in order (as often generated or discovered)
    order = sorted(range(len(starts)), key=starts.__getitem__)
    return Ipv4Cidrs(
        list(map(labels.__getitem__, order)),
        list(map(starts.__getitem__, order)),
        list(map(ends.__getitem__, order)),
        prefixlens,
    )


def _values(fields: Sequence[NodeField], nodes: Sequence[Node]) -> list[str]:
    """The values of a mode's own node fields that are set, field by field."""
    return list(filter(partial(is_not, None), chain.from_iterable(map(attrgetter(attribute), nodes) for _, attribute in fields)))


class NodeColumns:
    """Facts of every node, each computed on first use; None where a column holds a value it cannot take."""

    def __init__(self, nodes: Sequence[Node], node_addresses: Sequence[NodeField], node_macs: Sequence[NodeField], enabled: bool = True):
        self._nodes = nodes
        self._node_addresses = node_addresses
        self._node_macs = node_macs
        self.enabled = enabled

    @cached_property
    def names(self) -> list[str]:
        return list(map(attrgetter("name"), self._nodes))

    @cached_property
    def name_set(self) -> set[str]:
        return set(self.names)

    def names_unique(self) -> bool:
        return self.enabled and len(self.name_set) == len(self.names)

    def names_match(self, rule: NameRule) -> bool:
        """Whether every node name matches the rule."""
        return self.enabled and rule.matches_all(self.names)

    @cached_property
    def pod_cidrs(self) -> list[str | None]:
        return list(map(attrgetter("pod_cidr"), self._nodes))

    @cached_property
    def ip4(self) -> array[int] | None:
        """Every node IP as an IPv4 integer, by node index; None unless every one is a dotted quad."""
        return ipv4_column(list(map(attrgetter("ip"), self._nodes))) if self.enabled else None

    @cached_property
    def ip4_set(self) -> set[int] | None:
        """The node IPs as a set of IPv4 integers; None unless every one is a dotted quad."""
        return set(self.ip4) if self.ip4 is not None else None

    @cached_property
    def distinct_ip4(self) -> set[int] | None:
        """ip4_set when no two node IPs are equal; else None."""
        values = self.ip4_set
        return values if values is not None and len(values) == len(self._nodes) else None

    @cached_property
    def sorted_ip4(self) -> list[int] | None:
        return sorted(self.ip4) if self.ip4 is not None else None

    @cached_property
    def other_addresses(self) -> list[str]:
        """The values of the mode's own node address fields (flannel's publicIP) that are set."""
        return _values(self._node_addresses, self._nodes)

    @cached_property
    def other_ip4(self) -> array[int] | None:
        """The other_addresses as IPv4 integers; None unless every one is a dotted quad."""
        return ipv4_column(self.other_addresses) if self.enabled else None

    @cached_property
    def sorted_underlay4(self) -> list[int] | None:
        """Every node IP and other node address as sorted IPv4 integers; None unless all are dotted quads."""
        if self.sorted_ip4 is None or self.other_ip4 is None:
            return None
        return sorted(chain(self.sorted_ip4, self.other_ip4)) if self.other_ip4 else self.sorted_ip4

    @cached_property
    def macs(self) -> list[str]:
        """The values of the mode's MAC node fields (flannel's vtepMAC) that are set."""
        return _values(self._node_macs, self._nodes)

    def macs_valid(self) -> bool:
        return self.enabled and self._macs_valid

    @cached_property
    def _macs_valid(self) -> bool:
        return macs_valid(self.macs)

    def no_group_macs(self) -> bool:
        """Whether every node MAC is valid and none has the group (multicast) bit set (addresses.mac_is_group)."""
        return self.macs_valid() and _ODD_HEX.isdisjoint(map(itemgetter(1), self.macs))

    @cached_property
    def distinct_macs(self) -> set[str] | None:
        """The node MACs, lower-cased (as parse_mac normalizes them), when every one is valid and no two are equal."""
        if not self.macs_valid():
            return None
        values = set(map(str.lower, self.macs))
        return values if len(values) == len(self.macs) else None

    @cached_property
    def pods4(self) -> Ipv4Cidrs | None:
        """The node pod CIDRs that are set, labelled with their node's index; None unless each is an IPv4 network."""
        return ipv4_cidrs(self.pod_cidrs) if self.enabled else None

    def pod_index(self) -> NetworkIndex[int] | None:
        """The pod CIDRs as a NetworkIndex without a per-node step, when they are IPv4 and disjoint."""
        pods = self.pods4
        if pods is None or not pods.disjoint:
            return None
        return NetworkIndex.disjoint(4, pods.starts, pods.ends, pods.labels)
