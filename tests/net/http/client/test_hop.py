"""One hop over a real connection: body framings, HEAD/204/304, 100-continue, timeouts,
cancel, compressed bodies, and kept-alive connections the server closed."""

from __future__ import annotations

import gzip
import socket
import threading
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest

from app.net.events import Kind
from app.net.http.client.result import Phase, RequestSpec
from app.net.http.client.rows import RAW_ROW_LIMIT
from app.net.http.client.spool import SPOOL_OVER
from app.net.http.client.status import HttpClientStatus
from app.units import format_bytes
from tests.net.http.client.peers import (
    ClientLoop,
    ScriptedServer,
    answer,
    content_length,
    read_exactly,
    read_head,
)
from tests.net.reactor_harness import poll_until

BIG = b"B" * (1024 * 1024 + 10)  # over the 100-continue threshold


def once(response: bytes, close: bool = True) -> Callable[[socket.socket, ScriptedServer], None]:
    """Answer every request on the connection with `response` (then close, if asked)."""

    def handler(conn: socket.socket, server: ScriptedServer) -> None:
        while head := read_head(conn):
            server.record(head)
            conn.sendall(response)
            if close:
                return

    return handler


def test_a_chunked_body_is_joined_and_the_raw_bytes_logged(
    client: ClientLoop, serve: Callable[..., ScriptedServer]
) -> None:
    raw = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"5\r\nHello\r\n9;ext=1\r\n, client!\r\n0\r\nX-Trailer: yes\r\n\r\n"
    )
    server = serve(once(raw, close=False))
    result = client.get(server.url + "/")
    assert result.body == b"Hello, client!" and result.wire_size == 14
    (row,) = client.events(Kind.RECEIVED)
    assert row.data == raw and row.message.startswith("200 OK · 14 B · ")
    assert client.get(server.url + "/").reused  # a chunked body keeps the connection


