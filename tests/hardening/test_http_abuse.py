"""Misbehaving HTTP clients against the server on loopback: each one clear log line.

Trickled headers, a thousand idle connections, smuggling shapes beyond the replay
folder, short bodies, clients that vanish. After each, a normal request is still served
and no log row shows a traceback.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest

from app.net.events import Kind
from app.net.http.config import ServeMode, ServerLimits
from tests.hardening.test_harness import assert_no_traceback_rows, raise_fd_limit
from tests.net.http.test_harness import RunningServer, read_until_close, statuses_in

LIMITS = ServerLimits(idle_timeout=30.0, header_timeout=1.0, io_timeout=2.0)


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    running = RunningServer(LIMITS)
    yield running
    running.close()
    assert_no_traceback_rows(running.events())


def still_serves(server: RunningServer) -> None:
    assert server.request("GET", "/")[0] == 200


def trickle(server: RunningServer, data: bytes, every: float = 0.2) -> tuple[bytes, int, float]:
    """Send one byte per `every` s until the server answers or closes.

    The pause between bytes is a receive timeout on the slow socket itself: it waits for
    the server's reaction, so the test never sleeps blindly.
    """
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.settimeout(every)
        sent = 0
        for byte in data:
            try:
                sock.sendall(bytes([byte]))
            except OSError:
                break  # closed on us mid-trickle
            sent += 1
            try:
                first = sock.recv(65536)
            except TimeoutError:
                continue
            return first + read_until_close(sock), sent, time.monotonic() - started
        raise AssertionError(f"the whole request went through in {sent} bytes, no deadline")


def test_slowloris_one_header_byte_at_a_time_is_dropped_at_the_deadline(
    server: RunningServer,
) -> None:
    request = b"GET / HTTP/1.1\r\nHost: x\r\n" + b"X-Slow: " + b"a" * 200 + b"\r\n\r\n"
    reply, sent, took = trickle(server, request)
    assert statuses_in(reply) == [408]
    assert sent < len(request)
    # Header deadline 1 s, sweep every 0.25 s: cut off long before the bytes ran out.
    assert took < 10
    server.wait_for_message(r"^408 .*Headers not complete within 1 s")
    still_serves(server)


def test_a_trickled_body_is_dropped_when_it_stalls(server: RunningServer) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(b"POST / HTTP/1.1\r\nContent-Length: 100\r\n\r\nsome")
        reply = read_until_close(sock)  # the io deadline (2 s) ends it
    assert statuses_in(reply) == [408]
    server.wait_for_message(r"^408 .*No body data for 2 s")


def test_a_thousand_idle_connections_others_served_and_stop_is_prompt() -> None:
    raise_fd_limit(4096)
    # The idle deadline is long: what keeps the server usable is making room at the cap.
    running = RunningServer(ServerLimits(idle_timeout=60.0, header_timeout=60.0))
    idle: list[socket.socket] = []
    try:
        for _ in range(1000):
            idle.append(socket.create_connection(("127.0.0.1", running.port), timeout=10))
        running.poll_until(lambda: running.server.open_connections() >= 200)
        # A real client is served at once, however many idle ones are parked.
        for _ in range(5):
            assert running.request("GET", "/")[0] == 200
        started = time.monotonic()
        running.stop_server()
        took = time.monotonic() - started
        assert running.server.open_connections() == 0
        assert took < 1.0, f"Stop took {took:.2f} s with 1,000 idle connections"
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", running.port), timeout=5).close()
    finally:
        for sock in idle:
            sock.close()
        running.close()
    assert any("idle connection" in m for m in running.messages()), running.messages()[-5:]
    assert_no_traceback_rows(running.events())


# Shapes beyond tests/http_requests/: each must be refused and the connection closed.
SMUGGLING = [
    (b"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", 501),
    (b"Transfer-Encoding: chunked, identity\r\n", 501),
    (b"Transfer-Encoding: xchunked\r\n", 501),
    (b"Transfer-Encoding: chunked\r\nContent-Length: 0\r\n", 400),
    (b"Content-Length: 5, 6\r\n", 400),
    (b"Content-Length: +5\r\n", 400),
    (b"Content-Length: 0x5\r\n", 400),
    (b"Content-Length: 5 5\r\n", 400),
    (b"Content-Length: \xd9\xa5\r\n", 400),  # an Arabic-Indic digit five
    (b"Content-Length:\x0b5\r\n", 400),
    (b"Transfer-Encoding:\x0bchunked\r\n", 400),
    (b" Transfer-Encoding: chunked\r\n", 400),
    (b"Transfer\x00-Encoding: chunked\r\n", 400),
    (b"Transfer-Encoding : chunked\r\n", 400),
    (b"Content-Length: 99999999999999999999999\r\n", 413),
]


@pytest.mark.parametrize(("header", "status"), SMUGGLING, ids=[repr(h)[2:30] for h, _ in SMUGGLING])
def test_smuggling_shapes_are_refused_and_closed(
    server: RunningServer, header: bytes, status: int
) -> None:
    request = (
        b"POST / HTTP/1.1\r\nHost: x\r\n" + header + b"\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\n\r\n"
    )
    reply = server.raw(request)
    assert statuses_in(reply) == [status], reply[:200]
    assert b"/smuggled" not in reply
    still_serves(server)
    assert not any("/smuggled" in m for m in server.messages())


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"5\r\nhello\r\n0\r\n\r\n", 200),
        (b"5;ext=1\r\nhello\r\n0\r\nTrailer: x\r\n\r\n", 200),
        (b"ffffffffffffffffffff\r\n", 413),
        (b"-1\r\n", 400),
        (b"0x5\r\nhello\r\n0\r\n\r\n", 400),
        (b"5\r\nhelloXX0\r\n\r\n", 400),
        (b"5 \r\nhello\r\n0\r\n\r\n", 400),  # whitespace after a size (issue 11, defect 4)
    ],
)
def test_chunked_bodies(server: RunningServer, body: bytes, status: int) -> None:
    head = b"POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    assert statuses_in(server.raw(head + body)) == [status]
    still_serves(server)


def test_expect_100_continue_then_body(server: RunningServer) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(b"PUT /e HTTP/1.1\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
        assert sock.recv(100).startswith(b"HTTP/1.1 100 Continue\r\n\r\n")
        sock.sendall(b"data")
        sock.shutdown(socket.SHUT_WR)
        assert statuses_in(read_until_close(sock)) == [200]


def test_body_shorter_than_content_length_then_the_client_closes(
    server: RunningServer,
) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(b"POST /short HTTP/1.1\r\nContent-Length: 1000\r\n\r\nonly this")
        sock.shutdown(socket.SHUT_WR)
        assert read_until_close(sock) == b""  # nothing guessed, nothing answered
    event = server.wait_for_message("Client closed the connection mid-request")
    assert event.kind is Kind.ERROR
    assert not any(m.startswith("POST /short") for m in server.messages())
    still_serves(server)


@pytest.mark.parametrize("how", ["reset", "close"])
def test_client_gone_before_or_during_the_response(
    server: RunningServer, tmp_path: object, how: str
) -> None:
    server.configure(mode=ServeMode.ECHO)
    try:
        for _ in range(20):
            sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
            sock.sendall(b"POST / HTTP/1.1\r\nContent-Length: 100000\r\n\r\n" + b"x" * 100000)
            if how == "reset":
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\0\0\0\0\0\0\0")
            sock.close()
        still_serves(server)
    finally:
        server.configure()


def test_non_ascii_bytes_in_the_path_and_headers(server: RunningServer) -> None:
    server.configure(mode=ServeMode.ECHO)
    try:
        reply = server.raw(
            b"GET /caf\xc3\xa9/\xff\xfe?q=\xe2\x82\xac HTTP/1.1\r\n"
            b"X-Utf8: gr\xc3\xbc\xc3\x9fe\r\nX-Latin1: \xe9\xff\r\nConnection: close\r\n\r\n"
        )
    finally:
        server.configure()
    assert statuses_in(reply) == [200]
    body = reply.partition(b"\r\n\r\n")[2].decode("utf-8")
    assert '"path": "/café/\\\\xff\\\\xfe"' in body
    assert "grüße" in body
    event = server.wait_for_message(r"^GET /café/")
    assert "\\xff" in event.message
    # A non-token byte in a header name is malformed: 400 with a status line.
    assert statuses_in(server.raw(b"GET / HTTP/1.1\r\nX-\xff: 1\r\n\r\n")) == [400]
    still_serves(server)
