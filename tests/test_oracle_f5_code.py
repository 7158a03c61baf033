"""Oracle: F5's own code on every DO and AS3 artifact, and both BIG-IP paths set up the same device.

DO 1.45.0 (../shared/oracles/f5/do-1.45.0, runner oracle.js) validates each declaration with its
full validator chain and prints the iControl REST calls its NetworkHandler would make. Those
calls set up a BIG-IP emulator (DbVariables, which DO's SystemHandler applies, from the
declaration; FDB records, which DO has no class for, from network.tmsh's FDB section, as the
declaration's label says); read back with the live reader, the device must diff clean against
the topology, and the objects DO creates must be exactly the desired ones. network.tmsh, run on
another emulator, must give a device that diffs clean too. AS3 3.56.0 (as3-3.56.0) runs its
schema validator and parser on every as3.json and every AS3 ConfigMap template.

Each oracle runs once per session over every file (one node process), installed by
scripts/oracles.sh into a writable cache; in CI a missing node/npm or a failed install fails.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from tests.emulators.bigip import BigipEmulator
from tests.emulators.fixtures import FAST, PASSWORD, USERNAME, bigip_env, no_sleep  # noqa: F401 (bigip_env: fixture)
from tests.emulators.tmsh import apply_tmsh, tmsh_argv
from vtepc import api
from vtepc.diff.engine import diff_target
from vtepc.live.bigip import BigipCredentials, BigipSession, read_bigip_state
from vtepc.model import Topology
from vtepc.state import DesiredState, compile_desired_state
from vtepc.state.bigip import FdbRecord, RouteDomainVlan, SysDb

from .checks_support import edit, example
from .conftest import EXAMPLE_FILES, ORACLES, ROOT, SHARED, require_oracle, require_tool

pytestmark = pytest.mark.oracle

DO_ORACLE = ORACLES / "f5" / "do-1.45.0"
AS3_ORACLE = ORACLES / "f5" / "as3-3.56.0"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
# Calls DO makes that set no object of vtepc's: MCP turns acceptIpOptions on when a VXLAN
# tunnel is created and DO puts the previous value back (networkHandler.js handleTunnel).
NOT_OWNED_CALLS = {("modify", "/tm/ltm/global-settings/traffic-control")}


def _variant(name: str, *edits: tuple) -> str:
    text = example(name)
    for change in edits:
        text = edit(text, *change)
    return text


SPEC_TOPOLOGY = SHARED / "spec" / "topology-v1.yaml"
# Every example, the spec's own topology, and topologies for the cases this module is about.
TOPOLOGIES: dict[str, str] = {p.stem: p.read_text() for p in EXAMPLE_FILES}
TOPOLOGIES.update(
    {
        "vxlan-iana-port": _variant("cilium-vxlan", ("tunnelProtocol: vxlan", "tunnelProtocol: vxlan\n  tunnelPort: 4789")),
        "vxlan-builtin-profile-named": _variant(
            "cilium-vxlan", ("      selfIP: 10.1.6.34/24", "      profile: vxlan\n      selfIP: 10.1.6.34/24")
        ),
        "native-route-domain-3": _variant("cilium-native-bgp", ("    underlay:", "    routeDomain: 3\n    underlay:")),
        # The nodes peer with the BIG-IP's own self IP: DO must accept its allowService ["tcp:179"].
        "native-bigip-bgp-peer": _variant(
            "cilium-native-bgp", ("gateway: 10.1.0.254", "gateway: 10.1.0.253"), ("address: 10.1.0.254", "address: 10.1.0.100")
        ),
        "vxlan-route-domain-2": _variant("cilium-vxlan", ("    underlay:", "    routeDomain: 2\n    underlay:")),
        "geneve-port-6082": _variant("cilium-geneve", ("tunnelProtocol: geneve", "tunnelProtocol: geneve\n  tunnelPort: 6082")),
        "vxlan-own-profile-name": _variant(
            "cilium-vxlan", ("      selfIP: 10.1.6.34/24", "      profile: fl-vxlan\n      selfIP: 10.1.6.34/24")
        ),
    }
)
# BIG-IPs DO cannot declare: {topology: {bigip: the text the VTEP950 warning points at}}.
DO_GAPS = {
    "vxlan-route-domain-2": {"bigip-1": "routeDomain: 2"},
    "geneve-port-6082": {"bigip-1": "tunnelPort: 6082"},
    "vxlan-own-profile-name": {"bigip-1": "profile: fl-vxlan"},
    "spec-topology-v1": {"bigip-1": "profile: fl-vxlan"},  # the spec names the profile as F5's guides do
}


@dataclass
class Built:
    name: str
    text: str
    artifacts: dict[str, str]
    topology: Topology
    desired: DesiredState
    diagnostics: list


def _build(name: str, text: str) -> Built:
    artifacts, report = api.build_from_bytes(text.encode(), f"{name}.yaml")
    assert report.ok, [d.format_text() for d in report.diagnostics]
    return Built(name, text, artifacts, report.topology, compile_desired_state(report.topology), list(report.diagnostics))


@pytest.fixture(scope="module")
def built() -> dict[str, Built]:
    out = {name: _build(name, text) for name, text in TOPOLOGIES.items()}
    out["spec-topology-v1"] = _build("spec-topology-v1", require_oracle(SPEC_TOPOLOGY).read_text())
    return out


def _install(oracle: Path) -> Path:
    """The oracle installed in the writable cache (scripts/oracles.sh), once per machine."""
    require_oracle(oracle / "oracle.js")
    require_tool("node")
    require_tool("npm")
    result = subprocess.run(["bash", str(ROOT / "scripts" / "oracles.sh"), str(oracle)], capture_output=True, text=True)
    if result.returncode != 0:
        message = f"installing {oracle.name} failed: {result.stderr.strip()[-2000:]}"
        pytest.fail(message) if IN_CI else pytest.skip(message)
    return Path(result.stdout.strip().splitlines()[-1])


def _run(installed: Path, files: list[Path]) -> tuple[int, list[dict]]:
    """One node process for every file; its JSON lines."""
    result = subprocess.run(["node", str(installed / "oracle.js"), *map(str, files)], capture_output=True, text=True, timeout=600)
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert lines, f"the oracle printed nothing: {result.stderr[-2000:]}"
    assert not any("error" in line for line in lines), lines  # the runner itself crashed
    return result.returncode, lines


@dataclass
class DoResult:
    valid: bool
    errors: object
    handler_error: str | None
    calls: list[dict]


def run_do(installed: Path, declarations: dict[str, dict], directory: Path) -> dict[str, DoResult]:
    files = {}
    for key, declaration in declarations.items():
        path = directory / (key.replace("/", "__") + ".json")
        path.write_text(json.dumps(declaration))
        files[str(path)] = key
    _, lines = _run(installed, [Path(p) for p in files])
    results = {key: DoResult(False, None, None, []) for key in declarations}
    for line in lines:
        result = results[files[line["file"]]]
        if "valid" in line:
            result.valid, result.errors = line["valid"], line["errors"]
        elif "networkHandlerError" in line:
            result.handler_error = line["networkHandlerError"]
        else:
            result.calls.append(line)
    return results


@pytest.fixture(scope="module")
def do_oracle() -> Path:
    return _install(DO_ORACLE)


@pytest.fixture(scope="module")
def as3_oracle() -> Path:
    return _install(AS3_ORACLE)


def _declarations(built: dict[str, Built]) -> dict[str, dict]:
    return {
        f"{b.name}/{path}": json.loads(text)
        for b in built.values()
        for path, text in b.artifacts.items()
        if path.endswith("/declarative-onboarding.json")
    }


def _negative_controls(built: dict[str, Built]) -> dict[str, dict]:
    """Declarations that must fail: a flooding type BIG-IP does not have, and (valid, but a
    different device) a tunnel whose floodingType is left to DO's default."""
    good = json.loads(built["cilium-vxlan"].artifacts["bigip/bigip-1/declarative-onboarding.json"])
    bad_flooding, no_flooding = copy.deepcopy(good), copy.deepcopy(good)
    bad_flooding["Common"]["flannel_vxlan"]["floodingType"] = "point-to-point"
    del no_flooding["Common"]["flannel_vxlan"]["floodingType"]
    return {"negative/bad-flooding": bad_flooding, "negative/no-flooding": no_flooding}


