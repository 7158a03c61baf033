"""Every BIG-IP object kind of the state is handled by every consumer: the tmsh and DO renderers,
the live reader and the BIG-IP emulator. A new kind in vtepc.state.bigip.OBJECT_KINDS fails here
until it has a sample below and each target's table (vtepc/emitters.py) has an entry for it:
a handler, or NotExpressible saying why the target cannot carry it."""

from __future__ import annotations

import dataclasses
import json

import pytest

from tests.conftest import EXAMPLES
from tests.emulators.bigip import LOADERS, BigipEmulator
from tests.emulators.fixtures import PASSWORD, USERNAME, no_sleep
from vtepc.emitters import STAGES, NotExpressible, missing_kinds
from vtepc.live.bigip import READERS, BigipCredentials, BigipSession, read_bigip_state
from vtepc.plan.model import OWNERSHIP, REPLACED_WHEN
from vtepc.plan.rest import WRITERS
from vtepc.live.http import HttpOptions, TlsOptions
from vtepc.render.declarative_onboarding import DO, declaration, do_gaps
from vtepc.render.tmsh import TMSH, render_network_tmsh
from vtepc.state import RenderMeta, datapath
from vtepc.state.bigip import (
    OBJECT_KINDS,
    BigipState,
    FdbRecord,
    GeneveProfile,
    Route,
    RouteDomainVlan,
    SelfIp,
    SysDb,
    Tunnel,
    VxlanProfile,
    fdb_record,
)
from vtepc.validate import load_topology

TOPOLOGY = load_topology(EXAMPLES / "flannel.yaml")
META, DATAPATH = RenderMeta(TOPOLOGY.metadata.name), datapath(TOPOLOGY)
BIGIP = TOPOLOGY.bigips[0].name
RD = 2

# One object of every kind, consistent with each other (the tunnel uses the profile, the route the tunnel).
SAMPLES = {
    VxlanProfile: VxlanProfile("vtepc-vxlan", 8472, "none"),
    GeneveProfile: GeneveProfile("vtepc-geneve", 6082),
    Tunnel: Tunnel("flannel_vxlan", "vtepc-vxlan", 1, f"172.16.1.28%{RD}"),
    RouteDomainVlan: RouteDomainVlan(f"{RD}/flannel_vxlan", RD, "flannel_vxlan"),
    SelfIp: SelfIp("vtepc-tunnel", f"10.244.30.15%{RD}/16", "flannel_vxlan"),
    Route: Route("vtepc-pods", f"10.244.0.0%{RD}/16", interface="flannel_vxlan"),
    FdbRecord: fdb_record("flannel_vxlan", "98:ba:76:dc:54:fe", f"172.16.2.10%{RD}"),
    SysDb: SysDb("iptunnel.configsync", "disable"),
}


def _state(kinds=SAMPLES) -> BigipState:
    return BigipState(BIGIP, RD, tuple(SAMPLES[kind] for kind in kinds))


def _without(kind: type) -> BigipState:
    return _state([k for k in SAMPLES if k is not kind])


def test_the_samples_cover_every_object_kind():
    assert {cls.kind for cls in SAMPLES} == set(OBJECT_KINDS)
    assert all(type(obj) is cls for cls, obj in SAMPLES.items())


# Every target's table, by the name a failure shows.
TABLES = {
    "network.tmsh (vtepc.render.tmsh.TMSH)": TMSH,
    "DO declaration (vtepc.render.declarative_onboarding.DO)": DO,
    "live reader (vtepc.live.bigip.READERS)": READERS,
    "emulator (tests.emulators.bigip.LOADERS)": LOADERS,
    "apply's REST writer (vtepc.plan.rest.WRITERS)": WRITERS,
    "plan ownership (vtepc.plan.model.OWNERSHIP)": OWNERSHIP,
    "plan replacement rule (vtepc.plan.model.REPLACED_WHEN)": REPLACED_WHEN,
    "creation order (vtepc.emitters.STAGES)": {kind: name for name, kinds in STAGES for kind in kinds},
}


@pytest.mark.parametrize("target", list(TABLES))
def test_every_target_has_an_entry_for_every_kind(target):
    """Handled, or explicitly NotExpressible: a new kind without an entry fails here, per target."""
    assert missing_kinds(TABLES[target], OBJECT_KINDS.values()) == []


def test_a_kind_without_an_entry_is_named():
    class NewKind:
        kind = "net/new"

    assert missing_kinds(TMSH, [*OBJECT_KINDS.values(), NewKind]) == ["NewKind"]


def test_what_do_cannot_declare_gates_its_declaration():
    """The DO table's NotExpressible entries are the VTEP950 gaps: blocking ones stop the declaration
    (each named at its object's topology field), FDB records (DO has no FDB class) do not."""
    assert isinstance(DO[FdbRecord], NotExpressible) and not DO[FdbRecord].blocking
    only_fdb = BigipState(BIGIP, 0, (SAMPLES[FdbRecord], SAMPLES[SelfIp]))
    assert do_gaps(only_fdb) == []
    gaps = do_gaps(_state())
    assert len(gaps) == 3
    assert any("route domain 2" in gap.reason for gap in gaps)
    assert any("vtepc-geneve" in gap.reason for gap in gaps)
    assert any("DO names the tunnel's VXLAN profile flannel_vxlan_vxlan, not vtepc-vxlan" in gap.reason for gap in gaps)


@pytest.mark.parametrize("kind", list(SAMPLES), ids=lambda cls: cls.kind)
def test_tmsh_emits_every_kind(kind):
    assert render_network_tmsh(META, DATAPATH, _state()) != render_network_tmsh(META, DATAPATH, _without(kind))


@pytest.mark.parametrize("kind", list(SAMPLES), ids=lambda cls: cls.kind)
def test_declarative_onboarding_emits_every_kind_or_says_it_cannot(kind):
    """A kind DO has no class for must still change the declaration: its label names what is only in tmsh."""
    full = declaration(TOPOLOGY.metadata.name, "external", _state())
    assert json.dumps(full, sort_keys=True) != json.dumps(declaration(TOPOLOGY.metadata.name, "external", _without(kind)), sort_keys=True)


@pytest.mark.slow
def test_emulator_and_live_reader_round_trip_every_kind():
    state = _state()
    with BigipEmulator(USERNAME, PASSWORD) as emulator:
        emulator.load_state(state)
        session = BigipSession(
            BIGIP,
            emulator.url,
            BigipCredentials(USERNAME, PASSWORD),
            TlsOptions(),
            HttpOptions(timeout=5, allow_insecure_http=True),
            sleep=no_sleep,
        )
        live = read_bigip_state(session, state)
    assert {type(obj) for obj in live.objects()} == set(SAMPLES)
    assert live.objects() == state.objects()
    assert dataclasses.replace(live, vtep=None) == state
