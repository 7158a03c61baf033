"""Live reads under abuse: transport safety, bounds (deadline, size, pages), strict shapes, 403, secrets in errors.

Every fault must end in one line naming the target (a LiveError, exit 1 from the CLI), within
the deadline, with no credential in it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time

import pytest
from typer.testing import CliRunner

from tests.conftest import EXAMPLES, ROOT
from tests.emulators.bigip import BigipEmulator
from tests.emulators.fixtures import FAST, KUBE_TOKEN, PASSWORD, USERNAME, desired_example, emulate, example_topology, no_sleep
from tests.emulators.fixtures import bigip_env, certificates  # noqa: F401 (fixtures)
from tests.emulators.kube import KubeEmulator
from tests.emulators.server import Reply
from vtepc.cli import app
from vtepc.live import read_bigip
from vtepc.live.bigip import BigipCredentials, BigipSession, read_bigip_state
from vtepc.live.http import (
    BadResponse,
    ConfigurationError,
    Forbidden,
    HttpOptions,
    HttpStatusError,
    RequestTimedOut,
    TlsOptions,
)
from vtepc.live.kube import KubeConnection, KubeSession, read_cluster_state, read_nodes

runner = CliRunner()
CREDENTIALS = BigipCredentials(USERNAME, PASSWORD)


def bigip_session(emulator: BigipEmulator, options: HttpOptions = FAST, password: str = PASSWORD) -> BigipSession:
    return BigipSession("bigip-1", emulator.url, BigipCredentials(USERNAME, password), TlsOptions(), options, sleep=no_sleep)


def kube_session(emulator: KubeEmulator, options: HttpOptions = FAST, token: str = KUBE_TOKEN) -> KubeSession:
    return KubeSession(KubeConnection("test", emulator.url, TlsOptions(), token), options, sleep=no_sleep)


def one_line(exc: BaseException) -> str:
    text = str(exc)
    assert "\n" not in text and "\r" not in text and "Traceback" not in text
    return text


# --- transport -------------------------------------------------------------------------------


@pytest.mark.slow
def test_plain_http_is_refused_before_any_request_unless_opted_in():
    state = desired_example("cilium-vxlan").bigips["bigip-1"]
    env = {"VTEPC_BIGIP_USERNAME": USERNAME, "VTEPC_BIGIP_PASSWORD": PASSWORD}
    with BigipEmulator(USERNAME, PASSWORD) as emulator:
        emulator.load_state(state)
        with pytest.raises(ConfigurationError) as caught:
            read_bigip("bigip-1", emulator.url, state, environ=env, http=HttpOptions(), sleep=no_sleep)
        assert emulator.requests == [] and emulator.logins == 0  # no password went out
        read_bigip("bigip-1", emulator.url, state, environ=env, http=FAST, sleep=no_sleep)
        assert emulator.logins == 1
    assert "--allow-insecure-http" in one_line(caught.value)
    with KubeEmulator(KUBE_TOKEN) as kube:
        with pytest.raises(ConfigurationError):
            kube_session(kube, HttpOptions())
        assert kube.requests == []


@pytest.mark.slow
def test_cli_refuses_http_without_the_flag_and_sends_nothing(tmp_path, bigip_env):  # noqa: F811
    desired = desired_example("cilium-vxlan")
    with emulate(desired, tmp_path) as emulated:
        args = [a for a in emulated.bigip_args() if a != "--allow-insecure-http"]
        result = runner.invoke(app, ["diff", str(EXAMPLES / "cilium-vxlan.yaml"), *args, "--kubeconfig", str(emulated.kubeconfig)])
        sent = [r for e in [*emulated.bigips.values(), emulated.kube] for r in e.requests]
    assert result.exit_code == 1
    assert "plain http:// would send credentials in clear text" in result.output
    assert sent == []


def _git(cwd, *args):
    subprocess.run(
        ["git", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        env={
            **os.environ,
            "GIT_AUTHOR_NAME": "t",
            "GIT_AUTHOR_EMAIL": "t@example.com",
            "GIT_COMMITTER_NAME": "t",
            "GIT_COMMITTER_EMAIL": "t@example.com",
        },
    )


@pytest.mark.slow
def test_urls_from_ref_refuses_a_host_the_base_did_not_name(tmp_path, bigip_env, certificates):  # noqa: F811
    desired = desired_example("cilium-vxlan")
    source = (EXAMPLES / "cilium-vxlan.yaml").read_text()
    base_url = example_topology("cilium-vxlan").bigips[0].management_url
    assert base_url and base_url in source
    with emulate(desired, tmp_path, certificates) as emulated:
        emulator = emulated.bigips["bigip-1"]
        repo = tmp_path / "repo"
        repo.mkdir()
        topology = repo / "topology.yaml"
        # A host name: the checks refuse a loopback address as a BIG-IP's management address.
        base = emulator.url.replace("127.0.0.1", "localhost")
        topology.write_text(source.replace(base_url, base))
        _git(repo, "init", "-q")
        _git(repo, "add", ".")
        _git(repo, "commit", "-qm", "base")
        live = ["--urls-from-ref", "HEAD", "--kubeconfig", str(emulated.kubeconfig), "--ca-bundle", str(certificates.ca)]
        same = runner.invoke(app, ["diff", str(topology), *live])
        logins_before = emulator.logins
        # The pull request points bigip-1 at another host.
        topology.write_text(source.replace(base_url, base.replace("localhost", "collector.example")))
        moved = runner.invoke(app, ["diff", str(topology), *live])
        overridden = runner.invoke(app, ["diff", str(topology), *live, "--bigip", f"bigip-1={emulator.url}"])
        logins_after = emulator.logins
    assert same.exit_code == 0, same.output
    assert moved.exit_code == 1
    assert "bigips[0].managementURL differs from HEAD:topology.yaml" in moved.output
    assert "refusing to send credentials to a host the base revision did not name" in moved.output
    assert logins_after == logins_before + 1  # only the --bigip override logged in
    assert overridden.exit_code == 0, overridden.output


def test_cli_bigip_url_without_scheme_holding_a_password_is_not_echoed(tmp_path, bigip_env):  # noqa: F811
    for value in ("bigip-1=admin:hunter2@192.0.2.10", "bigip-1:admin:hunter2@192.0.2.10"):
        result = runner.invoke(app, ["diff", str(EXAMPLES / "cilium-vxlan.yaml"), "--bigip", value])
        assert result.exit_code == 1
        assert "hunter2" not in result.output and "Traceback" not in result.output


def test_url_without_scheme_holding_a_password_is_not_echoed_by_the_reader():
    state = desired_example("cilium-vxlan").bigips["bigip-1"]
    env = {"VTEPC_BIGIP_USERNAME": USERNAME, "VTEPC_BIGIP_PASSWORD": PASSWORD}
    with pytest.raises(ConfigurationError) as caught:
        read_bigip("bigip-1", "admin:hunter2@192.0.2.10", state, environ=env)
    assert "hunter2" not in one_line(caught.value)


# --- secrets in error messages ------------------------------------------------------------------


@pytest.mark.slow
def test_a_secret_straddling_the_quote_limit_is_scrubbed_before_the_cut():
    # The server's message quotes the password across the 160-character cut.
    message = "x" * 150 + " " + PASSWORD + " rest of the message"
    with BigipEmulator(USERNAME, PASSWORD) as emulator:
        emulator.fail_next(1, status=400, message=message)
        with pytest.raises(HttpStatusError) as caught:
            bigip_session(emulator).login()
    text = one_line(caught.value)
    assert PASSWORD[:6] not in text  # not even the prefix the cut would have left
    assert "x" * 20 in text


@pytest.mark.slow
def test_a_short_password_masks_whole_tokens_not_every_letter():
    with BigipEmulator(USERNAME, "a") as emulator:
        emulator.fail_next(3, status=503, message="database unavailable: a restart is under way")
        with pytest.raises(HttpStatusError) as caught:
            bigip_session(emulator, password="a").login()
    assert "(database unavailable: *** restart is under way)" in one_line(caught.value)


@pytest.mark.slow
@pytest.mark.parametrize("token", ["kube-token\r\nX-Injected: 1", "kube-token\nsecond-line", "tök\u2028en"])
def test_a_token_with_a_line_break_is_one_line_without_the_token(token):
    with KubeEmulator(token) as emulator:
        with pytest.raises(ConfigurationError) as caught:
            read_nodes(kube_session(emulator, token=token))
        assert emulator.requests == []
    text = one_line(caught.value)
    assert "line break or another character an HTTP header cannot carry" in text
    assert "kube-token" not in text and "X-Injected" not in text


@pytest.mark.slow
def test_a_device_token_with_a_line_break_is_a_bad_response_without_the_token():
    with BigipEmulator(USERNAME, PASSWORD) as emulator:
        original = emulator._login

        def login(request):
            reply = original(request)
            reply.document["token"]["token"] = "EVIL\r\nSet-Cookie: x"
            return reply

        emulator._login = login
        with pytest.raises(BadResponse) as caught:
            bigip_session(emulator).get("/mgmt/tm/net/self")
    assert "EVIL" not in one_line(caught.value)


# --- bounds ---------------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_drip_feeding_server_is_cut_at_the_deadline():
    with BigipEmulator(USERNAME, PASSWORD) as emulator:
        emulator.drip = 0.2  # a byte every 0.2 s: never a socket timeout, never done
        started = time.monotonic()
        with pytest.raises(RequestTimedOut) as caught:
            bigip_session(emulator, HttpOptions(timeout=5.0, deadline=1.0, backoff=0.0, allow_insecure_http=True)).login()
        elapsed = time.monotonic() - started
    assert elapsed < 3.0
    assert "no complete answer within the 1 s deadline" in one_line(caught.value)


@pytest.mark.slow
def test_a_drip_feeding_server_is_cut_at_the_deadline_over_tls(certificates):  # noqa: F811
    with BigipEmulator(USERNAME, PASSWORD, certificate=(certificates.certificate, certificates.key)) as emulator:
        emulator.drip = 0.2
        started = time.monotonic()
        with pytest.raises(RequestTimedOut):
            BigipSession(
                "bigip-1",
                emulator.url,
                CREDENTIALS,
                TlsOptions(ca_file=certificates.ca),
                HttpOptions(timeout=5.0, deadline=1.0, backoff=0.0),
                sleep=no_sleep,
            ).login()
        assert time.monotonic() - started < 3.0


@pytest.mark.slow
@pytest.mark.parametrize("chunked", [False, True])
def test_a_body_over_the_size_bound_is_an_error_read_no_further(chunked):
    with BigipEmulator(USERNAME, PASSWORD) as emulator:
        emulator.stream_body = 3 * 2**20
        emulator.stream_chunked = chunked
        with pytest.raises(BadResponse) as caught:
            bigip_session(emulator, HttpOptions(max_response_bytes=2**20, allow_insecure_http=True)).login()
        assert len(emulator.requests) == 1  # not retried
    text = one_line(caught.value)
    assert f"response larger than {2**20} bytes" in text and "--max-response-mb" in text


@pytest.mark.slow
@pytest.mark.parametrize("loop", ["same", "endless"])
def test_bigip_paging_loops_stop_with_an_error(loop):
    with BigipEmulator(USERNAME, PASSWORD) as emulator:
        emulator.add_device_defaults()
        emulator.paging_loop = loop
        with pytest.raises(BadResponse) as caught:
            list(bigip_session(emulator, HttpOptions(max_pages=20, backoff=0.0, allow_insecure_http=True)).collection("/mgmt/tm/net/self"))
        pages = [r for r in emulator.requests if r.path == "/mgmt/tm/net/self"]
    text = one_line(caught.value)
    if loop == "same":
        assert "a paging loop" in text and len(pages) == 2
    else:
        assert "more than 20 pages (--max-pages raises the bound)" in text and len(pages) == 20


@pytest.mark.slow
@pytest.mark.parametrize("loop", ["same", "endless"])
def test_kube_continue_loops_stop_with_an_error(loop):
    with KubeEmulator(KUBE_TOKEN) as emulator:
        emulator.add_node("a", "10.0.0.1")
        emulator.paging_loop = loop
        with pytest.raises(BadResponse) as caught:
            read_nodes(kube_session(emulator, HttpOptions(max_pages=20, backoff=0.0, allow_insecure_http=True)))
    assert ("a paging loop" if loop == "same" else "more than 20 pages") in one_line(caught.value)


MEMORY_SCRIPT = textwrap.dedent("""
    import resource, sys
    # Guard the shared machine: a reader that buffered the body would fail here, not swap.
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
    from tests.emulators.bigip import BigipEmulator
    from tests.emulators.kube import KubeEmulator
    from vtepc.live.bigip import BigipCredentials, BigipSession
    from vtepc.live.http import HttpOptions, LiveError, TlsOptions
    from vtepc.live.kube import KubeConnection, KubeSession, read_nodes

    case = sys.argv[1]
    options = HttpOptions(backoff=0.0, allow_insecure_http=True)  # every bound at its default
    def peak_kib():
        # VmHWM is this process's own high-water mark; ru_maxrss is not: Linux carries the forking
        # parent's peak across execve, so a child of a large pytest process reports the parent's size.
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    before = peak_kib()
    try:
        if case.startswith("kube"):
            with KubeEmulator("t") as emulator:
                emulator.add_node("a", "10.0.0.1")
                emulator.paging_loop = case.split("-")[1]
                read_nodes(KubeSession(KubeConnection("c", emulator.url, TlsOptions(), "t"), options))
        else:
            with BigipEmulator("u", "p") as emulator:
                emulator.add_device_defaults()
                if case.startswith("body"):
                    emulator.stream_body = 2 * 2**30
                    emulator.stream_chunked = case == "body-chunked"
                else:
                    emulator.paging_loop = case.split("-")[1]
                session = BigipSession("b", emulator.url, BigipCredentials("u", "p"), TlsOptions(), options)
                list(session.collection("/mgmt/tm/net/self"))
        print("no error")
    except LiveError as exc:
        print(type(exc).__name__, exc)
    print(before, peak_kib())