@pytest.fixture(scope="module")
def do_all(built, do_oracle, tmp_path_factory) -> dict[str, DoResult]:
    """One DO run over every declaration and the negative controls."""
    return run_do(do_oracle, {**_declarations(built), **_negative_controls(built)}, tmp_path_factory.mktemp("do"))


@pytest.fixture(scope="module")
def do_results(do_all) -> dict[str, DoResult]:
    return {k: v for k, v in do_all.items() if not k.startswith("negative/")}


# --- DO ---------------------------------------------------------------------------------------


def test_every_bigip_has_a_do_declaration_unless_do_cannot_declare_it(built):
    for b in built.values():
        for bigip in b.topology.bigips:
            has = f"bigip/{bigip.name}/declarative-onboarding.json" in b.artifacts
            assert has == (bigip.name not in DO_GAPS.get(b.name, {})), (b.name, bigip.name)


def test_do_accepts_every_declaration(built, do_results):
    bigips = sum(len(b.desired.bigips) for b in built.values())
    assert len(do_results) == bigips - sum(len(gaps) for gaps in DO_GAPS.values())
    for key, result in do_results.items():
        assert result.valid, (key, result.errors)
        assert result.handler_error is None, (key, result.handler_error)
        assert result.calls, key


def _session(device: BigipEmulator) -> BigipSession:
    return BigipSession("device", device.url, BigipCredentials(USERNAME, PASSWORD), options=FAST, sleep=no_sleep)


