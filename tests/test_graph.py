"""vtepc graph: one model, three serializers; the SVG parses, the Mermaid passes a syntax check."""

from __future__ import annotations

import re
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from tests.conftest import EXAMPLE_FILES, EXAMPLES, GOLDEN, require_tool
from vtepc.graph import (
    DEFAULT_MAX_NODES,
    MARGIN,
    MAX_ROW_WIDTH,
    Box,
    Edge,
    Graph,
    Group,
    state_graph,
    to_dot,
    to_mermaid,
    to_svg,
    topology_graph,
)
from vtepc.state import compile_desired_state
from vtepc.state.bigip import LOCAL_ONLY, Route, SelfIp, Tunnel
from vtepc.validate import load_topology, validate_text

SVG_NS = "{http://www.w3.org/2000/svg}"
HA = EXAMPLES / "cilium-vxlan-ha.yaml"


def svg_texts(svg: str) -> list[str]:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG_NS}svg"
    return [t.text or "" for t in root.iter(f"{SVG_NS}text")]


# --- a structural Mermaid flowchart checker (the subset vtepc emits) ----------------------

MERMAID_RESERVED = {"end", "graph", "subgraph", "flowchart", "style", "class", "classDef", "click", "linkStyle", "default", "direction"}
_ID = r"[A-Za-z][A-Za-z0-9_]*"
_LABEL = r'"([^"]*)"'
_NODE = re.compile(rf"^\s*({_ID})\[{_LABEL}\]$")
_SUBGRAPH = re.compile(rf"^\s*subgraph ({_ID})\[{_LABEL}\]$")
_LINK = re.compile(rf"^\s*({_ID}) ---(?:\|{_LABEL}\|)? ({_ID})$")
_SAFE_LABEL = re.compile(r"^(?:[A-Za-z0-9 .,:/_-]|#\d+;|<br/>)*$")


def check_mermaid(text: str) -> None:
    """Raise AssertionError unless text is a well-formed flowchart in vtepc's subset of Mermaid."""
    lines = [line for line in text.splitlines() if not line.startswith("%%")]
    assert lines[0] == "flowchart TB", lines[0]
    defined: set[str] = set()  # node ids
    subgraphs: set[str] = set()
    depth = 0
    for line in lines[1:]:
        if line.strip() == "end":
            depth -= 1
            assert depth >= 0, "end without subgraph"
            continue
        if match := _SUBGRAPH.match(line):
            ident, label = match.groups()
            depth += 1
        elif match := _NODE.match(line):
            ident, label = match.groups()
        elif match := _LINK.match(line):
            source, label, target = match.groups()
            assert source in defined, f"link from undefined {source}"
            assert target in defined | subgraphs, f"link to undefined {target}"
            ident = None
        else:
            raise AssertionError(f"not a flowchart statement: {line!r}")
        if ident is not None:
            assert ident not in MERMAID_RESERVED, f"reserved word as id: {ident}"
            assert ident not in defined | subgraphs, f"{ident} defined twice"
            (subgraphs if line.lstrip().startswith("subgraph ") else defined).add(ident)
        assert label is None or _SAFE_LABEL.match(label), f"unescaped label: {label!r}"
    assert depth == 0, "unclosed subgraph"


def test_mermaid_checker_rejects_broken_input():
    for broken in (
        'flowchart TB\n  a["x"]\n  subgraph g["y"]\n',  # unclosed
        'flowchart TB\n  a["say "hi""]\n',  # raw quote
        'flowchart TB\n  a["x"]\n  a --- b\n',  # undefined target
        'flowchart TB\n  end["x"]\n',  # reserved id
    ):
        with pytest.raises(AssertionError):
            check_mermaid(broken)


@pytest.mark.parametrize("example", EXAMPLE_FILES, ids=lambda p: p.stem)
def test_every_example_renders_in_every_format(example):
    graph = topology_graph(load_topology(example))
    check_mermaid(to_mermaid(graph))
    texts = svg_texts(to_svg(graph))
    assert texts[0] == graph.title
    assert to_dot(graph).count("{") == to_dot(graph).count("}")