""")


@pytest.mark.slow
@pytest.mark.parametrize("case", ["body-length", "body-chunked", "bigip-same", "bigip-endless", "kube-same", "kube-endless"])
def test_memory_stays_bounded_for_a_2gb_body_and_paging_loops(case):
    done = subprocess.run([sys.executable, "-c", MEMORY_SCRIPT, case], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    outcome, figures = done.stdout.strip().splitlines()[-2:]
    assert outcome.startswith("BadResponse"), outcome
    peak_kib = int(figures.split()[1])
    assert peak_kib < 100 * 1024, f"{case}: peak RSS {peak_kib // 1024} MiB"


# --- strict shapes --------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_404_on_a_collection_is_an_error_not_empty():
    state = desired_example("cilium-vxlan").bigips["bigip-1"]
    with BigipEmulator(USERNAME, PASSWORD) as emulator:
        emulator.load_state(state)
        emulator.missing_collections = {"net/route"}
        with pytest.raises(HttpStatusError) as caught:
            read_bigip_state(bigip_session(emulator), state)
    assert caught.value.status == 404
    assert "GET /mgmt/tm/net/route: HTTP 404" in one_line(caught.value)


@pytest.mark.slow
def test_cli_diff_of_a_device_missing_a_collection_exits_1_not_2(tmp_path, bigip_env):  # noqa: F811
    desired = desired_example("cilium-vxlan")
    with emulate(desired, tmp_path) as emulated:
        emulated.bigips["bigip-1"].missing_collections = {"net/self"}
        result = runner.invoke(
            app, ["diff", str(EXAMPLES / "cilium-vxlan.yaml"), *emulated.bigip_args(), "--kubeconfig", str(emulated.kubeconfig)]
        )
    assert result.exit_code == 1
    assert "bigip-1 (http://127.0.0.1:" in result.output and "HTTP 404" in result.output


def _break_self_ip(emulator: BigipEmulator, change) -> None:
    change(emulator.collections["net/self"]["/Common/vtepc-tunnel"])


BIGIP_SHAPES = {
    "item without name": (lambda e: _break_self_ip(e, lambda d: d.pop("name")), "an item without a name"),
    "non-integer tunnel key": (
        lambda e: e.collections["net/tunnels/tunnel"]["/Common/flannel_vxlan"].update(key="abc"),
        "tunnel key 'abc' is not an integer",
    ),
    "address not a string": (lambda e: _break_self_ip(e, lambda d: d.update(address=["10.0.0.1/24"])), "unexpected shape"),
    "items not a list": (lambda e: setattr(e, "route", lambda r, o=e.route: _items_object(o(r), r)), "items are not a list"),
    "list where an object belongs": (
        lambda e: setattr(e, "route", lambda r, o=e.route: _as_list(o(r), r)),
        "a JSON list where an object belongs",
    ),
}


def _items_object(reply, request):
    if request.path == "/mgmt/tm/net/self" and isinstance(reply.document, dict):
        reply.document["items"] = {"not": "a list"}
    return reply


def _as_list(reply, request):
    if request.path.startswith("/mgmt/tm/net/tunnels/tunnel/"):
        reply.document = [reply.document]
    return reply


@pytest.mark.slow
@pytest.mark.parametrize("shape", sorted(BIGIP_SHAPES))
def test_bigip_documents_of_the_wrong_shape_are_one_line_errors(shape):
    state = desired_example("cilium-vxlan").bigips["bigip-1"]
    breaker, expected = BIGIP_SHAPES[shape]
    with BigipEmulator(USERNAME, PASSWORD) as emulator:
        emulator.load_state(state)
        breaker(emulator)
        with pytest.raises(BadResponse) as caught:
            read_bigip_state(bigip_session(emulator), state)
    text = one_line(caught.value)
    assert text.startswith("bigip-1 (http://127.0.0.1:") and expected in text


KUBE_SHAPES = {
    "node without metadata": (lambda e: e.objects["/api/v1/nodes"]["a"].pop("metadata"), "an item without metadata"),
    "node without a name": (lambda e: e.objects["/api/v1/nodes"]["a"]["metadata"].pop("name"), "a node: no 'metadata.name'"),
    "addresses not a list of objects": (
        lambda e: e.objects["/api/v1/nodes"]["a"]["status"].update(addresses=["10.0.0.1"]),
        "node a: unexpected shape",
    ),
}


@pytest.mark.slow
@pytest.mark.parametrize("shape", sorted(KUBE_SHAPES))
def test_kube_documents_of_the_wrong_shape_are_one_line_errors(shape):
    breaker, expected = KUBE_SHAPES[shape]
    desired = desired_example("cilium-vxlan")
    with KubeEmulator(KUBE_TOKEN) as emulator:
        emulator.load_state(desired.cluster)
        emulator.add_node("a", "10.0.0.1")
        breaker(emulator)
        with pytest.raises(BadResponse) as caught:
            read_cluster_state(kube_session(emulator), desired.cluster, tuple(desired.bigips))
    text = one_line(caught.value)
    assert text.startswith("cluster (context test) (http://127.0.0.1:") and expected in text, text


@pytest.mark.slow
def test_403_is_reported_as_forbidden_without_a_second_login():
    with BigipEmulator(USERNAME, PASSWORD) as emulator:
        emulator.add_device_defaults()
        session = bigip_session(emulator)
        session.login()
        emulator.fail_next(1, status=403, message="Authorization failed: user=vtepc-reader resource=/mgmt/tm/net/self")
        with pytest.raises(Forbidden) as caught:
            list(session.collection("/mgmt/tm/net/self"))
        assert emulator.logins == 1
    text = one_line(caught.value)
    assert "GET /mgmt/tm/net/self: HTTP 403 forbidden" in text and "HTTP 401" not in text


@pytest.mark.slow
def test_403_on_login_is_forbidden_and_quotes_no_body():
    with BigipEmulator(USERNAME, PASSWORD) as emulator:
        emulator.fail_next(1, status=403, message=f"denied for {PASSWORD}")
        with pytest.raises(Forbidden) as caught:
            bigip_session(emulator).login()
    text = one_line(caught.value)
    assert "login forbidden (HTTP 403)" in text and "denied" not in text


DEEP_JSON = "[" * 50_000 + "]" * 50_000
DEEP_YAML = "- " * 3_000 + "x\n"


@pytest.mark.slow
def test_deep_nesting_in_a_snapshot_ignore_file_kubeconfig_and_response_is_a_typed_error(tmp_path, bigip_env):  # noqa: F811
    snapshot = tmp_path / "snap"
    snapshot.mkdir()
    (snapshot / "vtepc-snapshot.json").write_text(DEEP_JSON)
    ignore = tmp_path / "ignore.yaml"
    ignore.write_text(DEEP_YAML)
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(DEEP_YAML)
    topology = str(EXAMPLES / "cilium-vxlan.yaml")
    results = {
        "snapshot": runner.invoke(app, ["diff", topology, "--snapshot", str(snapshot)]),
        "ignore": runner.invoke(app, ["diff", topology, "--snapshot", str(snapshot), "--ignore-file", str(ignore)]),
        # Every target is attempted: the BIG-IP fails at once (plain http, not opted in), the kubeconfig after it.
        "kubeconfig": runner.invoke(app, ["diff", topology, "--kubeconfig", str(kubeconfig), "--bigip", "bigip-1=http://127.0.0.1:9"]),
    }
    for name, result in results.items():
        assert result.exit_code == 1, (name, result.output)
        assert "nested too deeply" in result.output, (name, result.output)
        assert "Traceback" not in result.output and not isinstance(result.exception, RecursionError)
    with BigipEmulator(USERNAME, PASSWORD) as emulator:
        emulator.route = lambda request: Reply(200, raw=DEEP_JSON.encode())
        with pytest.raises(BadResponse) as caught:
            bigip_session(emulator).login()
    assert "nested too deeply" in one_line(caught.value)


# --- progress -------------------------------------------------------------------------------------


def _run_snapshot(emulated, output, stderr_is_terminal: bool) -> tuple[int, str]:
    """`vtepc snapshot` in a subprocess whose stderr is a pseudo-terminal, or a pipe."""
    import pty

    command = [
        sys.executable,
        "-m",
        "vtepc",
        "snapshot",
        str(EXAMPLES / "cilium-vxlan-two-bigips.yaml"),
        "-o",
        str(output),
        *emulated.bigip_args(),
        "--kubeconfig",
        str(emulated.kubeconfig),
    ]
    env = {**os.environ, "VTEPC_BIGIP_USERNAME": USERNAME, "VTEPC_BIGIP_PASSWORD": PASSWORD}
    if not stderr_is_terminal:
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
        return done.returncode, done.stderr
    leader, follower = pty.openpty()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=follower)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    return process.wait(timeout=120), b"".join(chunks).decode()


@pytest.mark.slow
def test_progress_is_one_line_per_target_on_a_terminal_and_quiet_otherwise(tmp_path, bigip_env):  # noqa: F811
    desired = desired_example("cilium-vxlan-two-bigips")
    with emulate(desired, tmp_path) as emulated:
        status, terminal = _run_snapshot(emulated, tmp_path / "a", stderr_is_terminal=True)
        piped_status, piped = _run_snapshot(emulated, tmp_path / "b", stderr_is_terminal=False)
    assert status == 0 and piped_status == 0, terminal + piped
    # Each target: a "reading" line rewritten in place (\r, erase line) by its result.
    finished = [line.rpartition("\x1b[K")[2] for line in terminal.replace("\r\n", "\n").split("\n") if "objects" in line]
    assert [line.split(" ")[0].rstrip(":") for line in finished] == ["bigip/bigip-1", "bigip/bigip-2", "cluster/prod"], terminal
    assert all(line.endswith(" objects") for line in finished)
    assert "reading bigip/bigip-1 (http://127.0.0.1:" in terminal
    assert "reading" not in piped and "objects" not in piped and "\x1b" not in piped


def _drip(emulated):
    emulated.bigips["bigip-1"].drip = 0.2


def _stream(emulated):
    emulated.bigips["bigip-1"].stream_body = 3 * 2**20


def _loop(emulated):
    # discover pages only through the node list; diff and snapshot meet the BIG-IP loop first.
    emulated.bigips["bigip-1"].paging_loop = "endless"
    emulated.kube.paging_loop = "endless"


@pytest.mark.slow
@pytest.mark.parametrize("command", ["diff", "snapshot", "discover"])
@pytest.mark.parametrize(
    "fault, flags, expected",
    [
        (_drip, ["--deadline", "1", "--timeout", "5"], "no complete answer within the 1 s deadline"),
        (_stream, ["--max-response-mb", "1"], f"response larger than {2**20} bytes"),
        (_loop, ["--max-pages", "3"], "more than 3 pages"),
    ],
    ids=["deadline", "size", "pages"],
)
def test_each_bound_has_a_flag_on_every_live_command(tmp_path, bigip_env, command, fault, flags, expected):  # noqa: F811
    desired = desired_example("cilium-vxlan")
    topology = str(EXAMPLES / "cilium-vxlan.yaml")
    with emulate(desired, tmp_path) as emulated:
        fault(emulated)
        extra = ["-o", str(tmp_path / "snap")] if command == "snapshot" else ["--dry-run"] if command == "discover" else []
        started = time.monotonic()
        result = runner.invoke(app, [command, topology, *extra, *emulated.bigip_args(), "--kubeconfig", str(emulated.kubeconfig), *flags])
        elapsed = time.monotonic() - started
    assert result.exit_code == 1, result.output
    assert expected in result.output and " (http://127.0.0.1:" in result.output
    assert elapsed < 10
