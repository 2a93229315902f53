"""A Relay on a Reactor thread for net/ tests, with real loopback peers around it."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from app.net.events import Kind, LogEvent
from app.net.relay.faults import RelayFaults
from app.net.relay.relay import Relay
from app.net.relay.status import RelayProtocol, RelayRow, RelayState, RelayStatus
from tests.net.reactor_harness import ReactorThread


class RelayThread(ReactorThread):
    """`keep_data=False` keeps the events without their bytes (large transfers)."""

    def __init__(self, keep_data: bool = True) -> None:
        super().__init__()
        self.keep_data = keep_data
        self.tables: list[list[RelayRow]] = []
        self.relay = Relay(self.reactor, self.sink, self.on_state, self.on_rows)
        self.closers.append(self.relay.close)

    def sink(self, event: LogEvent) -> None:
        if not self.keep_data and event.data:
            event = event._replace(data=b"")
        super().sink(event)

    def on_rows(self, rows: list[RelayRow]) -> None:
        with self._changed:
            self.tables.append(rows)
            self._changed.notify_all()

    def status(self) -> RelayStatus:
        with self._lock:
            status = self.states[-1]
        assert isinstance(status, RelayStatus)
        return status

    def begin(
        self,
        target_port: int,
        protocol: RelayProtocol = RelayProtocol.TCP,
        faults: RelayFaults | None = None,
        target_host: str = "127.0.0.1",
    ) -> int:
        """Start relaying 127.0.0.1:<ephemeral> to the target; the port it listens on."""
        if faults is not None:
            self.relay.set_faults(faults)
        before = len(self.states)
        self.reactor.call_soon(self.relay.start, protocol, "127.0.0.1", 0, target_host, target_port)
        self.wait_for(
            lambda: any(
                isinstance(s, RelayStatus) and s.state is not RelayState.STARTING
                for s in self.states[before:]
            )
        )
        status = self.status()
        assert status.state is RelayState.RELAYING, status
        return int(status.bound.rpartition(":")[2])

    def events_of(self, kind: Kind, peer: str | None = None) -> list[LogEvent]:
        with self._lock:
            return [e for e in self.events if e.kind is kind and (peer is None or e.peer == peer)]

    def data_to(self, peer: str) -> bytes:
        return b"".join(e.data for e in self.events_of(Kind.SENT, peer))

    def messages(self, kind: Kind | None = None) -> list[str]:
        with self._lock:
            return [e.message for e in self.events if kind is None or e.kind is kind]


@pytest.fixture
def relay() -> Iterator[RelayThread]:
    harness = RelayThread()
    harness.start()
    yield harness
    harness.stop()


def connect(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    return sock


def name_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"{host}:{port}"


def recv_until_closed(sock: socket.socket) -> bytes:
    chunks = []
    while data := sock.recv(65536):
        chunks.append(data)
    return b"".join(chunks)


class CountingSink:
    """A TCP target that reads and counts (keeps no bytes), optionally slowly at first."""

    def __init__(self) -> None:
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(4)
        self.port: int = self.listener.getsockname()[1]
        self.received = 0
        self.go = threading.Event()  # set: read at full speed
        self.done = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        try:
            conn, _ = self.listener.accept()
        except OSError:
            return
        with conn:
            self.go.wait(30)
            while data := conn.recv(1 << 20):
                self.received += len(data)
        self.done.set()

    def close(self) -> None:
        try:
            self.listener.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.listener.close()
        self.go.set()
        self._thread.join(5)