def test_ha_example_shows_what_the_seed_diagram_shows():
    graph = topology_graph(load_topology(HA))
    texts = set(svg_texts(to_svg(graph)))
    for label in (
        "BIG-IP bigip-1",
        "BIG-IP bigip-2",
        "external self IP 10.169.72.34/24",
        "tunnel flannel_vxlan vxlan udp/8472",
        "VNI 2 profile flannel_vxlan_vxlan flooding multipoint",
        "flannel_vxlan self IP 10.1.6.34/24",
        "external self IP 10.169.72.40/24 floating (traffic-group-1)",
        "route 10.0.0.0/16 via tunnel flannel_vxlan",
        "VTEP CIDR 10.1.6.0/24",
        "VtepMAC 00:50:56:a0:7d:d8",
        "HA pair traffic-group-1, floating 10.169.72.40/24",
        "node IP 10.169.72.239",
        "pod CIDR 10.0.1.0/24",
        "vxlan VNI 2",
    ):
        assert label in texts, label
    ha = next(g for g in graph.groups if g.id.startswith("ha"))
    assert ha.members == ("bigip0", "bigip1")
    assert Edge("client", ha.id) in graph.edges, "the client reaches the pair, not one unit"


def _rects(svg: str, cls: str) -> list[tuple[float, float, float, float]]:
    root = ET.fromstring(svg)
    return [tuple(float(r.get(k)) for k in ("x", "y", "width", "height")) for r in root.iter(f"{SVG_NS}rect") if r.get("class") == cls]


@pytest.mark.parametrize("example", EXAMPLE_FILES, ids=lambda p: p.stem)
def test_svg_boxes_do_not_overlap_and_stay_on_the_canvas(example):
    svg = to_svg(topology_graph(load_topology(example)))
    root = ET.fromstring(svg)
    width, height = float(root.get("width")), float(root.get("height"))
    boxes = _rects(svg, "box")
    for x, y, w, h in boxes + _rects(svg, "group"):
        assert 0 <= x and x + w <= width and 0 <= y and y + h <= height
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            apart = a[0] + a[2] <= b[0] or b[0] + b[2] <= a[0] or a[1] + a[3] <= b[1] or b[1] + b[3] <= a[1]
            assert apart, (a, b)


def test_native_routing_draws_bgp_peers_and_the_route_to_the_gateway():
    graph = topology_graph(load_topology(EXAMPLES / "cilium-native-bgp.yaml"))
    peers = {b.id: b for b in graph.boxes if b.id.startswith("peer")}
    assert [b.title for b in peers.values()] == ["BGP peer uplink0", "BGP peer uplink1"]
    uplink1 = next(i for i, b in peers.items() if "address 10.1.0.254" in b.lines)
    assert Edge("bigip0", uplink1, "route 10.16.0.0/16") in graph.edges
    assert all(Edge(p, "cluster", "BGP, nodes AS 64512") in graph.edges for p in peers)
    assert graph.box("client").lines == ("VIP 10.1.10.100:80 http -> default/demoservice",)


def _many_nodes_topology(count: int):
    nodes = "\n".join(f"    - {{name: n{i}, ip: 10.1.{i // 250}.{i % 250 + 1}, podCIDR: 10.16.{i}.0/24}}" for i in range(count))
    text = (EXAMPLES / "cilium-native-bgp.yaml").read_text()
    start = text.index("  nodes:\n") + len("  nodes:\n")
    end = text.index("\nbigips:")
    report = validate_text(text[:start] + nodes + "\n" + text[end:])
    assert report.topology is not None, [d.format_text() for d in report.errors]
    return report.topology


def test_large_topologies_are_cut_to_a_readable_picture():
    graph = topology_graph(_many_nodes_topology(200), max_nodes=20)
    nodes = [b for b in graph.boxes if b.tier == 3]
    assert len(nodes) == 21
    assert nodes[-1].title == "... 180 more nodes"
    svg = to_svg(graph)
    assert float(ET.fromstring(svg).get("width")) <= MAX_ROW_WIDTH + 2 * MARGIN
    check_mermaid(to_mermaid(graph))


HOSTILE = 'a <b> & "c" | d; #e [f] {g} `h` \u00e9'


def test_every_serializer_escapes_text():
    graph = Graph(
        HOSTILE,
        (Box("x", HOSTILE, (HOSTILE,), 0), Box("y", "y", (), 1)),
        (Group("g", HOSTILE, ("y",)),),
        (Edge("x", "g", HOSTILE),),
    )
    assert svg_texts(to_svg(graph)).count(HOSTILE) == 5  # title, box title and line, group title, link label
    assert ET.fromstring(to_svg(graph)).find(f"{SVG_NS}title").text == HOSTILE
    mermaid = to_mermaid(graph)
    check_mermaid(mermaid)
    assert "#60;b#62; #38; #34;c#34; #124; d#59; #35;e" in mermaid
    dot = to_dot(graph)
    assert '\\"c\\"' in dot and HOSTILE not in dot


