"""The WebSocket client against real peers on loopback: `websockets` servers, a raw
server for frames no library sends, the generated self-signed certificate for wss."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from websockets.sync.server import ServerConnection

from app.net.events import Kind, LogEvent, Source
from app.net.websocket.client import WebSocketClient
from app.net.websocket.status import WebSocketState, WebSocketStatus
from tests.net.reactor_harness import ReactorThread, poll_until
from tests.net.test_listener import needs_ipv6
from tests.net.websocket.ws_peers import (
    RawUpgradeServer,
    SilentServer,
    WebsocketsServer,
    unmask_close,
)


@pytest.fixture
def client(loop: ReactorThread) -> WebSocketClient:
    made = WebSocketClient(loop.reactor, loop.sink, loop.on_state)
    loop.closers.append(made.release)
    return made


@pytest.fixture
def echo() -> Iterator[WebsocketsServer]:
    server = WebsocketsServer()
    yield server
    server.close()


def state(loop: ReactorThread) -> WebSocketState | None:
    last = loop.states[-1] if loop.states else None
    return last.state if isinstance(last, WebSocketStatus) else None


def open_to(loop: ReactorThread, client: WebSocketClient, url: str, **options: object) -> None:
    """Open, and wait until that opening has ended (open or closed)."""
    before = len(loop.states)
    loop.reactor.call_soon(lambda: client.open(url, **options))  # type: ignore[arg-type]
    loop.wait_for(
        lambda: (
            len(loop.states) > before + 1
            and state(loop) in (WebSocketState.OPEN, WebSocketState.CLOSED)
        )
    )


def rows(loop: ReactorThread, kind: Kind) -> list[str]:
    return [e.message for e in loop.of_kind(kind)]


def wait_row(loop: ReactorThread, kind: Kind, start: str) -> LogEvent:
    loop.wait_for(lambda: any(e.message.startswith(start) for e in loop.of_kind(kind)))
    return next(e for e in loop.of_kind(kind) if e.message.startswith(start))


def wait_closed(loop: ReactorThread) -> LogEvent:
    loop.wait_for(lambda: state(loop) is WebSocketState.CLOSED)
    return loop.events[-1]


def test_text_binary_and_ping_against_a_websockets_echo_server(
    loop: ReactorThread, client: WebSocketClient, echo: WebsocketsServer
) -> None:
    open_to(loop, client, f"ws://127.0.0.1:{echo.port}/chat?room=1")
    assert state(loop) is WebSocketState.OPEN
    assert wait_row(loop, Kind.RECEIVED, "101 Switching Protocols").data.startswith(b"HTTP/1.1 101")
    upgrade = next(e for e in loop.of_kind(Kind.SENT) if "upgrade" in e.message)
    assert upgrade.data.startswith(b"GET /chat?room=1 HTTP/1.1\r\n")
    assert all(e.source is Source.HTTP_CLIENT for e in loop.events)
    loop.reactor.call_soon(client.send_text, "héllo wörld!")
    loop.reactor.call_soon(client.send_binary, b"\x00\x01\x02")
    loop.wait_for(lambda: len(loop.of_kind(Kind.RECEIVED)) >= 3)
    text, binary = loop.of_kind(Kind.RECEIVED)[1:3]
    assert (text.message, text.data) == ("text · 14 B", "héllo wörld!".encode())
    assert (binary.message, binary.data) == ("binary · 3 B", b"\x00\x01\x02")
    assert echo.received == ["héllo wörld!", b"\x00\x01\x02"]
    loop.reactor.call_soon(client.ping)
    pong = wait_row(loop, Kind.RECEIVED, "pong")
    assert pong.message.startswith("pong · RTT ") and pong.message.endswith(" ms")
    assert pong.data == b"1"
    assert "ping" in rows(loop, Kind.SENT)


def test_messages_sent_while_connecting_go_once_open(
    loop: ReactorThread, client: WebSocketClient, echo: WebsocketsServer
) -> None:
    def start() -> None:
        client.open(f"ws://127.0.0.1:{echo.port}/")
        client.send_text("first")
        client.send_binary(b"second")

    loop.reactor.call_soon(start)
    loop.wait_for(lambda: len(echo.received) == 2)
    assert echo.received == ["first", b"second"]


def test_our_close_code_reaches_the_server_and_its_answer_is_logged(
    loop: ReactorThread, client: WebSocketClient, echo: WebsocketsServer
) -> None:
    open_to(loop, client, f"ws://127.0.0.1:{echo.port}/")
    loop.reactor.call_soon(client.close, 4000, "bye")
    last = wait_closed(loop)
    assert [s.state for s in loop.states if isinstance(s, WebSocketStatus)][-2:] == [
        WebSocketState.CLOSING,
        WebSocketState.CLOSED,
    ]
    assert "close 4000 (bye)" in rows(loop, Kind.SENT)
    assert "close 4000 (bye)" in rows(loop, Kind.RECEIVED)
    assert last.message == "Closed; the peer answered close 4000 (bye)"
    loop.wait_for(lambda: bool(echo.closes))
    assert echo.closes == [(4000, "bye")]


def test_the_server_closing_first_is_answered_and_logged(loop: ReactorThread) -> None:
    def close_at_once(connection: ServerConnection) -> None:
        connection.recv()
        connection.close(4001, "server bye")

    server = WebsocketsServer(close_at_once)
    try:
        client = WebSocketClient(loop.reactor, loop.sink, loop.on_state)
        loop.closers.append(client.release)
        open_to(loop, client, f"ws://127.0.0.1:{server.port}/")
        loop.reactor.call_soon(client.send_text, "go")
        last = wait_closed(loop)
        assert last.message == "Closed by the peer: close 4001 (server bye)"
        assert "close 4001 (server bye)" in rows(loop, Kind.SENT)  # the answer, same code
    finally:
        server.close()


def test_a_fragmented_message_is_one_row(loop: ReactorThread) -> None:
    def fragments(connection: ServerConnection) -> None:
        connection.recv()
        connection.send(["one ", "two ", "three"])
        connection.recv()

    server = WebsocketsServer(fragments)
    try:
        client = WebSocketClient(loop.reactor, loop.sink, loop.on_state)
        loop.closers.append(client.release)
        open_to(loop, client, f"ws://127.0.0.1:{server.port}/")
        loop.reactor.call_soon(client.send_text, "go")
        row = wait_row(loop, Kind.RECEIVED, "text")
        # websockets ends a fragmented message with an empty continuation frame.
        assert row.message == "text · 13 B in 4 fragments"
        assert row.data == b"one two three"
    finally:
        server.close()


def test_a_message_over_the_limit_is_refused_with_1009(loop: ReactorThread) -> None:
    def big(connection: ServerConnection) -> None:
        connection.recv()
        connection.send(b"x" * 17_000_000)
        connection.recv()

    server = WebsocketsServer(big, max_size=32 * 1024 * 1024)
    try:
        client = WebSocketClient(loop.reactor, loop.sink, loop.on_state)
        loop.closers.append(client.release)
        open_to(loop, client, f"ws://127.0.0.1:{server.port}/")
        loop.reactor.call_soon(client.send_text, "go")
        wait_closed(loop)
        error = next(e for e in loop.of_kind(Kind.ERROR))
        assert error.message.startswith("A message of more than 16,777,216 B arrived")
        assert error.message.endswith("closing with 1009")
        assert "close 1009 (message over 16.8 MB)" in rows(loop, Kind.SENT)
        assert not any(r.startswith("binary") for r in rows(loop, Kind.RECEIVED))
        loop.wait_for(lambda: bool(server.closes))
        assert server.closes[0][0] == 1009
    finally:
        server.close()


def test_a_smaller_limit_is_a_parameter(loop: ReactorThread, echo: WebsocketsServer) -> None:
    client = WebSocketClient(loop.reactor, loop.sink, loop.on_state, max_message=10)
    loop.closers.append(client.release)
    open_to(loop, client, f"ws://127.0.0.1:{echo.port}/")
    loop.reactor.call_soon(client.send_text, "0123456789")
    wait_row(loop, Kind.RECEIVED, "text · 10 B")
    loop.reactor.call_soon(client.send_text, "0123456789A")
    wait_closed(loop)
    assert rows(loop, Kind.ERROR)[0].endswith("closing with 1009")


@pytest.mark.parametrize(
    ("frames", "code", "words"),
    [
        (b"\x81\x02\xc3\x28", 1007, "invalid"),  # text frame, invalid UTF-8
        (b"\x81\x82\x01\x02\x03\x04ab", 1002, "masked"),  # masked frame from a server
        (b"\x89\x7e\x00\x80" + b"p" * 128, 1002, "125"),  # a ping over 125 bytes
        (b"\x01\x01a\x02\x01b", 1002, "CONTINUATION"),  # a new message mid-fragments
    ],
)
def test_protocol_errors_close_with_the_code_and_one_line(
    loop: ReactorThread, client: WebSocketClient, frames: bytes, code: int, words: str
) -> None:
    server = RawUpgradeServer(frames)
    try:
        open_to(loop, client, f"ws://127.0.0.1:{server.port}/")
        last = wait_closed(loop)
        assert last.kind is Kind.ERROR
        assert last.message.endswith(f"closing with {code}")
        assert words in last.message
        assert len(loop.of_kind(Kind.ERROR)) == 1
        assert server.done.wait(5)
        assert unmask_close(bytes(server.after))[0] == code
    finally:
        server.close()


def test_a_control_frame_between_fragments_is_handled(
    loop: ReactorThread, client: WebSocketClient
) -> None:
    # "ab" in two fragments with a ping between them (RFC 6455 §5.4 allows it).
    server = RawUpgradeServer(b"\x01\x01a\x89\x01p\x80\x01b")
    try:
        open_to(loop, client, f"ws://127.0.0.1:{server.port}/")
        row = wait_row(loop, Kind.RECEIVED, "text")
        assert (row.message, row.data) == ("text · 2 B in 2 fragments", b"ab")
        assert "ping" in rows(loop, Kind.RECEIVED)
        assert wait_row(loop, Kind.SENT, "pong").data == b"p"
    finally:
        loop.reactor.call_soon(client.release)
        server.close()


def test_a_404_answer_is_one_line_with_the_status(loop: ReactorThread) -> None:
    server = WebsocketsServer(
        process_request=lambda connection, request: connection.respond(404, "no such socket\n")
    )
    try:
        client = WebSocketClient(loop.reactor, loop.sink, loop.on_state)
        loop.closers.append(client.release)
        open_to(loop, client, f"ws://127.0.0.1:{server.port}/missing")
        errors = loop.of_kind(Kind.ERROR)
        assert [e.message for e in errors] == [
            "The server answered 404 Not Found instead of a WebSocket upgrade"
        ]
        assert errors[0].data.startswith(b"HTTP/1.1 404")
        assert state(loop) is WebSocketState.CLOSED
    finally:
        server.close()


def test_an_upgrade_that_never_comes_times_out(
    loop: ReactorThread, client: WebSocketClient
) -> None:
    server = SilentServer()
    try:
        open_to(loop, client, f"ws://127.0.0.1:{server.port}/", timeout_s=0.3)
        assert loop.events[-1].message == (
            f"The WebSocket upgrade with 127.0.0.1:{server.port} timed out after 0.3 s"
        )
    finally:
        server.close()


def test_refused_and_bad_urls_are_one_line(loop: ReactorThread, client: WebSocketClient) -> None:
    server = SilentServer()
    port = server.port
    server.close()  # nothing listens there now
    open_to(loop, client, f"ws://127.0.0.1:{port}/")
    assert loop.events[-1].message == f"Connection refused: 127.0.0.1:{port}"
    loop.reactor.call_soon(client.open, "http://127.0.0.1/")
    loop.wait_for(lambda: loop.events[-1].message.startswith("Cannot open"))
    assert "ws:// or wss://" in loop.events[-1].message


@needs_ipv6
def test_ipv6_literal(loop: ReactorThread, client: WebSocketClient) -> None:
    import socket

    from websockets.sync.server import serve

    seen: list[str] = []

    def echo_host(connection: ServerConnection) -> None:
        seen.append(connection.request.headers["Host"] if connection.request else "")
        for message in connection:
            connection.send(message)

    import threading

    listening = socket.create_server(("::1", 0), family=socket.AF_INET6)
    server = serve(echo_host, sock=listening, compression=None)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        port = server.socket.getsockname()[1]
        open_to(loop, client, f"ws://[::1]:{port}/")
        loop.reactor.call_soon(client.send_text, "v6")
        wait_row(loop, Kind.RECEIVED, "text · 2 B")
        assert seen == [f"[::1]:{port}"]
    finally:
        server.shutdown()


def test_wss_with_the_generated_self_signed_certificate(
    loop: ReactorThread, client: WebSocketClient, tmp_path: Path
) -> None:
    import ssl

    from app.net.tls.self_signed import ensure_self_signed

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(ensure_self_signed(tmp_path).pem_path))
    server = WebsocketsServer(ssl_context=context)
    try:
        open_to(loop, client, f"wss://localhost:{server.port}/")
        failure = loop.events[-1]
        assert failure.kind is Kind.ERROR
        assert failure.message.startswith(f"TLS handshake with localhost:{server.port} failed: ")
        assert "self-signed" in failure.message
        loop.events.clear()
        open_to(loop, client, f"wss://localhost:{server.port}/", verify_tls=False)
        assert state(loop) is WebSocketState.OPEN
        assert any("was not checked (Verify is off)" in m for m in rows(loop, Kind.ERROR))
        loop.reactor.call_soon(client.send_text, "secret")
        wait_row(loop, Kind.RECEIVED, "text · 6 B")
        assert server.received == ["secret"]
    finally:
        server.close()


def test_an_empty_close_frame_is_answered_and_shown_without_a_code(
    loop: ReactorThread, client: WebSocketClient
) -> None:
    server = RawUpgradeServer(b"\x88\x00")
    try:
        open_to(loop, client, f"ws://127.0.0.1:{server.port}/")
        last = wait_closed(loop)
        assert last.message == "Closed by the peer: close (no status code)"
        assert server.done.wait(5)
        assert bytes(server.after)[:2] == b"\x88\x80"  # an empty (masked) close answers it
    finally:
        server.close()


def test_extra_headers_and_a_subprotocol_reach_the_server(loop: ReactorThread) -> None:
    seen: list[tuple[str | None, str | None]] = []

    def record(connection: ServerConnection) -> None:
        request = connection.request
        assert request is not None
        seen.append((request.headers.get("X-Token"), request.headers.get("Host")))
        for message in connection:
            connection.send(message)

    server = WebsocketsServer(record, subprotocols=["chat.v2"])
    try:
        client = WebSocketClient(loop.reactor, loop.sink, loop.on_state)
        loop.closers.append(client.release)
        headers = (
            ("X-Token", "abc 123"),
            ("Host", "elsewhere.example"),
            ("Sec-WebSocket-Protocol", "chat.v1, chat.v2"),
        )
        open_to(loop, client, f"ws://127.0.0.1:{server.port}/", headers=headers)
        status = loop.states[-1]
        assert isinstance(status, WebSocketStatus) and status.subprotocol == "chat.v2"
        poll_until(lambda: bool(seen))  # the server's handler runs in its own thread
        assert seen == [("abc 123", f"127.0.0.1:{server.port}")]
        assert "Header Host is set by the handshake: yours is left out" in rows(loop, Kind.INFO)
        assert wait_row(loop, Kind.RECEIVED, "101").message.endswith("subprotocol chat.v2")
    finally:
        server.close()


def test_a_peer_that_never_answers_the_close_is_dropped_after_2_s(
    loop: ReactorThread, client: WebSocketClient
) -> None:
    server = RawUpgradeServer(b"")  # reads what we send, answers nothing
    try:
        open_to(loop, client, f"ws://127.0.0.1:{server.port}/")
        loop.reactor.call_soon(client.close, 1000, "")
        last = wait_closed(loop)
        assert (last.kind, last.message) == (
            Kind.ERROR,
            "No close frame from the peer within 2 s: dropped",
        )
        assert server.done.wait(5)
        assert unmask_close(bytes(server.after)) == (1000, b"")
    finally:
        server.close()


@pytest.mark.parametrize(
    ("code", "reason", "words"),
    [
        (1005, "", "Close code 1005 cannot be sent"),
        (999, "", "Close code 999 cannot be sent"),
        (70000, "", "Close code 70000 cannot be sent"),
        (1000, "é" * 62, "124 bytes: at most 123"),
    ],
)
def test_a_close_that_cannot_be_sent_is_one_line_and_stays_open(
    loop: ReactorThread, client: WebSocketClient, echo: WebsocketsServer, code: int, reason: str,
    words: str,
) -> None:  # fmt: skip
    open_to(loop, client, f"ws://127.0.0.1:{echo.port}/")
    loop.reactor.call_soon(client.close, code, reason)
    error = wait_row(loop, Kind.ERROR, "")
    assert words in error.message and error.message.endswith("; still open")
    assert state(loop) is WebSocketState.OPEN
    loop.reactor.call_soon(client.close, 4999, "é" * 61)  # the largest that fit
    assert wait_closed(loop).message == f"Closed; the peer answered close 4999 ({'é' * 61})"
