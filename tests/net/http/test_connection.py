"""HttpConnection over a real loopback TCP connection, its deadlines driven by the test."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import TypeVar

import pytest

from app.net.events import Kind
from app.net.http.config import ResponseConfig, ServerLimits
from app.net.http.connection import HttpConnection
from tests.net.http.test_harness import read_responses, read_until_close, statuses_in
from tests.net.reactor_harness import ReactorThread

LIMITS = ServerLimits(idle_timeout=10.0, header_timeout=10.0, io_timeout=10.0)
T = TypeVar("T")


class Served:
    """One accepted connection on a harness loop, and the client end of it."""

    def __init__(self, loop: ReactorThread, config: Callable[[], ResponseConfig]) -> None:
        self.loop = loop
        self.closed: list[HttpConnection] = []
        with socket.create_server(("127.0.0.1", 0)) as server:
            self.client = socket.create_connection(server.getsockname(), timeout=10)
            accepted, address = server.accept()
        accepted.setblocking(False)
        self.connection = self.in_loop(
            lambda: HttpConnection(
                loop.reactor,
                accepted,
                f"{address[0]}:{address[1]}",
                LIMITS,
                config,
                loop.sink,
                self.closed.append,
            )
        )
        loop.closers.append(self.connection.close)

    def in_loop(self, fn: Callable[[], T]) -> T:
        done = threading.Event()
        box: list[T] = []

        def call() -> None:
            box.append(fn())
            done.set()

        self.loop.reactor.call_soon(call)
        assert done.wait(10), "the loop did not run the call"
        return box[0]

    def busy(self) -> bool:
        return self.in_loop(lambda: self.connection.idle_since is None)

    def sweep(self, ahead: float) -> None:
        """The server's periodic sweep, `ahead` seconds in the future."""
        self.in_loop(lambda: self.connection.check_deadlines(time.monotonic() + ahead))

    def messages(self) -> list[str]:
        return [e.message for e in self.loop.events]


@pytest.fixture
def loop() -> Iterator[ReactorThread]:
    harness = ReactorThread().start()
    yield harness
    harness.stop()


@pytest.fixture
def served(loop: ReactorThread) -> Iterator[Served]:
    one = Served(loop, ResponseConfig)
    yield one
    one.client.close()


def poll(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached"
        threading.Event().wait(0.01)  # one short turn between polls of a real condition


def test_a_request_is_answered_and_logged_then_eof_closes(served: Served) -> None:
    served.client.sendall(b"GET /a HTTP/1.1\r\nHost: x\r\n\r\n")
    assert read_responses(served.client, 1) == [200]
    served.loop.wait_for(lambda: bool(served.loop.of_kind(Kind.RECEIVED)))
    assert served.loop.of_kind(Kind.RECEIVED)[0].message.startswith("GET /a → 200, ")
    served.client.shutdown(socket.SHUT_WR)
    poll(lambda: served.closed == [served.connection])
    assert served.loop.of_kind(Kind.ERROR) == []


def test_an_idle_connection_is_closed_at_its_deadline_only(served: Served) -> None:
    served.client.sendall(b"GET / HTTP/1.1\r\n\r\n")
    assert read_responses(served.client, 1) == [200]
    poll(lambda: not served.busy())
    served.sweep(LIMITS.idle_timeout - 1)
    assert served.closed == []
    served.sweep(LIMITS.idle_timeout + 1)
    assert read_until_close(served.client) == b""
    assert served.closed == [served.connection]
    assert "Closed idle connection after 10 s" in served.messages()


def test_headers_not_complete_by_the_deadline_get_408(served: Served) -> None:
    served.client.sendall(b"GET / HTTP/1.1\r\nX-a: 1\r\n")
    poll(served.busy)
    served.sweep(LIMITS.header_timeout - 1)
    assert served.closed == []
    served.sweep(LIMITS.header_timeout + 1)
    assert statuses_in(read_until_close(served.client)) == [408]
    served.loop.wait_for(lambda: bool(served.loop.of_kind(Kind.ERROR)))
    [error] = served.loop.of_kind(Kind.ERROR)
    assert error.message == (
        "408 Request Timeout: Headers not complete within 10 s; connection closed"
    )


def test_a_body_that_stops_arriving_gets_408(served: Served) -> None:
    served.client.sendall(b"POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nhalf")
    poll(served.busy)
    served.sweep(LIMITS.io_timeout + 1)
    assert statuses_in(read_until_close(served.client)) == [408]
    served.loop.wait_for(lambda: bool(served.loop.of_kind(Kind.ERROR)))
    assert "No body data for 10 s" in served.loop.of_kind(Kind.ERROR)[0].message


def test_eof_mid_request_is_one_error_line(served: Served) -> None:
    served.client.sendall(b"GET / HTTP/1.1\r\nX-a")
    poll(served.busy)
    served.client.shutdown(socket.SHUT_WR)
    poll(lambda: bool(served.closed))
    assert [e.message for e in served.loop.of_kind(Kind.ERROR)] == [
        "Client closed the connection mid-request"
    ]


def test_a_bug_answering_costs_one_request_with_a_500(loop: ReactorThread) -> None:
    def broken() -> ResponseConfig:
        raise RuntimeError("no configuration")

    one = Served(loop, broken)
    try:
        one.client.sendall(b"GET / HTTP/1.1\r\n\r\n")
        assert statuses_in(read_until_close(one.client)) == [500]
        loop.wait_for(lambda: len(loop.of_kind(Kind.ERROR)) == 2)
        internal, refused = loop.of_kind(Kind.ERROR)
        assert internal.message.endswith("RuntimeError: no configuration")
        assert "Traceback" in internal.detail
        assert refused.message.startswith("500 Internal Server Error: ")
    finally:
        one.client.close()


def test_close_is_silent_and_happens_once(served: Served) -> None:
    served.in_loop(served.connection.close)
    served.in_loop(served.connection.close)
    assert served.closed == [served.connection]
    assert read_until_close(served.client) == b""
    assert served.loop.events == []
    assert served.in_loop(lambda: served.connection.idle_since) is None