@pytest.mark.slow
def test_dot_output_is_accepted_by_graphviz():
    dot = require_tool("dot")
    for example in EXAMPLE_FILES:
        source = to_dot(topology_graph(load_topology(example)))
        done = subprocess.run([dot, "-Tsvg"], input=source, capture_output=True, text=True)
        assert done.returncode == 0 and not done.stderr, (example.name, done.stderr)


@pytest.mark.slow
def test_svg_is_rendered_by_librsvg():
    rsvg = require_tool("rsvg-convert")
    done = subprocess.run([rsvg, "-f", "png"], input=to_svg(topology_graph(load_topology(HA))).encode(), capture_output=True)
    assert done.returncode == 0 and done.stdout.startswith(b"\x89PNG"), done.stderr


def _vtepc(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "vtepc", *args], capture_output=True, text=True)


@pytest.mark.slow
def test_cli_prints_each_format_and_is_stable():
    first = _vtepc("graph", str(HA), "--format", "svg")
    assert first.returncode == 0 and first.stderr == ""
    assert first.stdout == _vtepc("graph", str(HA), "--format", "svg").stdout
    assert first.stdout == to_svg(topology_graph(load_topology(HA)))
    assert _vtepc("graph", str(HA)).stdout.splitlines()[1] == "flowchart TB"
    assert _vtepc("graph", str(HA), "-f", "dot").stdout.startswith("graph vtepc {")


