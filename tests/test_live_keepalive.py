"""Kept-alive connections (issue 13): one connection per device, a connection the server closed is
replaced, and a request is sent again only when that is safe.

A write that may have reached the device is never sent twice by the client; inside a
transaction whose commit has not been sent, apply discards the transaction and queues all of it
again in a new one; a commit whose answer is lost is settled by reading the transaction's state.
"""

from __future__ import annotations

import copy
import json
import time

import pytest

from tests.conftest import EXAMPLES
from tests.emulators.bigip import BigipEmulator
from tests.emulators.fixtures import FAST, PASSWORD, USERNAME, bigip_env, no_sleep  # noqa: F401 (fixture)
from tests.emulators.fixtures import certificates  # noqa: F401 (fixture)
from tests.emulators.server import Request
from tests.test_plan_apply import _apply, _bigips_clean, site
from vtepc.live.bigip import BigipCredentials, BigipSession
from vtepc.live.http import ConnectionFailed, HttpOptions, RequestTimedOut, TlsOptions
from vtepc.plan.apply import ApplyFailed

pytestmark = pytest.mark.slow  # every test serves the emulated API on a local socket

SELF_IP = {"name": "vtepc-probe", "partition": "Common", "address": "192.0.2.7/24", "vlan": "/Common/external"}


def session(emulator: BigipEmulator, options: HttpOptions = FAST, tls: TlsOptions = TlsOptions()) -> BigipSession:
    return BigipSession("bigip-1", emulator.url, BigipCredentials(USERNAME, PASSWORD), tls, options, sleep=no_sleep)


def _posts(emulator: BigipEmulator, path: str) -> list[Request]:
    return [r for r in emulator.requests if r.method == "POST" and r.path == path]


def _is(method: str, path_end: str):
    return lambda request: request.method == method and request.path.endswith(path_end)


def _commit(request: Request) -> bool:
    return request.method == "PATCH" and request.path.startswith("/mgmt/tm/transaction/")


def test_one_connection_carries_every_request_of_a_session():
    with BigipEmulator(USERNAME, PASSWORD) as emulator:
        emulator.add_device_defaults()
        reader = session(emulator)
        for _ in range(5):
            assert [i["name"] for i in reader.collection("/mgmt/tm/net/self")] == ["admin-external"]
        reader.write("POST", "/mgmt/tm/net/self", SELF_IP)
        assert len(emulator.requests) == 7  # login, five reads, one write
        assert emulator.connections == 1 and reader.client.connections_opened == 1


def test_over_tls_one_handshake_per_device(certificates):  # noqa: F811
    with BigipEmulator(USERNAME, PASSWORD, certificate=(certificates.certificate, certificates.key)) as emulator:
        emulator.add_device_defaults()
        reader = session(emulator, tls=TlsOptions(ca_file=certificates.ca))
        for _ in range(3):
            reader.get("/mgmt/tm/net/route")
        assert emulator.connections == 1


def test_a_connection_the_server_closed_between_requests_is_replaced_and_the_write_sent_once():
    with BigipEmulator(USERNAME, PASSWORD) as emulator:
        emulator.add_device_defaults()
        writer = session(emulator)
        writer.get("/mgmt/tm/net/self")
        emulator.close_connections()  # an idle timeout or a restart, between two requests
        writer.write("POST", "/mgmt/tm/net/self", SELF_IP)
        assert len(_posts(emulator, "/mgmt/tm/net/self")) == 1
        assert "/Common/vtepc-probe" in emulator.collections["net/self"]
        assert emulator.connections == 2


def test_the_servers_idle_timeout_and_request_limit_open_new_connections():
    with BigipEmulator(USERNAME, PASSWORD) as emulator:
        emulator.add_device_defaults()
        emulator.keepalive_timeout = 0.2
        reader = session(emulator)
        reader.get("/mgmt/tm/net/self")
        waited = time.monotonic()
        while emulator.open_connections and time.monotonic() - waited < 10:
            time.sleep(0.05)  # the server closes the idle connection after 0.2 s (later on a loaded machine)
        assert not emulator.open_connections
        reader.get("/mgmt/tm/net/self")
        assert emulator.connections == 2
    with BigipEmulator(USERNAME, PASSWORD) as emulator:
        emulator.add_device_defaults()
        emulator.max_keepalive_requests = 3  # the third reply on a connection says Connection: close
        reader = session(emulator)
        for _ in range(6):
            reader.get("/mgmt/tm/net/self")
        assert len(emulator.requests) == 7 and emulator.connections == 3


def test_a_get_whose_answer_was_lost_is_sent_again_on_a_new_connection():
    with BigipEmulator(USERNAME, PASSWORD) as emulator:
        emulator.add_device_defaults()
        reader = session(emulator)
        reader.login()
        emulator.drop_next(_is("GET", "/net/self"))
        assert [i["name"] for i in reader.collection("/mgmt/tm/net/self")] == ["admin-external"]
        assert [r.method for r in emulator.requests] == ["POST", "GET", "GET"]
        assert emulator.connections == 2


