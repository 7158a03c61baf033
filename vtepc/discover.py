"""`vtepc discover`: fill in what only the live side knows, in the topology file itself.

From each BIG-IP with a tunnel: the tunnel interface's MAC (bigips[].tunnel.mac). From the
cluster: its nodes (cluster.nodes[]: name, ip = InternalIP, podCIDR = spec.podCIDR or Cilium's
annotation, and with flannel vtepMAC and publicIP when it differs from ip). The BIG-IPs' own
flannel Node objects are not nodes. Existing nodes are updated in place, new ones appended in
name order; nodes the cluster no longer has are kept unless `prune` is asked for.

The file is edited with ruamel.yaml's round-trip mode: comments, key order, quoting, flow or
block style and indentation stay as they were, so a text diff shows only the discovered
values. A file ruamel cannot reproduce byte for byte is refused rather than reformatted, and
the edited text must still validate before it is written (temp file + rename).
"""

from __future__ import annotations

import difflib
import io
import os
import re
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping

from . import integrations
from .diagnostics import VtepcError
from .live.http import HttpOptions, TlsOptions, display_url

if TYPE_CHECKING:
    from ruamel.yaml import YAML

    from .integrations import Integration
    from .live import Progress
    from .live.kube import LiveNode
    from .model import Topology


class DiscoverError(VtepcError):
    """Discovered values cannot be written into the topology."""


@dataclass(frozen=True)
class DiscoveredFacts:
    tunnel_macs: dict[str, str]  # BIG-IP name -> its tunnel's MAC (lower case)
    nodes: tuple["LiveNode", ...]  # cluster nodes, by name, BIG-IP Node objects excluded
    notes: tuple[str, ...] = ()  # what could not be discovered and why


@dataclass
class Edit:
    """The outcome of applying facts to a topology text."""

    text: str
    changes: list[str] = field(default_factory=list)  # one line per changed value, e.g. "bigips[0].tunnel.mac: (none) -> 00:..."

    @property
    def changed(self) -> bool:
        return bool(self.changes)


def discover_facts(
    topology: "Topology",
    *,
    bigip_urls: Mapping[str, str] | None = None,
    kubeconfig: Path | None = None,
    context: str | None = None,
    bigip_tls: TlsOptions = TlsOptions(),
    http: HttpOptions = HttpOptions(),
    environ: Mapping[str, str] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    progress: "Progress | None" = None,
) -> DiscoveredFacts:
    """Read every BIG-IP's tunnel MAC and the cluster's nodes; raises LiveError on the first failure.

    `progress` hears about each target as in vtepc.live.read_observed_state.
    """
    from .live import ProgressReporter, bigip_url, check_bigip_names
    from .live.bigip import BigipSession, bigip_credentials
    from .live.kube import KubeOptions, KubeSession, read_nodes, resolve_kubeconfig

    check_bigip_names(topology, bigip_urls)
    report = ProgressReporter(progress)
    macs: dict[str, str] = {}
    notes: list[str] = []
    for bigip in topology.bigips:
        if bigip.tunnel is None:
            continue
        url = bigip_url(topology, bigip.name, bigip_urls)
        target = f"bigip/{bigip.name} ({display_url(url)})"
        report.start(target)
        try:
            session = BigipSession(bigip.name, url, bigip_credentials(bigip.name, environ), bigip_tls, http, sleep=sleep)
            mac = session.tunnel_mac(bigip.tunnel.name)
        except VtepcError:
            report.done(target, None)
            raise
        report.done(target, 0 if mac is None else 1)
        if mac is None:
            notes.append(f"{bigip.name}: tunnel {bigip.tunnel.name} does not exist on the device yet; its MAC stays unknown")
        else:
            macs[bigip.name] = mac
    connection = resolve_kubeconfig(KubeOptions(kubeconfig, context, http), environ)
    bigip_nodes = {b.name for b in topology.bigips}
    nodes = []
    target = f"cluster (context {connection.context})"
    report.start(target)
    try:
        listed = read_nodes(KubeSession(connection, http, sleep=sleep))
    except VtepcError:
        report.done(target, None)
        raise
    report.done(target, len(listed))
    for node in listed:
        if node.name in bigip_nodes:
            continue
        if not node.ip:
            notes.append(f"node {node.name} has no InternalIP; left out")
            continue
        nodes.append(node)
    return DiscoveredFacts(macs, tuple(nodes), tuple(notes))