@pytest.mark.slow
def test_cli_rejects_an_invalid_topology(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(HA.read_text().replace("10.169.72.239", "10.169.72.999"))
    done = _vtepc("graph", str(bad))
    assert done.returncode == 1 and done.stdout == ""
    assert "10.169.72.999" in done.stderr


_ADDRESS_LINE = re.compile(r"^(?P<vlan>\S+) self IP (?P<address>\S+)(?: floating \((?P<group>[^)]+)\))?$")
_ROUTE_LINE = re.compile(r"^route (?P<network>\S+) via (?:tunnel (?P<interface>\S+)|(?P<gw>\S+))$")
_TUNNEL_LINE = re.compile(r"^VNI (?P<key>\d+) profile (?P<profile>\S+)")
_ENCAPSULATION_LINE = re.compile(r"^tunnel \S+ (?P<protocol>vxlan|geneve) udp/(?P<port>\d+)$")


def _without_rd(address: str | None) -> str | None:
    return None if address is None else re.sub(r"%\d+", "", address)


@pytest.mark.parametrize("example", EXAMPLE_FILES, ids=lambda p: p.stem)
def test_routes_tunnels_and_addresses_drawn_are_those_of_the_state(example):
    """The picture and the build can never disagree: each BIG-IP box lists exactly its compiled objects."""
    topology = load_topology(example)
    state = compile_desired_state(topology)
    graph = state_graph(state, topology)
    boxes = {b.title.removeprefix("BIG-IP "): b for b in graph.boxes if b.tier == 1 and b.title.startswith("BIG-IP ")}
    assert set(boxes) == set(state.bigips)
    for name, bigip in state.bigips.items():
        lines = boxes[name].lines
        drawn_addresses = {(m["vlan"], m["address"], m["group"] or LOCAL_ONLY) for m in map(_ADDRESS_LINE.match, lines) if m}
        drawn_routes = {(m["network"], m["gw"], m["interface"]) for m in map(_ROUTE_LINE.match, lines) if m}
        drawn_tunnels = {(int(m["key"]), m["profile"]) for m in map(_TUNNEL_LINE.match, lines) if m}
        objects = bigip.objects()
        assert drawn_addresses == {(o.vlan, _without_rd(o.address), o.traffic_group) for o in objects if isinstance(o, SelfIp)}
        assert drawn_routes == {(_without_rd(o.network), _without_rd(o.gw), o.interface) for o in objects if isinstance(o, Route)}
        assert drawn_tunnels == {(o.key, o.profile) for o in objects if isinstance(o, Tunnel)}
        tunnel_edges = {e.label for e in graph.edges if e.source == boxes[name].id and "VNI" in e.label}
        assert {label.split(" VNI ")[1] for label in tunnel_edges} == {str(o.key) for o in objects if isinstance(o, Tunnel)}
    # The encapsulation in the title (the state's Datapath) is the one the BIG-IP tunnels are built with.
    encapsulation = state.datapath.encapsulation
    drawn = {(m["protocol"], int(m["port"])) for box in boxes.values() for m in map(_ENCAPSULATION_LINE.match, box.lines) if m}
    if encapsulation is None:
        assert drawn == set() and " over " not in graph.title
    else:
        assert drawn == {(encapsulation.protocol, encapsulation.port)}
        assert graph.title.endswith(f" over {encapsulation.protocol} udp/{encapsulation.port}")
    # The nodes drawn, with their addresses, are the nodes the state expects.
    drawn_nodes = []
    for box in (b for b in graph.boxes if b.id.startswith("node") and b.id[4:].isdigit()):
        pod_cidr = next((line.removeprefix("pod CIDR ") for line in box.lines if line.startswith("pod CIDR ")), None)
        drawn_nodes.append((box.title.removeprefix("node "), box.lines[0].removeprefix("node IP "), pod_cidr))
    assert drawn_nodes == [(n.name, n.ip, n.pod_cidr) for n in state.cluster.nodes][:DEFAULT_MAX_NODES]


def test_tunnel_routing_with_an_underlay_gateway_draws_the_route_through_the_tunnel():
    """Bug fix: the graph drew `route <podCIDR> via <gateway>` while the build routes through the tunnel."""
    text = (EXAMPLES / "cilium-vxlan.yaml").read_text()
    marker = "      selfIP: 10.169.72.34/24\n"
    assert marker in text
    report = validate_text(text.replace(marker, marker + "      gateway: 10.169.72.1\n", 1))
    assert report.topology is not None, [d.format_text() for d in report.errors]
    lines = topology_graph(report.topology).box("bigip0").lines
    assert "route 10.0.0.0/16 via tunnel flannel_vxlan" in lines
    assert not any("via 10.169.72.1" in line for line in lines)


STATIC_EXAMPLES = [p for p in EXAMPLE_FILES if "\n  routing: static" in p.read_text()]


@pytest.mark.parametrize("example", [*STATIC_EXAMPLES, EXAMPLES / "fleet-static" / "flannel.yaml"], ids=lambda p: p.stem)
def test_static_routing_draws_each_cis_route_from_each_bigip_to_its_node(example):
    """routing: static: the BIG-IP reaches each node's pod CIDR by CIS's route k8s-<node>-<node IP> via the
    node IP, drawn as a line from every BIG-IP to that node (neither a tunnel nor one "underlay" line)."""
    topology = load_topology(example)
    graph = topology_graph(topology)
    node_ids = {b.title.removeprefix("node "): b.id for b in graph.boxes if b.tier == 3}
    bigip_ids = {b.title.removeprefix("BIG-IP "): b.id for b in graph.boxes if b.tier == 1}
    wanted = {
        Edge(bigip_ids[bigip.name], node_ids[node.name], f"k8s-{node.name}-{node.ip}")
        for bigip in topology.bigips
        for node in topology.cluster.nodes
    }
    drawn = {e for e in graph.edges if e.source.startswith("bigip") and e.target != "cluster" and not e.target.startswith("ha")}
    assert drawn == wanted and len(wanted) == len(topology.bigips) * len(topology.cluster.nodes) > 0
    assert not any(e.source.startswith("bigip") and e.target == "cluster" for e in graph.edges), "no tunnel or underlay line"
    assert topology.cis is not None
    for box_id in bigip_ids.values():
        assert f"CIS routes in partition {topology.cis.partition}: pod CIDR via node IP" in graph.box(box_id).lines
    check_mermaid(to_mermaid(graph))
    # In the SVG, the labels of one BIG-IP's routes sit at different heights instead of stacking.
    root = ET.fromstring(to_svg(graph))
    heights = [float(t.get("y")) for t in root.iter(f"{SVG_NS}text") if (t.text or "").startswith("k8s-")]
    assert len(heights) == len(wanted) and len(set(heights)) == len(topology.cluster.nodes)


def test_static_routing_cut_to_max_nodes_draws_the_other_routes_as_one_line():
    text = (EXAMPLES / "cilium-static.yaml").read_text()
    report = validate_text(text)
    assert report.topology is not None
    graph = topology_graph(report.topology, max_nodes=2)
    assert [e.label for e in graph.edges if e.target == "nodes_more"] == ["1 more CIS routes"]
    assert {e.target for e in graph.edges if e.source == "bigip0"} == {"node0", "node1", "nodes_more"}
    check_mermaid(to_mermaid(graph))
    svg_texts(to_svg(graph))


@pytest.mark.parametrize("example", STATIC_EXAMPLES, ids=lambda p: p.stem)
def test_static_routing_graphs_match_goldens(example, update_goldens):
    """The pictures of the static routing examples, byte for byte (tests/golden/graph/<example>.mmd)."""
    golden = GOLDEN / "graph" / f"{example.stem}.mmd"
    text = to_mermaid(topology_graph(load_topology(example)))
    if update_goldens:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(text, encoding="utf-8")
        return
    assert text == golden.read_text(encoding="utf-8"), f"graph of {example.stem} differs from {golden} (--update-goldens, review)"