def _device_diff(state, device: BigipEmulator) -> list:
    for tunnel in device.collections.get("net/tunnels/tunnel", {}).values():
        device.set_tunnel_mac(tunnel["name"], (state.vtep.mac if state.vtep else None) or "02:00:5e:00:00:01")
    live = read_bigip_state(_session(device), state)
    return list(diff_target(f"bigip/{state.name}", live.objects(), state.objects()).changes)


def _fresh_device(state) -> BigipEmulator:
    """A device with its defaults and what the artifacts assume exists: a route domain other
    than 0 with the underlay VLAN in it."""
    device = BigipEmulator(USERNAME, PASSWORD)
    device.add_device_defaults()
    if state.route_domain:
        device.put("net/route-domain", f"rd{state.route_domain}", id=state.route_domain, vlans=[])
    return device


def _fdb_section(script: str) -> list[list[str]]:
    return [argv for argv in tmsh_argv(script) if argv[:3] == ["modify", "net", "fdb"]]


def _owned(calls: list[dict]) -> list[dict]:
    return [c for c in calls if (c["action"], c["path"]) not in NOT_OWNED_CALLS]


def _set_up_by_do(device: BigipEmulator, result: DoResult, declaration: dict, network_tmsh: str) -> None:
    """The device as DO leaves it: DO's REST calls, the sys db variables its SystemHandler sets,
    and the FDB records, which DO has no class for, from network.tmsh's FDB section."""
    for call in _owned(result.calls):
        device.apply_rest(call["action"], call["path"], call.get("body"))
    for variable, value in declaration["Common"].get("vtepc-db", {}).items():
        if variable != "class":
            device.put("sys/db", variable, partition=None, value=value)
    for argv in _fdb_section(network_tmsh):
        apply_tmsh(device, argv)


def test_do_rest_calls_create_exactly_the_desired_objects_and_the_device_diffs_clean(built, do_results):
    checked = 0
    for key, result in do_results.items():
        topology_name, _, path = key.partition("/")
        b = built[topology_name]
        bigip = path.split("/")[1]
        state = b.desired.bigips[bigip]
        declaration = json.loads(b.artifacts[path])
        created = {(c["path"][len("/tm/") :], c["body"]["name"]) for c in _owned(result.calls) if c["action"] != "delete"}
        # vtepc's object kinds are the iControl REST collections (net/self, net/tunnels/tunnel, ...).
        expected = {(o.kind, o.name) for o in state.objects() if not isinstance(o, (FdbRecord, SysDb, RouteDomainVlan))}
        assert created == expected, key
        with _fresh_device(state) as device:
            _set_up_by_do(device, result, declaration, b.artifacts[f"bigip/{bigip}/network.tmsh"])
            assert _device_diff(state, device) == [], key
        checked += 1
    assert checked == len(do_results)


