"""Connecting a load run's sockets in waves: bounded in flight, failures counted by reason."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from app.net.resolver import AddrInfo
from app.net.tcp import load_connect
from app.net.tcp.load_connect import ConnectWaves
from tests.net.reactor_harness import ReactorThread
from tests.net.tcp.load_peers import CountingEchoServer
from tests.peers import free_port


class Waves:
    def __init__(self, harness: ReactorThread, port: int, count: int, timeout: float = 5.0):
        self.harness = harness
        self.socks: list[socket.socket] = []
        self.in_flight: list[int] = []
        self.done = False
        infos: list[AddrInfo] = socket.getaddrinfo("127.0.0.1", port, type=socket.SOCK_STREAM)
        self.waves = ConnectWaves(
            harness.reactor, infos, count, timeout, self._connected, self._settled, self._done
        )
        harness.closers.append(self._close)
        harness.reactor.call_soon(self.waves.start)

    def _connected(self, _index: int, sock: socket.socket) -> None:
        self.socks.append(sock)

    def _settled(self) -> None:
        self.in_flight.append(len(self.waves._connecting))

    def _done(self) -> None:
        self.done = True
        self.harness.on_state("done")

    def _close(self) -> None:
        self.waves.cancel()
        for sock in self.socks:
            sock.close()

    def wait(self, timeout: float = 20.0) -> None:
        self.harness.wait_for(lambda: self.done, timeout)


@pytest.fixture
def harness() -> Iterator[ReactorThread]:
    harness = ReactorThread().start()
    yield harness
    harness.stop()


def test_no_more_than_a_wave_is_in_flight(
    harness: ReactorThread, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(load_connect, "CONNECT_WAVE", 7)
    with CountingEchoServer() as server:
        waves = Waves(harness, server.port, 30)
        waves.wait()
    assert len(waves.socks) == 30 and not waves.waves.failures
    assert waves.waves.largest_wave == 7 and max(waves.in_flight) <= 7


def test_refusals_are_counted_by_reason(harness: ReactorThread) -> None:
    waves = Waves(harness, free_port(), 40)
    waves.wait()
    assert not waves.socks
    assert waves.waves.failures == {"Connection refused": 40} and waves.waves.failed == 40


def test_attempts_a_full_backlog_never_answers_time_out(harness: ReactorThread) -> None:
    # Nothing accepts and the backlog is 0: after a connection or two the kernel drops SYNs.
    with socket.create_server(("127.0.0.1", 0), backlog=0) as listener:
        waves = Waves(harness, listener.getsockname()[1], 6, timeout=0.3)
        waves.wait()
    timed_out = waves.waves.failures["Timed out after 0.3 s"]
    assert timed_out >= 1 and timed_out + len(waves.socks) == 6
    assert set(waves.waves.failures) == {"Timed out after 0.3 s"}