# --- editing the YAML --------------------------------------------------------------------------

_KEY_LINE = re.compile(r"^( +)[^\s#\-][^:]*:")


def _yaml_for(text: str) -> "YAML":
    """A round-trip YAML instance set up with the file's own indentation."""
    from ruamel.yaml import YAML
    from ruamel.yaml.util import load_yaml_guess_indent

    _, sequence_indent, offset = load_yaml_guess_indent(text)
    mapping_indent = min((len(m.group(1)) for m in map(_KEY_LINE.match, text.splitlines()) if m), default=2)
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap long lines
    yaml.indent(mapping=mapping_indent, sequence=sequence_indent or 2, offset=offset or 0)
    return yaml


def _dump(yaml: "YAML", data: Any) -> str:
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


def _last_leaf(node: Any) -> tuple[Any, Any] | None:
    """(container, key) of the last scalar in block style: where ruamel keeps the comment after a block."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    while isinstance(node, (CommentedMap, CommentedSeq)) and len(node) and not node.fa.flow_style():
        key = list(node.keys())[-1] if isinstance(node, CommentedMap) else len(node) - 1
        value = node[key]
        if isinstance(value, (CommentedMap, CommentedSeq)) and len(value) and not value.fa.flow_style():
            node = value
            continue
        return node, key
    return None


def _move_trailing_lines(old: tuple[Any, Any] | None, new: tuple[Any, Any] | None) -> None:
    """After appending below `old`, move the blank/comment lines that followed it to follow `new`.

    ruamel stores "  # eol comment\\n\\n# next block's comment\\n" on the last scalar of a block;
    only the first line belongs to that scalar, the rest separates the block from what follows.
    """
    from ruamel.yaml.error import CommentMark
    from ruamel.yaml.tokens import CommentToken

    if old is None or new is None:
        return
    container, key = old
    slots = container.ca.items.get(key)
    token = slots[2] if slots and len(slots) > 2 else None
    if token is None or "\n" not in token.value:
        return
    first, _, rest = token.value.partition("\n")
    if not rest:
        return
    token.value = first + "\n"
    new_container, new_key = new
    new_container.ca.items[new_key] = [None, None, CommentToken("\n" + rest, CommentMark(0)), None]


def _append(container: Any, key: Any, value: Any) -> None:
    """Append a key (mapping) or an item (sequence, key None), keeping what followed the block after it."""
    before = _last_leaf(container)
    if key is None:
        container.append(value)
    else:
        container[key] = value
    _move_trailing_lines(before, _last_leaf(container))


def _in_style(container: Any, value: Any) -> Any:
    """The value as it must be written into `container`: double-quoted when it holds a ':' in flow style.

    In a flow mapping (`tunnel: {selfIP: ..., mac: 00:50:...}`) libyaml, which vtepc's loader
    uses, stops at the ':' of a plain MAC or IPv6 address; in block style it reads it fine.
    """
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    if isinstance(value, str) and ":" in value and container.fa.flow_style():
        return DoubleQuotedScalarString(value)
    return value


def _set(container: Any, key: str, value: Any, path: str, changes: list[str]) -> None:
    old = container.get(key)
    if old == value:
        return
    value = _in_style(container, value)
    changes.append(f"{path}.{key}: {old if old is not None else '(none)'} -> {value}")
    if key in container:
        container[key] = value
    else:
        _append(container, key, value)


def _node_fields(node: "LiveNode", integration: "Integration | None") -> dict[str, str]:
    """The node's entry: name, ip, podCIDR, and what the topology's mode reads off a live Node."""
    fields = {"name": node.name}
    if node.ip:  # always: discover_facts leaves out nodes without an InternalIP
        fields["ip"] = node.ip
    if node.pod_cidr:
        fields["podCIDR"] = node.pod_cidr
    if integration is not None:
        fields.update(integration.node_fields(node))
    return fields


def apply_facts(text: str, facts: DiscoveredFacts, *, file: str = "<topology>", prune: bool = False) -> Edit:
    """The topology text with the discovered values written in, formatting kept."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    yaml = _yaml_for(text)
    data = yaml.load(text)
    if _dump(yaml, data) != text:
        raise DiscoverError(
            f"{file}: ruamel.yaml cannot rewrite this file without reformatting it; "
            "set the values by hand (vtepc discover --dry-run shows them)"
        )
    changes: list[str] = []
    for index, bigip in enumerate(data.get("bigips") or []):
        tunnel = bigip.get("tunnel")
        if isinstance(tunnel, CommentedMap) and bigip.get("name") in facts.tunnel_macs:
            _set(tunnel, "mac", facts.tunnel_macs[bigip["name"]], f"bigips[{index}].tunnel", changes)

    cluster = data["cluster"]
    mode = integrations.find(cluster.get("cni"))
    nodes = cluster.get("nodes")
    attach = nodes is None  # a new block is attached once filled: an empty one would print as []
    if attach:
        nodes = CommentedSeq()
    live = {node.name: node for node in facts.nodes}
    flow = bool(len(nodes)) and all(getattr(n, "fa", None) and n.fa.flow_style() for n in nodes)
    for index, entry in enumerate(nodes):
        node = live.get(entry.get("name"))
        if node is not None:
            for key, value in _node_fields(node, mode).items():
                _set(entry, key, value, f"cluster.nodes[{index}]", changes)
    if prune:
        for index in reversed(range(len(nodes))):
            if nodes[index].get("name") not in live:
                changes.append(f"cluster.nodes[{index}]: {nodes[index].get('name')} removed (not in the cluster)")
                del nodes[index]
    known = {entry.get("name") for entry in nodes}
    for node in facts.nodes:
        if node.name in known:
            continue
        entry = CommentedMap()
        if flow:
            entry.fa.set_flow_style()
        entry.update({key: _in_style(entry, value) for key, value in _node_fields(node, mode).items()})
        _append(nodes, None, entry)
        changes.append(f"cluster.nodes[{len(nodes) - 1}]: {node.name} added ({node.ip}, {node.pod_cidr or 'no pod CIDR'})")
    if attach and len(nodes):
        _append(cluster, "nodes", nodes)
    return Edit(_dump(yaml, data) if changes else text, changes)


def unified_diff(before: str, after: str, file: str) -> str:
    return "".join(difflib.unified_diff(before.splitlines(True), after.splitlines(True), f"{file}", f"{file} (discovered)"))


def check_edited(text: str, file: str) -> None:
    """The edited topology must still validate: never write a file vtepc itself would reject."""
    from .validate import validate_text

    report = validate_text(text, file)
    if not report.ok:
        first = report.errors[0]
        raise DiscoverError(
            f"{file}: the discovered values would make the topology invalid ({first.location}: {first.code} {first.message}); nothing written"
        )


def write_in_place(path: Path, text: str) -> None:
    """Replace the file atomically (temp file in the same directory, then rename), keeping its mode."""
    path = Path(path)
    mode = path.stat().st_mode & 0o7777
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.chmod(temp, mode)
        os.replace(temp, path)
    except OSError as exc:
        Path(temp).unlink(missing_ok=True)
        raise DiscoverError(f"{path}: cannot be written ({exc.strerror or exc})") from None
