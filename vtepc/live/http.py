"""A small JSON-over-HTTPS client for the live readers: read-only, bounded, and quiet about secrets.

* TLS is verified unless the caller explicitly opts out (`TlsOptions.insecure`); a CA bundle
  file or PEM data can replace the system trust store. Plain http:// is refused before anything
  is sent unless the caller opts in (`HttpOptions.allow_insecure_http`, --allow-insecure-http).
* One connection per client, kept alive (HTTP/1.1) from request to request: one TCP connect and
  one TLS handshake per device, not one per request. A connection the server closed while it
  was idle is found before a request is written to it (its socket reads as ready: EOF or a TLS
  close_notify) and replaced; a reply saying `Connection: close`, a failure or a cut deadline
  drops it.
* Every request is bounded (HttpOptions): a socket timeout for each wait, a deadline for the
  request as a whole (a server drip-feeding bytes is cut there, retries included), a maximum
  response size (read in chunks, never more than that held), and the callers bound pages.
  Transient failures (HTTP 5xx, refused/reset connections, timeouts) are retried a bounded
  number of times with exponential backoff; 4xx never is. A request is sent again only when
  that is safe: a replayable one (GET, and what the caller marks so: a login, a save) after any
  transient failure, any other (a write) only when it failed before its last byte was written,
  so the server cannot have acted on it (RFC 9110 9.2.2, RFC 9112 9.3.1: a non-idempotent
  request that may have reached the server is never retransmitted automatically).
* Failures are typed (`LiveError` subclasses) with one-line messages that name the target and
  host. Known secrets (passwords, tokens) and secret-looking values are scrubbed from every
  message before anything quoted is shortened (vtepc.secrets), and no header or body is ever
  logged.
"""

from __future__ import annotations

import heapq
import http.client
import itertools
import json
import logging
import os
import select
import socket
import ssl
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable
from urllib.parse import urlencode, urlsplit

from ..diagnostics import VtepcError
from ..secrets import scrub_text

log = logging.getLogger("vtepc.live")

# Server messages quoted in errors are cut to this length: enough to say why, never a page.
MAX_QUOTED_MESSAGE = 160


class LiveError(VtepcError):
    """A live source (BIG-IP, Kubernetes API) could not be read."""


class CredentialsMissing(LiveError):
    """No credentials for a target in the environment (they never come from argv or the topology)."""


class ConfigurationError(LiveError):
    """A live-access setting (URL, kubeconfig, TLS option) is unusable."""


class ConnectionFailed(LiveError):
    """The host could not be reached (refused, reset, DNS) after every attempt."""


class TlsVerifyFailed(ConnectionFailed):
    """The server's certificate did not verify against the trusted CAs."""


class RequestTimedOut(ConnectionFailed):
    """No answer within the timeout, on every attempt."""


class AuthFailed(LiveError):
    """The server rejected the credentials or the session token (HTTP 401)."""


class Forbidden(AuthFailed):
    """The credentials are valid but lack permission for this request (HTTP 403)."""


