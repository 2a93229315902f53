"""The session as the HTTP Server's "WebSocket echo" mode runs it, against a real
`websockets` client on loopback (the client side of the session: test_client.py)."""

from __future__ import annotations

import socket
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from app.net.events import Kind, Source
from app.net.http.config import ResponseConfig, ServeMode
from app.net.http.server import HttpServer
from app.net.http.status import HttpServerStatus, ServerState
from app.net.websocket.session import close_text
from tests.net.reactor_harness import ReactorThread, poll_until


@pytest.fixture
def port(loop: ReactorThread) -> Iterator[int]:
    server = HttpServer(loop.reactor, loop.sink, loop.on_state)
    server.set_config(ResponseConfig(mode=ServeMode.WS_ECHO, body=b"fixed answer"))
    loop.closers.append(server.close)
    loop.reactor.call_soon(server.start, "127.0.0.1", 0)
    loop.wait_for(lambda: bool(loop.states))
    status = loop.states[-1]
    assert isinstance(status, HttpServerStatus) and status.state is ServerState.RUNNING
    yield status.port


def messages(loop: ReactorThread, kind: Kind) -> list[str]:
    return [e.message for e in loop.of_kind(kind)]


def test_echoes_text_and_binary_and_logs_each_frame(loop: ReactorThread, port: int) -> None:
    with connect(f"ws://127.0.0.1:{port}/any/path?q=1", compression=None) as ws:
        ws.send("héllo")
        assert ws.recv() == "héllo"
        ws.send(b"\x00\xff")
        assert ws.recv() == b"\x00\xff"
    loop.wait_for(
        lambda: any(m.startswith("Closed by the peer") for m in messages(loop, Kind.INFO))
    )
    received = messages(loop, Kind.RECEIVED)
    assert received[0].startswith("GET /any/path?q=1 → 101, ")
    assert received[1:] == ["text · 6 B", "binary · 2 B", "close 1000"]
    assert messages(loop, Kind.SENT) == ["text · 6 B", "binary · 2 B", "close 1000"]
    assert all(e.source is Source.HTTP for e in loop.events)
    text = next(e for e in loop.of_kind(Kind.SENT) if e.message.startswith("text"))
    assert text.data == "héllo".encode()


def test_fragmented_message_is_assembled_and_echoed_whole(loop: ReactorThread, port: int) -> None:
    with connect(f"ws://127.0.0.1:{port}/", compression=None) as ws:
        ws.send([b"ab", b"cd", b"ef"])
        assert ws.recv() == b"abcdef"
    loop.wait_for(lambda: any(m.startswith("binary") for m in messages(loop, Kind.SENT)))
    assert "binary · 6 B in 4 fragments" in messages(loop, Kind.RECEIVED)


def test_ping_is_answered_and_the_close_code_echoed(loop: ReactorThread, port: int) -> None:
    with connect(f"ws://127.0.0.1:{port}/", compression=None) as ws:
        assert ws.ping(b"hi").wait(5)
        ws.close(4003, "done here")
        assert (ws.close_code, ws.close_reason) == (4003, "done here")
    loop.wait_for(lambda: "Closed by the peer: close 4003 (done here)" in messages(loop, Kind.INFO))
    assert "ping" in messages(loop, Kind.RECEIVED)
    assert "pong" in messages(loop, Kind.SENT)
    assert close_text(4003, "done here") in messages(loop, Kind.SENT)


def test_the_start_line_gives_the_ws_address(loop: ReactorThread, port: int) -> None:
    assert f"WebSocket echo on ws://127.0.0.1:{port}/ (any path)" in messages(loop, Kind.INFO)


def test_plain_requests_still_get_the_fixed_response(loop: ReactorThread, port: int) -> None:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/") as answer:
        assert answer.read() == b"fixed answer"


def test_a_broken_upgrade_is_refused_with_400(port: int) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(
            b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
        )
        answer = sock.recv(4096)
    assert answer.startswith(b"HTTP/1.1 400 ")
    assert b"Not a valid WebSocket upgrade" in answer


def test_a_message_over_16_mb_is_refused_with_1009(loop: ReactorThread, port: int) -> None:
    with connect(f"ws://127.0.0.1:{port}/", compression=None, max_size=None) as ws:
        ws.send(b"x" * 17_000_000)
        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=10)
        assert ws.close_code == 1009
    loop.wait_for(lambda: any("closing with 1009" in m for m in messages(loop, Kind.ERROR)))


