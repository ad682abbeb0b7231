"""The HTTP core of the simulator: request/response types and a threaded loopback server.

The endpoint handlers are plain functions of `Request -> Response` so they can be unit-tested
without sockets; `SimServer` is the only place that speaks HTTP. It also injects the transport
faults (dropped connections, truncated bodies, stalls) that a handler cannot express as a status.
"""

from __future__ import annotations

import enum
import json
import logging
import socket
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qs, unquote, urlsplit

logger = logging.getLogger(__name__)

DEFAULT_SLOW_SECONDS = 30.0
"""How long a SLOW fault stalls by default: longer than any sane client timeout."""
MAX_BODY_BYTES = 64 * 1024 * 1024
"""Request bodies above this are refused with 413 rather than read into memory."""
_IDLE_TIMEOUT_SECONDS = 120.0
"""An idle keep-alive connection is closed after this, so abandoned clients free their thread."""
_POLL_INTERVAL_SECONDS = 0.05
"""How often `serve_forever` checks for shutdown; bounds how long `stop()` takes."""
_COALESCE_BYTES = 64 * 1024
"""Bodies up to this size are sent in the same write as the head (one packet, no extra copy)."""


class TransportFault(enum.Enum):
    """Failures below the HTTP status line, which only the server can produce."""

    DISCONNECT = "disconnect"
    """Full Content-Length, half the body, then the connection is closed mid-body."""
    TRUNCATED = "truncated"
    """The body is cut in half and Content-Length matches the cut, so only JSON parsing fails."""
    SLOW = "slow"
    """The response is held back for `slow_seconds` (woken early when the server stops)."""


class Headers(Mapping[str, str]):
    """Read-only, case-insensitive request headers.

    Iteration yields lower-cased names; a header sent several times is joined with ", " as
    RFC 9110 allows, so `headers["Authorization"]` and `headers["authorization"]` are equal.
    """

    __slots__ = ("_items",)

    def __init__(self, items: Iterable[tuple[str, str]] = ()) -> None:
        merged: dict[str, str] = {}
        for name, value in items:
            key = name.lower()
            merged[key] = f"{merged[key]}, {value}" if key in merged else value
        self._items = merged

    def __getitem__(self, name: str) -> str:
        return self._items[name.lower()]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"Headers({self._items!r})"


@dataclass(frozen=True)
class Request:
    """One parsed HTTP request, independent of the socket it came from."""

    method: str
    path: str
    """URL-decoded path, without the query string."""
    query: dict[str, list[str]]
    """`parse_qs(keep_blank_values=True)`: repeated parameters keep every value, in order."""
    headers: Mapping[str, str]
    """Case-insensitive (a `Headers`); iterating yields lower-cased names."""
    body: bytes
    client: str
    """`host:port` of the peer; the port distinguishes keep-alive connections."""


@dataclass
class Response:
    """What a handler returns; `SimServer` adds Content-Length, Date and Server."""

    status: int
    body: bytes
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    """Extra headers; a Content-Length here is ignored because the server always computes it."""
    transport_fault: TransportFault | None = None


App = Callable[[Request], Response]


def json_error(status: int, text: str) -> Response:
    """A Sitoo v2 style error without depending on `errors` (which depends on this module)."""
    body = json.dumps({"statuscode": status, "errortext": text}, separators=(",", ":"))
    return Response(status, body.encode())


def internal_error_response() -> Response:
    """The 500 sent when a handler raises; the same body whatever went wrong."""
    return json_error(500, "Internal Server Error.")


def split_target(target: str) -> tuple[str, dict[str, list[str]]]:
    """Split a request target into its decoded path and its query parameters."""
    if target.startswith("/"):
        # urlsplit would read "//x/y" as a network location; origin-form never has one.
        raw_path, _, rest = target.partition("?")
        raw_query = rest.partition("#")[0]
        raw_path = raw_path.partition("#")[0]
    else:
        parts = urlsplit(target)
        raw_path, raw_query = parts.path or "/", parts.query
    return unquote(raw_path), parse_qs(raw_query, keep_blank_values=True)


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def _header_line(name: str, value: str) -> str:
    if any(ch in name or ch in value for ch in "\r\n\0") or not name or ":" in name:
        raise ValueError(f"invalid response header {name!r}: {value!r}")
    return f"{name}: {value}\r\n"


class _Server(ThreadingHTTPServer):
    """ThreadingHTTPServer that carries the app and tracks open connections for `stop()`."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], app: App, slow_seconds: float) -> None:
        self.app = app
        self.slow_seconds = slow_seconds
        self.stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def track(self, conn: socket.socket) -> None:
        with self._connections_lock:
            self._connections.add(conn)

    def untrack(self, conn: socket.socket) -> None:
        with self._connections_lock:
            self._connections.discard(conn)

    def drop_connections(self) -> None:
        """Shut down open keep-alive sockets so their handler threads return."""
        with self._connections_lock:
            conns = list(self._connections)
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                logger.debug("connection already closed during stop")

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Log instead of printing a traceback to stderr; a vanished client is routine."""
        exc = sys.exc_info()[1]
        if isinstance(exc, OSError):
            logger.debug("connection from %s ended: %r", client_address, exc)
        else:
            logger.error("connection from %s failed", client_address, exc_info=exc)


