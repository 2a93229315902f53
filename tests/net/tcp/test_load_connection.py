"""A load connection is answered once its requests are written and the replies are in:
every byte echoed, or as many framed replies as requests (replies that differ)."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from app.net.events import Kind
from app.net.outgoing import BytesMessage
from app.net.reactor import Reactor
from app.net.tcp.load_connection import LoadConnection
from app.net.tcp.load_status import TcpLoadJob


class RunSide:
    """The run's side, recorded; the connection and its socket are real."""

    conn_base = 5000

    def __init__(self) -> None:
        self.replies: list[bytes] = []
        self.endings: list[str | None] = []

    def reading_behind(self) -> bool:
        return False

    def messages_received(self, conn: LoadConnection, messages: list[bytes]) -> None:
        conn.received_count += len(messages)
        self.replies += messages

    def message_sent(self, conn: LoadConnection, data: bytes) -> None:
        conn.sent_count += 1
        conn.sent_bytes += len(data)

    def drained(self, conn: LoadConnection) -> None:
        pass

    def ended(self, conn: LoadConnection, reason: str | None) -> None:
        self.endings.append(reason)

    def log(self, kind: Kind, message: str, local: str = "") -> None:
        pass


@pytest.fixture
def pair() -> Iterator[tuple[LoadConnection, socket.socket, RunSide]]:
    # The loop never runs: the test calls the protocol side by hand, in this thread.
    reactor = Reactor()
    with socket.create_server(("127.0.0.1", 0)) as listener:
        ours = socket.create_connection(listener.getsockname())
        theirs, _ = listener.accept()
    ours.setblocking(False)
    side = RunSide()
    conn = LoadConnection(side, 3, ours, reactor, TcpLoadJob("h", 1, b"", count=2))
    yield conn, theirs, side
    conn.stream.close()
    theirs.close()
    reactor.close()


def test_answered_by_echoed_bytes(pair: tuple[LoadConnection, socket.socket, RunSide]) -> None:
    conn, _theirs, side = pair
    assert conn.left == 2 and not conn.answered and conn.conn_id == 5004
    for data in (b"abc", b"def"):
        conn.left -= 1
        conn.stream.write(BytesMessage(data))
        conn.stream.flush()
    assert conn.sent_count == 2 and conn.sent_bytes == 6 and not conn.answered
    conn.data_received(b"abcde")  # as received: one chunk, five of six bytes
    assert not conn.answered
    conn.data_received(b"f")
    assert conn.answered and side.replies == [b"abcde", b"f"]


def test_answered_by_as_many_replies(pair: tuple[LoadConnection, socket.socket, RunSide]) -> None:
    conn, _theirs, _side = pair
    conn.left = 0
    conn.sent_count, conn.sent_bytes = 2, 40
    conn.data_received(b"OK")
    assert not conn.answered
    conn.data_received(b"OK")
    assert conn.answered  # 2 replies for 2 requests, though 4 bytes of 40


def test_the_peer_closing_early_is_a_reason(
    pair: tuple[LoadConnection, socket.socket, RunSide],
) -> None:
    conn, _theirs, side = pair
    conn.eof_received()
    conn.left = 0
    conn.eof_received()
    assert side.endings == ["Closed by the peer", None]
