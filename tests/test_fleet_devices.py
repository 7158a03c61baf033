"""The merged device artifacts of the example fleet set up a BIG-IP that diffs clean against the merged state.

network.tmsh runs on the BIG-IP emulator (tests/emulators) and the live reader reads it back; the
DO declaration goes through DO 1.45's own code (tests/test_oracle_f5_code.py's runner): valid, and
the REST calls it makes create exactly the merged state's objects (FDB records aside, which DO has
no class for), which, applied to the emulator with the FDB section of network.tmsh, diff clean.
"""

from __future__ import annotations

import json

import pytest

from tests.emulators.tmsh import apply_tmsh, tmsh_argv
from vtepc import api
from vtepc.state.bigip import FdbRecord, RouteDomainVlan, SysDb

from .conftest import EXAMPLES
from .test_oracle_f5_code import DO_ORACLE, _device_diff, _fdb_section, _fresh_device, _install, _owned, run_do

pytestmark = pytest.mark.oracle

FLEET = EXAMPLES / "fleet"


@pytest.fixture(scope="module")
def fleet():
    tree, report = api.build_fleet([FLEET])
    shared = {m.device.name: m.state for m in report.shared()}
    assert sorted(shared) == ["bigip-1", "bigip-2"]
    return tree, shared


def test_merged_network_tmsh_sets_up_each_shared_device_and_it_diffs_clean(fleet):
    tree, shared = fleet
    for name, state in shared.items():
        with _fresh_device(state) as device:
            for argv in tmsh_argv(tree[f"devices/{name}/network.tmsh"]):
                apply_tmsh(device, argv)
            tunnels = {t["name"] for t in device.collections["net/tunnels/tunnel"].values()}
            assert {"vxlan_prod_a", "vxlan_prod_b", "flannel_vxlan"} <= tunnels
            assert _device_diff(state, device) == [], name


def test_do_sets_up_each_shared_device_as_network_tmsh_does(fleet, tmp_path):
    tree, shared = fleet
    declarations = {name: json.loads(tree[f"devices/{name}/declarative-onboarding.json"]) for name in shared}
    results = run_do(_install(DO_ORACLE), declarations, tmp_path)
    for name, state in shared.items():
        result = results[name]
        assert result.valid and result.handler_error is None, (name, result.errors, result.handler_error)
        created = {(c["path"][len("/tm/") :], c["body"]["name"]) for c in _owned(result.calls) if c["action"] != "delete"}
        assert created == {(o.kind, o.name) for o in state.objects() if not isinstance(o, (FdbRecord, SysDb, RouteDomainVlan))}
        with _fresh_device(state) as device:
            for call in _owned(result.calls):
                device.apply_rest(call["action"], call["path"], call.get("body"))
            for db, value in declarations[name]["Common"]["vtepc-db"].items():
                if db != "class":
                    device.put("sys/db", db, partition=None, value=value)
            for argv in _fdb_section(tree[f"devices/{name}/network.tmsh"]):
                apply_tmsh(device, argv)
            assert _device_diff(state, device) == [], name