UPGRADE = (
    b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
)


def _close_frame_after_101(sock: socket.socket) -> bytes:
    data = b""
    while b"\x88" not in data.partition(b"\r\n\r\n")[2]:
        chunk = sock.recv(4096)
        assert chunk, data
        data += chunk
    assert data.startswith(b"HTTP/1.1 101 ")
    frame = data.partition(b"\r\n\r\n")[2]
    assert frame[0] == 0x88
    return frame


def test_invalid_utf8_from_a_client_is_closed_with_1007(loop: ReactorThread, port: int) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        # A masked text frame (mask 0) whose payload is not UTF-8, sent with the request.
        sock.sendall(UPGRADE + b"\x81\x82\x00\x00\x00\x00\xc3\x28")
        frame = _close_frame_after_101(sock)
    assert int.from_bytes(frame[2:4], "big") == 1007
    loop.wait_for(lambda: any("closing with 1007" in m for m in messages(loop, Kind.ERROR)))


def test_an_unmasked_frame_from_a_client_is_closed_with_1002(
    loop: ReactorThread, port: int
) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(UPGRADE + b"\x81\x02hi")  # clients must mask (RFC 6455 §5.1)
        frame = _close_frame_after_101(sock)
    assert int.from_bytes(frame[2:4], "big") == 1002
    loop.wait_for(lambda: any("unmasked" in m for m in messages(loop, Kind.ERROR)))


def test_stopping_the_server_sends_1001(loop: ReactorThread, port: int) -> None:
    with connect(f"ws://127.0.0.1:{port}/", compression=None) as ws:
        ws.send("x")
        ws.recv()
        loop.reactor.call_soon(loop.closers[0])  # the server's close(), as the worker ends
        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=5)
        assert (ws.close_code, ws.close_reason) == (1001, "server stopped")


def test_wss_through_the_https_server_with_our_client(loop: ReactorThread, tmp_path: Path) -> None:
    from app.net.tls.options import ServerTlsOptions
    from app.net.websocket.client import WebSocketClient
    from app.net.websocket.status import WebSocketState, WebSocketStatus

    server = HttpServer(loop.reactor, loop.sink, loop.on_state)
    server.set_config(ResponseConfig(mode=ServeMode.WS_ECHO))
    client = WebSocketClient(loop.reactor, loop.sink, loop.on_state)
    loop.closers += [client.release, server.close]
    loop.reactor.call_soon(server.start, "127.0.0.1", 0, ServerTlsOptions(folder=str(tmp_path)))
    loop.wait_for(lambda: any(isinstance(s, HttpServerStatus) for s in loop.states))
    status = next(s for s in loop.states if isinstance(s, HttpServerStatus))
    assert status.url.startswith("https://")

    def client_state() -> WebSocketState | None:
        states = [s for s in loop.states if isinstance(s, WebSocketStatus)]
        return states[-1].state if states else None

    loop.reactor.call_soon(client.open, f"wss://127.0.0.1:{status.port}/tls", (), 5.0, False)
    loop.wait_for(lambda: client_state() is WebSocketState.OPEN)
    loop.reactor.call_soon(client.send_text, "over tls")
    loop.wait_for(
        lambda: any(
            e.source is Source.HTTP_CLIENT and e.kind is Kind.RECEIVED and e.data == b"over tls"
            for e in loop.events
        )
    )
    assert any(e.source is Source.HTTP and e.data == b"over tls" for e in loop.of_kind(Kind.SENT))


def test_the_echo_stops_reading_while_the_log_is_behind(loop: ReactorThread) -> None:
    behind = [False]
    server = HttpServer(
        loop.reactor, loop.sink, loop.on_state, backlog=lambda: 1 << 40 if behind[0] else 0
    )
    server.set_config(ResponseConfig(mode=ServeMode.WS_ECHO))
    loop.closers.append(server.close)
    loop.reactor.call_soon(server.start, "127.0.0.1", 0)
    loop.wait_for(lambda: bool(loop.states))
    port = loop.states[-1].port  # type: ignore[attr-defined]
    with connect(f"ws://127.0.0.1:{port}/", compression=None) as ws:
        ws.send("before")
        assert ws.recv(timeout=5) == "before"
        connection = next(iter(server._connections))
        behind[0] = True
        ws.send("while behind")
        poll_until(lambda: not connection._stream.reading)  # the retry timer holds it
        behind[0] = False
        assert ws.recv(timeout=5) == "while behind"
