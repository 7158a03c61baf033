"""bgp.speaker: cilium: Cilium's BGP control plane instead of BIRD, per Cilium version, checked
against the BGP CRD schemas of Cilium 1.17 (v2alpha1) and 1.18 (v2) (tests/data/cilium-bgp-crds)."""

from __future__ import annotations

import json

import jsonschema
import pytest
import yaml

from vtepc import api
from vtepc.diff import diff_states
from vtepc.state import compile_desired_state
from vtepc.integrations.cilium.bgp import CiliumBgpResource
from vtepc.state.speaker import BgpAnnouncement, BirdConfig

from .checks_support import desired_state, edit, example, valid_topology
from .conftest import EXAMPLE_FILES, ROOT

CRDS = ROOT / "tests" / "data" / "cilium-bgp-crds"
KIND_FILES = {
    "CiliumBGPClusterConfig": "ciliumbgpclusterconfig",
    "CiliumBGPPeerConfig": "ciliumbgppeerconfig",
    "CiliumBGPAdvertisement": "ciliumbgpadvertisement",
}


def crd_errors(doc: dict) -> list[str]:
    """Every way a rendered resource breaks its CRD schema (unknown fields included: the JSON
    schemas say additionalProperties: false where the apiserver would prune silently)."""
    group, _, version = doc["apiVersion"].partition("/")
    assert group == "cilium.io"
    schema = json.loads((CRDS / f"{KIND_FILES[doc['kind']]}_{version}.json").read_text())
    validator = jsonschema.Draft7Validator(schema)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(doc)]


def _cilium_speaker(version: str) -> str:
    text = edit(example("cilium-native-bgp"), '  ciliumVersion: "1.16.19"', f'  ciliumVersion: "{version}"')
    return edit(text, "  asn: 64512\n", "  asn: 64512\n  speaker: cilium\n")


BGP_CP_EXAMPLES = [p for p in EXAMPLE_FILES if "speaker: cilium" in p.read_text()]


def test_there_are_bgp_control_plane_examples_before_and_after_v2():
    versions = {yaml.safe_load(p.read_text())["cluster"]["ciliumVersion"][:4] for p in BGP_CP_EXAMPLES}
    assert {"1.17", "1.19"} <= versions


@pytest.mark.oracle
@pytest.mark.parametrize("example_path", BGP_CP_EXAMPLES, ids=lambda p: p.stem)
def test_examples_match_the_crd_schemas(example_path):
    docs = list(yaml.safe_load_all(api.build(example_path)[0]["kubernetes/cilium-bgp.yaml"]))
    assert [d["kind"] for d in docs] == ["CiliumBGPClusterConfig", "CiliumBGPPeerConfig", "CiliumBGPAdvertisement"]
    assert {d["apiVersion"] for d in docs} == {"cilium.io/v2alpha1" if "1-17" in example_path.stem else "cilium.io/v2"}
    for doc in docs:
        assert crd_errors(doc) == []


@pytest.mark.parametrize("version, api_version", [("1.16.19", "v2alpha1"), ("1.17.18", "v2alpha1"), ("1.18.12", "v2"), ("1.20.0", "v2")])
def test_api_version_follows_the_cilium_minor(version, api_version, tmp_path):
    state = desired_state(_cilium_speaker(version))
    resources = state.cluster.of_kind(CiliumBgpResource)
    assert {r.api_version for r in resources} == {f"cilium.io/{api_version}"}
    for r in resources:
        doc = {"apiVersion": r.api_version, "kind": r.resource_kind, "metadata": {"name": r.resource_name}, "spec": r.spec}
        assert crd_errors(doc) == [], (version, r.name)