class _Handler(BaseHTTPRequestHandler):
    """Turns one HTTP exchange into an app call; one instance per connection."""

    server: _Server
    protocol_version = "HTTP/1.1"
    server_version = "sitoo-sim/1.0"
    disable_nagle_algorithm = True
    wbufsize = 0  # wfile writes go straight to socket.sendall
    timeout = _IDLE_TIMEOUT_SECONDS

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.untrack(self.connection)

    def do_GET(self) -> None:
        self._dispatch()

    do_POST = do_GET
    do_PUT = do_GET
    do_DELETE = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("%s %s", self.address_string(), format % args)

    def log_error(self, format: str, *args: Any) -> None:
        logger.info("%s %s", self.address_string(), format % args)

    def _dispatch(self) -> None:
        request = self._read_request()
        if request is None:
            return
        if isinstance(request, Response):
            self.close_connection = True
            self._send(request, *self._render(request))
            return
        try:
            response = self.server.app(request)
            rendered = self._render(response)
        except Exception:
            logger.exception("handler failed for %s %s", request.method, request.path)
            response = internal_error_response()
            rendered = self._render(response)
        self._send(response, *rendered)

    def _read_request(self) -> Request | Response | None:
        """Read the body; a Response means the request was refused, None that the peer left."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return json_error(411, "Length Required. Chunked request bodies are not supported.")
        raw_length = self.headers.get("Content-Length", "0").strip() or "0"
        if not raw_length.isdigit():
            return json_error(400, f"Bad Request. Invalid Content-Length {raw_length!r}.")
        length = int(raw_length)
        if length > MAX_BODY_BYTES:
            return json_error(413, "Payload Too Large.")
        body = self.rfile.read(length) if length else b""
        if len(body) < length:
            self.close_connection = True
            return None
        path, query = split_target(self.path)
        host, port = self.client_address[:2]
        return Request(
            method=self.command,
            path=path,
            query=query,
            headers=Headers(self.headers.items()),
            body=body,
            client=f"{host}:{port}",
        )

    def _render(self, response: Response) -> tuple[bytes, memoryview, int]:
        """Build the head and pick the bytes to send; may raise on a malformed response."""
        fault = response.transport_fault
        body = memoryview(response.body)
        declared = len(body)
        if fault is TransportFault.TRUNCATED:
            body = body[: declared // 2]
            declared = len(body)
        elif fault is TransportFault.DISCONNECT:
            body = body[: declared // 2]  # no "Connection: close": the drop is unannounced
        lines = [
            f"{self.protocol_version} {response.status} {_reason(response.status)}\r\n",
            _header_line("Server", self.server_version),
            _header_line("Date", self.date_time_string()),
            _header_line("Content-Type", response.content_type),
            _header_line("Content-Length", str(declared)),
        ]
        lines.extend(
            _header_line(name, value)
            for name, value in response.headers.items()
            if name.lower() not in ("content-length", "connection", "transfer-encoding")
        )
        if self.close_connection:
            lines.append("Connection: close\r\n")
        lines.append("\r\n")
        head = "".join(lines).encode("latin-1")
        if fault is TransportFault.DISCONNECT:
            self.close_connection = True
        return head, body, declared

    def _send(self, response: Response, head: bytes, body: memoryview, declared: int) -> None:
        fault = response.transport_fault
        if fault is TransportFault.SLOW and self.server.stopping.wait(self.server.slow_seconds):
            self.close_connection = True  # woken by stop(): leave without answering
            return
        try:
            if len(body) <= _COALESCE_BYTES:
                self.wfile.write(head + body)
            else:
                self.wfile.write(head)
                self.wfile.write(body)
            if fault is TransportFault.DISCONNECT:
                self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            logger.debug("client %s went away while we were writing", self.client_address)
            self.close_connection = True
            return
        if logger.isEnabledFor(logging.DEBUG):
            self.log_request(response.status, declared)


class SimServer:
    """A threaded HTTP/1.1 keep-alive server running one `App` on a loopback port.

    Not restartable: after `stop()` make a new one. `port=0` picks a free port, read `port`.
    """

    def __init__(
        self,
        app: App,
        host: str = "127.0.0.1",
        port: int = 0,
        slow_seconds: float = DEFAULT_SLOW_SECONDS,
    ) -> None:
        if slow_seconds < 0:
            raise ValueError(f"slow_seconds must be >= 0, got {slow_seconds}")
        self._server = _Server((host, port), app, slow_seconds)
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._served = False
        self._stopped = False

    @property
    def host(self) -> str:
        return str(self._server.server_address[0])

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        host = self.host
        return f"http://[{host}]:{self.port}" if ":" in host else f"http://{host}:{self.port}"

    def start(self) -> None:
        """Serve in a background daemon thread and return at once."""
        with self._lock:
            if self._stopped:
                raise RuntimeError("SimServer was stopped; create a new one")
            if self._served:
                raise RuntimeError("SimServer is already serving")
            self._served = True
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                args=(_POLL_INTERVAL_SECONDS,),
                name=f"sim-server-{self.port}",
                daemon=True,
            )
            self._thread.start()

    def serve_forever(self) -> None:
        """Serve in the calling thread until `stop()` is called from another thread."""
        with self._lock:
            if self._stopped:
                raise RuntimeError("SimServer was stopped; create a new one")
            if self._served:
                raise RuntimeError("SimServer is already serving")
            self._served = True
        self._server.serve_forever(_POLL_INTERVAL_SECONDS)

    def stop(self) -> None:
        """Stop accepting, wake SLOW sleepers, close the socket and open connections."""
        with self._lock:
            if self._stopped:
                return
            self._stopped = True
            served = self._served
        self._server.stopping.set()
        if served:
            # shutdown() waits for serve_forever to notice; it would block forever if never run.
            self._server.shutdown()
        self._server.server_close()
        self._server.drop_connections()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
