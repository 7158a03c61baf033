"""A fleet planned, applied and diffed against the BIG-IP emulator (issue 15): one plan per
device with every member's objects, ownership per member on a shared device, and objects of
topologies outside the fleet never touched unless pruned.
"""

from __future__ import annotations

import contextlib
import copy
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest
from typer.testing import CliRunner

from tests.conftest import EXAMPLES
from tests.emulators.bigip import BigipEmulator
from tests.emulators.fixtures import FAST, PASSWORD, USERNAME, bigip_env  # noqa: F401 (fixture)
from vtepc import api
from vtepc.cli import app
from vtepc.fleet import validate_fleet
from vtepc.plan import ownership_marker
from vtepc.state.bigip import Tunnel

pytestmark = [pytest.mark.usefixtures("bigip_env"), pytest.mark.slow]  # the emulated BIG-IPs serve on local sockets
runner = CliRunner()
FLEET = EXAMPLES / "fleet"
OWNED_COLLECTIONS = ("net/self", "net/route", "net/tunnels/tunnel", "net/tunnels/vxlan")


@dataclass
class FleetSite:
    """Empty BIG-IPs for every device of a fleet directory (HA pairs in one device group)."""

    directory: Path
    bigips: dict[str, BigipEmulator]

    def live(self) -> api.LiveSource:
        return api.LiveSource(bigip_urls={n: e.url for n, e in self.bigips.items()}, http=FAST)

    def args(self) -> list[str]:
        return [a for n, e in self.bigips.items() for a in ("--bigip", f"{n}={e.url}")] + ["--allow-insecure-http"]

    def writes(self) -> int:
        return sum(1 for e in self.bigips.values() for r in e.requests if r.method != "GET" and r.path != "/mgmt/shared/authn/login")

    def owners(self, name: str) -> dict[str, str]:
        """Object full path -> its description, for every object of the owned kinds on one device."""
        device = self.bigips[name]
        return {path: str(doc.get("description", "")) for c in OWNED_COLLECTIONS for path, doc in device.collections.get(c, {}).items()}


@contextlib.contextmanager
def fleet_site(directory: Path) -> Iterator[FleetSite]:
    report = validate_fleet([directory])
    assert report.ok
    with contextlib.ExitStack() as stack:
        bigips = {}
        for merged in report.merged:
            emulator = stack.enter_context(BigipEmulator(USERNAME, PASSWORD))
            emulator.add_device_defaults()
            for attachment in merged.device.attachments:
                state = attachment.state
                for tunnel in state.of_kind(Tunnel):
                    emulator.set_tunnel_mac(tunnel.name, state.vtep.mac if state.vtep and state.vtep.mac else "02:00:5e:00:00:01")
            bigips[merged.device.name] = emulator
        bigips["bigip-1"].pair_with(bigips["bigip-2"])
        yield FleetSite(directory, bigips)


def _fleet_copy(tmp_path: Path) -> Path:
    directory = tmp_path / "fleet"
    shutil.copytree(FLEET, directory)
    return directory


def _invoke(*args: str) -> "object":
    return runner.invoke(app, list(args))


# --- what the issue must show --------------------------------------------------------------------


def test_the_example_fleet_validates_builds_applies_and_diffs_clean(tmp_path):
    """examples/fleet through the CLI: validate, build, plan (2), apply, then diff and plan are clean (0)."""
    assert runner.invoke(app, ["validate", str(FLEET)]).exit_code == 0
    assert runner.invoke(app, ["build", str(FLEET), "-o", str(tmp_path / "out")]).exit_code == 0
    with fleet_site(FLEET) as s:
        admin = {n: copy.deepcopy(e.collections["net/self"]["/Common/admin-external"]) for n, e in s.bigips.items()}
        done = runner.invoke(app, ["plan", str(FLEET), *s.args()])
        assert done.exit_code == 2, done.output
        assert "+ create net/tunnels/tunnel vxlan_prod_a" in done.stdout and "<- prod-a: bigips[0].tunnel" in done.stdout
        assert "config sync to device group vtepc-failover" in done.stdout
        done = runner.invoke(app, ["apply", str(FLEET), "--auto-approve", *s.args()])
        assert done.exit_code == 0, done.output
        assert "bigip-1: " in done.stderr and "config-synced to vtepc-failover" in done.stderr
        assert "verified: 2 device(s)" in done.stderr
        done = runner.invoke(app, ["diff", str(FLEET), *s.args()])
        assert done.exit_code == 0, done.output
        assert runner.invoke(app, ["plan", str(FLEET), *s.args()]).exit_code == 0
        for name, device in s.bigips.items():
            assert device.collections["net/self"]["/Common/admin-external"] == admin[name]  # the admin's, untouched
            assert device.saved == device.collections
        # Every object carries its member's marker; the shared underlay self IP its first member's.
        owners = s.owners("bigip-1")
        for member in ("prod-a", "prod-b"):
            assert owners[f"/Common/vtepc-{member}-underlay-floating"] == ownership_marker(member)
            assert owners[f"/Common/vxlan_{member.replace('-', '_')}"] == ownership_marker(member)
        assert owners["/Common/vtepc-dev-flannel-underlay"] == ownership_marker("dev-flannel")
        assert owners["/Common/flannel_vxlan"] == ownership_marker("dev-flannel")
