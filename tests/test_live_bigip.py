"""The BIG-IP reader against the iControl REST emulator: round trip, drift, faults, credentials, TLS."""

from __future__ import annotations

import dataclasses

import pytest

from tests.conftest import EXAMPLE_FILES
from tests.emulators.bigip import BigipEmulator
from tests.emulators.fixtures import FAST, PASSWORD, USERNAME, desired_example, no_sleep
from tests.emulators.fixtures import certificates  # noqa: F401 (fixture)
from vtepc.live import read_bigip
from vtepc.live.bigip import BigipCredentials, BigipSession, bigip_credentials, read_bigip_state
from vtepc.live.http import (
    AuthFailed,
    BadResponse,
    ConfigurationError,
    CredentialsMissing,
    HttpOptions,
    HttpStatusError,
    RequestTimedOut,
    TlsOptions,
    TlsVerifyFailed,
)
from vtepc.state.bigip import FdbRecord, Tunnel, fdb_record

CREDENTIALS = BigipCredentials(USERNAME, PASSWORD)


def session(emulator: BigipEmulator, options: HttpOptions = FAST, tls: TlsOptions = TlsOptions(), page_size: int = 500) -> BigipSession:
    return BigipSession("bigip-1", emulator.url, CREDENTIALS, tls, options, page_size=page_size, sleep=no_sleep)


def expected_live(state):
    """What a device loaded with `state` reports: no AS3 (not read), the emulator's MAC if unknown."""
    expected = dataclasses.replace(state, as3=None)
    if state.vtep is not None and state.vtep.mac is None:
        expected = dataclasses.replace(expected, vtep=dataclasses.replace(state.vtep, mac="02:00:5e:00:00:01"))
    return expected


@pytest.mark.slow
@pytest.mark.parametrize("example", [p.stem for p in EXAMPLE_FILES])
def test_device_loaded_with_desired_state_reads_back_equal(example):
    desired = desired_example(example)
    for name, state in desired.bigips.items():
        with BigipEmulator(USERNAME, PASSWORD) as emulator:
            emulator.load_state(state)
            live = read_bigip_state(session(emulator), state)
        assert live == expected_live(state), name
        assert {r.method for r in emulator.requests} == {"GET", "POST"}
        assert [r.path for r in emulator.requests if r.method == "POST"] == ["/mgmt/shared/authn/login"]


@pytest.mark.slow
def test_paged_collections_and_records_subcollection_collect_every_item():
    state = desired_example("cilium-vxlan").bigips["bigip-1"]
    with BigipEmulator(USERNAME, PASSWORD) as emulator:
        emulator.load_state(state)
        emulator.max_page_size = 1
        emulator.inline_records = False  # records only through .../records, paged too
        for i in range(7):
            emulator.add_fdb_record("flannel_vxlan", f"0a:0a:0a:00:00:{i:02x}", f"10.0.0.{i}")
        live = read_bigip_state(session(emulator, page_size=2), state)
        pages = [r for r in emulator.requests if r.query.get("$skip")]
    records = [o for o in live.items if isinstance(o, FdbRecord)]
    assert len(records) == len(state.of_kind(FdbRecord)) + 7
    assert pages, "the reader never followed a nextLink"


@pytest.mark.slow
def test_v13_stats_key_gives_the_same_mac():
    state = desired_example("cilium-vxlan").bigips["bigip-1"]
    with BigipEmulator(USERNAME, PASSWORD) as emulator:
        emulator.load_state(state)
        emulator.stats_key_style = "v13"
        assert session(emulator).tunnel_mac("flannel_vxlan") == state.vtep.mac


@pytest.mark.slow
def test_drift_hand_added_record_removed_record_and_mac_show_up():
    state = desired_example("cilium-vxlan").bigips["bigip-1"]
    removed = state.of_kind(FdbRecord)[0]
    with BigipEmulator(USERNAME, PASSWORD) as emulator:
        emulator.load_state(state)
        emulator.remove_fdb_record("flannel_vxlan", removed.mac)
        emulator.add_fdb_record("flannel_vxlan", "0A:0A:0A:A9:48:F0", "10.169.72.240")
        emulator.set_tunnel_mac("flannel_vxlan", "00:50:56:00:00:99")
        emulator.put("net/self", "vtepc-stale", address="10.9.9.9/24", vlan="/Common/flannel_vxlan")
        live = read_bigip_state(session(emulator), state)
    names = {o.name for o in live.items}
    assert removed.name not in names
    assert fdb_record("flannel_vxlan", "0a:0a:0a:a9:48:f0", "10.169.72.240%0") in live.items
    assert "vtepc-stale" in names and "admin-external" not in names
    assert live.vtep.mac == "00:50:56:00:00:99"


@pytest.mark.slow
def test_missing_tunnel_reads_as_absent_not_as_error():
    state = desired_example("cilium-vxlan").bigips["bigip-1"]
    with BigipEmulator(USERNAME, PASSWORD) as emulator:
        emulator.add_device_defaults()
        live = read_bigip_state(session(emulator), state)
    assert not live.of_kind(Tunnel) and live.vtep is None


# --- faults --------------------------------------------------------------------------------


def one_line(exc: Exception) -> str:
    text = str(exc)
    assert "\n" not in text and "Traceback" not in text
    return text


@pytest.mark.slow
def test_wrong_password_is_a_clear_auth_error():
    with BigipEmulator(USERNAME, "another-password") as emulator:
        with pytest.raises(AuthFailed) as caught:
            session(emulator).login()
    message = one_line(caught.value)
    assert message.startswith("bigip-1 (http://127.0.0.1:") and "login rejected" in message
    assert PASSWORD not in message