class HttpStatusError(LiveError):
    """An unexpected HTTP status (after retries for 5xx)."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


class BadResponse(LiveError):
    """The server answered with something that is not the JSON document expected (truncated, not JSON, wrong shape)."""


@dataclass(frozen=True)
class TlsOptions:
    """How to verify the server and, for Kubernetes, how to present a client certificate.

    PEM data (from a kubeconfig's *-data fields) and file paths are both accepted.
    """

    ca_file: Path | None = None
    ca_data: bytes | None = None
    insecure: bool = False  # explicit opt-out only; never a default
    server_name: str | None = None  # SNI / verified name when it differs from the URL host
    client_cert_file: Path | None = None
    client_key_file: Path | None = None
    client_cert_data: bytes | None = None
    client_key_data: bytes | None = None


MIB = 2**20


@dataclass(frozen=True)
class HttpOptions:
    """Bounds on every live request (the README's table of live bounds lists them with their flags)."""

    timeout: float = 10.0  # seconds: connecting, and each wait for bytes (--timeout)
    deadline: float = 60.0  # seconds for one request as a whole, every attempt and backoff included (--deadline)
    attempts: int = 3  # total tries for a transient failure
    backoff: float = 0.5  # seconds before the second try; doubled for each further try
    max_response_bytes: int = 16 * MIB  # one response body; a longer one is an error, read no further (--max-response-mb)
    max_pages: int = 1000  # pages of one paged collection; a nextLink/continue loop is an error at once (--max-pages)
    allow_insecure_http: bool = False  # plain http:// sends credentials in clear text: explicit opt-in only


def ssl_context(tls: TlsOptions) -> ssl.SSLContext:
    """An SSLContext for these options; raises ConfigurationError for unreadable CA/cert material."""
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH)
    try:
        if tls.ca_file is not None:
            context.load_verify_locations(cafile=str(tls.ca_file))
        if tls.ca_data is not None:
            context.load_verify_locations(cadata=tls.ca_data.decode("ascii", errors="replace"))
        _load_client_certificate(context, tls)
    except (OSError, ssl.SSLError, ValueError) as exc:
        raise ConfigurationError(f"TLS material cannot be loaded: {_shorten(scrub_text(str(exc) or type(exc).__name__))}") from None
    if tls.insecure:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def _load_client_certificate(context: ssl.SSLContext, tls: TlsOptions) -> None:
    if tls.client_cert_data is None and tls.client_cert_file is None:
        return
    if tls.client_cert_data is None and tls.client_key_data is None:
        context.load_cert_chain(str(tls.client_cert_file), str(tls.client_key_file) if tls.client_key_file else None)
        return
    # ssl can load a certificate chain only from files: write the PEM data to private temporary
    # files (0600, removed at once) rather than keeping key material anywhere on disk.
    with tempfile.TemporaryDirectory(prefix="vtepc-tls-") as tmp:
        cert = tls.client_cert_file or _private_file(Path(tmp) / "cert.pem", tls.client_cert_data or b"")
        key = tls.client_key_file or (_private_file(Path(tmp) / "key.pem", tls.client_key_data) if tls.client_key_data else None)
        context.load_cert_chain(str(cert), str(key) if key else None)


def _private_file(path: Path, data: bytes) -> Path:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    return path


def _one_line(text: str) -> str:
    """Whitespace (line breaks included) collapsed: every message is one line."""
    return " ".join(text.split())


def _shorten(text: str) -> str:
    text = _one_line(text)
    return text if len(text) <= MAX_QUOTED_MESSAGE else text[: MAX_QUOTED_MESSAGE - 3] + "..."


def _header_safe(value: str) -> bool:
    """Printable ASCII only: a CR/LF would split the header (http.client raises, quoting the value)."""
    return all(" " <= c <= "~" for c in value)


def expect_text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError("not a string")
    return value


def expect_integer(value: Any, what: str) -> int:
    """An integer field: a JSON integer or its decimal string (iControl REST sends both), nothing else."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    raise ValueError(f"{what} {value!r} is not an integer")


def display_url(url: str) -> str:
    """scheme://host[:port] of a URL: what error messages show (never a path, query or userinfo)."""
    parts = urlsplit(url)
    host = parts.hostname or "?"
    if ":" in host:
        host = f"[{host}]"
    return f"{parts.scheme}://{host}" + (f":{parts.port}" if parts.port else "")


@dataclass
class Response:
    status: int
    body: bytes


class _DeadlinePassed(Exception):
    """The request's deadline cut the connection."""


class _Unsent(Exception):
    """The request failed before its last byte was written: the server cannot have acted on it."""

    def __init__(self, cause: BaseException):
        self.cause = cause


class _TooLarge(Exception):
    def __init__(self, size: int | None):
        self.size = size  # the declared Content-Length, when there was one


class JsonClient:
    """JSON requests against one base URL, named `target` in every error.

    `secrets` are scrubbed from error messages; add to it (`add_secret`) as tokens are obtained.
    `sleep` is injectable so tests can run the retry path without waiting.
    """

    def __init__(
        self,
        target: str,
        base_url: str,
        tls: TlsOptions = TlsOptions(),
        options: HttpOptions = HttpOptions(),
        *,
        secrets: Iterable[str] = (),
        sleep: Callable[[float], None] = time.sleep,
    ):
        try:
            parts = urlsplit(base_url)
            port = parts.port
        except ValueError:
            parts, port = None, None
        if parts is None or parts.scheme not in ("https", "http") or not parts.hostname:
            # Quoted scrubbed: "admin:pw@host" (no scheme) is not a URL but still holds a password.
            raise ConfigurationError(f"{target}: {scrub_text(base_url)!r} is not an http(s) URL with a host and a valid port")
        if parts.username is not None or parts.password is not None:
            raise ConfigurationError(f"{target}: credentials in the URL are refused; use the environment variables instead")
        if parts.query or parts.fragment:
            raise ConfigurationError(f"{target}: the URL must not have a query or fragment")
        if parts.scheme == "http" and not options.allow_insecure_http:
            # Refused here, before the first request: no credential has been sent.
            raise ConfigurationError(
                f"{target} ({display_url(base_url)}): plain http:// would send credentials in clear text; "
                "use https://, or pass --allow-insecure-http to accept that"
            )
        self.target = target
        self.where = f"{target} ({display_url(base_url)})"
        self._host = parts.hostname
        self._port = port
        self._prefix = parts.path.rstrip("/")
        self._context = ssl_context(tls) if parts.scheme == "https" else None
        self._server_name = tls.server_name
        self.options = options
        self._secrets = {s for s in secrets if s}
        self._sleep = sleep
        self.headers: dict[str, str] = {}
        self._connection: http.client.HTTPConnection | None = None
        self.connections_opened = 0  # TCP (and TLS) connections made: one per client while the server keeps it alive

    def close(self) -> None:
        """Close the kept-alive connection, if any (the next request opens a new one)."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def add_secret(self, value: str) -> None:
        if value:
            self._secrets.add(value)

    def set_header(self, name: str, value: str, kind: type[LiveError], what: str) -> None:
        """A credential header; `kind` naming `what` when the value cannot be a header (never quoting it)."""
        if not _header_safe(value):
            raise self.error(kind, f"{what} contains a line break or another character an HTTP header cannot carry")
        self.headers[name] = value

    def scrub(self, text: str) -> str:
        return scrub_text(text, self._secrets)

    def quote(self, text: str) -> str:
        """Text from outside (a server message, an exception) fit to quote: scrubbed first, then shortened."""
        return _shorten(self.scrub(text))

    def error(self, kind: type[LiveError], cause: str, **extra: Any) -> LiveError:
        message = _one_line(self.scrub(f"{self.where}: {cause}"))
        return kind(message, **extra) if extra else kind(message)

    def shape_error(self, what: str, exc: Exception) -> LiveError:
        """BadResponse for a document that parsed but does not have the shape `what` needs."""
        if isinstance(exc, KeyError):
            reason = f"no {self.quote(repr(exc.args[0]))}" if exc.args else "a missing field"
        elif isinstance(exc, ValueError):
            reason = self.quote(str(exc))
        else:
            reason = f"unexpected shape ({type(exc).__name__})"
        return self.error(BadResponse, f"{what}: {reason}")

    # --- requests -------------------------------------------------------------------------

    def get(self, path: str, params: dict[str, Any] | None = None, *, missing_ok: bool = False) -> Any:
        """GET a JSON document; None for 404 when `missing_ok`."""
        return self.request("GET", path, params=params, missing_ok=missing_ok)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        body: Any = None,
        missing_ok: bool = False,
        replayable: bool | None = None,
    ) -> Any:
        """One JSON request; `replayable` as raw() takes it."""
        response = self.raw(method, path, params=params, body=body, replayable=replayable)
        if response.status == 404 and missing_ok:
            return None
        if response.status == 401:
            raise self.error(AuthFailed, f"{method} {path}: HTTP 401 unauthorized {self._server_message(response)}".rstrip())
        if response.status == 403:
            raise self.error(Forbidden, f"{method} {path}: HTTP 403 forbidden {self._server_message(response)}".rstrip())
        if not 200 <= response.status < 300:
            raise self.error(
                HttpStatusError,
                f"{method} {path}: HTTP {response.status} {self._server_message(response)}".rstrip(),
                status=response.status,
            )
        if not response.body.strip() and method in ("POST", "PATCH", "DELETE"):
            return {}  # a write the device answers without a body (DELETE does)
        document = self.decode(response, f"{method} {path}")
        if not isinstance(document, dict):
            raise self.error(BadResponse, f"{method} {path}: a JSON {type(document).__name__} where an object belongs")
        return document

    def decode(self, response: Response, what: str) -> Any:
        try:
            text = response.body.decode("utf-8")
            return json.loads(text)
        except RecursionError:
            raise self.error(BadResponse, f"{what}: JSON nested too deeply in the response") from None
        except ValueError as exc:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
            # A document that stops early fails at its very end or inside an unfinished string.
            truncated = isinstance(exc, json.JSONDecodeError) and (
                exc.pos >= len(exc.doc.rstrip()) or exc.msg.startswith("Unterminated string")
            )
            reason = "truncated JSON" if truncated else "invalid JSON"
            raise self.error(BadResponse, f"{what}: {reason} in the response ({len(response.body)} bytes)") from None

    def raw(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        body: Any = None,
        replayable: bool | None = None,
    ) -> Response:
        """One request with retries on transient failures; returns the final response (any status).

        `replayable` (default: only GET is) says the request may be sent again after it may have
        reached the server (a 5xx, a timeout or a connection lost while waiting for the answer).
        Any request is sent again after a failure before its last byte was written.
        """
        replay = method == "GET" if replayable is None else replayable
        url_path = self._prefix + path + (("?" + urlencode(params, safe="$~/,=")) if params else "")
        payload = None if body is None else json.dumps(body).encode()
        all_headers = {"Accept": "application/json", **self.headers}
        if payload is not None:
            all_headers["Content-Type"] = "application/json"
        attempts = max(1, self.options.attempts)
        deadline = time.monotonic() + self.options.deadline
        for attempt in range(1, attempts + 1):
            last_try = attempt == attempts
            remaining = deadline - time.monotonic()
            unsent = False
            try:
                if remaining <= 0:
                    raise _DeadlinePassed
                try:
                    response = self._once(method, url_path, payload, all_headers, remaining)
                except _Unsent as exc:
                    unsent = True
                    raise exc.cause from None
            except _DeadlinePassed:
                raise self.error(
                    RequestTimedOut,
                    f"{method} {path}: no complete answer within the {self.options.deadline:g} s deadline "
                    f"({attempt} attempt(s)); --deadline sets it",
                ) from None
            except _TooLarge as exc:
                size = f" ({exc.size} bytes announced)" if exc.size is not None else ""
                raise self.error(
                    BadResponse,
                    f"{method} {path}: response larger than {self.options.max_response_bytes} bytes{size}; "
                    "read no further (--max-response-mb raises the bound)",
                ) from None
            except ssl.SSLCertVerificationError as exc:
                # Not transient: retrying cannot make a certificate verify.
                raise self.error(
                    TlsVerifyFailed,
                    f"TLS certificate verification failed ({self.quote(exc.verify_message or str(exc))}); "
                    "pass --ca-bundle with the CA that signed it, or --insecure to skip verification",
                ) from None
            except (TimeoutError, socket.timeout):
                log.debug("%s: %s %s timed out (attempt %d/%d)", self.where, method, path, attempt, attempts)
                if not (replay or unsent):
                    raise self.error(
                        RequestTimedOut, f"{method} {path}: no answer within {self.options.timeout:g} s; {_NOT_RESENT}"
                    ) from None
                if last_try:
                    raise self.error(
                        RequestTimedOut,
                        f"{method} {path}: no answer within {self.options.timeout:g} s ({attempts} attempt(s))",
                    ) from None
            except http.client.IncompleteRead as exc:
                raise self.error(BadResponse, f"{method} {path}: response cut off after {len(exc.partial)} bytes") from None
            except ValueError as exc:
                # http.client refuses what it cannot send (a non-ASCII path): not transient, and never quoted.
                raise self.error(ConfigurationError, f"{method} {path}: the request cannot be sent ({type(exc).__name__})") from None
            except (OSError, http.client.HTTPException) as exc:
                log.debug("%s: %s %s failed: %s (attempt %d/%d)", self.where, method, path, type(exc).__name__, attempt, attempts)
                cause = self.quote(str(exc) or type(exc).__name__)
                if not (replay or unsent):
                    raise self.error(ConnectionFailed, f"{method} {path}: {cause}; {_NOT_RESENT}") from None
                if last_try:
                    raise self.error(ConnectionFailed, f"{method} {path}: {cause} ({attempts} attempt(s))") from None
            else:
                log.debug("%s: %s %s -> %d", self.where, method, path, response.status)
                if response.status < 500 or last_try or not replay:
                    return response
            self._sleep(max(0.0, min(self.options.backoff * (2 ** (attempt - 1)), deadline - time.monotonic())))
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _connect(self, timeout: float) -> http.client.HTTPConnection:
        """The kept-alive connection when the server has not closed it, else a new one (not yet connected)."""
        connection = self._connection
        if connection is not None and _idle_and_open(connection):
            connection.timeout = timeout
            if connection.sock is not None:
                connection.sock.settimeout(timeout)
            return connection
        self.close()
        if self._context is not None:  # https
            connection = _HTTPSConnection(self._host, self._port, timeout=timeout, context=self._context, server_name=self._server_name)
        else:
            connection = http.client.HTTPConnection(self._host, self._port, timeout=timeout)
        self._connection = connection
        return connection

    def _once(self, method: str, url_path: str, payload: bytes | None, headers: dict[str, str], remaining: float) -> Response:
        connection = self._connect(min(self.options.timeout, remaining))
        # The socket timeout bounds each wait, not a server that sends a byte every few seconds:
        # at the deadline the watchdog shuts the socket down, which ends whatever read is under way.
        expired = threading.Event()
        alarm = _WATCHDOG.arm(time.monotonic() + remaining, lambda: _cut(connection, expired))
        kept = False
        try:
            try:
                if connection.sock is None:
                    connection.connect()
                    self.connections_opened += 1
                connection.request(method, url_path or "/", body=payload, headers=headers)
            except (OSError, http.client.HTTPException) as exc:
                if expired.is_set():
                    raise _DeadlinePassed from None
                if isinstance(exc, ssl.SSLCertVerificationError):
                    raise
                raise _Unsent(exc) from None
            reply = connection.getresponse()
            body = self._read_body(reply)
            kept = not reply.will_close
        except Exception:
            if expired.is_set():
                raise _DeadlinePassed from None
            raise
        finally:
            _WATCHDOG.disarm(alarm)
            if not kept or expired.is_set():
                self.close()
        if expired.is_set():
            raise _DeadlinePassed  # a body without a length ends at the cut: it is not complete
        return Response(reply.status, body)

    def _read_body(self, reply: http.client.HTTPResponse) -> bytes:
        """The body, in chunks, never more than max_response_bytes of it held."""
        limit = self.options.max_response_bytes
        declared = reply.getheader("Content-Length")
        if declared and declared.strip().isdigit() and int(declared) > limit:
            raise _TooLarge(int(declared))
        body = bytearray()
        while chunk := reply.read(min(64 * 1024, limit + 1 - len(body))):
            body += chunk
            if len(body) > limit:
                raise _TooLarge(None)
        return bytes(body)

    def _server_message(self, response: Response) -> str:
        """The server's own reason, when the body is a JSON error document: scrubbed, then shortened."""
        try:
            document = json.loads(response.body)
        except (ValueError, RecursionError):
            return ""
        message = document.get("message") if isinstance(document, dict) else None
        return f"({self.quote(str(message))})" if message else ""


_NOT_RESENT = "it may have reached the server, so it was not sent again"


def _idle_and_open(connection: http.client.HTTPConnection) -> bool:
    """Whether a kept-alive connection can carry the next request: nothing is waiting to be read
    on an idle HTTP/1.1 connection, so a socket that reads as ready was closed by the server
    (EOF, a TLS close_notify) or holds bytes nobody asked for; either way it is not reused."""
    sock = connection.sock
    if sock is None:
        return False
    if isinstance(sock, ssl.SSLSocket) and sock.pending():
        return False
    try:
        readable, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return False
    return not readable


class _Watchdog:
    """One daemon thread that runs the deadline of every request under way (a thread per request
    costs more than the request itself on a kept-alive connection). `arm` returns a key;
    `disarm` guarantees the action does not run afterwards (both hold the lock the action runs under)."""

    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._due: list[tuple[float, int]] = []  # a heap of (when, key)
        self._actions: dict[int, Callable[[], None]] = {}
        self._keys = itertools.count()
        self._thread: threading.Thread | None = None

    def arm(self, when: float, action: Callable[[], None]) -> int:
        with self._lock:
            key = next(self._keys)
            self._actions[key] = action
            heapq.heappush(self._due, (when, key))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="vtepc-deadlines", daemon=True)
                self._thread.start()
            elif self._due[0][1] == key:
                self._lock.notify()  # sooner than what the thread waits for; otherwise it need not wake
        return key

    def disarm(self, key: int) -> None:
        with self._lock:
            self._actions.pop(key, None)

    def _run(self) -> None:
        with self._lock:
            while True:
                while self._due and self._due[0][1] not in self._actions:
                    heapq.heappop(self._due)  # disarmed
                if not self._due:
                    self._lock.wait()
                    continue
                when, key = self._due[0]
                wait = when - time.monotonic()
                if wait > 0:
                    self._lock.wait(wait)
                    continue
                heapq.heappop(self._due)
                self._actions.pop(key)()


