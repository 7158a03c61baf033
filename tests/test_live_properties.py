"""Random input never crashes a live path: only vtepc's documented error types come out.

* random bytes and random JSON shapes as the answers of a BIG-IP and an API server (the
  emulators' own answers with a random subtree replaced, or replaced whole): the readers
  either read something or raise a LiveError;
* random YAML as a kubeconfig or an ignore file, random JSON as snapshot files: the loaders
  raise only ConfigurationError / IgnoreFileInvalid / SnapshotError.
Requests go straight to the emulators' route() (no sockets), so hypothesis can run many examples.
"""

from __future__ import annotations

import json
from unittest import mock
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.emulators.bigip import BigipEmulator
from tests.emulators.fixtures import FAST, KUBE_TOKEN, PASSWORD, USERNAME, desired_example, no_sleep
from tests.emulators.kube import KubeEmulator
from tests.emulators.server import Request
from vtepc.diff.ignore import IgnoreFileInvalid, load_ignore_rules
from vtepc.live.bigip import BigipCredentials, BigipSession, read_bigip_state
from vtepc.live.http import ConfigurationError, LiveError, Response, TlsOptions
from vtepc.live.kube import KubeConnection, KubeOptions, KubeSession, read_cluster_state, resolve_kubeconfig
from vtepc.snapshot import INDEX, SnapshotError, read_snapshot

pytestmark = pytest.mark.slow  # long hypothesis searches, many against the emulated APIs on local sockets

DESIRED = desired_example("cilium-native-bgp")  # every cluster kind the readers read, and a BIG-IP
SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
LIVE_SETTINGS = settings(SETTINGS, max_examples=300)

KEYS = st.sampled_from(
    [
        "name",
        "items",
        "metadata",
        "nextLink",
        "continue",
        "key",
        "address",
        "records",
        "endpoint",
        "spec",
        "status",
        "addresses",
        "annotations",
        "data",
        "template",
        "token",
        "entries",
        "id",
        "vlans",
        "labels",
        "containers",
        "args",
        "type",
        "release",
        "x",
    ]
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=20),
    st.sampled_from(["10.0.0.1", "10.0.0.0/24", "/Common/x", "-1", "abc", "00:11:22:33:44:55"]),
)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(KEYS | st.text(max_size=8), inner, max_size=4)),
    max_leaves=12,
)


def _paths(value, path=()):
    yield path
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _paths(inner, path + (key,))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _paths(inner, path + (index,))


def _replace(value, path, new):
    if not path:
        return new
    value[path[0]] = _replace(value[path[0]], path[1:], new)
    return value


class Direct:
    """A JsonClient's _once answered by an emulator's route(), each answer possibly mangled by hypothesis."""

    def __init__(self, emulator, data):
        self.emulator, self.data = emulator, data

    def __call__(self, method, url_path, payload, headers, remaining):
        parts = urlsplit(url_path)
        request = Request(
            method,
            parts.path,
            {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()},
            {k.lower(): v for k, v in headers.items()},
            payload or b"",
        )
        reply = self.emulator.route(request)
        how = self.data.draw(st.sampled_from(["keep", "keep", "subtree", "subtree", "bytes", "status"]))
        if how == "bytes":
            return Response(reply.status, self.data.draw(st.binary(max_size=64)))
        if how == "status":
            return Response(
                self.data.draw(st.sampled_from([200, 204, 301, 400, 401, 403, 404, 409, 410, 429, 500])),
                json.dumps(reply.document).encode(),
            )
        document = reply.document
        if how == "subtree" and document is not None:
            path = self.data.draw(st.sampled_from(list(_paths(document))))
            document = _replace(json.loads(json.dumps(document)), path, self.data.draw(JSON))
        return Response(reply.status, json.dumps(document).encode())


def _bigip() -> BigipEmulator:
    emulator = BigipEmulator(USERNAME, PASSWORD)
    emulator.load_state(DESIRED.bigips["bigip-1"])
    return emulator


