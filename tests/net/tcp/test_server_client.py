"""ServerClient: one accepted connection that logs each chunk, answers it and leaves cleanly.

The server's own tests (test_server.py) drive many clients through the listener; these
drive one ServerClient over a real loopback connection, so its reply modes, its leaving
and its accounting are seen without the server around it.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from app.net.events import Kind, Source
from app.net.reply import ReplyMode
from app.net.tcp.server_client import ServerClient
from app.net.tcp.server_status import ReplyConfig
from tests.net.reactor_harness import ReactorThread
from tests.net.tcp.server_clients import recv_exactly


class OneClient(ReactorThread):
    def __init__(self) -> None:
        super().__init__()
        self.reply = ReplyConfig(ReplyMode.ECHO)
        self.closed: list[ServerClient] = []
        self.changes = 0
        with socket.create_server(("127.0.0.1", 0)) as listener:
            self.peer_sock = socket.create_connection(listener.getsockname())
            accepted, address = listener.accept()
        accepted.setblocking(False)
        self.client = ServerClient(
            self.reactor,
            accepted,
            f"127.0.0.1:{address[1]}",
            "127.0.0.1:8000",
            self.sink,
            lambda: self.reply,
            self.closed.append,
            self._changed_once,
        )
        self.closers.append(self.client.close)
        self.closers.append(self.peer_sock.close)

    def _changed_once(self) -> None:
        self.changes += 1


@pytest.fixture
def one() -> Iterator[OneClient]:
    harness = OneClient().start()
    yield harness
    harness.stop()


def test_echo_returns_exactly_what_arrived_and_logs_both_ways(one: OneClient) -> None:
    payload = bytes(range(256)) * 4
    one.peer_sock.sendall(payload)
    assert recv_exactly(one.peer_sock, len(payload)) == payload
    one.wait_for(lambda: sum(e.size for e in one.of_kind(Kind.SENT)) == len(payload))
    received = one.of_kind(Kind.RECEIVED)
    assert b"".join(e.data for e in received) == payload
    assert all(e.source is Source.TCP_SERVER and e.local == "127.0.0.1:8000" for e in received)
    row = one.client.row()
    assert row.bytes_in == row.bytes_out == len(payload)


def test_fixed_reply_goes_out_once_per_chunk_and_no_reply_sends_nothing(
    one: OneClient,
) -> None:
    one.reply = ReplyConfig(ReplyMode.FIXED, b"OK\n")
    one.peer_sock.sendall(b"first")
    assert recv_exactly(one.peer_sock, 3) == b"OK\n"
    one.reply = ReplyConfig(ReplyMode.NONE)
    one.peer_sock.sendall(b"second")
    one.wait_for(lambda: one.received() == b"firstsecond")
    one.peer_sock.settimeout(0.2)
    with pytest.raises(TimeoutError):
        one.peer_sock.recv(10)
    assert [e.data for e in one.of_kind(Kind.SENT)] == [b"OK\n"]


def test_a_client_that_finishes_gets_its_echo_then_leaves_once(one: OneClient) -> None:
    one.peer_sock.sendall(b"bye")
    one.peer_sock.shutdown(socket.SHUT_WR)
    assert recv_exactly(one.peer_sock, 3) == b"bye"
    one.wait_for(lambda: bool(one.closed))
    assert one.peer_sock.recv(10) == b""  # the server closed its side too
    (left,) = [e for e in one.of_kind(Kind.INFO) if "left after" in e.message]
    assert left.peer == one.client.row().peer
    one.reactor.call_soon(one.client.disconnect)  # already gone: nothing more
    one.reactor.call_soon(one.on_state, "after disconnect")  # commands run in order
    one.wait_for(lambda: "after disconnect" in one.states)
    assert len(one.closed) == 1
    assert not any(e.message.startswith("Disconnected") for e in one.events)


def test_disconnect_closes_the_connection_with_one_line(one: OneClient) -> None:
    one.reactor.call_soon(one.client.disconnect)
    one.wait_for(lambda: bool(one.closed))
    assert one.peer_sock.recv(10) == b""
    (line,) = one.of_kind(Kind.INFO)
    assert line.message.startswith("Disconnected 127.0.0.1:")
