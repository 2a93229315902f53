"""Routes served on loopback: each route and each fault as `http.client` and curl see it."""

from __future__ import annotations

import http.client
import json
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator

import pytest

from app.net.events import Kind
from app.net.http.config import ResponseConfig, ServeMode
from app.net.http.route_delivery import DRIBBLE_INTERVAL, DRIBBLE_PIECE
from app.net.http.routes import compile_routes
from tests.net.http.test_harness import RunningServer, read_responses, running_server


@pytest.fixture
def http_server() -> Iterator[RunningServer]:
    yield from running_server()


def serve_routes(server: RunningServer, *rows: list[str], cors: bool = False) -> None:
    compiled = compile_routes(rows)
    assert compiled.errors == ()
    server.server.set_config(
        ResponseConfig(
            mode=ServeMode.ROUTES,
            status=404,
            content_type="text/plain",
            body=b"no such route",
            routes=compiled.table,
            cors=cors,
        )
    )


def route(
    path: str,
    body: str = "",
    method: str = "ANY",
    status: str = "200",
    content_type: str = "application/json",
    delay: str = "0",
    fault: str = "None",
) -> list[str]:
    return [method, path, status, content_type, body, delay, fault]


def test_done_when_get_api_items_42_is_mocked_by_a_route(http_server: RunningServer) -> None:
    serve_routes(
        http_server,
        route(r"re:/api/items/(\d+)", '{"id": $1, "name": "item $1"}', method="GET"),
    )
    status, headers, body = http_server.request("GET", "/api/items/42")
    assert status == 200 and headers["Content-Type"] == "application/json"
    assert json.loads(body) == {"id": 42, "name": "item 42"}
    event = http_server.wait_for_message(r"^GET /api/items/42 → 200, \d+ B \(.*\): route 1$")
    assert event.kind is Kind.RECEIVED
    # Not this route: another method, another path: the fixed response.
    status, _, body = http_server.request("POST", "/api/items/42")
    assert (status, body) == (404, b"no such route")
    http_server.wait_for_message(r"^POST /api/items/42 → 404, .*: no route matched")


def test_curl_sees_the_route_and_head_gets_the_get_routes_head(http_server: RunningServer) -> None:
    curl = shutil.which("curl")
    assert curl is not None
    serve_routes(http_server, route("/api/*", "glob $1", method="GET", status="201"))
    url = f"http://127.0.0.1:{http_server.port}/api/users/7"
    done = subprocess.run([curl, "-s", "-i", url], capture_output=True, timeout=20, check=True)
    assert done.stdout.startswith(b"HTTP/1.1 201 Created\r\n")
    assert done.stdout.endswith(b"\r\n\r\nglob users/7")
    head = subprocess.run([curl, "-s", "-I", url], capture_output=True, timeout=20, check=True)
    assert head.stdout.startswith(b"HTTP/1.1 201 ")
    assert b"Content-Length: 12\r\n" in head.stdout  # the length a GET carries, no body


def test_a_routes_4xx_is_logged_as_an_answer_not_an_error(http_server: RunningServer) -> None:
    serve_routes(http_server, route("/gone", "gone", status="410"))
    status, _, _ = http_server.request("GET", "/gone")
    assert status == 410
    event = http_server.wait_for_message(r"^GET /gone → 410, .*: route 1$")
    assert event.kind is Kind.RECEIVED


def test_empty_response_is_remote_disconnected(http_server: RunningServer) -> None:
    serve_routes(http_server, route("/empty", fault="Empty response"))
    conn = http_server.connection()
    conn.request("GET", "/empty")
    with pytest.raises(http.client.RemoteDisconnected):
        conn.getresponse()
    conn.close()
    event = http_server.wait_for_message(r"^GET /empty → no response \(.*\): route 1, Empty")
    assert "closed without a byte" in event.message


def test_curl_says_empty_reply_for_an_empty_response(http_server: RunningServer) -> None:
    curl = shutil.which("curl")
    assert curl is not None
    serve_routes(http_server, route("/empty", fault="Empty response"))
    done = subprocess.run(
        [curl, "-sS", f"http://127.0.0.1:{http_server.port}/empty"],
        capture_output=True,
        timeout=20,
    )
    assert done.returncode == 52 and b"Empty reply from server" in done.stderr


