"""A running HttpServer on a ReactorThread, plus raw-socket helpers for HTTP tests.

Holds no tests itself; the other tests/net/test_http_*.py modules import from it.
"""

from __future__ import annotations

import http.client
import re
import socket
import time
from collections.abc import Callable, Iterator

from app.net.events import LogEvent
from app.net.http.config import ResponseConfig, ServerLimits
from app.net.http.server import HttpServer
from app.net.http.status import HttpServerStatus, ServerState
from tests.net.reactor_harness import ReactorThread

# Short deadlines so the timeout tests finish quickly; still generous for a slow machine.
TEST_LIMITS = ServerLimits(idle_timeout=1.5, header_timeout=1.0, io_timeout=3.0, max_connections=16)


class RunningServer:
    def __init__(self, limits: ServerLimits = TEST_LIMITS, host: str = "127.0.0.1") -> None:
        self.loop = ReactorThread().start()
        self.server = HttpServer(self.loop.reactor, self.loop.sink, self.loop.on_state, limits)
        self.loop.closers.append(self.server.close)
        self.host = host
        self.port = self.start(0)

    def start(self, port: int) -> int:
        before = len(self.loop.states)
        self.loop.reactor.call_soon(self.server.start, self.host, port)
        self.loop.wait_for(lambda: len(self.loop.states) > before)
        status = self.last_status()
        assert status.state is ServerState.RUNNING, status.error
        return status.port

    def stop_server(self) -> None:
        before = len(self.loop.states)
        self.loop.reactor.call_soon(self.server.stop)
        self.loop.wait_for(lambda: len(self.loop.states) > before)

    def last_status(self) -> HttpServerStatus:
        status = self.loop.states[-1]
        assert isinstance(status, HttpServerStatus)
        return status

    def configure(self, **fields: object) -> None:
        self.server.set_config(ResponseConfig(**fields))  # type: ignore[arg-type]

    def connection(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(self.host, self.port, timeout=10)

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, http.client.HTTPMessage, bytes]:
        conn = self.connection()
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            return response.status, response.headers, response.read()
        finally:
            conn.close()

    def raw(self, data: bytes, timeout: float = 10.0) -> bytes:
        """Send `data`, then read until the server closes (or `timeout`)."""
        with socket.create_connection((self.host, self.port), timeout=timeout) as sock:
            try:
                sock.sendall(data)
            except OSError:
                pass  # the server may refuse and close before reading everything
            return read_until_close(sock, timeout)

    def messages(self) -> list[str]:
        with self.loop._lock:
            return [e.message for e in self.loop.events]

    def events(self) -> list[LogEvent]:
        with self.loop._lock:
            return list(self.loop.events)

    def wait_for_message(self, pattern: str, timeout: float = 10.0) -> LogEvent:
        regex = re.compile(pattern)
        self.loop.wait_for(lambda: any(regex.search(m) for m in self.messages()), timeout)
        return next(e for e in self.events() if regex.search(e.message))

    def poll_until(self, predicate: Callable[[], bool], timeout: float = 10.0) -> None:
        """For state that changes without an event (open connection counts)."""
        deadline = time.monotonic() + timeout
        with self.loop._changed:
            while not predicate():
                assert time.monotonic() < deadline, "timed out"
                self.loop._changed.wait(0.02)

    def close(self) -> None:
        self.loop.stop()


def read_until_close(sock: socket.socket, timeout: float = 10.0) -> bytes:
    deadline = time.monotonic() + timeout
    received = bytearray()
    while True:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            data = sock.recv(65536)
        except TimeoutError:
            raise AssertionError(f"server did not close; got {bytes(received[:300])!r}") from None
        except ConnectionResetError:
            return bytes(received)
        if not data:
            return bytes(received)
        received += data


def read_responses(sock: socket.socket, count: int, timeout: float = 10.0) -> list[int]:
    """Read `count` complete responses (Content-Length framed, not HEAD); their statuses."""
    deadline = time.monotonic() + timeout
    buf = bytearray()
    statuses: list[int] = []
    while len(statuses) < count:
        end = buf.find(b"\r\n\r\n")
        if end >= 0:
            head = bytes(buf[:end]).decode("latin-1")
            match = re.match(r"HTTP/1\.1 (\d{3}) ", head)
            assert match, f"no status line in {head[:200]!r}"
            length = re.search(r"(?im)^content-length:\s*(\d+)", head)
            size = end + 4 + (int(length.group(1)) if length else 0)
            if len(buf) >= size:
                status = int(match.group(1))
                del buf[:size]
                if status != 100:
                    statuses.append(status)
                continue
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        data = sock.recv(65536)
        if not data:
            break
        buf += data
    return statuses


def statuses_in(raw: bytes) -> list[int]:
    return [int(s) for s in re.findall(rb"(?m)^HTTP/1\.1 (\d{3}) ", raw)]


def running_server(limits: ServerLimits = TEST_LIMITS) -> Iterator[RunningServer]:
    """The body of each module's `http_server` fixture (fixtures do not import cleanly)."""
    server = RunningServer(limits)
    yield server
    server.close()
