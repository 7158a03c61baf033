"""The HTTP(S) server under both emulators: 127.0.0.1, port 0, one thread, switchable faults.

Subclasses implement `route(request) -> Reply`; this class applies the faults around it so
every emulator fails the same ways:
  * `fail_next(n, status)`: the next n requests (login included) answer `status` (500 by default),
  * `delay`: seconds to wait before answering, to push a client past its timeout,
  * `truncate_json`: JSON bodies are cut in half (Content-Length matches the cut body),
and records every request (method, path, headers) so tests can assert read-only access and
grep what a client sent.
"""
from __future__ import annotations

import json
import ssl
import sys
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address) -> None:
        # A client that gave up (timeout faults) leaves a broken pipe or a TLS EOF behind:
        # expected here, so no traceback on stderr. Anything else is still reported.
        if not isinstance(sys.exc_info()[1], (ConnectionError, ssl.SSLError, TimeoutError)):
            super().handle_error(request, client_address)


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes


@dataclass
class Reply:
    status: int
    document: Any = None  # serialised as JSON
    headers: dict[str, str] = field(default_factory=dict)


class EmulatorServer:
    """Base: start() serves on 127.0.0.1:<free port>; stop() shuts down and releases delayed replies."""

    def __init__(self, certificate: tuple[Path, Path] | None = None):
        self.requests: list[Request] = []
        self.delay = 0.0
        self.truncate_json = False
        self._failures: list[int] = []
        self._lock = threading.Lock()
        self._released = threading.Event()
        self._certificate = certificate
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- faults ---------------------------------------------------------------------------

    def fail_next(self, count: int, status: int = 500) -> None:
        with self._lock:
            self._failures.extend([status] * count)

    # --- lifecycle ------------------------------------------------------------------------

    @property
    def url(self) -> str:
        assert self._httpd is not None, "start() the emulator first"
        scheme = "https" if self._certificate else "http"
        return f"{scheme}://127.0.0.1:{self._httpd.server_address[1]}"

    def start(self) -> "EmulatorServer":
        emulator = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # keep test output clean
                pass

            def _serve(self) -> None:
                emulator._handle(self)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

        self._httpd = _QuietServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        if self._certificate:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(str(self._certificate[0]), str(self._certificate[1]))
            self._httpd.socket = context.wrap_socket(self._httpd.socket, server_side=True)
        # A short poll interval keeps stop() (which waits for one poll) from slowing every test.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, name=type(self).__name__, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._released.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # --- request handling -----------------------------------------------------------------

    def route(self, request: Request) -> Reply:
        raise NotImplementedError

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        request = Request(
            method=handler.command,
            path=parts.path,
            query={key: values[-1] for key, values in parse_qs(parts.query, keep_blank_values=True).items()},
            headers={key.lower(): value for key, value in handler.headers.items()},
            body=handler.rfile.read(length) if length else b"",
        )
        with self._lock:
            self.requests.append(request)
            failure = self._failures.pop(0) if self._failures else None
        if self.delay:
            # Waits on an event, not sleep: stop() releases every delayed reply at once.
            self._released.wait(self.delay)
        if failure is not None:
            reply = Reply(failure, {"code": failure, "message": "emulated server failure"})
        else:
            reply = self.route(request)
        body = b"" if reply.document is None else json.dumps(reply.document).encode()
        if self.truncate_json and body:
            body = body[: len(body) // 2]
        try:
            handler.send_response(reply.status)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(body)))
            for key, value in reply.headers.items():
                handler.send_header(key, value)
            handler.end_headers()
            handler.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout test): nothing to answer


def page_bounds(total: int, skip: int, top: int | None, cap: int | None) -> tuple[int, int]:
    """[start, end) of one page: `top` is what the client asked for, `cap` the server's own maximum."""
    size = total - skip
    for limit in (top, cap):
        if limit:
            size = min(size, limit)
    return skip, skip + max(size, 0)