def _kube() -> KubeEmulator:
    emulator = KubeEmulator(KUBE_TOKEN)
    emulator.load_state(DESIRED.cluster)
    emulator.add_node("n1", "10.0.0.1", "10.244.0.0/24", {"flannel.alpha.coreos.com/backend-data": '{"VtepMAC":"aa:bb:cc:dd:ee:ff"}'})
    return emulator


BIGIP, KUBE = _bigip(), _kube()  # never started: Direct calls route() in-process


@LIVE_SETTINGS
@given(st.data())
def test_random_bigip_answers_raise_only_live_errors(data):
    session = BigipSession("bigip-1", "http://192.0.2.10", BigipCredentials(USERNAME, PASSWORD), TlsOptions(), FAST, sleep=no_sleep)
    with mock.patch.object(session.client, "_once", Direct(BIGIP, data)):
        try:
            read_bigip_state(session, DESIRED.bigips["bigip-1"])
        except LiveError as exc:
            assert "\n" not in str(exc) and PASSWORD not in str(exc)


@LIVE_SETTINGS
@given(st.data())
def test_random_api_server_answers_raise_only_live_errors(data):
    session = KubeSession(KubeConnection("test", "http://192.0.2.20", TlsOptions(), KUBE_TOKEN), FAST, sleep=no_sleep)
    with mock.patch.object(session.client, "_once", Direct(KUBE, data)):
        try:
            read_cluster_state(session, DESIRED.cluster, tuple(DESIRED.bigips))
        except LiveError as exc:
            assert "\n" not in str(exc) and KUBE_TOKEN not in str(exc)


def _yaml_text(value) -> str:
    from io import StringIO

    from ruamel.yaml import YAML

    out = StringIO()
    YAML(typ="safe", pure=True).dump(value, out)
    return out.getvalue()


KUBECONFIG_LIKE = st.fixed_dictionaries(
    {},
    optional={
        "clusters": st.lists(st.fixed_dictionaries({}, optional={"name": JSON, "cluster": JSON}), max_size=2) | JSON,
        "users": st.lists(st.fixed_dictionaries({}, optional={"name": JSON, "user": JSON}), max_size=2) | JSON,
        "contexts": st.lists(st.fixed_dictionaries({}, optional={"name": JSON, "context": JSON}), max_size=2) | JSON,
        "current-context": JSON,
    },
)
TEXT = st.one_of(st.binary(max_size=200).map(lambda b: b.decode("latin-1")), JSON.map(_yaml_text), KUBECONFIG_LIKE.map(_yaml_text))


@SETTINGS
@given(TEXT)
def test_random_yaml_as_kubeconfig_raises_only_configuration_errors(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("kc") / "config"
    path.write_text(text, encoding="utf-8", errors="surrogateescape")
    try:
        resolve_kubeconfig(KubeOptions(path), {})
    except ConfigurationError as exc:
        assert "\n" not in str(exc)


@SETTINGS
@given(TEXT)
def test_random_yaml_as_ignore_file_raises_only_ignore_file_errors(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("ign") / "ignore.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogateescape")
    try:
        load_ignore_rules(path)
    except IgnoreFileInvalid:
        pass


@SETTINGS
@given(
    JSON | st.fixed_dictionaries({"format_version": st.just(1), "targets": JSON, "unread_kinds": JSON}),
    JSON | st.fixed_dictionaries({"format_version": st.just(1), "target": st.sampled_from(["bigip/b", "cluster/c", "x"]), "state": JSON}),
)
def test_random_snapshot_files_raise_only_snapshot_errors(tmp_path_factory, index, target):
    directory = tmp_path_factory.mktemp("snap")
    if isinstance(index, dict) and isinstance(index.get("targets"), list):
        index["targets"] = index["targets"] + ["t.json"]
    (directory / INDEX).write_text(json.dumps(index))
    (directory / "t.json").write_text(json.dumps(target))
    try:
        read_snapshot(directory)
    except SnapshotError:
        pass
