"""The Kubernetes reader against the API emulator: kubeconfig selection, round trip, paging, faults, Helm values."""

from __future__ import annotations

import base64
import dataclasses
import json
import os

import pytest

from tests.conftest import EXAMPLE_FILES
from tests.emulators.fixtures import FAST, KUBE_TOKEN, desired_example, no_sleep
from tests.emulators.fixtures import certificates  # noqa: F401 (fixture)
from tests.emulators.kube import KubeEmulator, write_kubeconfig
from vtepc.live import read_cluster
from vtepc.live.http import (
    AuthFailed,
    BadResponse,
    ConfigurationError,
    HttpOptions,
    RequestTimedOut,
    TlsOptions,
    TlsVerifyFailed,
    ssl_context,
)
from vtepc.live.kube import (
    KubeConnection,
    KubeOptions,
    KubeSession,
    LiveNode,
    helm_release_values,
    read_cluster_state,
    read_nodes,
    resolve_kubeconfig,
)
from vtepc.state.bgp import BgpSession
from vtepc.integrations.cilium.bgp import CiliumBgpResource
from vtepc.integrations.cilium.state import CiliumConfig, CiliumHelmValues
from vtepc.state.cluster import ExpectedNode
from vtepc.state.speaker import BgpAnnouncement, BirdConfig


def connect(emulator: KubeEmulator, page_size: int = 500, options: HttpOptions = FAST) -> KubeSession:
    connection = KubeConnection("test", emulator.url, TlsOptions(), KUBE_TOKEN)
    return KubeSession(connection, options, page_size=page_size, sleep=no_sleep)


# Kinds with no live reader: reported as unread (BIRD and the BGP peers' sessions live outside the API).
NOT_READ = (BirdConfig, BgpSession, BgpAnnouncement)


def test_every_cluster_object_kind_is_read_or_says_why_not():
    """The generic kinds and each mode's own (Integration.cluster_kinds) each have one way to be read live."""
    from vtepc.integrations.flannel import model as flannel
    from vtepc.live import kube
    from vtepc.state.cluster import object_kinds

    kinds = kube.cluster_kinds()
    assert sorted(k.cls.kind for k in kinds) == sorted(object_kinds())
    assert all((k.read, k.read_node, k.unread).count(None) + (not k.unread) == 2 for k in kinds), "exactly one way each"
    assert (kube.FLANNEL_BACKEND_DATA, kube.FLANNEL_PUBLIC_IP) == (flannel.FLANNEL_BACKEND_DATA, flannel.FLANNEL_PUBLIC_IP)


@pytest.mark.slow
@pytest.mark.parametrize("example", [p.stem for p in EXAMPLE_FILES])
def test_cluster_loaded_with_desired_state_reads_back_equal(example):
    desired = desired_example(example)
    with KubeEmulator(KUBE_TOKEN) as emulator:
        emulator.load_state(desired.cluster)
        reading = read_cluster_state(connect(emulator), desired.cluster, tuple(desired.bigips))
        methods = {r.method for r in emulator.requests}
    expected = dataclasses.replace(
        desired.cluster, items=tuple(o for o in desired.cluster.items if not isinstance(o, NOT_READ)), omitted=()
    )
    assert reading.state == expected
    assert methods == {"GET"}
    assert set(reading.unread_kinds) == {o.kind for o in desired.cluster.items if isinstance(o, NOT_READ)}


@pytest.mark.slow
def test_node_list_paging_collects_every_node_and_pod_cidr_sources():
    with KubeEmulator(KUBE_TOKEN) as emulator:
        emulator.max_page_size = 2
        emulator.add_node("a", "10.0.0.1", "10.244.0.0/24")
        emulator.add_node("b", "10.0.0.2", annotations={"network.cilium.io/ipv4-pod-cidr": "10.244.1.0/24"})
        emulator.add_node("c", "10.0.0.3", annotations={"io.cilium.network.ipv4-pod-cidr": "10.244.2.0/24"})
        emulator.add_node(
            "d",
            "10.0.0.4",
            "10.244.3.0/24",
            annotations={
                "flannel.alpha.coreos.com/backend-data": '{"VNI":1,"VtepMAC":"98:BA:76:DC:54:FE"}',
                "flannel.alpha.coreos.com/public-ip": "172.16.2.10",
            },
        )
        emulator.add_node("e", "10.0.0.5")
        nodes = read_nodes(connect(emulator, page_size=3))
        continued = [r for r in emulator.requests if r.query.get("continue")]
    assert nodes == [
        LiveNode("a", "10.0.0.1", "10.244.0.0/24"),
        LiveNode("b", "10.0.0.2", "10.244.1.0/24"),
        LiveNode("c", "10.0.0.3", "10.244.2.0/24"),
        LiveNode("d", "10.0.0.4", "10.244.3.0/24", "98:ba:76:dc:54:fe", "172.16.2.10"),
        LiveNode("e", "10.0.0.5", None),
    ]
    assert len(continued) == 2