_WATCHDOG = _Watchdog()


def _reset_watchdog() -> None:
    global _WATCHDOG
    _WATCHDOG = _Watchdog()  # a forked child has none of the parent's threads or requests


os.register_at_fork(after_in_child=_reset_watchdog)


def _cut(connection: http.client.HTTPConnection, expired: threading.Event) -> None:
    """Deadline timer: end every read and write on the connection's socket."""
    expired.set()
    sock = connection.sock
    if sock is not None:
        try:
            # socket.socket's own shutdown: SSLSocket.shutdown would also drop its TLS state under the reader.
            socket.socket.shutdown(sock, socket.SHUT_RDWR)
        except OSError:
            pass


class _HTTPSConnection(http.client.HTTPSConnection):
    """HTTPSConnection that can verify a name other than the host it connects to (kubeconfig tls-server-name)."""

    def __init__(self, host: str, port: int | None, *, timeout: float, context: ssl.SSLContext, server_name: str | None) -> None:
        super().__init__(host, port, timeout=timeout, context=context)
        self._tls_context = context
        self._server_name = server_name

    def connect(self) -> None:
        if not self._server_name:
            return super().connect()
        http.client.HTTPConnection.connect(self)
        self.sock = self._tls_context.wrap_socket(self.sock, server_hostname=self._server_name)
