"""The HTTP client engine against real loopback peers: python -m http.server, the app's
own HTTP Server in its modes, scripted servers for redirects and failures."""

from __future__ import annotations

import itertools
import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.net.events import Kind
from app.net.http.client.engine import MAX_REDIRECTS, HttpClient
from app.net.http.client.result import ExchangeResult, Phase, RequestSpec
from app.net.http.client.status import HttpClientStatus
from app.net.http.config import ServeMode
from tests.net.http.client.peers import ClientLoop, ScriptedServer, answer, read_head
from tests.net.http.test_harness import RunningServer, running_server
from tests.net.reactor_harness import ReactorThread


@pytest.fixture
def http_server() -> Iterator[RunningServer]:
    yield from running_server()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def tutorial_server(tmp_path: Path) -> Iterator[str]:
    """`python -m http.server` serving a folder, as the tutorial runs it."""
    (tmp_path / "index.html").write_text("Hello, client!")
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 15
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            assert time.monotonic() < deadline and process.poll() is None, "http.server down"
            time.sleep(0.05)  # polling a port that is not listening yet; nothing to wait on
    yield f"http://127.0.0.1:{port}/"
    process.terminate()
    process.wait(10)


def test_get_from_the_tutorial_server_with_its_timing(
    client: ClientLoop, tutorial_server: str
) -> None:
    result = client.get(tutorial_server)
    assert result.ok and (result.status, result.reason) == (200, "OK")
    assert result.body == b"Hello, client!" and result.version == "HTTP/1.0"
    timing = result.timing
    assert timing.dns_ms is None and timing.tls_ms is None  # an address, plain http
    assert timing.connect_ms is not None and timing.first_byte_ms is not None
    assert timing.download_ms is not None
    assert timing.total_ms >= timing.connect_ms + timing.first_byte_ms
    sent, received = client.events(Kind.SENT), client.events(Kind.RECEIVED)
    assert [e.message for e in sent] == ["GET / HTTP/1.1"]
    assert sent[0].data.startswith(b"GET / HTTP/1.1\r\nHost: 127.0.0.1:")
    assert len(received) == 1 and received[0].message.startswith("200 OK · 14 B · ")
    assert received[0].data.startswith(b"HTTP/1.0 200 OK\r\n")
    assert received[0].data.endswith(b"\r\n\r\nHello, client!")
    assert received[0].size == len(received[0].data)
    assert sent[0].local and sent[0].local == received[0].local
    assert any(m.startswith("New connection to 127.0.0.1:") for m in client.messages(Kind.INFO))
    # HTTP/1.0 without keep-alive: the next request needs a new connection.
    assert not client.get(tutorial_server).reused


def test_a_missing_file_is_a_response_not_a_failure(
    client: ClientLoop, tutorial_server: str
) -> None:
    result = client.get(tutorial_server + "nothing-here")
    assert result.status == 404 and result.failure is None and result.ok


def test_keep_alive_reuses_the_connection_to_the_same_origin(
    client: ClientLoop, http_server: RunningServer
) -> None:
    url = f"http://127.0.0.1:{http_server.port}/"
    first, second, third = (client.get(url) for _ in range(3))
    assert [r.body for r in (first, second, third)] == [b"Hello, client!"] * 3
    assert (first.reused, second.reused, third.reused) == (False, True, True)
    assert second.timing.connect_ms is None and first.timing.connect_ms is not None
    infos = client.messages(Kind.INFO)
    assert sum(m.startswith("New connection to") for m in infos) == 1
    assert sum(m.startswith("Reused connection to") for m in infos) == 2
    locals_ = {e.local for e in client.events(Kind.SENT)}
    assert len(locals_) == 1
    # Another origin (localhost is not 127.0.0.1 for the pool) gets its own connection.
    other = client.get(f"http://localhost:{http_server.port}/")
    assert other.ok and not other.reused and other.timing.dns_ms is not None


def test_post_json_to_echo_mode(client: ClientLoop, http_server: RunningServer) -> None:
    http_server.configure(mode=ServeMode.ECHO)
    body = json.dumps({"hello": "server"}).encode()
    spec = RequestSpec(
        "POST",
        f"http://127.0.0.1:{http_server.port}/api?x=1",
        headers=(("content-type", "application/json"), ("X-Trace", "Ab")),
        body=body,
    )
    result = client.exchange(spec)
    echoed = json.loads(result.body)
    assert echoed["method"] == "POST" and echoed["body"] == '{"hello": "server"}'
    assert echoed["query"] == {"x": ["1"]}
    headers = echoed["headers"]
    assert headers["content-type"] == "application/json" and headers["X-Trace"] == "Ab"
    assert headers["Content-Length"] == str(len(body))
    assert headers["User-Agent"].startswith("socket-tester/")
    assert headers["Accept-Encoding"] == "gzip, deflate"
    assert client.events(Kind.SENT)[0].data.endswith(b"\r\n\r\n" + body)


