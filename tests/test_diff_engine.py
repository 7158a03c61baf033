"""The diff engine on small states that follow the state contract (frozen dataclasses, kind, origin)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import ClassVar

import pytest

from vtepc.diff import ABSENT, DRIFT_ORIGIN, Action, IgnoreRule, diff_states, format_json, format_text
from vtepc.diff.ignore import IgnoreFileInvalid, load_ignore_rules, parse_ignore_rules
from vtepc.diff.secrets import MASKED


@dataclass(frozen=True)
class Record:
    kind: ClassVar[str] = "net/fdb/record"
    name: str
    endpoint: str
    generation: int = 0  # server-managed: must never show
    origin: str = field(default="", compare=False)


@dataclass(frozen=True)
class Document:
    kind: ClassVar[str] = "cilium/config"
    name: str
    data: dict
    metadata: dict = field(default_factory=dict)
    origin: str = field(default="", compare=False)


@dataclass(frozen=True)
class Node:
    kind: ClassVar[str] = "cluster/node"
    name: str
    ip: str
    origin: str = field(default="", compare=False)


@dataclass(frozen=True)
class Container:
    name: str
    items: tuple
    nodes: tuple = ()

    def objects(self):
        return sorted(self.items, key=lambda o: (o.kind, o.name))


@dataclass(frozen=True)
class Side:
    bigips: dict
    cluster: Container


def side(bigip_items=(), cluster_items=(), bigips=("bigip-1",)):
    return Side({name: Container(name, tuple(bigip_items)) for name in bigips}, Container("prod", tuple(cluster_items)))


CILIUM = {"enable-vtep": "true", "vtep-endpoint": "10.169.72.34", "vtep-mac": "00:50:56:a0:7d:d8"}


def test_identical_states_have_no_changes():
    items = [Record("t/0a:0a:0a:a9:48:ef", "10.169.72.239%0", origin="cluster.nodes[0]")]
    result = diff_states(
        side(items, [Document("kube-system/cilium-config", CILIUM)]), side(items, [Document("kube-system/cilium-config", CILIUM)])
    )
    assert not result.has_changes and result.changes == []
    assert result.follow_ups == ()
    assert [t.target for t in result.targets] == ["bigip/bigip-1", "cluster/prod"]


def test_added_removed_changed_each_once_with_origin():
    desired = side(
        [
            Record("t/a", "10.0.0.1%0", origin="cluster.nodes[0]"),
            Record("t/b", "10.0.0.2%0", origin="cluster.nodes[1]"),
        ]
    )
    observed = side(
        [
            Record("t/a", "10.0.0.9%0"),  # changed
            Record("t/stale", "10.0.0.7%0"),  # drift
        ]
    )
    changes = diff_states(desired, observed).changes
    assert [(c.action, c.name, c.field) for c in changes] == [
        (Action.CHANGE, "t/a", "endpoint"),
        (Action.ADD, "t/b", ""),
        (Action.REMOVE, "t/stale", ""),
    ]
    changed, added, removed = changes
    assert (changed.before, changed.after, changed.origin) == ("10.0.0.9%0", "10.0.0.1%0", "cluster.nodes[0]")
    assert added.before is ABSENT and added.after == {"endpoint": "10.0.0.2%0"} and added.origin == "cluster.nodes[1]"
    assert removed.after is ABSENT and removed.origin == DRIFT_ORIGIN
    assert all(c.target == "bigip/bigip-1" and c.kind == "net/fdb/record" for c in changes)


def test_server_managed_fields_never_show():
    desired = side([Record("t/a", "10.0.0.1%0", generation=1)], [Document("cm", {"k": "v"}, {"labels": {"a": "b"}})])
    observed = side(
        [Record("t/a", "10.0.0.1%0", generation=7)],
        [
            Document(
                "cm",
                {"k": "v"},
                {
                    "labels": {"a": "b"},
                    "resourceVersion": "991",
                    "uid": "x",
                    "managedFields": [{"m": 1}],
                    "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{}"},
                },
            )
        ],
    )
    assert diff_states(desired, observed).changes == []


def test_document_changes_are_one_per_key_and_keys_with_dots_are_bracketed():
    desired = side(
        [],
        [
            Document(
                "kube-system/cilium-config",
                {**CILIUM, "vtep-mac": "00:50:56:86:6b:28"},
                {"annotations": {"flannel.alpha.coreos.com/public-ip": "10.0.0.1"}},
                origin="cluster",
            )
        ],
    )
    observed = side(
        [],
        [
            Document(
                "kube-system/cilium-config", {**CILIUM, "extra": "1"}, {"annotations": {"flannel.alpha.coreos.com/public-ip": "10.0.0.2"}}
            )
        ],
    )
    changes = diff_states(desired, observed).changes
    assert [(c.field, c.before, c.after) for c in changes] == [
        ("data.extra", "1", ABSENT),
        ("data.vtep-mac", "00:50:56:a0:7d:d8", "00:50:56:86:6b:28"),
        ('metadata.annotations["flannel.alpha.coreos.com/public-ip"]', "10.0.0.2", "10.0.0.1"),
    ]
    assert {c.origin for c in changes} == {"cluster"}


def test_lists_of_documents_are_walked_per_element():
    containers = [{"name": "cis", "args": ["--a", "--b"]}]
    desired = side([], [Document("d", {"containers": containers})])
    observed = side([], [Document("d", {"containers": [{"name": "cis", "args": ["--a", "--c"]}]})])
    (change,) = diff_states(desired, observed).changes
    assert (change.field, change.before, change.after) == ("data.containers[0].args", ["--a", "--c"], ["--a", "--b"])


def test_targets_on_one_side_only_diff_against_empty():
    desired = side([Record("t/a", "1%0", origin="cluster.nodes[0]")], bigips=("bigip-1", "bigip-2"))
    observed = side([Record("t/a", "1%0")], bigips=("bigip-1", "bigip-old"))
    result = diff_states(desired, observed)
    assert [(c.target, c.action) for c in result.changes] == [("bigip/bigip-2", Action.ADD), ("bigip/bigip-old", Action.REMOVE)]


def test_follow_ups_in_apply_order():
    desired = side([Record("t/a", "1%0")], [Document("kube-system/cilium-config", {**CILIUM, "vtep-mac": "x"})])
    observed = side([], [Document("kube-system/cilium-config", CILIUM), Node("node-9", "10.0.0.9")])
    result = diff_states(desired, observed)
    commands = [(f.step, f.target, f.command) for f in result.follow_ups]
    assert commands[1] == (2, "bigip/bigip-1", "tmsh save sys config")
    # A cilium-config change alone still goes through the chart: it owns the ConfigMap.
    assert (
        4,
        "cluster/prod",
        "helm upgrade cilium cilium/cilium -n kube-system --reuse-values -f kubernetes/cilium-values.yaml",
    ) in commands
    assert (5, "cluster/prod", "kubectl -n kube-system rollout restart ds/cilium") in commands
    assert result.follow_ups[0].action.startswith("apply the BIG-IP changes in order: tunnel profile, tunnel")
    drift = result.follow_ups[-1]
    assert "node-9" in drift.action and drift.command == "vtepc discover TOPOLOGY"


def test_only_cluster_changes_have_no_bigip_follow_ups():
    result = diff_states(side([], [Node("n1", "10.0.0.1", origin="cluster.nodes[0]")]), side([], [Node("n1", "10.0.0.2")]))
    assert [f.target for f in result.follow_ups] == ["cluster/prod"]
    assert "tmsh" not in json.dumps([f.command for f in result.follow_ups])


def test_secrets_masked_unless_asked():
    desired = side([], [Document("s", {"password": "hunter2", "user": "admin"}), Document("u", {"url": "https://admin:pw0rd@host/x"})])
    observed = side([], [Document("s", {"password": "swordfish", "user": "admin"})])
    masked = diff_states(desired, observed)
    text = json.dumps([str(c) for c in masked.changes])
    assert "hunter2" not in text and "swordfish" not in text and "pw0rd" not in text
    password = next(c for c in masked.changes if c.field == "data.password")
    assert (password.before, password.after) == (MASKED, MASKED)
    added = next(c for c in masked.changes if c.name == "u")
    assert added.after == {"data": {"url": f"https://{MASKED}@host/x"}, "metadata": {}}
    shown = diff_states(desired, observed, show_secrets=True)
    assert any(c.after == "hunter2" for c in shown.changes)
    assert json.loads(format_json(masked))["masked"] == 2 and json.loads(format_json(shown))["masked"] == 0
    assert "2 changes: secret values are masked" in format_text(masked) and "masked" not in format_text(shown)


def test_ignore_rules_match_target_kind_name_and_field_prefix():
    desired = side([Record("t/a", "1%0"), Record("t/b", "2%0")], [Document("kube-system/cilium-config", {"a": "1", "b": {"c": "2"}})])
    observed = side([], [Document("kube-system/cilium-config", {"a": "0", "b": {"c": "3"}})])
    rules = [IgnoreRule(target="bigip/*", name="t/a"), IgnoreRule(kind="cilium/config", field="data.b")]
    result = diff_states(desired, observed, ignore=rules)
    assert [(c.name, c.field) for c in result.changes] == [("t/b", ""), ("kube-system/cilium-config", "data.a")]
    assert result.ignored == 2
    # A field rule never drops a whole object.
    assert not IgnoreRule(field="*").matches(result.changes[0])


def test_ignore_file_format(tmp_path):
    path = tmp_path / "ignore.yaml"
    path.write_text("# comment\n- target: 'cluster/*'\n  kind: ConfigMap\n  field: data.custom-*\n- name: 'vtepc-*'\n")
    assert load_ignore_rules(path) == [IgnoreRule(target="cluster/*", kind="ConfigMap", field="data.custom-*"), IgnoreRule(name="vtepc-*")]


@pytest.mark.parametrize(
    "text, message",
    [
        ("kind: x\n", "expected a YAML list of rules"),
        ("- {}\n", "rule 1: empty rule would ignore every change"),
        ("- kind: x\n  feild: y\n", "rule 1: unknown key(s) feild"),
        ("- kind: 3\n", "rule 1: kind must be a non-empty string"),
        ("- [\n", "YAML syntax error"),
    ],
)
def test_ignore_file_errors_are_one_line(tmp_path, text, message):
    path = tmp_path / "ignore.yaml"
    path.write_text(text)
    with pytest.raises(IgnoreFileInvalid) as excinfo:
        load_ignore_rules(path)
    assert message in str(excinfo.value) and "\n" not in str(excinfo.value)


def test_missing_ignore_file(tmp_path):
    with pytest.raises(IgnoreFileInvalid, match="cannot read ignore file"):
        load_ignore_rules(tmp_path / "nope.yaml")
    assert parse_ignore_rules(None, "f") == []
