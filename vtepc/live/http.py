"""A small JSON-over-HTTPS client for the live readers: read-only, bounded, and quiet about secrets.

* TLS is verified unless the caller explicitly opts out (`TlsOptions.insecure`); a CA bundle
  file or PEM data can replace the system trust store.
* Every request has a timeout. Transient failures (HTTP 5xx, refused/reset connections,
  timeouts) are retried a bounded number of times with exponential backoff; 4xx never is.
* Failures are typed (`LiveError` subclasses) with one-line messages that name the target and
  host. Values registered as secrets (passwords, tokens) are scrubbed from every message, and
  no header or body is ever logged.
"""
from __future__ import annotations

import http.client
import json
import logging
import os
import socket
import ssl
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable
from urllib.parse import urlencode, urlsplit

from ..diagnostics import VtepcError

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
    """The server rejected the credentials or the session token (401/403)."""


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


@dataclass(frozen=True)
class HttpOptions:
    timeout: float = 10.0  # seconds, per attempt (connect and each read)
    attempts: int = 3  # total tries for a transient failure
    backoff: float = 0.5  # seconds before the second try; doubled for each further try
    max_pages: int = 10_000  # bound on paged collections, so a looping server cannot hang us


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
        raise ConfigurationError(f"TLS material cannot be loaded: {_one_line(str(exc) or type(exc).__name__)}") from None
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
        key = tls.client_key_file or (
            _private_file(Path(tmp) / "key.pem", tls.client_key_data) if tls.client_key_data else None
        )
        context.load_cert_chain(str(cert), str(key) if key else None)


def _private_file(path: Path, data: bytes) -> Path:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    return path


def _one_line(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_QUOTED_MESSAGE else text[: MAX_QUOTED_MESSAGE - 3] + "..."


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
        parts = urlsplit(base_url)
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise ConfigurationError(f"{target}: {base_url!r} is not an http(s) URL with a host")
        if parts.username is not None or parts.password is not None:
            raise ConfigurationError(
                f"{target}: credentials in the URL are refused; use the environment variables instead"
            )
        if parts.query or parts.fragment:
            raise ConfigurationError(f"{target}: the URL must not have a query or fragment")
        self.target = target
        self.where = f"{target} ({display_url(base_url)})"
        self._scheme = parts.scheme
        self._host = parts.hostname
        self._port = parts.port
        self._prefix = parts.path.rstrip("/")
        self._context = ssl_context(tls) if parts.scheme == "https" else None
        self._server_name = tls.server_name
        self.options = options
        self._secrets = {s for s in secrets if s}
        self._sleep = sleep
        self.headers: dict[str, str] = {}

    def add_secret(self, value: str) -> None:
        if value:
            self._secrets.add(value)

    def scrub(self, text: str) -> str:
        for secret in sorted(self._secrets, key=len, reverse=True):
            text = text.replace(secret, "***")
        return text

    def error(self, kind: type[LiveError], cause: str, **extra: Any) -> LiveError:
        message = self.scrub(f"{self.where}: {cause}")
        return kind(message, **extra) if extra else kind(message)

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
    ) -> Any:
        response = self.raw(method, path, params=params, body=body)
        if response.status == 404 and missing_ok:
            return None
        if response.status in (401, 403):
            raise self.error(AuthFailed, f"{method} {path}: HTTP {response.status} {self._server_message(response)}".rstrip())
        if not 200 <= response.status < 300:
            raise self.error(
                HttpStatusError,
                f"{method} {path}: HTTP {response.status} {self._server_message(response)}".rstrip(),
                status=response.status,
            )
        return self.decode(response, f"{method} {path}")

    def decode(self, response: Response, what: str) -> Any:
        try:
            text = response.body.decode("utf-8")
            return json.loads(text)
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
    ) -> Response:
        """One request with retries on transient failures; returns the final response (any status)."""
        url_path = self._prefix + path + (("?" + urlencode(params, safe="$~/,=")) if params else "")
        payload = None if body is None else json.dumps(body).encode()
        all_headers = {"Accept": "application/json", **self.headers}
        if payload is not None:
            all_headers["Content-Type"] = "application/json"
        attempts = max(1, self.options.attempts)
        for attempt in range(1, attempts + 1):
            last_try = attempt == attempts
            try:
                response = self._once(method, url_path, payload, all_headers)
            except ssl.SSLCertVerificationError as exc:
                # Not transient: retrying cannot make a certificate verify.
                raise self.error(
                    TlsVerifyFailed,
                    f"TLS certificate verification failed ({_one_line(exc.verify_message or str(exc))}); "
                    "pass --ca-bundle with the CA that signed it, or --insecure to skip verification",
                ) from None
            except (TimeoutError, socket.timeout):
                log.debug("%s: %s %s timed out (attempt %d/%d)", self.where, method, path, attempt, attempts)
                if last_try:
                    raise self.error(
                        RequestTimedOut,
                        f"{method} {path}: no answer within {self.options.timeout:g} s ({attempts} attempt(s))",
                    ) from None
            except http.client.IncompleteRead as exc:
                raise self.error(
                    BadResponse, f"{method} {path}: response cut off after {len(exc.partial)} bytes"
                ) from None
            except (OSError, http.client.HTTPException) as exc:
                log.debug("%s: %s %s failed: %s (attempt %d/%d)", self.where, method, path, type(exc).__name__, attempt, attempts)
                if last_try:
                    cause = _one_line(str(exc) or type(exc).__name__)
                    raise self.error(ConnectionFailed, f"{method} {path}: {cause} ({attempts} attempt(s))") from None
            else:
                log.debug("%s: %s %s -> %d", self.where, method, path, response.status)
                if response.status < 500 or last_try:
                    return response
            self._sleep(self.options.backoff * (2 ** (attempt - 1)))
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _once(self, method: str, url_path: str, payload: bytes | None, headers: dict[str, str]) -> Response:
        if self._scheme == "https":
            connection: http.client.HTTPConnection = _HTTPSConnection(
                self._host, self._port, timeout=self.options.timeout, context=self._context, server_name=self._server_name
            )
        else:
            connection = http.client.HTTPConnection(self._host, self._port, timeout=self.options.timeout)
        try:
            connection.request(method, url_path or "/", body=payload, headers=headers)
            reply = connection.getresponse()
            body = reply.read()
            return Response(reply.status, body)
        finally:
            connection.close()

    def _server_message(self, response: Response) -> str:
        """The server's own one-line reason, when the body is a JSON error document."""
        try:
            document = json.loads(response.body)
        except ValueError:
            return ""
        message = document.get("message") if isinstance(document, dict) else None
        return f"({_one_line(str(message))})" if message else ""


class _HTTPSConnection(http.client.HTTPSConnection):
    """HTTPSConnection that can verify a name other than the host it connects to (kubeconfig tls-server-name)."""

    def __init__(self, host, port, *, timeout, context, server_name):
        super().__init__(host, port, timeout=timeout, context=context)
        self._server_name = server_name

    def connect(self) -> None:
        if not self._server_name:
            return super().connect()
        http.client.HTTPConnection.connect(self)
        self.sock = self._context.wrap_socket(self.sock, server_hostname=self._server_name)