@pytest.mark.slow
def test_drift_changed_configmap_key_and_new_node():
    desired = desired_example("cilium-vxlan")
    with KubeEmulator(KUBE_TOKEN) as emulator:
        emulator.load_state(desired.cluster)
        emulator.get_object("v1", "ConfigMap", "cilium-config", "kube-system")["data"]["vtep-mac"] = "00:11:22:33:44:55"
        emulator.add_node("node9", "10.169.72.250", "10.0.9.0/24")
        reading = read_cluster_state(connect(emulator), desired.cluster, tuple(desired.bigips))
    assert reading.state.one(CiliumConfig).data["vtep-mac"] == "00:11:22:33:44:55"
    assert ExpectedNode("node9", "10.169.72.250", "10.0.9.0/24") in reading.state.nodes


@pytest.mark.slow
def test_helm_values_keep_only_config_and_forbidden_secrets_are_unread():
    desired = desired_example("cilium-vxlan")
    with KubeEmulator(KUBE_TOKEN) as emulator:
        emulator.load_state(desired.cluster)
        assert helm_release_values(connect(emulator), "kube-system", "cilium")["operator"] == {"replicas": 1}
        emulator.forbidden.add("/api/v1/namespaces/kube-system/secrets")
        reading = read_cluster_state(connect(emulator), desired.cluster, tuple(desired.bigips))
    assert CiliumHelmValues.kind in reading.unread_kinds
    assert not reading.state.of_kind(CiliumHelmValues)
    assert "manifest" not in json.dumps(reading.state.to_jsonable())


@pytest.mark.slow
def test_wrong_token_is_a_clear_auth_error():
    with KubeEmulator("another-token") as emulator:
        with pytest.raises(AuthFailed) as caught:
            read_nodes(connect(emulator))
    assert str(caught.value).startswith("cluster (context test) (http://127.0.0.1:")
    assert KUBE_TOKEN not in str(caught.value)


@pytest.mark.slow
def test_kube_faults_500_then_success_timeout_truncated():
    with KubeEmulator(KUBE_TOKEN) as emulator:
        emulator.add_node("a", "10.0.0.1")
        emulator.fail_next(2, status=503)
        assert [n.name for n in read_nodes(connect(emulator))] == ["a"]
        emulator.truncate_json = True
        with pytest.raises(BadResponse, match="truncated JSON"):
            read_nodes(connect(emulator))
        emulator.truncate_json = False
        emulator.delay = 3.0
        with pytest.raises(RequestTimedOut):
            read_nodes(connect(emulator, options=HttpOptions(timeout=0.2, attempts=1, allow_insecure_http=True)))


@pytest.mark.slow
def test_tls_with_kubeconfig_ca_data(tmp_path, certificates):  # noqa: F811
    with KubeEmulator(KUBE_TOKEN, certificate=(certificates.certificate, certificates.key)) as emulator:
        emulator.add_node("a", "10.0.0.1")
        good = write_kubeconfig(tmp_path / "good", emulator.url, KUBE_TOKEN, ca_file=certificates.ca)
        bad = write_kubeconfig(tmp_path / "bad", emulator.url, KUBE_TOKEN)
        insecure = write_kubeconfig(tmp_path / "insecure", emulator.url, KUBE_TOKEN, insecure=True)
        desired = desired_example("cilium-vxlan").cluster
        assert read_cluster(KubeOptions(good, http=FAST), desired, environ={}, sleep=no_sleep).nodes[0].name == "a"
        assert read_cluster(KubeOptions(insecure, http=FAST), desired, environ={}, sleep=no_sleep).nodes[0].name == "a"
        with pytest.raises(TlsVerifyFailed):
            read_cluster(KubeOptions(bad, http=FAST), desired, environ={}, sleep=no_sleep)


