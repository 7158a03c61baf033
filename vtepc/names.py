"""Name rules: for each kind of name in a topology, the strictest rule of every target it reaches.

One definition serves the checks (checks/syntax.py, with a code and a line per refusal) and
the JSON Schema export (pattern and maxLength, so editors flag a bad name while it is
typed). Patterns are anchored and written in the subset of regex syntax that Python and
ECMAScript (JSON Schema) read alike; `matches` applies them with re.fullmatch, because `$`
alone also matches before a trailing newline ("vlan\\n" would pass `re.match`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Sequence

from ._bird_keywords import BIRD_KEYWORDS

if TYPE_CHECKING:
    from pydantic import JsonValue

# Path-safe names (metadata.name, BIG-IP and service names): a DNS-1123 label, which is
# also what the Kubernetes objects named after them need.
NAME_PATTERN = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
NAME_MAX = 63


_GROUP_OPEN = re.compile(r"(?<!\\)\((?!\?)")  # "(" that opens a capturing group


@dataclass(frozen=True)
class NameRule:
    what: str  # "a BIG-IP object name": completes "'x' is not ..."
    pattern: str
    max_length: int
    hint: str
    reserved: frozenset[str] = field(default=frozenset(), repr=False)
    _regex: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_regex", re.compile(self.pattern, re.ASCII))

    def matches(self, value: object) -> bool:
        return (
            isinstance(value, str)
            and len(value) <= self.max_length
            and self._regex.fullmatch(value) is not None
            and value not in self.reserved
        )

    def matches_all(self, values: Sequence[str]) -> bool:
        """Whether `matches` holds for every value: one regex over the values joined by newlines, which
        no rule's pattern takes (so each line is one value), instead of a call per value."""
        if not values:
            return True
        joined = "\n".join(values)
        return (
            joined.count("\n") == len(values) - 1
            and max(map(len, values)) <= self.max_length
            and self._joined_regex.fullmatch(joined) is not None
            and (not self.reserved or self.reserved.isdisjoint(values))
        )

    @cached_property
    def _joined_regex(self) -> re.Pattern[str]:
        # The pattern unanchored, its groups made non-capturing (a capture per line is most of the
        # cost; no pattern here has a literal parenthesis), once per line. No pattern takes a newline,
        # so each "line\n" either matches whole or not at all, and the repetition may be possessive:
        # a backtracking one keeps a stack entry per line, and growing that stack costs more than matching.
        body = _GROUP_OPEN.sub("(?:", f"(?:{self.pattern.removeprefix('^').removesuffix('$')})")
        return re.compile(f"(?:{body}\n)*+{body}", re.ASCII)

    def json_schema(self) -> dict[str, JsonValue]:
        return {"pattern": self.pattern, "maxLength": self.max_length}


def path_name(max_length: int, why: str = "") -> NameRule:
    return NameRule(
        "a valid name",
        NAME_PATTERN,
        max_length,
        f"use lower-case letters, digits and '-', starting and ending with a letter or digit, at most {max_length} characters{why}",
    )


METADATA_NAME = path_name(NAME_MAX)
CLUSTER_NAME = METADATA_NAME
# CIS's Deployment and pods carry the label app=k8s-bigip-ctlr-<BIG-IP name>, and a Kubernetes
# label value holds at most 63 characters (apimachinery validation.IsValidLabelValue).
BIGIP_NAME = path_name(63 - len("k8s-bigip-ctlr-"), " (CIS labels its pods app=k8s-bigip-ctlr-<name>, at most 63)")
# The Service label cis.f5.com/as3-pool is the AS3 pool name, app_<name>_pool at the longest
# (state/as3.py), and a label value holds at most 63 characters.
SERVICE_NAME = path_name(63 - len("app_") - len("_pool"), " (the label cis.f5.com/as3-pool=<name>_pool holds at most 63)")

# F5 Declarative Onboarding 1.45, src/schema/latest/base.schema.json, "Common".propertyNames:
# every network object DO declares (VLAN, tunnel, self IP, route, route domain) is named by
# this rule; vtepc keeps the names it writes into tmsh and DO to it.
F5_NAME = NameRule(
    "a BIG-IP object name",
    r"^[A-Za-z][0-9A-Za-z_.-]*$",
    48,
    "start with a letter; then letters, digits, '_', '.' and '-'; at most 48 characters (F5 Declarative Onboarding's name rule)",
)

# vtepc gives a tunnel its own profile named <tunnel>_vxlan or <tunnel>_geneve, as DO names it
# (state/bigip.py), and that profile name must fit the same 48 characters.
TUNNEL_NAME = NameRule(
    F5_NAME.what,
    F5_NAME.pattern,
    F5_NAME.max_length - len("_geneve"),
    "start with a letter; then letters, digits, '_', '.' and '-'; at most 41 characters, so that the"
    " tunnel's own profile <name>_vxlan or <name>_geneve fits BIG-IP's 48",
)

# Kubernetes object names (k8s.io/apimachinery pkg/util/validation/validation.go).
DNS1123_LABEL = NameRule(
    "a DNS-1123 label",
    r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$",
    63,
    "lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters",
)
DNS1035_LABEL = NameRule(
    "a DNS-1035 label (a Kubernetes Service name)",
    r"^[a-z]([-a-z0-9]*[a-z0-9])?$",
    63,
    "lower-case letters, digits and '-', starting with a letter and ending with a letter or digit, at most 63 characters",
)
DNS1123_SUBDOMAIN = NameRule(
    "a DNS-1123 subdomain",
    r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$",
    253,
    "lower-case letters, digits, '-' and '.', each dot-separated part starting and ending with a letter or digit, at most 253 characters",
)

# A container image reference, as distribution/reference (regexp.go, the grammar Docker,
# containerd and the kubelet parse image names with) writes it: [domain[:port]/]path[:tag][@digest].
_ALNUM = r"[a-z0-9]+"
_PATH_COMPONENT = rf"{_ALNUM}(?:(?:[._]|__|[-]+){_ALNUM})*"
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN = rf"(?:{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?"
_TAG = r"[0-9A-Za-z_][0-9A-Za-z_.-]{0,127}"
_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}"
IMAGE_REFERENCE = NameRule(
    "a container image reference",
    rf"^(?:{_DOMAIN}/)?{_PATH_COMPONENT}(?:/{_PATH_COMPONENT})*(?::{_TAG})?(?:@{_DIGEST})?$",
    # reference.go NameTotalLengthMax is 255 for the name; the tag adds at most 129 and a digest its own length.
    512,
    "write [registry[:port]/]repository[:tag][@digest] in lower case, such as f5networks/k8s-bigip-ctlr:2.20.2",
)

# BIRD 2 symbols (conf/cf-lex.l: {ALPHA}{ALNUM}*, SYM_MAX_LEN 64 in conf/conf.h), minus its
# keywords and the names BIRD gives the unnamed protocols of bgp/bird-<node>.conf
# (cf_default_name: "<protocol>%d", numbered from 1), which a BGP protocol may not reuse.
BIRD_SYMBOL = NameRule(
    "a BIRD protocol name",
    r"^[A-Za-z_][A-Za-z0-9_]*$",
    64,
    "letters, digits and '_', not starting with a digit, at most 64 characters, and not a BIRD keyword such as "
    "'static', 'router' or 'neighbor'",
    reserved=BIRD_KEYWORDS | {"device1", "direct1", "kernel1", "static1"},
)
