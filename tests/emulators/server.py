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

Connections are HTTP/1.1 persistent, as a device's web server keeps them: every reply has a
Content-Length (or is chunked), a request with `Connection: close` ends the connection after its
reply, an idle connection is closed after `keepalive_timeout` seconds (5 s: Apache httpd's
KeepAliveTimeout default), and with `max_keepalive_requests` set the reply to the last request a
connection may carry says `Connection: close` (httpd's MaxKeepAliveRequests). `connections`
counts the connections accepted. Connection faults:
  * `close_connections()`: the server closes every open connection now, without a word, as an
    idle timeout or a restart does between two requests of a client,
  * `drop_next(when, processed=...)`: the next request matching `when` is read and its
    connection closed with no answer; with `processed` it is carried out first (the answer is
    lost, not the request): what a client cannot tell apart.
"""

from __future__ import annotations

import json
import socket
import ssl
import sys
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable
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
        self.keepalive_timeout: float | None = 5.0
        self.max_keepalive_requests: int | None = None
        self.connections = 0
        self._open: set[socket.socket] = set()
        self._drops: list[tuple[Callable[[Request], bool], bool]] = []
        self._lock = threading.Lock()
        self._released = threading.Event()
        self._certificate = certificate
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- faults ---------------------------------------------------------------------------

    def fail_next(self, count: int, status: int = 500, message: str = "emulated server failure") -> None:
        with self._lock:
            self._failures.extend([(status, message)] * count)

    def drop_next(self, when: Callable[[Request], bool] = lambda request: True, *, processed: bool = False) -> None:
        """The next request matching `when` gets no answer: its connection is closed (after carrying it out, if `processed`)."""
        with self._lock:
            self._drops.append((when, processed))

    @property
    def open_connections(self) -> int:
        """Connections the server holds open now."""
        with self._lock:
            return len(self._open)

    def close_connections(self) -> None:
        """Close every open connection now, with no answer and no Connection: close (an idle timeout, a restart)."""
        with self._lock:
            open_now = list(self._open)
        for sock in open_now:
            _shut(sock)

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

            def setup(self) -> None:
                self.timeout = emulator.keepalive_timeout  # what StreamRequestHandler.setup gives the socket
                self.served = 0
                super().setup()
                # Headers and body go out in separate writes: with Nagle's algorithm the body would wait
                # for the client's delayed ACK (40 ms a reply on a kept-alive connection). Web servers
                # turn it off (Apache httpd: ap_sock_disable_nagle on every accepted connection).
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                with emulator._lock:
                    emulator.connections += 1
                    emulator._open.add(self.connection)

            def finish(self) -> None:
                with emulator._lock:
                    emulator._open.discard(self.connection)
                try:
                    super().finish()
                except (ConnectionError, ssl.SSLError, TimeoutError):
                    pass  # the connection was cut: nothing left to flush

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
        self.close_connections()  # a stopped server keeps no connection alive
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
        handler.served += 1  # type: ignore[attr-defined]
        with self._lock:
            self.requests.append(request)
            drop = next((d for d in self._drops if d[0](request)), None)
            if drop is not None:
                self._drops.remove(drop)
            failure = self._failures.pop(0) if self._failures and drop is None else None
        if drop is not None:
            if drop[1]:
                self.route(request)
            handler.close_connection = True
            _shut(handler.connection)
            return
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
            if self.max_keepalive_requests and handler.served >= self.max_keepalive_requests:  # type: ignore[attr-defined]
                handler.send_header("Connection", "close")  # sets close_connection: this connection's last reply
            handler.end_headers()
            if self.drip:
                for index in range(len(body)):
                    handler.wfile.write(body[index : index + 1])
                    handler.wfile.flush()
                    if self._released.wait(self.drip):
                        handler.close_connection = True  # stopped mid-body: the connection cannot carry another reply
                        return
            else:
                handler.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            handler.close_connection = True  # the client gave up (timeout test): nothing to answer

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
        if left > 0:
            handler.close_connection = True  # stopped mid-body
        elif self.stream_chunked:
            handler.wfile.write(b"0\r\n\r\n")


def page_bounds(total: int, skip: int, top: int | None, cap: int | None) -> tuple[int, int]:
    """[start, end) of one page: `top` is what the client asked for, `cap` the server's own maximum."""
    size = total - skip
    for limit in (top, cap):
        if limit:
            size = min(size, limit)
    return skip, skip + max(size, 0)


def _shut(sock: socket.socket) -> None:
    """End a connection at once (the peer reads EOF); the handler thread's own close follows."""
    try:
        socket.socket.shutdown(sock, socket.SHUT_RDWR)  # the plain socket's: no TLS goodbye, as a cut connection
    except OSError:
        pass