def test_reset_connection_is_connection_reset(http_server: RunningServer) -> None:
    serve_routes(http_server, route("/reset", fault="Reset connection"))
    conn = http_server.connection()
    conn.request("GET", "/reset")
    with pytest.raises(ConnectionResetError):
        conn.getresponse()
    conn.close()
    http_server.wait_for_message(r"^GET /reset → no response .*: route 1, Reset connection: .*RST")


def test_random_data_then_close_is_a_bad_status_line(http_server: RunningServer) -> None:
    serve_routes(http_server, route("/noise", fault="Random data then close"))
    conn = http_server.connection()
    conn.request("GET", "/noise")
    with pytest.raises(http.client.BadStatusLine):
        conn.getresponse()
    conn.close()
    with socket.create_connection(("127.0.0.1", http_server.port), timeout=10) as sock:
        sock.sendall(b"GET /noise HTTP/1.1\r\nHost: x\r\n\r\n")
        received = http_server_read_all(sock)
    assert len(received) == 256 and not received.startswith(b"HTTP/")
    http_server.wait_for_message(r"^GET /noise → 256 random bytes .*: route 1, Random data")


def http_server_read_all(sock: socket.socket) -> bytes:
    data = bytearray()
    while chunk := sock.recv(65536):
        data += chunk
    return bytes(data)


def test_dribble_delivers_the_whole_body_slowly_and_keeps_the_connection(
    http_server: RunningServer,
) -> None:
    body = "0123456789" * 4  # five pieces
    serve_routes(http_server, route("/slow", body, fault="Dribble"), route("/fast", "fast"))
    conn = http_server.connection()
    try:
        started = time.monotonic()
        conn.request("GET", "/slow")
        response = conn.getresponse()
        assert response.status == 200  # the head comes at once
        arrivals: list[float] = []
        received = b""
        while piece := response.read1(1024):
            arrivals.append(time.monotonic())
            received += piece
        assert response.read() == b"" and response.isclosed()  # read1 leaves it open
        assert received == body.encode()
        pieces = len(body) // DRIBBLE_PIECE
        assert len(arrivals) >= 3, "the body came in one go"
        # At least one interval between the first and the last piece for each piece.
        assert arrivals[-1] - started >= (pieces - 1) * DRIBBLE_INTERVAL * 0.9
        conn.request("GET", "/fast")  # the same connection goes on
        assert conn.getresponse().read() == b"fast"
    finally:
        conn.close()
    http_server.wait_for_message(r"^GET /slow → 200, \d+ B .*: route 1, dribbled 8 B every 50 ms$")


def test_delay_holds_that_answer_only(http_server: RunningServer) -> None:
    serve_routes(http_server, route("/slow", "late", delay="700"), route("/fast", "now"))
    slow = http_server.connection()
    try:
        started = time.monotonic()
        slow.request("GET", "/slow")
        # While the slow answer waits, another client is answered at once.
        fast_started = time.monotonic()
        assert http_server.request("GET", "/fast")[2] == b"now"
        fast_took = time.monotonic() - fast_started
        assert slow.getresponse().read() == b"late"
        took = time.monotonic() - started
    finally:
        slow.close()
    assert took >= 0.69 and fast_took < took
    event = http_server.wait_for_message(r"^GET /slow → 200, .*: route 1, held 700 ms$")
    elapsed = float(event.message.split("(")[1].split(" ms")[0].replace(",", ""))
    assert elapsed >= 690


def test_pipelined_requests_after_a_delayed_one_keep_their_order(
    http_server: RunningServer,
) -> None:
    serve_routes(
        http_server,
        route("/slow", status="201", delay="300"),
        route("/fast", status="202"),
    )
    with socket.create_connection(("127.0.0.1", http_server.port), timeout=10) as sock:
        one = b"GET /%s HTTP/1.1\r\nHost: x\r\n\r\n"
        sock.sendall(one % b"slow" + one % b"fast" + one % b"slow")
        assert read_responses(sock, 3) == [201, 202, 201]


def test_delay_then_fault(http_server: RunningServer) -> None:
    serve_routes(http_server, route("/late-reset", delay="300", fault="Reset connection"))
    conn = http_server.connection()
    started = time.monotonic()
    conn.request("GET", "/late-reset")
    with pytest.raises(ConnectionResetError):
        conn.getresponse()
    conn.close()
    assert time.monotonic() - started >= 0.29
    http_server.wait_for_message(r"^GET /late-reset → no response .*: route 1, held 300 ms, Reset")


