"""Misbehaving TCP peers: one clear line each, nothing lost.

Fault catalogue: tests/hardening/catalogue.md rows 5-10.
"""

from __future__ import annotations

import os
import socket
import struct
import threading

from app.net.events import Kind
from app.net.tcp.client import TcpClient
from app.net.tcp.status import TcpState, TcpStatus
from tests.net.reactor_harness import ReactorThread
from tests.peers import _ThreadedServer


class ScriptedPeer(_ThreadedServer):
    """A server whose per-connection behaviour is a function given by the test."""

    def __init__(self, behaviour: object) -> None:
        super().__init__()
        self.behaviour = behaviour
        self.release = threading.Event()

    def serve(self, conn: socket.socket) -> None:
        self.behaviour(self, conn)  # type: ignore[operator]


def reset(conn: socket.socket) -> None:
    # SO_LINGER (on, 0 s) makes close() send an RST instead of a FIN.
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()


def state(loop: ReactorThread) -> TcpStatus:
    status = loop.states[-1]
    assert isinstance(status, TcpStatus)
    return status


def start(loop: ReactorThread, peer: ScriptedPeer, half_close: bool = False) -> TcpClient:
    client = TcpClient(loop.reactor, loop.sink, loop.on_state, backlog=lambda: 0, on_progress=None)
    loop.closers.append(client.close)
    loop.reactor.call_soon(client.connect, peer.host, peer.port, 5.0, half_close)
    loop.wait_for(lambda: bool(loop.states) and state(loop).state is not TcpState.CONNECTING)
    assert state(loop).state is TcpState.CONNECTED
    return client


def test_silent_peer_then_disconnect_at_once(loop: ReactorThread) -> None:
    with ScriptedPeer(lambda peer, conn: peer.release.wait(10)) as peer:
        client = start(loop, peer)
        loop.reactor.call_soon(client.disconnect)
        loop.wait_for(lambda: state(loop).state is TcpState.DISCONNECTED, timeout=1.0)
        peer.release.set()
    assert loop.of_kind(Kind.ERROR) == []


def test_half_close_keeps_sending(loop: ReactorThread) -> None:
    got = bytearray()

    def half_close(peer: ScriptedPeer, conn: socket.socket) -> None:
        conn.sendall(b"bye")
        conn.shutdown(socket.SHUT_WR)
        while data := conn.recv(4096):
            got.extend(data)
        peer.release.set()

    with ScriptedPeer(half_close) as peer:
        client = start(loop, peer, half_close=True)
        loop.wait_for(lambda: state(loop).peer_finished)
        assert loop.received() == b"bye"
        assert any("finished sending" in e.message for e in loop.of_kind(Kind.INFO))
        loop.reactor.call_soon(client.send, b"still here")
        loop.wait_for(lambda: bool(loop.of_kind(Kind.SENT)))
        loop.reactor.call_soon(client.disconnect)
        assert peer.release.wait(10)
    assert bytes(got) == b"still here"


def test_reset_by_peer(loop: ReactorThread) -> None:
    with ScriptedPeer(lambda peer, conn: (conn.recv(100), reset(conn))) as peer:
        client = start(loop, peer)
        loop.reactor.call_soon(client.send, b"hello")
        loop.wait_for(lambda: state(loop).state is TcpState.DISCONNECTED)
    [error] = loop.of_kind(Kind.ERROR)
    assert error.message.startswith("Connection reset by peer")


def test_broken_pipe_mid_send_reports_bytes_sent(loop: ReactorThread) -> None:
    def read_a_little_then_reset(peer: ScriptedPeer, conn: socket.socket) -> None:
        received = 0
        while received < 1_000_000:
            received += len(conn.recv(65536))
        reset(conn)

    payload = os.urandom(64 * 1024 * 1024)
    with ScriptedPeer(read_a_little_then_reset) as peer:
        client = start(loop, peer)
        loop.reactor.call_soon(client.send, payload)
        loop.wait_for(lambda: state(loop).state is TcpState.DISCONNECTED, timeout=30)
    [error] = loop.of_kind(Kind.ERROR)
    assert "of 67,108,864 bytes of the last message" in error.message
    [partial] = loop.of_kind(Kind.SENT)
    # What the log counts as sent is exactly what the kernel accepted: a prefix.
    assert 1_000_000 <= partial.size < len(payload)
    assert partial.data == payload[: partial.size]


