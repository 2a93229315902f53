"""Real loopback peers for the HTTP client's tests, and the engine on a ReactorThread.

`ScriptedServer` runs `handler(conn, server)` in a thread per accepted connection: a
blocking socket that reads what the client sent and writes exactly the bytes a test
wants (chunked, close-delimited, cut mid-body, never answering...).
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable

from app.net.events import Kind, LogEvent
from app.net.http.client.engine import HttpClient
from app.net.http.client.hop import DEFAULT_SPOOL
from app.net.http.client.result import ExchangeResult, RequestSpec
from app.net.http.client.spool import SpoolPolicy
from tests.net.reactor_harness import ReactorThread

Handler = Callable[[socket.socket, "ScriptedServer"], None]


def read_head(conn: socket.socket) -> bytes:
    """One request head (through its blank line), read byte by byte so no body is eaten."""
    data = b""
    while not data.endswith(b"\r\n\r\n"):
        byte = conn.recv(1)
        if not byte:
            return data
        data += byte
    return data


def read_exactly(conn: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        piece = conn.recv(size - len(data))
        if not piece:
            break
        data += piece
    return data


def content_length(head: bytes) -> int:
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value)
    return 0


def answer(body: bytes, status: str = "200 OK", extra: str = "") -> bytes:
    return f"HTTP/1.1 {status}\r\nContent-Length: {len(body)}\r\n{extra}\r\n".encode() + body


class ScriptedServer:
    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.requests: list[bytes] = []  # heads (and bodies a handler records), in order
        self.connections = 0
        self.release = threading.Event()  # handlers that hang wait on it
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._conns: list[socket.socket] = []
        self._accepting = threading.Thread(target=self._accept, daemon=True)
        self._accepting.start()

    def record(self, data: bytes) -> None:
        with self._lock:
            self.requests.append(data)

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            with self._lock:
                self.connections += 1
                self._conns.append(conn)
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(10)
        try:
            self.handler(conn, self)
        except OSError:
            pass
        finally:
            conn.close()

    def close(self) -> None:
        self.release.set()
        self.listener.close()
        with self._lock:
            for conn in self._conns:
                try:
                    conn.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
        for thread in self._threads:
            thread.join(5)


class ClientLoop:
    """An HttpClient on its own ReactorThread; `exchange()` blocks the test until done."""

    def __init__(self, spool: SpoolPolicy = DEFAULT_SPOOL) -> None:
        self.loop = ReactorThread().start()
        # Results go to the harness's states too, so waiting on them is its wait_for.
        self.client = HttpClient(
            self.loop.reactor, self.loop.sink, self.loop.on_state, self.loop.on_state, spool=spool
        )
        self.loop.closers.append(self.client.close)

    @property
    def results(self) -> list[ExchangeResult]:
        return [s for s in list(self.loop.states) if isinstance(s, ExchangeResult)]

    def start(self, spec: RequestSpec) -> int:
        """Post the exchange; returns how many results came before it."""
        before = len(self.results)
        self.loop.reactor.call_soon(self.client.send, spec)
        return before

    def wait_result(self, before: int, timeout: float = 15.0) -> ExchangeResult:
        self.loop.wait_for(lambda: len(self.results) > before, timeout)
        return self.results[before]

    def exchange(self, spec: RequestSpec, timeout: float = 15.0) -> ExchangeResult:
        return self.wait_result(self.start(spec), timeout)

    def get(self, url: str, **fields: object) -> ExchangeResult:
        return self.exchange(RequestSpec("GET", url, **fields))  # type: ignore[arg-type]

    def messages(self, kind: Kind | None = None) -> list[str]:
        return [e.message for e in self.events(kind)]

    def events(self, kind: Kind | None = None) -> list[LogEvent]:
        return [e for e in list(self.loop.events) if kind is None or e.kind is kind]

    def close(self) -> None:
        self.loop.stop()