def test_a_delay_longer_than_the_idle_deadline_is_not_cut(http_server: RunningServer) -> None:
    # TEST_LIMITS: idle 1.5 s, io 3 s; the route holds its answer 2 s.
    serve_routes(http_server, route("/patient", "waited", delay="2000"))
    assert http_server.request("GET", "/patient")[2] == b"waited"


def test_a_client_gone_during_the_delay_is_one_line(http_server: RunningServer) -> None:
    serve_routes(http_server, route("/slow", "late", delay="300"))
    with socket.create_connection(("127.0.0.1", http_server.port), timeout=10) as sock:
        sock.sendall(b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    event = http_server.wait_for_message(r"^GET /slow → 200, .*client disconnected")
    assert event.kind is Kind.ERROR
    assert http_server.request("GET", "/slow")[2] == b"late"  # and the server goes on


def test_stop_during_a_delay_closes_the_connection_at_once(http_server: RunningServer) -> None:
    serve_routes(http_server, route("/slow", "late", delay="60000"))
    conn = http_server.connection()
    conn.request("GET", "/slow")
    http_server.poll_until(lambda: http_server.server.open_connections() == 1)
    started = time.monotonic()
    http_server.stop_server()
    with pytest.raises((http.client.RemoteDisconnected, ConnectionResetError)):
        conn.getresponse()
    conn.close()
    assert time.monotonic() - started < 2.0


def test_a_catastrophic_path_regex_answers_500_and_the_next_request_is_served(
    http_server: RunningServer,
) -> None:
    serve_routes(http_server, route("re:/(a|aa)+"), route("/*", "fine"))
    status, _, body = http_server.request("GET", "/" + "a" * 40 + "b")
    assert status == 500 and b"route 1" in body
    http_server.wait_for_message(r"→ 500, .*route 1's path pattern was stopped after")
    assert http_server.request("GET", "/ok")[2] == b"fine"


def test_a_half_closed_client_still_gets_the_delayed_answer(http_server: RunningServer) -> None:
    serve_routes(http_server, route("/slow", "late", delay="300"))
    with socket.create_connection(("127.0.0.1", http_server.port), timeout=10) as sock:
        sock.sendall(b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
        sock.shutdown(socket.SHUT_WR)  # like `nc -N`: done sending, still reading
        received = http_server_read_all(sock)
    assert received.startswith(b"HTTP/1.1 200 OK\r\n") and received.endswith(b"\r\n\r\nlate")


def test_curl_sees_reset_and_random_data_as_what_they_are(http_server: RunningServer) -> None:
    curl = shutil.which("curl")
    assert curl is not None
    serve_routes(
        http_server,
        route("/reset", fault="Reset connection"),
        route("/noise", fault="Random data then close"),
    )
    base = f"http://127.0.0.1:{http_server.port}"
    reset = subprocess.run([curl, "-sS", f"{base}/reset"], capture_output=True, timeout=20)
    assert reset.returncode == 56 and b"reset by peer" in reset.stderr
    noise = subprocess.run(
        [curl, "-sS", "-o", "/dev/null", f"{base}/noise"], capture_output=True, timeout=20
    )
    # curl 7.x calls random bytes an HTTP/0.9 answer and refuses it (1), or a weird reply (8).
    assert noise.returncode in (1, 8), noise.stderr


def test_a_pipelined_answer_before_a_fault_is_delivered_first(http_server: RunningServer) -> None:
    serve_routes(http_server, route("/fine", "fine"), route("/empty", fault="Empty response"))
    with socket.create_connection(("127.0.0.1", http_server.port), timeout=10) as sock:
        one = b"GET /%s HTTP/1.1\r\nHost: x\r\n\r\n"
        sock.sendall(one % b"fine" + one % b"empty" + one % b"fine")
        received = http_server_read_all(sock)
    # The first answer, then the close: nothing for the request after the fault.
    assert received.startswith(b"HTTP/1.1 200 OK\r\n") and received.endswith(b"\r\n\r\nfine")
    assert received.count(b"HTTP/1.1") == 1
