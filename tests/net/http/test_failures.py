"""Malformed, oversized, ambiguous and slow requests: a real error reply, a log line, and
the server keeps serving (tests/hardening/catalogue.md rows 23-29)."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator

import pytest

from app.net.events import Kind
from app.net.http.config import ServeMode
from tests.net.http.test_harness import (
    TEST_LIMITS,
    RunningServer,
    read_responses,
    read_until_close,
    running_server,
    statuses_in,
)


@pytest.fixture
def http_server() -> Iterator[RunningServer]:
    yield from running_server()


def still_serves(server: RunningServer) -> None:
    status, _, body = server.request("GET", "/")
    assert (status, body) == (200, b"Hello, client!")


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        (b"garbage\r\n\r\n", 400),
        (b"GET / HTTP/1.1 extra\r\n\r\n", 400),
        (b"GET /\r\n\r\n", 400),
        (b"GET / HTTP/2.0\r\n\r\n", 505),
        (b"GET / HTTP/x.y\r\n\r\n", 400),
        (b"G(T / HTTP/1.1\r\n\r\n", 400),
        (b"GET / HTTP/1.1\r\nNo colon here\r\n\r\n", 400),
        (b"GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400),
        (b"GET / HTTP/1.1\r\nX: a\r\n folded\r\n\r\n", 400),
        (b"BREW /pot HTTP/1.1\r\nConnection: close\r\n\r\n", 501),
    ],
)
def test_malformed_requests_get_a_real_status_line(
    http_server: RunningServer, raw: bytes, status: int
) -> None:
    reply = http_server.raw(raw)
    assert reply.startswith(b"HTTP/1.1 %d " % status), reply[:80]
    assert statuses_in(reply) == [status]
    http_server.wait_for_message(rf"{status}")
    still_serves(http_server)


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        (b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\n\r\n", 414),
        (b"GET /" + b"a" * 9_000 + b" HTTP/1.1\r\n\r\n", 414),
        (b"GET / HTTP/1.1\r\nX-Big: " + b"b" * 70_000 + b"\r\n\r\n", 431),
        (b"GET / HTTP/1.1\r\nX-Big: " + b"b" * 9_000 + b"\r\n\r\n", 431),
        (b"GET / HTTP/1.1\r\n" + b"".join(b"X-%d: v\r\n" % i for i in range(101)) + b"\r\n", 431),
        (b"GET / HTTP/1.1\r\n" + (b"X: " + b"v" * 1000 + b"\r\n") * 70 + b"\r\n", 431),
    ],
)
def test_oversized_requests_are_refused(
    http_server: RunningServer, raw: bytes, status: int
) -> None:
    reply = http_server.raw(raw)
    assert reply.startswith(b"HTTP/1.1 %d " % status), reply[:80]
    event = http_server.wait_for_message(rf"^{status} ")
    assert event.kind is Kind.ERROR and "connection closed" in event.message
    still_serves(http_server)


def test_one_hundred_headers_are_fine(http_server: RunningServer) -> None:
    raw = b"GET / HTTP/1.1\r\n" + b"".join(b"X-%d: v\r\n" % i for i in range(99))
    reply = http_server.raw(raw + b"Connection: close\r\n\r\n")
    assert statuses_in(reply) == [200]


@pytest.mark.parametrize(
    "framing",
    [
        b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n",
        b"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n",
        b"Content-Length: 5\r\nContent-Length: 6\r\n",
        b"Content-Length: 5, 6\r\n",
        b"Content-Length: -5\r\n",
        b"Content-Length: 0x5\r\n",
    ],
)
def test_ambiguous_framing_is_400_and_the_connection_closes(
    http_server: RunningServer, framing: bytes
) -> None:
    raw = (
        b"POST / HTTP/1.1\r\nHost: x\r\n"
        + framing
        + b"\r\nhello\r\n0\r\n\r\nGET /x HTTP/1.1\r\n\r\n"
    )
    reply = http_server.raw(raw)  # raw() reads until the server closes
    assert statuses_in(reply) == [400]
    still_serves(http_server)


def test_unknown_transfer_coding_is_501(http_server: RunningServer) -> None:
    raw = b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n"
    assert statuses_in(http_server.raw(raw)) == [501]


def test_bad_chunk_size_is_400(http_server: RunningServer) -> None:
    raw = b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n"
    assert statuses_in(http_server.raw(raw)) == [400]


def test_body_over_the_limit_is_413_without_reading_it(http_server: RunningServer) -> None:
    too_big = TEST_LIMITS.max_body + 1
    raw = b"POST / HTTP/1.1\r\nContent-Length: %d\r\n\r\n" % too_big
    assert statuses_in(http_server.raw(raw)) == [413]
    event = http_server.wait_for_message("^413 ")
    assert "10,485,760 byte limit" in event.message
    still_serves(http_server)


def test_chunked_body_over_the_limit_is_413(http_server: RunningServer) -> None:
    with socket.create_connection(("127.0.0.1", http_server.port), timeout=10) as sock:
        sock.sendall(b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n")
        chunk = b"100000\r\n" + b"x" * 0x100000 + b"\r\n"
        try:
            for _ in range(12):
                sock.sendall(chunk)
        except OSError:
            pass  # refused and closed while we were still sending
        reply = read_until_close(sock)
    assert statuses_in(reply) == [413]


def test_a_body_hiding_a_request_is_never_served_as_one(http_server: RunningServer) -> None:
    """The GET's body is drained, not parsed as a second request.

    tests/hardening/catalogue.md row 26.
    """
    http_server.configure(mode=ServeMode.ECHO)
    hidden = b"GET /secret HTTP/1.1\r\nHost: x\r\n\r\n"
    raw = b"GET /visible HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(hidden)
    with socket.create_connection(("127.0.0.1", http_server.port), timeout=10) as sock:
        sock.sendall(raw + hidden + b"GET /next HTTP/1.1\r\nConnection: close\r\n\r\n")
        reply = read_until_close(sock)
    assert statuses_in(reply) == [200, 200]
    assert b'"path": "/secret"' not in reply
    assert b'"path": "/next"' in reply
    http_server.wait_for_message("^GET /next ")
    assert not any("/secret" in m for m in http_server.messages())


def test_pipelined_requests_are_answered_in_order(http_server: RunningServer) -> None:
    with socket.create_connection(("127.0.0.1", http_server.port), timeout=10) as sock:
        sock.sendall(b"GET /1 HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\nGET /3 HTTP/1.1\r\n\r\n")
        assert read_responses(sock, 3) == [200, 200, 200]


def test_trickling_headers_are_cut_off_while_others_are_served(
    http_server: RunningServer,
) -> None:
    """A slowloris client never completes its headers (tests/hardening/catalogue.md row 25)."""
    with socket.create_connection(("127.0.0.1", http_server.port), timeout=10) as slow:
        slow.sendall(b"GET / HTTP/1.1\r\nX-a: 1\r\n")
        still_serves(http_server)  # not held up by the slow one
        reply = read_until_close(slow)  # closed at the header deadline
    assert statuses_in(reply) == [408]
    http_server.wait_for_message("^408 ")


def test_connections_over_the_cap_get_503_and_others_recover(
    http_server: RunningServer,
) -> None:
    idle = [
        socket.create_connection(("127.0.0.1", http_server.port), timeout=10)
        for _ in range(TEST_LIMITS.max_connections)
    ]
    # Each one busy mid-request (an idle one would be closed to make room for a newcomer):
    # the 100 Continue proves the server has parsed its head.
    for sock in idle:
        sock.sendall(b"POST / HTTP/1.1\r\nContent-Length: 9\r\nExpect: 100-continue\r\n\r\n")
        assert sock.recv(100).startswith(b"HTTP/1.1 100 ")
    try:
        http_server.poll_until(
            lambda: http_server.server.open_connections() == TEST_LIMITS.max_connections
        )
        reply = http_server.raw(b"GET / HTTP/1.1\r\n\r\n")
        assert statuses_in(reply) == [503]
        http_server.wait_for_message("over the limit of 16 open connections")
    finally:
        for sock in idle:
            sock.close()
    http_server.poll_until(lambda: http_server.server.open_connections() == 0)
    still_serves(http_server)


def test_client_abort_mid_response_is_logged(
    http_server: RunningServer, tmp_path: os.PathLike[str]
) -> None:
    big = os.path.join(tmp_path, "big.bin")
    with open(big, "wb") as handle:
        handle.truncate(64 * 1024 * 1024)
    http_server.configure(mode=ServeMode.FOLDER, folder=str(tmp_path))
    sock = socket.create_connection(("127.0.0.1", http_server.port), timeout=10)
    sock.sendall(b"GET /big.bin HTTP/1.1\r\n\r\n")
    assert sock.recv(1000).startswith(b"HTTP/1.1 200 OK")
    # Reset instead of a polite close, so the server's next write fails at once.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    sock.close()
    event = http_server.wait_for_message("client disconnected before the response")
    assert event.kind is Kind.ERROR
    assert http_server.request("GET", "/")[0] == 200


def test_stop_is_prompt_with_slow_and_idle_clients_connected() -> None:
    server = RunningServer()
    socks = [socket.create_connection(("127.0.0.1", server.port), timeout=10) for _ in range(5)]
    try:
        socks[0].sendall(b"GET / HTTP/1.1\r\nX-a: 1\r\n")  # mid-headers
        server.poll_until(lambda: server.server.open_connections() == 5)
        server.stop_server()
        assert server.server.open_connections() == 0
        for sock in socks:
            assert read_until_close(sock, 5) == b""
    finally:
        for sock in socks:
            sock.close()
        server.close()