@pytest.mark.slow
def test_token_expiry_mid_run_is_handled_by_one_relogin():
    state = desired_example("cilium-vxlan").bigips["bigip-1"]
    with BigipEmulator(USERNAME, PASSWORD) as emulator:
        emulator.load_state(state)
        emulator.token_lifetime = 3
        live = read_bigip_state(session(emulator), state)
        logins = emulator.logins
    assert live == expected_live(state)
    assert logins > 1


@pytest.mark.slow
def test_token_rejected_after_relogin_is_a_clear_error():
    with BigipEmulator(USERNAME, PASSWORD) as emulator:
        emulator.token_lifetime = 0
        with pytest.raises(AuthFailed) as caught:
            session(emulator).get("/mgmt/tm/net/self")
        assert emulator.logins == 2
    assert "token rejected (HTTP 401) right after a fresh login" in one_line(caught.value)


@pytest.mark.slow
def test_500_then_success_within_the_retry_bound():
    with BigipEmulator(USERNAME, PASSWORD) as emulator:
        emulator.add_device_defaults()
        emulator.fail_next(2)
        items = list(session(emulator).collection("/mgmt/tm/net/self"))
    assert [i["name"] for i in items] == ["admin-external"]


@pytest.mark.slow
def test_500_past_the_retry_bound_is_an_http_error():
    with BigipEmulator(USERNAME, PASSWORD) as emulator:
        emulator.fail_next(3)
        with pytest.raises(HttpStatusError) as caught:
            session(emulator).login()
        assert len(emulator.requests) == 3
    assert caught.value.status == 500
    assert "POST /mgmt/shared/authn/login: HTTP 500" in one_line(caught.value)


@pytest.mark.slow
def test_4xx_is_never_retried():
    with BigipEmulator(USERNAME, PASSWORD) as emulator:
        emulator.fail_next(1, status=400)
        with pytest.raises(HttpStatusError):
            session(emulator).login()
        assert len(emulator.requests) == 1


@pytest.mark.slow
def test_slow_answers_past_the_timeout():
    with BigipEmulator(USERNAME, PASSWORD) as emulator:
        emulator.delay = 3.0
        with pytest.raises(RequestTimedOut) as caught:
            session(emulator, HttpOptions(timeout=0.2, attempts=2, backoff=0.0, allow_insecure_http=True)).login()
        assert len(emulator.requests) == 2
    assert "no answer within 0.2 s (2 attempt(s))" in one_line(caught.value)


@pytest.mark.slow
def test_truncated_json_is_a_bad_response():
    with BigipEmulator(USERNAME, PASSWORD) as emulator:
        emulator.truncate_json = True
        with pytest.raises(BadResponse) as caught:
            session(emulator).login()
    assert "truncated JSON" in one_line(caught.value)


@pytest.mark.slow
def test_connection_refused_after_retries():
    with BigipEmulator(USERNAME, PASSWORD) as emulator:
        url = emulator.url
    dead = BigipSession("bigip-1", url, CREDENTIALS, options=FAST, sleep=no_sleep)
    with pytest.raises(Exception) as caught:
        dead.login()
    assert type(caught.value).__name__ == "ConnectionFailed"
    assert "(3 attempt(s))" in one_line(caught.value)


# --- TLS -----------------------------------------------------------------------------------


@pytest.mark.slow
def test_tls_verification_fails_without_the_ca_and_succeeds_with_it_or_insecure(certificates):  # noqa: F811
    with BigipEmulator(USERNAME, PASSWORD, certificate=(certificates.certificate, certificates.key)) as emulator:
        with pytest.raises(TlsVerifyFailed) as caught:
            session(emulator).login()
        assert "--ca-bundle" in one_line(caught.value)
        session(emulator, tls=TlsOptions(ca_file=certificates.ca)).login()
        session(emulator, tls=TlsOptions(insecure=True)).login()
        assert emulator.logins == 2


# --- credentials ---------------------------------------------------------------------------


def test_credentials_per_device_win_over_global(tmp_path):
    password_file = tmp_path / "pw"
    password_file.write_text("from-file\n")
    env = {
        "VTEPC_BIGIP_USERNAME": "global",
        "VTEPC_BIGIP_PASSWORD": "global-pw",
        "VTEPC_BIGIP_BIGIP_2_USERNAME": "device",
        "VTEPC_BIGIP_BIGIP_2_PASSWORD_FILE": str(password_file),
    }
    assert bigip_credentials("bigip-1", env) == BigipCredentials("global", "global-pw")
    assert bigip_credentials("bigip-2", env) == BigipCredentials("device", "from-file")
    assert "from-file" not in repr(bigip_credentials("bigip-2", env))


def test_missing_credentials_name_the_variables():
    with pytest.raises(CredentialsMissing) as caught:
        bigip_credentials("bigip-1", {})
    assert "VTEPC_BIGIP_BIGIP_1_USERNAME" in str(caught.value)


def test_credentials_in_the_url_are_refused():
    state = desired_example("cilium-vxlan").bigips["bigip-1"]
    env = {"VTEPC_BIGIP_USERNAME": USERNAME, "VTEPC_BIGIP_PASSWORD": PASSWORD}
    with pytest.raises(ConfigurationError) as caught:
        read_bigip("bigip-1", "https://admin:hunter2@192.0.2.10", state, environ=env)
    assert "hunter2" not in str(caught.value)