def test_network_tmsh_sets_up_a_device_that_diffs_clean(built):
    for b in built.values():
        for name, state in b.desired.bigips.items():
            with _fresh_device(state) as device:
                for argv in tmsh_argv(b.artifacts[f"bigip/{name}/network.tmsh"]):
                    apply_tmsh(device, argv)
                assert _device_diff(state, device) == [], (b.name, name)


def test_do_and_tmsh_give_the_same_vxlan_profile_flooding_multipoint_for_cilium(built, do_results):
    for key, result in do_results.items():
        b = built[key.partition("/")[0]]
        if b.topology.cluster.tunnel_protocol != "vxlan" or b.topology.cluster.routing != "tunnel":
            continue
        profile = next(c["body"] for c in result.calls if c["path"] == "/tm/net/tunnels/vxlan")
        tunnel = next(c["body"] for c in result.calls if c["path"] == "/tm/net/tunnels/tunnel")
        assert tunnel["profile"] == f"/Common/{tunnel['name']}_vxlan" == f"/Common/{profile['name']}"
        expected = "multipoint" if b.topology.cluster.cni == "cilium" else "none"
        assert profile["floodingType"] == expected, key
        assert (
            f"create net tunnels vxlan {profile['name']} port {profile['port']} flooding-type {expected}"
            in b.artifacts[key.partition("/")[2].replace("declarative-onboarding.json", "network.tmsh")]
        )


def test_topologies_do_cannot_declare_say_why(built):
    for name, gaps in DO_GAPS.items():
        b = built[name]
        warnings = [d for d in b.diagnostics if d.code == "VTEP950"]
        lines = {b.text[: b.text.index(needle)].count("\n") + 1 for needle in gaps.values()}
        assert {d.position.line for d in warnings} == lines, name
        for bigip in gaps:
            assert "# No declarative-onboarding.json for this BIG-IP: " in b.artifacts[f"bigip/{bigip}/network.tmsh"], name
    assert not any(d.code == "VTEP950" for n, b in built.items() if n not in DO_GAPS for d in b.diagnostics)


def test_route_domain_2_keeps_tunnel_address_and_fdb_endpoints_in_that_domain(built):
    state = built["vxlan-route-domain-2"].desired.bigips["bigip-1"]
    tunnel = next(o for o in state.objects() if o.kind == "net/tunnels/tunnel")
    assert tunnel.local_address.endswith("%2")
    assert all(r.endpoint.endswith("%2") for r in state.of_kind(FdbRecord)) and state.of_kind(FdbRecord)
    assert state.of_kind(RouteDomainVlan)[0].route_domain == 2


# Negative controls: the oracle and the comparison can fail.


def test_do_refuses_a_flooding_type_bigip_does_not_have(do_all):
    result = do_all["negative/bad-flooding"]
    assert not result.valid and "floodingType" in json.dumps(result.errors)


def test_a_tunnel_without_flooding_type_gets_a_multicast_profile_and_the_diff_shows_it(built, do_all):
    b = built["cilium-vxlan"]
    result = do_all["negative/no-flooding"]
    assert result.valid
    state = b.desired.bigips["bigip-1"]
    with _fresh_device(state) as device:
        for call in _owned(result.calls):
            device.apply_rest(call["action"], call["path"], call.get("body"))
        changes = _device_diff(state, device)
    assert [(c.kind, c.field.replace("_", "").lower(), c.before, c.after) for c in changes if c.kind == "net/tunnels/vxlan"] == [
        ("net/tunnels/vxlan", "floodingtype", "multicast", "multipoint")
    ]


# --- AS3 --------------------------------------------------------------------------------------