def test_the_persons_headers_replace_the_defaults(
    client: ClientLoop, http_server: RunningServer
) -> None:
    http_server.configure(mode=ServeMode.ECHO)
    spec = RequestSpec(
        "PUT",
        f"http://127.0.0.1:{http_server.port}/",
        headers=(("user-agent", "probe/1"), ("Accept-Encoding", "identity")),
    )
    headers = json.loads(client.exchange(spec).body)["headers"]
    assert headers["user-agent"] == "probe/1" and headers["Accept-Encoding"] == "identity"
    assert "User-Agent" not in headers and headers["Content-Length"] == "0"


def test_folder_mode_serves_a_file(
    client: ClientLoop, http_server: RunningServer, tmp_path: Path
) -> None:
    (tmp_path / "data.txt").write_bytes(b"x" * 100_000)
    http_server.configure(mode=ServeMode.FOLDER, folder=str(tmp_path))
    result = client.get(f"http://127.0.0.1:{http_server.port}/data.txt")
    assert result.status == 200 and result.body == b"x" * 100_000
    assert result.wire_size == 100_000


def test_fixed_mode_status_and_headers(client: ClientLoop, http_server: RunningServer) -> None:
    http_server.configure(status=418, headers=(("X-Teapot", "yes"),), body=b"short and stout")
    result = client.get(f"http://127.0.0.1:{http_server.port}/")
    assert (result.status, result.header("x-teapot"), result.body) == (
        418,
        "yes",
        b"short and stout",
    )


def redirecting(conn: socket.socket, server: ScriptedServer) -> None:
    """/a -> relative /b, /b -> absolute /c, /c answers; /loop redirects to itself;
    /post answers 303 to /after, which echoes the method and whether a body came."""
    while True:
        head = read_head(conn)
        if not head:
            return
        server.record(head)
        path = head.split(b" ")[1].decode()
        if path == "/a":
            conn.sendall(answer(b"", "302 Found", "Location: b\r\n"))
        elif path == "/b":
            conn.sendall(answer(b"", "301 Moved Permanently", f"Location: {server.url}/c\r\n"))
        elif path == "/loop":
            conn.sendall(answer(b"", "307 Temporary Redirect", "Location: /loop\r\n"))
        elif path == "/post":
            conn.recv(65536)  # the body
            conn.sendall(answer(b"", "303 See Other", "Location: /after\r\n"))
        else:
            method = head.split(b" ")[0]
            conn.sendall(answer(method + b" " + path.encode()))


@pytest.fixture
def redirects() -> Iterator[ScriptedServer]:
    server = ScriptedServer(redirecting)
    yield server
    server.close()


def test_a_redirect_chain_is_followed_and_each_hop_logged(
    client: ClientLoop, redirects: ScriptedServer
) -> None:
    result = client.get(f"{redirects.url}/a", follow_redirects=True)
    assert result.status == 200 and result.body == b"GET /c"
    assert result.redirects == (f"{redirects.url}/b", f"{redirects.url}/c")
    assert result.url == f"{redirects.url}/c" and result.reused
    hops = [m for m in client.messages(Kind.INFO) if "following to" in m]
    assert hops == [
        f"302 Found: following to GET {redirects.url}/b (redirect 1 of 10)",
        f"301 Moved Permanently: following to GET {redirects.url}/c (redirect 2 of 10)",
    ]
    assert len(client.events(Kind.SENT)) == 3 and len(client.events(Kind.RECEIVED)) == 3


def test_without_follow_the_redirect_itself_is_the_result(
    client: ClientLoop, redirects: ScriptedServer
) -> None:
    result = client.get(f"{redirects.url}/a")
    assert (result.status, result.header("Location"), result.redirects) == (302, "b", ())