@pytest.mark.parametrize("processed", [True, False], ids=["carried-out", "not-carried-out"])
def test_a_write_whose_answer_was_lost_is_never_sent_again(processed):
    with BigipEmulator(USERNAME, PASSWORD) as emulator:
        emulator.add_device_defaults()
        writer = session(emulator)
        writer.login()
        emulator.drop_next(_is("POST", "/net/self"), processed=processed)
        with pytest.raises(ConnectionFailed) as caught:
            writer.write("POST", "/mgmt/tm/net/self", SELF_IP)
        assert "may have reached the server, so it was not sent again" in str(caught.value)
        assert len(_posts(emulator, "/mgmt/tm/net/self")) == 1
        assert ("/Common/vtepc-probe" in emulator.collections["net/self"]) is processed


def test_a_write_that_never_left_is_sent_again():
    with BigipEmulator(USERNAME, PASSWORD) as emulator:
        writer = session(emulator)
        writer.login()
    # The device is gone: every connect is refused, so the write never reached it and was tried three times.
    with pytest.raises(ConnectionFailed, match=r"\(3 attempt\(s\)\)"):
        writer.write("POST", "/mgmt/tm/net/self", SELF_IP)


def test_the_deadline_still_cuts_a_kept_alive_connection_and_the_next_request_gets_a_new_one():
    with BigipEmulator(USERNAME, PASSWORD) as emulator:
        emulator.add_device_defaults()
        reader = session(emulator, HttpOptions(timeout=5.0, deadline=0.5, attempts=1, allow_insecure_http=True))
        reader.login()
        emulator.drip = 0.05
        started = time.monotonic()
        with pytest.raises(RequestTimedOut, match="deadline"):
            reader.get("/mgmt/tm/net/self")
        assert time.monotonic() - started < 3
        emulator.drip = 0.0
        assert reader.get("/mgmt/tm/net/route")["items"]
        assert emulator.connections == 2


# --- apply: the transaction ----------------------------------------------------------------------


@pytest.mark.usefixtures("bigip_env")
def test_a_command_lost_while_queueing_discards_the_transaction_and_queues_it_again_whole(tmp_path):
    with site(EXAMPLES / "cilium-vxlan.yaml", tmp_path) as s:
        device = s.bigips["bigip-1"]
        # The third queued command reaches the device (it is queued) but its answer is lost.
        seen: list[Request] = []

        def third_queued(request: Request) -> bool:
            if "x-f5-rest-coordination-id" in request.headers:
                seen.append(request)
            return len(seen) == 3

        device.drop_next(third_queued, processed=True)
        result = _apply(s)
        assert result.report is not None
        assert _bigips_clean(s.path, s)
        ids = {r.headers["x-f5-rest-coordination-id"] for r in device.requests if "x-f5-rest-coordination-id" in r.headers}
        assert len(ids) == 2
        first, second = sorted(int(i) for i in ids)
        assert first not in device.transactions  # discarded, never committed
        assert device.transactions[second]["state"] == "COMPLETED"
        steps = result.report.devices[0].steps
        assert len(device.transactions[second]["commands"]) == steps  # each command queued once in it
        commits = [r for r in device.requests if _commit(r)]
        assert [r.path for r in commits] == [f"/mgmt/tm/transaction/{second}"]


@pytest.mark.usefixtures("bigip_env")
def test_a_commit_whose_answer_was_lost_but_was_carried_out_is_settled_by_its_state(tmp_path):
    with site(EXAMPLES / "cilium-vxlan.yaml", tmp_path) as s:
        device = s.bigips["bigip-1"]
        device.drop_next(_commit, processed=True)
        assert _apply(s).report is not None
        commits = [r for r in device.requests if _commit(r)]
        assert len(commits) == 1 and json.loads(commits[0].body) == {"state": "VALIDATING"}  # never sent twice
        assert device.saved is not None and _bigips_clean(s.path, s)


@pytest.mark.usefixtures("bigip_env")
def test_a_commit_lost_before_the_device_saw_it_is_discarded_and_the_device_unchanged(tmp_path):
    with site(EXAMPLES / "cilium-vxlan.yaml", tmp_path) as s:
        device = s.bigips["bigip-1"]
        before = copy.deepcopy(device.collections)
        device.drop_next(_commit, processed=False)
        with pytest.raises(ApplyFailed, match="not sent again; bigip-1 is unchanged"):
            _apply(s)
        commits = [r for r in device.requests if _commit(r)]
        assert len(commits) == 1
        assert not device.transactions  # discarded: it can never be committed now
        assert device.collections == before and device.saved is None