def _as3_documents(built: dict[str, Built]) -> dict[str, dict]:
    docs = {}
    for b in built.values():
        for path, text in b.artifacts.items():
            if path.endswith("/as3.json"):
                docs[f"{b.name}/{path}"] = json.loads(text)
            elif path.startswith("kubernetes/as3-"):
                docs[f"{b.name}/{path}#template"] = json.loads(YAML(typ="safe").load(text)["data"]["template"])
    return docs


def run_as3(installed: Path, documents: dict[str, dict], directory: Path) -> tuple[int, dict[str, dict]]:
    files = {}
    for key, document in documents.items():
        path = directory / (key.replace("/", "__").replace("#", "_") + ".json")
        path.write_text(json.dumps(document))
        files[str(path)] = key
    status, lines = _run(installed, [Path(p) for p in files])
    return status, {files[line["file"]]: line for line in lines}


def _too_long_path(built: dict[str, Built]) -> dict:
    """An as3.json whose pool is renamed so its path /tenant/application/pool has 196 characters."""
    document = copy.deepcopy(next(d for k, d in _as3_documents(built).items() if k.endswith("/as3.json")))
    adc = document["declaration"]
    tenant_name = next(k for k, v in adc.items() if isinstance(v, dict) and v.get("class") == "Tenant")
    tenant = adc[tenant_name]
    app_name = next(k for k, v in tenant.items() if isinstance(v, dict) and v.get("class") == "Application")
    long_name = "p" * (196 - len(f"/{tenant_name}/{app_name}/"))
    app = tenant[app_name]
    app[long_name] = app.pop(next(k for k, v in app.items() if isinstance(v, dict) and v.get("class") == "Pool"))
    app["serviceMain"]["pool"] = long_name
    return document


@pytest.fixture(scope="module")
def as3_all(built, as3_oracle, tmp_path_factory) -> tuple[int, dict[str, dict]]:
    """One AS3 run over every document and the negative control."""
    documents = {**_as3_documents(built), "negative/too-long-path": _too_long_path(built)}
    return run_as3(as3_oracle, documents, tmp_path_factory.mktemp("as3"))


def test_as3_accepts_every_declaration_and_configmap_template(built, as3_all):
    documents = _as3_documents(built)
    assert any(k.endswith("#template") for k in documents) and any(k.endswith("/as3.json") for k in documents)
    _, results = as3_all
    assert set(results) == set(documents) | {"negative/too-long-path"}
    assert {k: results[k]["errors"] for k in documents if not results[k]["valid"]} == {}


def test_as3_refuses_an_object_path_longer_than_195_characters(as3_all):
    status, results = as3_all
    assert status == 1 and not results["negative/too-long-path"]["valid"], results["negative/too-long-path"]


@pytest.mark.usefixtures("bigip_env")
def test_a_device_first_set_up_by_do_is_adopted_applied_and_diffs_clean(built, do_results, tmp_path):
    """Issue 13: a BIG-IP onboarded with vtepc's DO declaration (DO's own REST calls, its sys db
    variables, and the FDB section of network.tmsh DO has no class for) carries no ownership
    marker: plan refuses it, apply --adopt takes it over, then diff and plan find nothing."""
    from tests.test_plan_apply import _apply, _bigips_clean, site

    examples = {p.stem: p for p in EXAMPLE_FILES}
    checked = 0
    for name, path in sorted(examples.items()):
        b = built[name]
        keys = {bigip: key for key in do_results if key.startswith(f"{name}/") for bigip in [key.split("/")[2]]}
        if not b.desired.bigips or set(keys) != set(b.desired.bigips):
            continue  # a BIG-IP DO cannot declare (VTEP950) is set up by network.tmsh, tested in test_plan_apply
        (tmp_path / name).mkdir()
        with site(path, tmp_path / name) as s:
            for bigip, key in keys.items():
                declaration = json.loads(b.artifacts[key.partition("/")[2]])
                _set_up_by_do(s.bigips[bigip], do_results[key], declaration, b.artifacts[f"bigip/{bigip}/network.tmsh"])
            assert api.plan(path, s.live()).refused, name
            _apply(s, adopt=True)
            assert _bigips_clean(path, s), name
            assert not api.plan(path, s.live()).has_changes, name
        checked += 1
    assert checked >= 3, "every example DO can declare is set up by DO here"