def test_a_redirect_loop_fails_after_ten_hops(
    client: ClientLoop, redirects: ScriptedServer
) -> None:
    result = client.get(f"{redirects.url}/loop", follow_redirects=True)
    assert result.failure is not None and not result.ok
    assert f"More than {MAX_REDIRECTS} redirects" in result.failure.reason
    assert len(result.redirects) == MAX_REDIRECTS and result.status == 307
    errors = client.messages(Kind.ERROR)
    assert len(errors) == 1 and "redirects" in errors[0]
    assert len(redirects.requests) == MAX_REDIRECTS + 1


def test_303_after_a_post_becomes_a_get_without_body(
    client: ClientLoop, redirects: ScriptedServer
) -> None:
    spec = RequestSpec(
        "POST",
        f"{redirects.url}/post",
        headers=(("Content-Type", "text/plain"),),
        body=b"payload",
        follow_redirects=True,
    )
    result = client.exchange(spec)
    assert result.body == b"GET /after"
    after = redirects.requests[-1].lower()
    assert b"content-length" not in after and b"content-type" not in after


def test_a_refused_port_fails_while_connecting(client: ClientLoop) -> None:
    port = free_port()
    result = client.get(f"http://127.0.0.1:{port}/")
    assert result.failure is not None and result.failure.phase is Phase.CONNECT
    assert client.messages(Kind.ERROR) == [
        f"GET http://127.0.0.1:{port}/ failed while connecting: Connection refused"
    ]
    assert client.events(Kind.ERROR)[0].peer == f"127.0.0.1:{port}"


def test_an_unresolvable_name_fails_while_resolving(client: ClientLoop) -> None:
    result = client.get("http://no-such-host.invalid/")
    assert result.failure is not None and result.failure.phase is Phase.RESOLVE
    (error,) = client.messages(Kind.ERROR)
    assert error.startswith("GET http://no-such-host.invalid/ failed while resolving the name:")


@pytest.mark.parametrize(
    ("url", "headers", "reason"),
    [
        ("ftp://127.0.0.1/", (), "not HTTP"),
        ("127.0.0.1:8000", (), "not an http:// or https:// URL"),
        ("http://127.0.0.1:8000/", (("Bad Name", "x"),), "not a valid token"),
        ("http://127.0.0.1:8000/", (("X", "a\r\nInjected: 1"),), "control character"),
    ],
)
def test_what_cannot_be_sent_fails_before_any_packet(
    client: ClientLoop, url: str, headers: tuple[tuple[str, str], ...], reason: str
) -> None:
    result = client.exchange(RequestSpec("GET", url, headers=headers))
    assert result.failure is not None and result.failure.phase is Phase.PREPARE
    assert reason in result.failure.reason
    assert not client.events(Kind.SENT)


def test_the_status_follows_the_phases_and_ends_idle(
    client: ClientLoop, http_server: RunningServer
) -> None:
    client.get(f"http://127.0.0.1:{http_server.port}/")
    states = [s for s in client.loop.states if isinstance(s, HttpClientStatus)]
    activities = [s.activity for s in states if s.busy]
    assert activities[0] == f"Connecting to 127.0.0.1:{http_server.port}…"
    # The wait is announced only when the answer is not there at once (read ahead), so
    # on loopback it may not show; a silent server shows it (test_hop's cancel test).
    assert set(activities[1:]) <= {"Waiting for the response…", "Reading the body…"}
    assert all(a != b for a, b in itertools.pairwise(activities))
    assert states[-1] == HttpClientStatus(False)


def test_sending_again_from_the_finished_callback_loops_without_recursing(
    http_server: RunningServer,
) -> None:
    """A request loop (the benchmark's) sends the next GET from `on_finished`; answers
    read ahead at once must not nest one exchange inside the last (1,500 > the default
    recursion limit)."""
    loop = ReactorThread().start()
    results: list[ExchangeResult] = []
    spec = RequestSpec("GET", f"http://127.0.0.1:{http_server.port}/")

    def finished(result: ExchangeResult) -> None:
        results.append(result)
        if len(results) < 1500 and result.ok:
            client.send(spec)
        else:
            loop.on_state("done")

    client = HttpClient(loop.reactor, loop.sink, lambda status: None, finished)
    loop.closers.append(client.close)
    try:
        loop.reactor.call_soon(client.send, spec)
        loop.wait_for(lambda: "done" in loop.states, timeout=60)
        assert len(results) == 1500 and all(r.ok for r in results)
        assert sum(r.reused for r in results) == 1499
        assert not [e for e in loop.events if e.kind is Kind.ERROR]
    finally:
        loop.stop()