def test_peer_that_never_reads_does_not_block_disconnect(loop: ReactorThread) -> None:
    with ScriptedPeer(lambda peer, conn: peer.release.wait(10)) as peer:
        client = start(loop, peer)
        loop.reactor.call_soon(client.send, os.urandom(32 * 1024 * 1024))
        loop.reactor.call_soon(client.send, b"queued behind")
        loop.reactor.call_soon(client.disconnect)
        loop.wait_for(lambda: state(loop).state is TcpState.DISCONNECTED, timeout=1.0)
        peer.release.set()
    [info] = [e for e in loop.of_kind(Kind.INFO) if "Disconnected" in e.message]
    assert "queued bytes were not sent" in info.message


def test_slow_reader_gets_everything_with_progress(loop: ReactorThread) -> None:
    received = bytearray()

    def slow(peer: ScriptedPeer, conn: socket.socket) -> None:
        # Small reads keep the client's send buffer full, so the send takes many rounds.
        while data := conn.recv(2048):
            received.extend(data)
        peer.release.set()

    progress: list[tuple[int, int]] = []
    payload = os.urandom(8 * 1024 * 1024)
    with ScriptedPeer(slow) as peer:
        client = TcpClient(
            loop.reactor,
            loop.sink,
            loop.on_state,
            on_progress=lambda sent, total: progress.append((sent, total)),
        )
        loop.closers.append(client.close)
        loop.reactor.call_soon(client.connect, peer.host, peer.port, 5.0)
        loop.wait_for(lambda: bool(loop.states) and state(loop).state is TcpState.CONNECTED)
        loop.reactor.call_soon(client.send, payload)
        loop.wait_for(lambda: bool(loop.of_kind(Kind.SENT)), timeout=60)
        loop.reactor.call_soon(client.disconnect)
        assert peer.release.wait(30)
    assert bytes(received) == payload
    assert progress[-1] == (len(payload), len(payload))
    assert all(total == len(payload) for _, total in progress)


def test_binary_and_control_bytes_are_kept_exactly(loop: ReactorThread) -> None:
    nasty = b"\xff\xfe\x00\x1b[2J\r\n\x7f\x80"
    with ScriptedPeer(lambda peer, conn: (conn.sendall(nasty), peer.release.wait(5))) as peer:
        client = start(loop, peer)
        loop.wait_for(lambda: loop.received() == nasty)
        loop.reactor.call_soon(client.disconnect)
        peer.release.set()


def test_two_hundred_connect_disconnect_rounds_leak_nothing(loop: ReactorThread) -> None:
    from tests.peers import EchoServer

    with EchoServer() as server:
        client = TcpClient(loop.reactor, loop.sink, loop.on_state)
        loop.closers.append(client.close)

        def round_trip() -> None:
            loop.reactor.call_soon(client.connect, server.host, server.port, 5.0)
            loop.wait_for(lambda: bool(loop.states) and state(loop).state is TcpState.CONNECTED)
            loop.reactor.call_soon(client.disconnect)
            loop.wait_for(lambda: state(loop).state is TcpState.DISCONNECTED)

        round_trip()  # warm-up: the resolver thread and lazily made objects exist once
        fds_before = len(os.listdir("/proc/self/fd"))
        threads_before = threading.active_count()
        for _ in range(200):
            round_trip()
        loop.wait_for(lambda: threading.active_count() <= threads_before + 1)
        server_fds = len(server.connections)
        fds_after = len(os.listdir("/proc/self/fd"))
    # The echo server keeps each accepted socket until it closes; the client side none.
    assert fds_after - fds_before <= server_fds - 1 + 2
    assert loop.of_kind(Kind.ERROR) == []