@pytest.mark.oracle
def test_crd_oracle_rejects_a_field_of_the_other_api_version_and_a_wrong_type():
    state = desired_state(_cilium_speaker("1.18.12"))
    config = next(r for r in state.cluster.of_kind(CiliumBgpResource) if r.resource_kind == "CiliumBGPClusterConfig")
    doc = {
        "apiVersion": "cilium.io/v2",
        "kind": config.resource_kind,
        "metadata": {"name": "x"},
        "spec": json.loads(json.dumps(config.spec)),
    }
    doc["spec"]["bgpInstances"][0]["peers"][0]["peerConfigRef"]["group"] = "cilium.io"  # v2alpha1 only
    assert any("group" in e for e in crd_errors(doc))
    doc["spec"]["bgpInstances"][0]["peers"][0]["peerConfigRef"].pop("group")
    doc["spec"]["bgpInstances"][0]["localASN"] = "64512"
    assert any("localASN" in e for e in crd_errors(doc))


def test_cilium_speaker_replaces_bird_and_enables_the_control_plane():
    topology = valid_topology(_cilium_speaker("1.19.6"))
    assert compile_desired_state(topology).cluster.of_kind(BirdConfig) == []
    artifacts = api.render(topology)
    assert not [p for p in artifacts if p.startswith("bgp/bird-")]
    values = yaml.safe_load(artifacts["kubernetes/cilium-values.yaml"])
    assert values["bgpControlPlane"] == {"enabled": True}
    assert yaml.safe_load(artifacts["kubernetes/cilium-config.yaml"])["data"]["enable-bgp-control-plane"] == "true"
    assert "cilium-bgp.yaml" in yaml.safe_load(artifacts["kubernetes/kustomization.yaml"])["resources"]
    config = yaml.safe_load_all(artifacts["kubernetes/cilium-bgp.yaml"]).__next__()
    peers = config["spec"]["bgpInstances"][0]["peers"]
    assert [(p["name"], p["peerAddress"], p["peerASN"]) for p in peers] == [
        ("uplink0", "10.1.0.253", 64512),
        ("uplink1", "10.1.0.254", 64512),
    ]
    assert config["spec"]["bgpInstances"][0]["localASN"] == 64512


def test_switching_speakers_leaves_the_announcements_unchanged():
    bird = desired_state(edit(example("cilium-native-bgp"), '  ciliumVersion: "1.16.19"', '  ciliumVersion: "1.19.6"'))
    cilium = desired_state(_cilium_speaker("1.19.6"))
    announced = bird.cluster.of_kind(BgpAnnouncement)
    assert len(announced) == 6 and announced == cilium.cluster.of_kind(BgpAnnouncement)
    assert announced[0] == BgpAnnouncement("node1", ("10.16.0.0/24",), ("10.1.0.253", "10.1.0.254"))
    changes = diff_states(cilium, bird).changes
    assert not [c for c in changes if c.kind in (BgpAnnouncement.kind, "bgp/session")]
    assert {c.kind for c in changes} >= {BirdConfig.kind, CiliumBgpResource.kind}


def test_an_advertisement_the_peer_config_does_not_select_announces_nothing():
    from dataclasses import replace

    from vtepc.integrations.cilium.bgp import cilium_announcements

    topology = valid_topology(_cilium_speaker("1.19.6"))
    resources = compile_desired_state(topology).cluster.of_kind(CiliumBgpResource)
    unlabeled = [replace(r, labels={}) if r.resource_kind == "CiliumBGPAdvertisement" else r for r in resources]
    assert cilium_announcements(resources, topology) and cilium_announcements(unlabeled, topology) == []


def test_announcements_keep_peer_addresses_canonical_whatever_the_speaker():
    # The reach model compares them with the BIG-IP's self IPs and the gateway: FD00::FE is fd00::fe.
    from vtepc.validate import load_topology

    from .conftest import EXAMPLES

    top = load_topology(EXAMPLES / "cilium-native-bgp.yaml")
    peers = [p.model_copy(update={"address": "FD00::FE"}) if p.name == "uplink1" else p for p in top.bgp.peers]
    for speaker in ("bird", "cilium"):
        bgp = top.bgp.model_copy(update={"peers": peers, "speaker": speaker})
        cluster = top.cluster.model_copy(update={"cilium_version": "1.19.6"})
        announced = compile_desired_state(top.model_copy(update={"bgp": bgp, "cluster": cluster})).cluster.of_kind(BgpAnnouncement)
        assert {a.peers for a in announced} == {("10.1.0.253", "fd00::fe")}, speaker
