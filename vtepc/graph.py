"""The topology as a picture: one graph model, three pure serializers (Mermaid, DOT, SVG).

The picture follows the seeds' diagrams from top to bottom: the client and its VIPs, the
BIG-IPs (HA pairs grouped) with their underlay and tunnel self IPs, VTEP CIDR, VNI and
tunnel, the BGP peers with native routing, and the cluster's nodes with their pod CIDRs; with
static routing, CIS's route from each BIG-IP to each node's pod CIDR (k8s-<node>-<node IP>).
Long lists are cut (first N, then one "... N more" box) so the picture stays readable.
Every serializer is a pure function of the model; output is stable from run to run.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence, TypeVar
from xml.sax.saxutils import escape, quoteattr

from . import facts
from .addresses import IPAddress
from .integrations import integration, integration_of
from .model import Bigip, ResolvedTopology, Topology
from .state import Datapath, DesiredState
from .state.bigip import (
    BUILTIN_GENEVE,
    BUILTIN_GENEVE_PORT,
    BUILTIN_VXLAN_PORT,
    LOCAL_ONLY,
    BigipState,
    GeneveProfile,
    Route,
    SelfIp,
    Tunnel,
    VxlanProfile,
)
from .state.static_routes import CisRoute

DEFAULT_MAX_NODES = 20

# Rows of the picture, top to bottom.
TIER_CLIENT, TIER_BIGIP, TIER_PEER, TIER_NODE = range(4)


@dataclass(frozen=True)
class Box:
    id: str
    title: str
    lines: tuple[str, ...]
    tier: int


@dataclass(frozen=True)
class Group:
    id: str
    title: str
    members: tuple[str, ...]  # box ids, adjacent in the box order


@dataclass(frozen=True)
class Edge:
    source: str  # a box id
    target: str  # a box or group id
    label: str = ""


@dataclass(frozen=True)
class Graph:
    title: str
    boxes: tuple[Box, ...]
    groups: tuple[Group, ...]
    edges: tuple[Edge, ...]

    def box(self, box_id: str) -> Box:
        return next(b for b in self.boxes if b.id == box_id)

    def group_of(self, box_id: str) -> Group | None:
        return next((g for g in self.groups if box_id in g.members), None)


T = TypeVar("T")


def _capped(items: Sequence[T], limit: int) -> tuple[Sequence[T], int]:
    """The first `limit` items and how many were left out."""
    return items[:limit], max(0, len(items) - limit)


def _more_box(box_id: str, hidden: int, what: str, tier: int) -> Box:
    return Box(box_id, f"... {hidden} more {what}", ("not drawn; see the topology file",), tier)


def _plain(address: str) -> str:
    """An address as drawn: the route domain shows once per BIG-IP, not on every address."""
    address, _, suffix = address.partition("%")
    return address + suffix[suffix.index("/") :] if "/" in suffix else address


def _bigip_lines(datapath: Datapath, state: BigipState, cis_routes: Sequence[CisRoute]) -> tuple[str, ...]:
    """What the build configures on this BIG-IP, read from its compiled state (never re-derived), and
    where CIS keeps the static routes it makes there (routing: static; vtepc writes none of them)."""
    lines = []
    if state.route_domain:
        lines.append(f"route domain {state.route_domain}")
    objects = state.objects()
    profiles = {o.name: o for o in objects if isinstance(o, (VxlanProfile, GeneveProfile))}
    for tunnel in (o for o in objects if isinstance(o, Tunnel)):
        protocol, port = _tunnel_protocol(state, tunnel)
        lines.append(f"tunnel {tunnel.name} {protocol} udp/{port}")
        profile = profiles.get(tunnel.profile)
        flooding = f" flooding {profile.flooding_type}" if isinstance(profile, VxlanProfile) else ""
        lines.append(f"VNI {tunnel.key} profile {tunnel.profile}{flooding}")
        lines.append(f"tunnel local address {_plain(tunnel.local_address)}")
    for self_ip in sorted((o for o in objects if isinstance(o, SelfIp)), key=lambda o: (o.traffic_group != LOCAL_ONLY, o.name)):
        floating = "" if self_ip.traffic_group == LOCAL_ONLY else f" floating ({self_ip.traffic_group})"
        lines.append(f"{self_ip.vlan} self IP {_plain(self_ip.address)}{floating}")
    if state.vtep is not None:
        if integration(datapath.cni).vtep_cidr_announced:
            lines.append(f"VTEP CIDR {state.vtep.cidr}")
        lines.append(f"VtepMAC {state.vtep.mac or 'unknown (vtepc discover)'}")
    for route in (o for o in objects if isinstance(o, Route)):
        lines.append(f"route {_plain(route.network)} via {_plain(route.gw) if route.gw else f'tunnel {route.interface}'}")
    for partition in sorted({route.partition for route in cis_routes}):
        lines.append(f"CIS routes in partition {partition}: pod CIDR via node IP")
    return tuple(lines)


def _tunnel_protocol(state: BigipState, tunnel: Tunnel) -> tuple[str, int]:
    """(vxlan or geneve, UDP port) of a tunnel: its own profile object, else the built-in profile it names."""
    profile = next((o for o in state.objects() if isinstance(o, (VxlanProfile, GeneveProfile)) and o.name == tunnel.profile), None)
    if profile is not None:
        return ("geneve" if isinstance(profile, GeneveProfile) else "vxlan"), profile.port
    return ("geneve", BUILTIN_GENEVE_PORT) if tunnel.profile == BUILTIN_GENEVE else ("vxlan", BUILTIN_VXLAN_PORT)


def _tunnel_label(state: BigipState, tunnel: Tunnel) -> str:
    return f"{_tunnel_protocol(state, tunnel)[0]} VNI {tunnel.key}"


def topology_graph(topology: ResolvedTopology, max_nodes: int = DEFAULT_MAX_NODES) -> Graph:
    """The picture of a validated, defaults-resolved topology; lists longer than max_nodes are cut."""
    from .state import compile_desired_state

    return state_graph(compile_desired_state(topology), topology, max_nodes)


def state_graph(state: DesiredState, topology: Topology, max_nodes: int = DEFAULT_MAX_NODES) -> Graph:
    """The picture of a desired state: every route, tunnel and address drawn on a BIG-IP, the title and
    the cluster's datapath are the build's (`state`); the inputs around them, which configure nothing
    on a BIG-IP (client VIPs, BGP peers, the nodes), are drawn from the topology the state was compiled from."""
    datapath = state.datapath
    native = datapath.routing == "native"
    # routing: static: the routes CIS makes, per BIG-IP (those with no pod CIDR to route are none).
    cis_routes: dict[str, list[CisRoute]] = {}
    for cis_route in state.cluster.of_kind(CisRoute):
        if cis_route.network:
            cis_routes.setdefault(cis_route.bigip, []).append(cis_route)
    boxes: list[Box] = []
    groups: list[Group] = []
    edges: list[Edge] = []

    services, hidden_services = _capped(topology.services, max_nodes)
    vips = [f"VIP {s.virtual_address}:{s.virtual_port} {s.mode} -> {s.namespace}/{s.service}" for s in services]
    if hidden_services:
        vips.append(f"... {hidden_services} more services")
    boxes.append(Box("client", "Client", tuple(vips), TIER_CLIENT))

    # The units of an HA pair (vtepc.facts: the floating underlay address they share) are drawn
    # side by side in one group.
    shown_bigips, hidden_bigips = _capped(topology.bigips, max_nodes)
    pair_of = facts.pair_of(topology)
    index_of = {bigip.name: index for index, bigip in enumerate(topology.bigips)}

    def ha_key(bigip: Bigip) -> IPAddress | None:
        return pair_of.get(index_of[bigip.name])

    ordered: list[tuple[int, Bigip]] = []
    for index, bigip in enumerate(shown_bigips):
        key = ha_key(bigip)
        if key is None:
            ordered.append((index, bigip))
        elif all(ha_key(b) != key for _, b in ordered):
            ordered.extend((i, b) for i, b in enumerate(shown_bigips) if ha_key(b) == key)
    bigip_box_ids: dict[str, str] = {}
    for index, bigip in ordered:
        box_id = f"bigip{index}"
        bigip_box_ids[bigip.name] = box_id
        boxes.append(
            Box(
                box_id, f"BIG-IP {bigip.name}", _bigip_lines(datapath, state.bigips[bigip.name], cis_routes.get(bigip.name, ())), TIER_BIGIP
            )
        )
    ha_keys = list(dict.fromkeys(key for b in shown_bigips if (key := ha_key(b)) is not None))
    for number, key in enumerate(ha_keys):
        pair = [b for b in shown_bigips if ha_key(b) == key]
        ha = pair[0].ha
        assert ha is not None  # a BIG-IP in a pair has `ha`
        title = f"HA pair {ha.traffic_group}, floating {ha.floating_underlay_ip}"
        groups.append(Group(f"ha{number}", title, tuple(bigip_box_ids[b.name] for b in pair)))
    if hidden_bigips:
        boxes.append(_more_box("bigips_more", hidden_bigips, "BIG-IPs", TIER_BIGIP))

    # The client reaches each HA pair as one unit, and each other BIG-IP that serves a VIP.
    client_targets: dict[str, list[str]] = {}
    shown_services = set(map(id, services))
    for bigip in shown_bigips:
        group_id = next((g.id for g in groups if bigip_box_ids[bigip.name] in g.members), None)
        target = group_id or bigip_box_ids[bigip.name]
        labels = client_targets.setdefault(target, [])
        for service in facts.services_for_bigip(topology, bigip.name):
            vip = f"{service.virtual_address}:{service.virtual_port}"
            if id(service) in shown_services and vip not in labels:
                labels.append(vip)
    for target, labels in client_targets.items():
        label = "VIP " + ", ".join(labels[:3]) + (" ..." if len(labels) > 3 else "") if labels else ""
        edges.append(Edge("client", target, label))

    if native and topology.bgp is not None:
        peers, hidden_peers = _capped(topology.bgp.peers, max_nodes)
        for index, peer in enumerate(peers):
            asn = peer.asn or topology.bgp.asn
            session = "iBGP" if asn == topology.bgp.asn else "eBGP"
            boxes.append(Box(f"peer{index}", f"BGP peer {peer.name}", (f"address {peer.address}", f"AS {asn} ({session})"), TIER_PEER))
            edges.append(Edge(f"peer{index}", "cluster", f"BGP, nodes AS {topology.bgp.asn}"))
        if hidden_peers:
            boxes.append(_more_box("peers_more", hidden_peers, "BGP peers", TIER_PEER))
        peer_by_address = {p.address: f"peer{i}" for i, p in enumerate(peers)}
    else:
        peer_by_address = {}

    nodes, hidden_nodes = _capped(topology.cluster.nodes, max_nodes)
    node_box_ids = {node.name: f"node{index}" for index, node in enumerate(nodes)}
    for bigip in shown_bigips:
        source = bigip_box_ids[bigip.name]
        bigip_state = state.bigips[bigip.name]
        objects = bigip_state.objects()
        for tunnel in (o for o in objects if isinstance(o, Tunnel)):
            edges.append(Edge(source, "cluster", _tunnel_label(bigip_state, tunnel)))
        for route in (o for o in objects if isinstance(o, Route) and o.gw is not None):
            gateway = _plain(route.gw or "")
            if gateway in peer_by_address:
                edges.append(Edge(source, peer_by_address[gateway], f"route {_plain(route.network)}"))
            else:
                edges.append(Edge(source, "cluster", f"route via {gateway}"))
        # CIS's static routes: one line to each node drawn, one to the "... more" box for the others.
        routes = cis_routes.get(bigip.name, [])
        for cis_route in routes:
            if cis_route.node in node_box_ids:
                # The route's name k8s-<node>-<node IP> says its gateway; the node box, its network.
                edges.append(Edge(source, node_box_ids[cis_route.node], cis_route.name.split("/", 1)[1]))
        if undrawn := sum(cis_route.node not in node_box_ids for cis_route in routes):
            edges.append(Edge(source, "nodes_more", f"{undrawn} more CIS routes"))
        if not routes and not any(isinstance(o, (Tunnel, Route)) for o in objects):
            edges.append(Edge(source, "cluster", "underlay"))

    node_labels = integration_of(topology).node_labels
    node_ids: list[str] = []
    for index, node in enumerate(nodes):
        lines = [f"node IP {node.ip}"]
        if node.pod_cidr:
            lines.append(f"pod CIDR {node.pod_cidr}")
        lines += node_labels(node)
        node_ids.append(f"node{index}")
        boxes.append(Box(f"node{index}", f"node {node.name}", tuple(lines), TIER_NODE))
    if hidden_nodes:
        node_ids.append("nodes_more")
        boxes.append(_more_box("nodes_more", hidden_nodes, "nodes", TIER_NODE))
    if not nodes:
        node_ids.append("nodes_none")
        boxes.append(Box("nodes_none", "nodes not listed", ("vtepc discover fills cluster.nodes",), TIER_NODE))
    cluster_title = f"cluster {state.cluster.name}: {datapath.cni}, {datapath.routing} routing, pod CIDR {datapath.pod_cidr}"
    groups.append(Group("cluster", cluster_title, tuple(node_ids)))

    title = f"{state.meta.topology_name}: {datapath.cni} {datapath.routing} routing"
    if datapath.encapsulation is not None:
        title += f" over {datapath.encapsulation.protocol} udp/{datapath.encapsulation.port}"
    return Graph(title, tuple(boxes), tuple(groups), tuple(edges))


# --- Mermaid ---------------------------------------------------------------------------

_MERMAID_SAFE = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,:/_-")


def _mermaid_text(text: str) -> str:
    """Mermaid entity codes (#NNN;) for every character that could end or change a label."""
    return "".join(c if c in _MERMAID_SAFE else f"#{ord(c)};" for c in text)


def _mermaid_box(box: Box) -> str:
    label = "<br/>".join(_mermaid_text(line) for line in (box.title, *box.lines))
    return f'{box.id}["{label}"]'


def to_mermaid(graph: Graph) -> str:
    """A Mermaid flowchart (GitHub renders ```mermaid blocks in comments and Markdown)."""
    out = [f"%% {_mermaid_text(graph.title)}", "flowchart TB"]
    emitted: set[str] = set()
    for box in graph.boxes:
        if box.id in emitted:
            continue
        group = graph.group_of(box.id)
        if group is None:
            out.append(f"  {_mermaid_box(box)}")
            emitted.add(box.id)
            continue
        out.append(f'  subgraph {group.id}["{_mermaid_text(group.title)}"]')
        for member in group.members:
            out.append(f"    {_mermaid_box(graph.box(member))}")
            emitted.add(member)
        out.append("  end")
    for edge in graph.edges:
        link = f'---|"{_mermaid_text(edge.label)}"|' if edge.label else "---"
        out.append(f"  {edge.source} {link} {edge.target}")
    return "\n".join(out) + "\n"


# --- Graphviz DOT ----------------------------------------------------------------------


def _dot_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def to_dot(graph: Graph) -> str:
    """A Graphviz graph (`dot -Tpng`); groups are clusters, links are undirected like the seeds' lines."""
    out = [
        "graph vtepc {",
        f"  graph [rankdir=TB, compound=true, fontname=monospace, labelloc=t, label={_dot_string(graph.title)}];",
        "  node [shape=box, fontname=monospace, fontsize=10];",
        "  edge [fontname=monospace, fontsize=9];",
    ]
    emitted: set[str] = set()
    for box in graph.boxes:
        if box.id in emitted:
            continue
        group = graph.group_of(box.id)
        members = group.members if group else (box.id,)
        indent = "    " if group else "  "
        if group:
            out.append(f"  subgraph cluster_{group.id} {{")
            out.append(f"    label={_dot_string(group.title)};")
        for member in members:
            member_box = graph.box(member)
            out.append(f"{indent}{member} [label={_dot_string(chr(10).join((member_box.title, *member_box.lines)))}];")
            emitted.add(member)
        if group:
            out.append("  }")
    groups = {g.id: g for g in graph.groups}
    for edge in graph.edges:
        attributes = []
        target = edge.target
        if target in groups:
            attributes.append(f"lhead=cluster_{target}")
            target = groups[target].members[0]
        if edge.label:
            attributes.append(f"label={_dot_string(edge.label)}")
        suffix = f" [{', '.join(attributes)}]" if attributes else ""
        out.append(f"  {edge.source} -- {target}{suffix};")
    out.append("}")
    return "\n".join(out) + "\n"


# --- SVG -------------------------------------------------------------------------------

FONT_SIZE = 12
CHAR_WIDTH = 7.3  # DejaVu Sans Mono / Liberation Mono at 12px, rounded up
LINE_HEIGHT = 16
PAD = 8  # inside a box
GAP = 24  # between boxes in a row
GROUP_PAD = 12
TIER_GAP = 70  # vertical room for links and their labels
MARGIN = 24
MAX_ROW_WIDTH = 1200


@dataclass(frozen=True)
class _Rect:
    x: float
    y: float
    w: float
    h: float

    @property
    def center_x(self) -> float:
        return self.x + self.w / 2

    @property
    def bottom(self) -> float:
        return self.y + self.h


def _text_width(text: str) -> float:
    return len(text) * CHAR_WIDTH


def _box_size(boxes: Sequence[Box]) -> tuple[float, float]:
    """One size for every box of a tier, so rows line up like the seeds' diagrams."""
    width = max(_text_width(line) for box in boxes for line in (box.title, *box.lines)) + 2 * PAD
    height = max(1 + len(box.lines) for box in boxes) * LINE_HEIGHT + 2 * PAD
    return width, height


@dataclass(frozen=True)
class _Unit:
    """A box alone, or a group's members laid out in a grid inside the group frame."""

    group: Group | None
    members: tuple[Box, ...]
    columns: int

    def size(self, box_w: float, box_h: float) -> tuple[float, float]:
        rows = math.ceil(len(self.members) / self.columns)
        w = self.columns * box_w + (self.columns - 1) * GAP
        h = rows * box_h + (rows - 1) * GAP
        if self.group is None:
            return w, h
        return max(w, _text_width(self.group.title)) + 2 * GROUP_PAD, h + 2 * GROUP_PAD + LINE_HEIGHT


def _tier_units(graph: Graph, boxes: Sequence[Box], box_w: float) -> list[_Unit]:
    # A group wraps its members into as many columns as fit in a row.
    max_columns = max(1, int((MAX_ROW_WIDTH - 2 * GROUP_PAD + GAP) // (box_w + GAP)))
    units: list[_Unit] = []
    seen: set[str] = set()
    for box in boxes:
        if box.id in seen:
            continue
        group = graph.group_of(box.id)
        if group is None:
            units.append(_Unit(None, (box,), 1))
            seen.add(box.id)
            continue
        members = tuple(graph.box(m) for m in group.members)
        seen.update(group.members)
        units.append(_Unit(group, members, min(len(members), max_columns)))
    return units


def _layout(graph: Graph) -> tuple[dict[str, _Rect], dict[str, _Rect], float, float]:
    """Rectangles of every box and group, and the canvas size: tiers top to bottom, rows centred."""
    tiers = sorted({b.tier for b in graph.boxes})
    # Each tier: rows of units, packed left to right up to MAX_ROW_WIDTH.
    planned: list[tuple[float, float, list[list[tuple[_Unit, float, float]]]]] = []
    for tier in tiers:
        tier_boxes = [b for b in graph.boxes if b.tier == tier]
        box_w, box_h = _box_size(tier_boxes)
        rows: list[list[tuple[_Unit, float, float]]] = [[]]
        row_width = 0.0
        for unit in _tier_units(graph, tier_boxes, box_w):
            w, h = unit.size(box_w, box_h)
            if rows[-1] and row_width + GAP + w > MAX_ROW_WIDTH:
                rows.append([])
                row_width = 0.0
            row_width += (GAP if rows[-1] else 0) + w
            rows[-1].append((unit, w, h))
        planned.append((box_w, box_h, rows))
    content_width = max(sum(w for _, w, _ in row) + GAP * (len(row) - 1) for _, _, rows in planned for row in rows)
    canvas_w = max(content_width, _text_width(graph.title)) + 2 * MARGIN
    box_rects: dict[str, _Rect] = {}
    group_rects: dict[str, _Rect] = {}
    y: float = MARGIN + LINE_HEIGHT * 2
    for box_w, box_h, rows in planned:
        for row in rows:
            row_w = sum(w for _, w, _ in row) + GAP * (len(row) - 1)
            x = (canvas_w - row_w) / 2
            for unit, w, h in row:
                inner_x, inner_y = x, y
                if unit.group is not None:
                    group_rects[unit.group.id] = _Rect(x, y, w, h)
                    inner_w = unit.columns * box_w + (unit.columns - 1) * GAP
                    inner_x = x + (w - inner_w) / 2
                    inner_y = y + GROUP_PAD + LINE_HEIGHT
                for index, box in enumerate(unit.members):
                    column, line = index % unit.columns, index // unit.columns
                    box_rects[box.id] = _Rect(inner_x + column * (box_w + GAP), inner_y + line * (box_h + GAP), box_w, box_h)
                x += w + GAP
            y += max(h for _, _, h in row) + GAP
        y += TIER_GAP - GAP
    canvas_h = y - TIER_GAP + MARGIN
    return box_rects, group_rects, canvas_w, canvas_h


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _svg_text(x: float, y: float, text: str, **attributes: str) -> str:
    extra = "".join(f" {name.replace('_', '-')}={quoteattr(value)}" for name, value in sorted(attributes.items()))
    return f'<text x="{_num(x)}" y="{_num(y)}"{extra}>{escape(text)}</text>'


def to_svg(graph: Graph) -> str:
    """A standalone SVG drawn by vtepc itself: no layout engine, same bytes on every machine."""
    boxes, groups, width, height = _layout(graph)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_num(width)}" height="{_num(height)}" '
        f'viewBox="0 0 {_num(width)} {_num(height)}" font-family="DejaVu Sans Mono, Liberation Mono, monospace" '
        f'font-size="{FONT_SIZE}">',
        f"<title>{escape(graph.title)}</title>",
        f'<rect x="0" y="0" width="{_num(width)}" height="{_num(height)}" fill="#ffffff"/>',
        _svg_text(MARGIN, MARGIN + LINE_HEIGHT, graph.title, font_weight="bold", font_size=str(FONT_SIZE + 2)),
    ]
    for group in graph.groups:
        rect = groups[group.id]
        out.append(
            f'<rect class="group" x="{_num(rect.x)}" y="{_num(rect.y)}" width="{_num(rect.w)}" height="{_num(rect.h)}" '
            f'rx="6" fill="#f3f6fa" stroke="#5b7083" stroke-dasharray="6 4"/>'
        )
        out.append(_svg_text(rect.x + GROUP_PAD, rect.y + GROUP_PAD + FONT_SIZE, group.title, font_style="italic", fill="#34495e"))
    labels = []
    # Labelled links fanning out of one box to boxes (CIS's route to each node) put their labels at
    # staggered heights, so that they do not stack; any other label sits at 0.35 of its link.
    fans: dict[str, list[Edge]] = {}
    for edge in graph.edges:
        if edge.label and edge.target in boxes:
            fans.setdefault(edge.source, []).append(edge)
    for edge in graph.edges:
        fan = fans.get(edge.source, [])
        at = 0.15 + 0.45 * fan.index(edge) / (len(fan) - 1) if edge in fan and len(fan) > 1 else 0.35
        source = boxes[edge.source]
        x1, y1 = source.center_x, source.bottom
        target = groups.get(edge.target)
        if target is not None:
            x2 = min(max(x1, target.x + 2 * GROUP_PAD), target.x + target.w - 2 * GROUP_PAD)
        else:
            target = boxes[edge.target]
            x2 = target.center_x
        y2 = target.y
        out.append(f'<line x1="{_num(x1)}" y1="{_num(y1)}" x2="{_num(x2)}" y2="{_num(y2)}" stroke="#2c3e50" stroke-width="1.5"/>')
        if edge.label:
            lx, ly = x1 + (x2 - x1) * at, y1 + (y2 - y1) * at
            w = _text_width(edge.label) + 6
            labels.append(
                f'<rect x="{_num(lx - w / 2)}" y="{_num(ly - LINE_HEIGHT / 2 - 1)}" width="{_num(w)}" height="{LINE_HEIGHT}" fill="#ffffff" opacity="0.9"/>'
            )
            labels.append(_svg_text(lx, ly + FONT_SIZE / 2 - 2, edge.label, text_anchor="middle", fill="#1f618d"))
    for box in graph.boxes:
        rect = boxes[box.id]
        out.append(
            f'<rect class="box" x="{_num(rect.x)}" y="{_num(rect.y)}" width="{_num(rect.w)}" height="{_num(rect.h)}" '
            f'rx="4" fill="#ffffff" stroke="#2c3e50" stroke-width="1.5"/>'
        )
        baseline = rect.y + PAD + FONT_SIZE
        out.append(_svg_text(rect.x + PAD, baseline, box.title, font_weight="bold"))
        for number, line in enumerate(box.lines, start=1):
            out.append(_svg_text(rect.x + PAD, baseline + number * LINE_HEIGHT, line))
    out.extend(labels)
    out.append("</svg>")
    return "\n".join(out) + "\n"


SERIALIZERS = {"mermaid": to_mermaid, "dot": to_dot, "svg": to_svg}


def render_graph(topology: ResolvedTopology, format: str, max_nodes: int = DEFAULT_MAX_NODES) -> str:
    return SERIALIZERS[format](topology_graph(topology, max_nodes))