# --- kubeconfig selection --------------------------------------------------------------------


def kubeconfig(path, contexts: dict[str, str], current: str | None, user: dict | None = None):
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": name, "cluster": {"server": server}} for name, server in contexts.items()],
        "users": [{"name": "u", "user": user or {"token": "t"}}],
        "contexts": [{"name": name, "context": {"cluster": name, "user": "u"}} for name in contexts],
    }
    if current:
        config["current-context"] = current
    path.write_text(json.dumps(config))
    return path


def test_kubeconfig_list_first_file_wins_and_context_override(tmp_path):
    first = kubeconfig(tmp_path / "a", {"one": "https://one.example"}, "one")
    second = kubeconfig(tmp_path / "b", {"one": "https://shadowed.example", "two": "https://two.example"}, "two")
    env = {"KUBECONFIG": os.pathsep.join([str(first), str(tmp_path / "missing"), str(second)])}
    assert resolve_kubeconfig(KubeOptions(), env).server == "https://one.example"
    assert resolve_kubeconfig(KubeOptions(context="two"), env).server == "https://two.example"
    # --kubeconfig alone, ignoring $KUBECONFIG
    assert resolve_kubeconfig(KubeOptions(kubeconfig=second), env).server == "https://two.example"


def test_home_kube_config_is_the_default(tmp_path):
    (tmp_path / ".kube").mkdir()
    kubeconfig(tmp_path / ".kube" / "config", {"home": "https://home.example"}, "home")
    assert resolve_kubeconfig(KubeOptions(), {"HOME": str(tmp_path)}).context == "home"


def test_token_file_and_cert_data_relative_to_the_kubeconfig(tmp_path):
    (tmp_path / "token").write_text("file-token\n")
    path = kubeconfig(tmp_path / "config", {"c": "https://c.example"}, "c", {"tokenFile": "token"})
    assert resolve_kubeconfig(KubeOptions(kubeconfig=path), {}).token == "file-token"


@pytest.mark.parametrize(
    "user, message",
    [
        ({"auth-provider": {"name": "gcp"}}, "auth-provider credentials are not supported"),
        ({"client-certificate-data": "not base64!"}, "client-certificate-data is not valid base64"),
    ],
)
def test_unsupported_or_broken_credentials_are_clear_errors(tmp_path, user, message):
    path = kubeconfig(tmp_path / "config", {"c": "https://c.example"}, "c", user)
    with pytest.raises(ConfigurationError, match=message):
        resolve_kubeconfig(KubeOptions(kubeconfig=path), {})


@pytest.mark.parametrize(
    "current, context, message",
    [
        (None, None, "no current-context"),
        ("c", "nope", "no context 'nope'"),
    ],
)
def test_missing_context_is_a_clear_error(tmp_path, current, context, message):
    path = kubeconfig(tmp_path / "config", {"c": "https://c.example"}, current)
    with pytest.raises(ConfigurationError, match=message):
        resolve_kubeconfig(KubeOptions(kubeconfig=path, context=context), {})


def test_no_kubeconfig_anywhere(tmp_path):
    with pytest.raises(ConfigurationError, match="no kubeconfig found"):
        resolve_kubeconfig(KubeOptions(), {"HOME": str(tmp_path)})


@pytest.mark.slow
def test_client_certificate_data_is_loaded(tmp_path, certificates):  # noqa: F811
    cert = base64.b64encode(certificates.certificate.read_bytes()).decode()
    key = base64.b64encode(certificates.key.read_bytes()).decode()
    path = kubeconfig(tmp_path / "config", {"c": "https://c.example"}, "c", {"client-certificate-data": cert, "client-key-data": key})
    tls = resolve_kubeconfig(KubeOptions(kubeconfig=path), {}).tls
    assert tls.client_cert_data.startswith(b"-----BEGIN CERTIFICATE")
    ssl_context(tls)  # loads without error (through private temporary files)
    with pytest.raises(ConfigurationError):
        ssl_context(TlsOptions(client_cert_data=b"garbage", client_key_data=b"garbage"))


