"""The HTTP server's modes, keep-alive, Stop and restart, against real loopback clients."""

from __future__ import annotations

import json
import os
import re
import socket
import sys
import threading
import time
from collections.abc import Iterator

import pytest

from app.net.events import Kind
from app.net.http.config import ServeMode
from app.net.http.status import HttpServerStatus, ServerState
from tests.net.http.test_harness import (
    RunningServer,
    read_responses,
    running_server,
)


@pytest.fixture
def http_server() -> Iterator[RunningServer]:
    yield from running_server()


def test_out_of_the_box_it_answers_hello_client(http_server: RunningServer) -> None:
    status, headers, body = http_server.request("GET", "/")
    assert (status, body) == (200, b"Hello, client!")
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert headers["Content-Length"] == "14"
    event = http_server.wait_for_message(r"^GET / → 200, (\d+) B \(\d+\.\d ms\)$")
    assert event.peer.startswith("127.0.0.1:")
    # The row is the request received (its bytes, its size); the message names the whole
    # response, headers included.
    assert event.kind is Kind.RECEIVED
    assert event.data.startswith(b"GET / HTTP/1.1\r\n") and event.size == len(event.data)
    response_size = int(re.search(r", (\d+) B", event.message).group(1))  # type: ignore[union-attr]
    assert response_size > 14
    assert "GET / HTTP/1.1" in event.detail and "Response:" in event.detail


def test_keep_alive_serves_many_requests_on_one_connection(http_server: RunningServer) -> None:
    conn = http_server.connection()
    try:
        for _ in range(5):
            conn.request("GET", "/")
            assert conn.getresponse().read() == b"Hello, client!"
    finally:
        conn.close()
    http_server.loop.wait_for(lambda: len(http_server.messages()) >= 6)
    peers = {e.peer for e in http_server.events() if e.message.startswith("GET")}
    assert len(peers) == 1


def test_a_changed_answer_applies_to_the_next_request(http_server: RunningServer) -> None:
    http_server.configure(
        status=404,
        content_type="text/plain",
        headers=(("X-Test", "yes"),),
        body="nope ✓".encode(),
    )
    status, headers, body = http_server.request("GET", "/")
    assert (status, headers["X-Test"], headers["Content-Type"]) == (404, "yes", "text/plain")
    assert body == "nope ✓".encode()
    http_server.configure(status=204, body=b"ignored")
    status, headers, body = http_server.request("GET", "/")
    assert (status, body, headers["Content-Length"]) == (204, b"", None)


def test_http_1_0_keep_alive_is_honoured(http_server: RunningServer) -> None:
    with socket.create_connection(("127.0.0.1", http_server.port), timeout=10) as sock:
        request = b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"
        sock.sendall(request + request)
        assert read_responses(sock, 2) == [200, 200]


def test_chunked_bodies_are_decoded(http_server: RunningServer) -> None:
    http_server.configure(mode=ServeMode.ECHO)
    raw = (
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        b"5;ext=1\r\nHello\r\n7\r\n, chunk\r\n0\r\nX-Trailer: t\r\n\r\n"
    )
    doc = json.loads(http_server.raw(raw).split(b"\r\n\r\n", 1)[1])
    assert doc["body"] == "Hello, chunk"


def test_expect_100_continue_is_answered(http_server: RunningServer) -> None:
    with socket.create_connection(("127.0.0.1", http_server.port), timeout=10) as sock:
        sock.sendall(
            b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n"
        )
        interim = sock.recv(100)
        assert interim == b"HTTP/1.1 100 Continue\r\n\r\n"
        sock.sendall(b"body")
        assert read_responses(sock, 1) == [200]


def test_stop_closes_keep_alive_connections_and_restart_works(
    http_server: RunningServer,
) -> None:
    conn = http_server.connection()
    conn.request("GET", "/")
    assert conn.getresponse().read() == b"Hello, client!"
    port = http_server.port
    http_server.stop_server()
    assert http_server.last_status().state is ServerState.STOPPED
    assert any("1 open connection closed" in m for m in http_server.messages())
    # The old connection is closed, not served.
    assert conn.sock is not None
    conn.sock.settimeout(5)
    assert conn.sock.recv(100) == b""
    conn.close()
    # The port is free at once: start again on the same port.
    assert http_server.start(port) == port
    status, _, body = http_server.request("GET", "/")
    assert (status, body) == (200, b"Hello, client!")


def test_port_in_use_is_one_log_line_and_stopped() -> None:
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        port = blocker.getsockname()[1]
        server = RunningServer()
        try:
            server.stop_server()
            before = len(server.loop.states)
            server.loop.reactor.call_soon(server.server.start, "127.0.0.1", port)
            server.loop.wait_for(lambda: len(server.loop.states) > before)
            status = server.last_status()
            assert isinstance(status, HttpServerStatus)
            assert status.state is ServerState.STOPPED
            assert f"Port {port} is in use" in status.error
            errors = [e for e in server.events() if e.kind is Kind.ERROR]
            assert [e.message for e in errors] == [status.error]
        finally:
            server.close()


@pytest.mark.skipif(sys.platform == "win32" or os.geteuid() == 0, reason="root may bind low ports")
def test_privileged_port_is_refused_clearly() -> None:
    server = RunningServer()
    try:
        server.stop_server()
        before = len(server.loop.states)
        server.loop.reactor.call_soon(server.server.start, "127.0.0.1", 81)
        server.loop.wait_for(lambda: len(server.loop.states) > before)
        assert "permission denied (ports below 1024" in server.last_status().error
    finally:
        server.close()


def test_localhost_listens_on_both_loopbacks() -> None:
    server = RunningServer(host="localhost")
    try:
        for family, address in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
            try:
                sock = socket.create_connection((address, server.port), timeout=5)
            except OSError:
                assert family == socket.AF_INET6  # a machine without IPv6
                continue
            with sock:
                sock.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
                assert read_responses(sock, 1) == [200]
        assert server.last_status().url == f"http://localhost:{server.port}/"
    finally:
        server.close()


def test_no_stderr_and_no_getfqdn_needed(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_lookup(*_args: object) -> str:
        raise AssertionError("getfqdn must not be called")

    monkeypatch.setattr(socket, "getfqdn", no_lookup)
    monkeypatch.setattr(sys, "stderr", None)
    server = RunningServer()
    try:
        assert server.request("GET", "/")[0] == 200
        assert server.raw(b"garbage\r\n\r\n").startswith(b"HTTP/1.1 400 Bad Request\r\n")
    finally:
        server.close()


def test_a_request_that_trickles_in_costs_no_cpu_while_it_waits(
    http_server: RunningServer,
) -> None:
    with socket.create_connection((http_server.host, http_server.port), timeout=10) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")  # the head is not complete yet
        http_server.poll_until(lambda: http_server.server.open_connections() == 1)
        before = time.process_time()
        threading.Event().wait(0.5)  # a fixed window to measure CPU in, not a wait
        spent = time.process_time() - before
        sock.sendall(b"\r\n")
        statuses = read_responses(sock, 1)
    # The loop sleeps until the rest arrives; it must not poll the parser every turn.
    assert spent < 0.2, f"{spent:.2f} s of CPU in 0.5 s while a request waited"
    assert statuses == [200]
