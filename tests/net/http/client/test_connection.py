"""The pool of kept-alive connections, over real loopback sockets."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from app.net.http.client.connection import MAX_IDLE, ClientConnection, ConnectionPool
from app.net.outgoing import Outgoing, StreamFailure
from tests.net.reactor_harness import ReactorThread, poll_until

ORIGIN = ("http", "127.0.0.1", 1, True)


class Recorder:
    def __init__(self) -> None:
        self.data: list[bytes] = []

    def data_received(self, data: bytes) -> None:
        self.data.append(data)

    def eof_received(self) -> None:
        pass

    def sent(self, item: Outgoing) -> None:
        pass

    def progress(self, item: Outgoing) -> None:
        pass

    def connection_lost(self, failure: StreamFailure) -> None:
        pass

    def tls_done(self) -> None:
        pass


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    server = socket.create_server(("127.0.0.1", 0))
    yield server
    server.close()


def connect(loop: ReactorThread, listener: socket.socket) -> tuple[ClientConnection, socket.socket]:
    sock = socket.create_connection(listener.getsockname())
    peer, _ = listener.accept()
    made: list[ClientConnection] = []
    loop.reactor.call_soon(
        lambda: made.append(ClientConnection(loop.reactor, sock, ORIGIN, Recorder()))
    )
    poll_until(lambda: bool(made))
    return made[0], peer


def in_loop(loop: ReactorThread, fn):  # type: ignore[no-untyped-def]
    box: list[object] = []
    loop.reactor.call_soon(lambda: box.append(fn()))
    poll_until(lambda: bool(box))
    return box[0]


def test_an_idle_connection_is_taken_back_for_its_origin_only(
    loop: ReactorThread, listener: socket.socket
) -> None:
    lost: list[str] = []
    pool = ConnectionPool(lambda conn, what: lost.append(what))
    conn, peer = connect(loop, listener)
    in_loop(loop, lambda: pool.put(conn))
    assert in_loop(loop, lambda: pool.take(("http", "127.0.0.1", 1, False))) is None
    assert in_loop(loop, lambda: pool.take(ORIGIN)) is conn
    assert in_loop(loop, lambda: pool.take(ORIGIN)) is None
    in_loop(loop, conn.close)
    peer.close()


def test_the_server_closing_an_idle_connection_drops_it(
    loop: ReactorThread, listener: socket.socket
) -> None:
    lost: list[str] = []
    pool = ConnectionPool(lambda conn, what: lost.append(what))
    conn, peer = connect(loop, listener)
    in_loop(loop, lambda: pool.put(conn))
    peer.close()
    poll_until(lambda: lost == ["the server closed it"])
    assert len(pool) == 0 and conn.closed


@pytest.mark.parametrize("what", ["eof", "bytes"])
def test_what_the_loop_has_not_read_yet_is_seen_by_peeking(
    loop: ReactorThread, listener: socket.socket, what: str
) -> None:
    conn, peer = connect(loop, listener)
    assert in_loop(loop, conn.still_open) is True
    in_loop(loop, conn.stream.pause_reading)  # as if it came within this loop turn
    if what == "eof":
        peer.close()
    else:
        peer.sendall(b"stray")
    poll_until(lambda: in_loop(loop, conn.still_open) is False)
    in_loop(loop, conn.close)
    peer.close()


def test_the_pool_keeps_at_most_max_idle(loop: ReactorThread, listener: socket.socket) -> None:
    pool = ConnectionPool(lambda conn, what: None)
    made = [connect(loop, listener) for _ in range(MAX_IDLE + 1)]
    for conn, _ in made:
        in_loop(loop, lambda conn=conn: pool.put(conn))  # type: ignore[misc]
    assert len(pool) == MAX_IDLE and made[0][0].closed
    in_loop(loop, pool.close_all)
    assert all(conn.closed for conn, _ in made)
    for _, peer in made:
        peer.close()
