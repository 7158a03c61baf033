"""Formatters: text lines, markdown under GitHub's comment limit, versioned JSON."""

from __future__ import annotations

import json
import re

from vtepc.diff import diff_states, format_json, format_json_error, format_markdown, format_text
from vtepc.diff.formats import GITHUB_COMMENT_LIMIT

from .test_diff_engine import CILIUM, Document, Node, Record, side


def _result(records=3, **kwargs):
    desired = side(
        [Record(f"t/{i:05d}", f"10.0.{i // 256}.{i % 256}%0", origin=f"cluster.nodes[{i}]") for i in range(records)],
        [Document("kube-system/cilium-config", {**CILIUM, "vtep-mac": "00:50:56:86:6b:28"}, origin="bigips[0].tunnel.mac")],
    )
    observed = side([Record("t/stale", "10.9.9.9%0")], [Document("kube-system/cilium-config", CILIUM), Node("node-x", "10.1.1.1")])
    return diff_states(desired, observed, **kwargs)


def test_text_one_line_per_change_then_follow_ups():
    text = format_text(_result())
    lines = text.splitlines()
    assert lines[0] == 'bigip/bigip-1: net/fdb/record t/00000: (absent) -> {"endpoint": "10.0.0.0%0"}  (from cluster.nodes[0])'
    assert 'bigip/bigip-1: net/fdb/record t/stale: {"endpoint": "10.9.9.9%0"} -> (absent)  (drift: not in the topology)' in lines
    assert (
        'cluster/prod: cilium/config kube-system/cilium-config: data.vtep-mac: "00:50:56:a0:7d:d8" -> "00:50:56:86:6b:28"'
        "  (from bigips[0].tunnel.mac)"
    ) in lines
    assert "6 changes (6 objects compared on 2 targets)" in lines
    assert lines[lines.index("follow-up:") + 2].startswith("  2. bigip/bigip-1: save the running configuration: tmsh save sys config")
    assert "\033[" not in text


def test_text_colour_only_when_asked():
    coloured = format_text(_result(), color=True)
    assert "\033[32mbigip/bigip-1: net/fdb/record t/00000" in coloured
    # t/stale is drift (live only): its own colour, never the red of a deletion the topology asks for.
    assert "\033[35mbigip/bigip-1: net/fdb/record t/stale" in coloured
    assert "\033[31m" not in coloured.split("t/stale")[0].rsplit("\n", 1)[-1]


def test_drift_is_marked_apart_in_markdown_and_no_parentheses_nest():
    result = _result()
    rows = [line for line in format_markdown(result).splitlines() if "t/stale" in line or "t/00000" in line]
    assert rows[0].startswith("| + |") and rows[1].startswith("| ! |") and "| drift |" in rows[1]
    for line in format_text(result).splitlines():
        assert not re.search(r"\([^()]*\(", line), line


def test_field_names_are_the_topologys_camel_case():
    from vtepc.diff.engine import field_label

    assert [field_label(n) for n in ("pod_cidr", "router_id", "local_asn", "vtep_mac", "public_ip", "ip", "data")] == [
        "podCIDR",
        "routerID",
        "localASN",
        "vtepMAC",
        "publicIP",
        "ip",
        "data",
    ]
    from vtepc.state.cluster import ExpectedNode

    desired = side([], [ExpectedNode("node-x", "10.1.1.1", "10.0.9.0/24", origin="cluster.nodes[0]")])
    observed = side([], [ExpectedNode("node-x", "10.1.1.1", "10.0.1.0/24")])
    (change,) = diff_states(desired, observed).changes
    assert change.field == "podCIDR"
    assert 'cluster/node node-x: podCIDR: "10.0.1.0/24" -> "10.0.9.0/24"' in format_text(diff_states(desired, observed))


def test_text_no_changes():
    result = diff_states(side(), side())
    assert format_text(result) == "no changes (0 objects compared on 2 targets)\n"


def _assert_balanced(markdown: str) -> None:
    assert markdown.count("<details>") == markdown.count("</details>")
    assert markdown.count("<summary>") == markdown.count("</summary>")
    for line in markdown.splitlines():
        if line.startswith("| "):
            # every row is whole: starts and ends with a cell border, code spans closed
            assert line.endswith(" |"), line
            assert len(re.sub(r"\\\|", "", line).split("|")) in (6, 8), line


def test_markdown_sections_and_summary_table():
    markdown = format_markdown(_result())
    assert markdown.startswith("### vtepc diff: 6 changes")
    assert "| `bigip/bigip-1` | 3 | 1 | 0 |" in markdown
    assert "<details><summary><code>cluster/prod</code>: 1 removed, 1 changed</summary>" in markdown
    assert '| ~ | `cilium/config kube-system/cilium-config` | `data.vtep-mac` | `"00:50:56:a0:7d:d8"` |' in markdown
    assert "1. `bigip/bigip-1`: apply the BIG-IP changes in order" in markdown
    _assert_balanced(markdown)


def test_markdown_stays_under_github_limit_and_cuts_whole_rows():
    result = _result(records=5000)
    markdown = format_markdown(result)
    assert len(markdown) <= GITHUB_COMMENT_LIMIT
    _assert_balanced(markdown)
    note = re.search(r"_(\d+) more changes in this target not shown", markdown)
    shown = markdown.count("| + | `net/fdb/record")
    assert note and shown + int(note.group(1)) == 5001  # 5000 added, 1 stale (sorted last)
    assert shown > 400  # the BIG-IP section got what the small cluster section left
    # The cluster section still gets its share after the big BIG-IP section.
    assert "<code>cluster/prod</code>" in markdown and "`data.vtep-mac`" in markdown
    assert markdown.rstrip().endswith("so no BIG-IP has an FDB record or route for them)")  # the follow-ups are never cut


def test_markdown_escapes_pipes_and_backticks():
    desired = side([], [Document("cm", {"k": "a|b`c"})])
    markdown = format_markdown(diff_states(desired, side()))
    assert '``{"data": {"k": "a\\|b`c"}, "metadata": {}}``' in markdown
    _assert_balanced(markdown)


def test_json_document():
    doc = json.loads(format_json(_result(ignore=[])))
    assert doc["format_version"] == 1 and doc["complete"] is True and doc["has_changes"] is True
    assert doc["targets"][0] == {"target": "bigip/bigip-1", "objects_compared": 4, "added": 3, "removed": 1, "changed": 0}
    added = doc["changes"][0]
    assert "before" not in added and added["after"] == {"endpoint": "10.0.0.0%0"} and added["drift"] is False
    stale = next(c for c in doc["changes"] if c["name"] == "t/stale")
    assert stale["drift"] is True and "after" not in stale and stale["action"] == "remove"
    assert doc["follow_ups"][1] == {
        "step": 2,
        "target": "bigip/bigip-1",
        "action": "save the running configuration",
        "command": "tmsh save sys config",
        "reason": "so the change survives a reload",
    }


def test_json_error_document_is_incomplete():
    doc = json.loads(format_json_error("bigip-1: connection refused"))
    assert doc == {
        "format_version": 1,
        "complete": False,
        "error": "bigip-1: connection refused",
        "targets": [],
        "changes": [],
        "follow_ups": [],
    }
