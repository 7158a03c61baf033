"""The HTTP(S) server under both emulators: 127.0.0.1, port 0, one thread, switchable faults.

Subclasses implement `route(request) -> Reply`; this class applies the faults around it so
every emulator fails the same ways:
  * `fail_next(n, status, message)`: the next n requests (login included) answer `status` (500 by
    default) with `message` in the JSON error document,
  * `delay`: seconds to wait before answering, to push a client past its timeout,
  * `truncate_json`: JSON bodies are cut in half (Content-Length matches the cut body),
  * `drip`: seconds between the bytes of a body (headers at once): a server that never quite stops,
  * `stream_body`: every answer is 200 with this many bytes (JSON whitespace, generated as it is
    sent, never held), announced by Content-Length or, with `stream_chunked`, chunked with no length,
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
    raw: bytes | None = None  # sent as is instead of `document` (bodies json.dumps cannot make)
    headers: dict[str, str] = field(default_factory=dict)


class EmulatorServer:
    """Base: start() serves on 127.0.0.1:<free port>; stop() shuts down and releases delayed replies."""

    def __init__(self, certificate: tuple[Path, Path] | None = None):
        self.requests: list[Request] = []
        self.delay = 0.0
        self.truncate_json = False
        self.drip = 0.0
        self.stream_body = 0
        self.stream_chunked = False
        self._failures: list[tuple[int, str]] = []
        self._lock = threading.Lock()
        self._released = threading.Event()
        self._certificate = certificate
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- faults ---------------------------------------------------------------------------

    def fail_next(self, count: int, status: int = 500, message: str = "emulated server failure") -> None:
        with self._lock:
            self._failures.extend([(status, message)] * count)

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
            reply = Reply(failure[0], {"code": failure[0], "message": failure[1]})
        else:
            reply = self.route(request)
        body = reply.raw if reply.raw is not None else b"" if reply.document is None else json.dumps(reply.document).encode()
        if self.truncate_json and body:
            body = body[: len(body) // 2]
        try:
            if self.stream_body:
                self._stream(handler)
                return
            handler.send_response(reply.status)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(body)))
            for key, value in reply.headers.items():
                handler.send_header(key, value)
            handler.end_headers()
            if self.drip:
                for index in range(len(body)):
                    handler.wfile.write(body[index : index + 1])
                    handler.wfile.flush()
                    if self._released.wait(self.drip):
                        return
            else:
                handler.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout test): nothing to answer

    def _stream(self, handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        if self.stream_chunked:
            handler.send_header("Transfer-Encoding", "chunked")
        else:
            handler.send_header("Content-Length", str(self.stream_body))
        handler.end_headers()
        chunk = b" " * (1 << 20)
        left = self.stream_body
        while left > 0 and not self._released.is_set():
            piece = chunk[: min(left, len(chunk))]
            handler.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece) if self.stream_chunked else piece)
            left -= len(piece)
        if self.stream_chunked:
            handler.wfile.write(b"0\r\n\r\n")


def page_bounds(total: int, skip: int, top: int | None, cap: int | None) -> tuple[int, int]:
    """[start, end) of one page: `top` is what the client asked for, `cap` the server's own maximum."""
    size = total - skip
    for limit in (top, cap):
        if limit:
            size = min(size, limit)
    return skip, skip + max(size, 0)