def test_a_close_delimited_body_ends_with_the_connection(
    client: ClientLoop, serve: Callable[..., ScriptedServer]
) -> None:
    server = serve(once(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end"))
    result = client.get(server.url + "/")
    assert result.ok and result.body == b"until the end"
    second = client.get(server.url + "/")
    assert second.ok and not second.reused and server.connections == 2


def test_a_server_closing_mid_body_fails_while_reading_the_body(
    client: ClientLoop, serve: Callable[..., ScriptedServer]
) -> None:
    server = serve(once(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten.."))
    result = client.get(server.url + "/")
    assert result.failure is not None and result.failure.phase is Phase.BODY
    assert "before the end of the body" in result.failure.reason
    (error,) = client.events(Kind.ERROR)
    assert error.message.startswith(f"GET {server.url}/ failed while reading the body:")
    (row,) = client.events(Kind.RECEIVED)
    assert row.partial and row.data.endswith(b"only ten..")
    assert error.local == row.local != "" and error.peer == row.peer


def test_a_malformed_status_line_fails_while_waiting(
    client: ClientLoop, serve: Callable[..., ScriptedServer]
) -> None:
    server = serve(once(b"SSH-2.0-OpenSSH_9.6\r\n\r\n"))
    result = client.get(server.url + "/")
    assert result.failure is not None and result.failure.phase is Phase.WAIT
    assert "Malformed status line" in result.failure.reason


def silent(conn: socket.socket, server: ScriptedServer) -> None:
    """Reads the request and never answers; records b"" once the client closes."""
    server.record(read_head(conn))
    server.record(conn.recv(1))


def test_a_server_that_never_answers_times_out_while_waiting(
    client: ClientLoop, serve: Callable[..., ScriptedServer]
) -> None:
    server = serve(silent)
    result = client.get(server.url + "/", timeout_s=0.5)
    assert result.failure is not None and result.failure.phase is Phase.WAIT
    assert result.failure.reason == "Timed out after 0.5 s"
    assert 450 <= result.timing.total_ms < 5000
    assert client.messages(Kind.ERROR) == [
        f"GET {server.url}/ failed while waiting for the response: Timed out after 0.5 s"
    ]


def test_cancel_stops_at_once_and_closes_the_connection(
    client: ClientLoop, serve: Callable[..., ScriptedServer]
) -> None:
    server = serve(silent)
    before = client.start(RequestSpec("GET", server.url + "/", timeout_s=30))
    client.loop.wait_for(
        lambda: HttpClientStatus(True, "Waiting for the response…") in client.loop.states
    )
    client.loop.reactor.call_soon(client.client.cancel)
    result = client.wait_result(before, timeout=5)
    assert result.cancelled and result.failure is None and not result.ok
    assert client.messages(Kind.INFO)[-1] == (
        f"GET {server.url}/ cancelled while waiting for the response"
    )
    assert not client.messages(Kind.ERROR)
    # The server sees the connection closed at once (its own timeout is 10 s).
    poll_until(lambda: len(server.requests) == 2, timeout=5)
    assert server.requests[-1] == b""


@pytest.mark.parametrize(
    ("method", "status"),
    [("HEAD", "200 OK"), ("GET", "204 No Content"), ("GET", "304 Not Modified")],
)
def test_responses_without_a_body_keep_the_connection(
    client: ClientLoop, serve: Callable[..., ScriptedServer], method: str, status: str
) -> None:
    # Content-Length describes the body a GET would have had: none follows.
    server = serve(once(f"HTTP/1.1 {status}\r\nContent-Length: 1000\r\n\r\n".encode(), False))
    result = client.exchange(RequestSpec(method, server.url + "/", timeout_s=3))
    assert result.ok and result.body == b""
    again = client.exchange(RequestSpec(method, server.url + "/", timeout_s=3))
    assert again.ok and again.reused and server.connections == 1


def expecting(reply: str) -> Callable[[socket.socket, ScriptedServer], None]:
    """`continue`: 100 then read the body; `refuse`: 417 at once; `ignore`: read the
    body whenever it comes, never a 100."""

    def handler(conn: socket.socket, server: ScriptedServer) -> None:
        head = read_head(conn)
        server.record(head)
        if reply == "refuse":
            conn.sendall(answer(b"too big", "417 Expectation Failed"))
            server.release.wait(3)  # the client must not send the body meanwhile
            conn.setblocking(False)
            try:
                server.record(conn.recv(65536))
            except BlockingIOError:
                server.record(b"")
            return
        if reply == "continue":
            conn.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
        body = read_exactly(conn, content_length(head))
        server.record(body)
        conn.sendall(answer(str(len(body)).encode()))

    return handler


def test_a_large_body_waits_for_100_continue(
    client: ClientLoop, serve: Callable[..., ScriptedServer]
) -> None:
    server = serve(expecting("continue"))
    result = client.exchange(RequestSpec("POST", server.url + "/", body=BIG))
    assert result.body == str(len(BIG)).encode()
    assert b"Expect: 100-continue" in server.requests[0] and server.requests[1] == BIG
    # The 100 came: the body did not wait out the second.
    assert not [m for m in client.messages(Kind.INFO) if "No 100 Continue" in m]
    (sent,) = client.events(Kind.SENT)
    assert sent.size == len(server.requests[0]) + len(BIG)


def test_a_final_status_instead_of_100_means_the_body_is_not_sent(
    client: ClientLoop, serve: Callable[..., ScriptedServer]
) -> None:
    server = serve(expecting("refuse"))
    result = client.exchange(RequestSpec("PUT", server.url + "/", body=BIG))
    assert result.status == 417 and result.body == b"too big"
    server.release.set()
    client.loop.wait_for(lambda: len(server.requests) == 2)
    assert server.requests[1] == b""  # the connection closed, no body
    (sent,) = client.events(Kind.SENT)
    assert sent.data == server.requests[0]
    assert not client.exchange(RequestSpec("GET", server.url + "/", timeout_s=3)).reused


def test_a_server_ignoring_expect_gets_the_body_after_a_second(
    client: ClientLoop, serve: Callable[..., ScriptedServer]
) -> None:
    server = serve(expecting("ignore"))
    result = client.exchange(RequestSpec("POST", server.url + "/", body=BIG))
    assert result.body == str(len(BIG)).encode() and result.timing.total_ms >= 950
    assert "No 100 Continue within 1 s: sending the body anyway" in client.messages(Kind.INFO)


@pytest.mark.parametrize(
    ("encoding", "compress"),
    [
        ("gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("deflate", lambda data: zlib.compress(data, wbits=-15)),
    ],
)
def test_compressed_bodies_are_decoded_and_the_wire_bytes_logged(
    client: ClientLoop,
    serve: Callable[..., ScriptedServer],
    encoding: str,
    compress: Callable[[bytes], bytes],
) -> None:
    text = b"Hello, client! " * 1000
    wire = compress(text)
    server = serve(once(answer(wire, extra=f"Content-Encoding: {encoding}\r\n")))
    result = client.get(server.url + "/")
    assert result.body == text and result.wire_size == len(wire)
    assert result.content_encoding == encoding and not result.body_truncated
    (row,) = client.events(Kind.RECEIVED)
    assert row.data.endswith(wire)
    assert row.message.startswith(f"200 OK · {format_bytes(len(wire))} · ")


def keep_alive_then_close(conn: socket.socket, server: ScriptedServer) -> None:
    """Answers one request with keep-alive, then closes the idle connection."""
    server.record(read_head(conn))
    conn.sendall(answer(b"one"))
    conn.shutdown(socket.SHUT_WR)
    conn.recv(1)


def test_a_kept_alive_connection_the_server_closed_is_not_reused(
    client: ClientLoop, serve: Callable[..., ScriptedServer]
) -> None:
    server = serve(keep_alive_then_close)
    assert client.get(server.url + "/").body == b"one"
    client.loop.wait_for(lambda: any("Idle kept-alive" in m for m in client.messages()))
    second = client.get(server.url + "/")
    assert second.ok and not second.reused and server.connections == 2
    assert f"Idle kept-alive connection to 127.0.0.1:{server.port} ended: the server closed it" in (
        client.messages(Kind.INFO)
    )


def drop_second_request(conn: socket.socket, server: ScriptedServer) -> None:
    """The first connection answers once, then reads the next request and closes without
    answering (a server whose idle timeout struck just then); later ones answer."""
    with threading.Lock():
        first = server.connections == 1
    server.record(read_head(conn))
    conn.sendall(answer(b"first"))
    head = read_head(conn)
    server.record(head)
    if first:
        return
    conn.sendall(answer(b"second"))


@pytest.mark.parametrize(("method", "retried"), [("GET", True), ("POST", False)])
def test_an_idempotent_request_is_retried_once_on_a_new_connection(
    client: ClientLoop, serve: Callable[..., ScriptedServer], method: str, retried: bool
) -> None:
    server = serve(drop_second_request)
    assert client.exchange(RequestSpec(method, server.url + "/")).body == b"first"
    result = client.exchange(RequestSpec(method, server.url + "/"))
    retry_lines = [m for m in client.messages(Kind.INFO) if "retrying" in m]
    if retried:
        assert result.ok and result.body == b"first" and not result.reused
        assert retry_lines == [
            f"127.0.0.1:{server.port} closed the kept-alive connection before answering: "
            "retrying on a new connection"
        ]
        assert server.connections == 2
    else:
        assert result.failure is not None and result.failure.phase is Phase.WAIT
        assert not retry_lines


def big_download(conn: socket.socket, server: ScriptedServer) -> None:
    server.record(read_head(conn))
    piece = b"d" * (1024 * 1024)
    conn.sendall(f"HTTP/1.1 200 OK\r\nContent-Length: {20 * len(piece)}\r\n\r\n".encode())
    for _ in range(20):
        conn.sendall(piece)


def test_a_large_download_keeps_its_size_and_bounds_its_row(
    client: ClientLoop, serve: Callable[..., ScriptedServer]
) -> None:
    server = serve(big_download)
    result = client.get(server.url + "/")
    assert result.ok and result.body_size == 20 * 1024 * 1024 == result.wire_size
    # The first part in memory for display, the whole body in the spool file.
    assert len(result.body) == SPOOL_OVER and result.body_truncated
    assert Path(result.body_file).read_bytes() == b"d" * result.body_size
    (row,) = client.events(Kind.RECEIVED)
    assert len(row.data) == RAW_ROW_LIMIT < row.size
    assert row.message.startswith("200 OK · 21.0 MB · ")


def slow_body(conn: socket.socket, server: ScriptedServer) -> None:
    """A body that flows for longer than the timeout, a piece every 0.1 s."""
    server.record(read_head(conn))
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n")
    for _ in range(12):
        server.release.wait(0.15)  # pacing the peer, not waiting for the test
        conn.sendall(b"x")


def test_a_body_that_keeps_flowing_is_not_timed_out(
    client: ClientLoop, serve: Callable[..., ScriptedServer]
) -> None:
    server = serve(slow_body)
    result = client.get(server.url + "/", timeout_s=0.8)
    assert result.ok and result.body == b"x" * 12 and result.timing.total_ms > 1600


def test_a_shorter_timeout_after_a_longer_one_is_kept(
    client: ClientLoop, serve: Callable[..., ScriptedServer]
) -> None:
    answering = serve(once(answer(b"ok")))
    assert client.get(answering.url + "/", timeout_s=60).ok
    server = serve(silent)
    result = client.get(server.url + "/", timeout_s=0.3)
    assert result.failure is not None and result.failure.reason == "Timed out after 0.3 s"
    assert result.timing.total_ms < 5000  # not the first exchange's 60 s