# --- Cilium's BGP control plane (bgp.speaker: cilium) ---------------------------------------------

BGP_EXAMPLES = {"cilium-bgp-control-plane-1-17": "cilium.io/v2alpha1", "cilium-bgp-control-plane-1-19": "cilium.io/v2"}


@pytest.mark.slow
@pytest.mark.parametrize("example", sorted(BGP_EXAMPLES))
def test_cilium_bgp_resources_are_read_at_the_version_of_the_clusters_cilium(example):
    desired = desired_example(example)
    wanted = desired.cluster.of_kind(CiliumBgpResource)
    assert {r.api_version for r in wanted} == {BGP_EXAMPLES[example]}
    with KubeEmulator(KUBE_TOKEN) as emulator:
        emulator.load_state(desired.cluster)
        reading = read_cluster_state(connect(emulator), desired.cluster, tuple(desired.bigips))
        stored = emulator.get_object(BGP_EXAMPLES[example], "CiliumBGPClusterConfig", "vtepc")
        read_paths = {r.path for r in emulator.requests if "/apis/cilium.io/" in r.path}
    # The API server filled in CRD defaults (v2alpha1: peers[].peerConfigRef group and kind) and a label: not drift.
    reference = stored["spec"]["bgpInstances"][0]["peers"][0]["peerConfigRef"]
    assert ("group" in reference) is (BGP_EXAMPLES[example] == "cilium.io/v2alpha1")
    assert "app.kubernetes.io/managed-by" in stored["metadata"]["labels"]
    assert reading.state.of_kind(CiliumBgpResource) == wanted
    assert CiliumBgpResource.kind not in reading.unread_kinds
    plural = {"CiliumBGPClusterConfig": "ciliumbgpclusterconfigs", "CiliumBGPPeerConfig": "ciliumbgppeerconfigs"}
    assert {f"/apis/{BGP_EXAMPLES[example]}/{p}/vtepc" for p in plural.values()} <= read_paths


@pytest.mark.slow
def test_cilium_bgp_drift_is_read_and_a_version_the_cluster_does_not_serve_is_unread_with_the_reason():
    desired = desired_example("cilium-bgp-control-plane-1-19")
    with KubeEmulator(KUBE_TOKEN) as emulator:
        emulator.load_state(desired.cluster)
        config = emulator.get_object("cilium.io/v2", "CiliumBGPClusterConfig", "vtepc")
        config["spec"]["bgpInstances"][0]["peers"][0]["peerASN"] = 65999
        emulator.delete("cilium.io/v2", "CiliumBGPAdvertisement", "vtepc")
        reading = read_cluster_state(connect(emulator), desired.cluster, tuple(desired.bigips))
    found = {r.resource_kind: r for r in reading.state.of_kind(CiliumBgpResource)}
    assert set(found) == {"CiliumBGPClusterConfig", "CiliumBGPPeerConfig"}  # the advertisement is absent
    assert found["CiliumBGPClusterConfig"].spec["bgpInstances"][0]["peers"][0]["peerASN"] == 65999
    # The topology says Cilium 1.19 (cilium.io/v2); the cluster runs 1.17, which serves v2alpha1 only.
    older = desired_example("cilium-bgp-control-plane-1-17")
    with KubeEmulator(KUBE_TOKEN) as emulator:
        emulator.load_state(older.cluster)
        reading = read_cluster_state(connect(emulator), desired.cluster, tuple(desired.bigips))
    assert not reading.state.of_kind(CiliumBgpResource)
    assert "does not serve cilium.io/v2" in reading.unread_kinds[CiliumBgpResource.kind]
    # RBAC denies reading them: unread with the reason, the rest of the cluster read.
    with KubeEmulator(KUBE_TOKEN) as emulator:
        emulator.load_state(desired.cluster)
        emulator.forbidden.add("/apis/cilium.io/v2/ciliumbgpclusterconfigs")
        reading = read_cluster_state(connect(emulator), desired.cluster, tuple(desired.bigips))
    assert "not readable with these credentials" in reading.unread_kinds[CiliumBgpResource.kind]
    assert reading.state.of_kind(CiliumHelmValues)
