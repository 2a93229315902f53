"""The TCP client and server frame what they receive: one event per message, real sockets."""

from __future__ import annotations

import socket
import threading

import pytest

from app.net.events import Kind, LogEvent
from app.net.framing import AS_RECEIVED, FramingSpec, parse_framing
from app.net.reply import ReplyMode
from app.net.tcp.client import TcpClient
from app.net.tcp.server import TcpServer
from app.net.tcp.server_status import ReplyConfig
from app.net.tcp.status import TcpState, TcpStatus
from tests.net.reactor_harness import ReactorThread


def write_messages(conn: socket.socket, messages: list[bytes], tail: bytes) -> None:
    """Half of the messages in one chunk, the next one a byte per send, the rest together,
    then the tail of an incomplete message and the end of the stream."""
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    half = len(messages) // 2
    conn.sendall(b"".join(messages[:half]))
    for byte in messages[half]:
        conn.sendall(bytes([byte]))
    conn.sendall(b"".join(messages[half + 1 :]) + tail)
    conn.shutdown(socket.SHUT_WR)


def prefixed(body: bytes) -> bytes:
    return len(body).to_bytes(2, "big") + body


KINDS = {
    "lines": (parse_framing("Lines (LF)", ""), [b"GET\n", b"line two\n", b"\n", b"end\n"]),
    "crlf": (parse_framing("Lines (CRLF)", ""), [b"a\r\n", b"b\nc\r\n", b"d\r\n"]),
    "delimiter": (parse_framing("Delimiter", "\\x03"), [b"\x02one\x03", b"\x02two\x03"]),
    "prefix": (parse_framing("Length prefix", "2"), [prefixed(b"x" * 300), prefixed(b"")]),
    "fixed": (parse_framing("Fixed size", "3"), [b"abc", b"def", b"ghi"]),
}


def received(events: list[LogEvent]) -> list[LogEvent]:
    return [e for e in events if e.kind is Kind.RECEIVED]


class OneShotPeer:
    """A server that writes the messages to the first client that connects, then ends."""

    def __init__(self, messages: list[bytes], tail: bytes) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self._run, args=(messages, tail), daemon=True)
        self.thread.start()

    def _run(self, messages: list[bytes], tail: bytes) -> None:
        conn, _ = self.listener.accept()
        with conn:
            write_messages(conn, messages, tail)
            conn.recv(1)  # until the client closes
        self.listener.close()


@pytest.mark.parametrize("name", KINDS)
def test_the_client_logs_one_row_per_message_and_the_tail_as_partial(
    loop: ReactorThread, name: str
) -> None:
    spec, messages = KINDS[name]
    peer = OneShotPeer(messages, b"\x00\x05ab" if name == "prefix" else b"ta")
    client = TcpClient(loop.reactor, loop.sink, loop.on_state)
    loop.closers.append(client.close)
    loop.reactor.call_soon(client.set_framing, spec)
    loop.reactor.call_soon(client.connect, "127.0.0.1", peer.port, 5.0)
    loop.wait_for(
        lambda: (
            bool(loop.states)
            and isinstance(loop.states[-1], TcpStatus)
            and loop.states[-1].state is TcpState.DISCONNECTED
            and len(loop.states) > 1
        )
    )
    rows = received(loop.events)
    tail = b"\x00\x05ab" if name == "prefix" else b"ta"
    assert [e.data for e in rows] == [*messages, tail]
    assert [e.partial for e in rows] == [False] * len(messages) + [True]
    assert sum(e.size for e in rows) == client.bytes_received
    # The partial row comes before the line that says the connection ended.
    last = loop.events[-1]
    assert last.kind is Kind.INFO and "Peer closed" in last.message
    peer.thread.join(5)


class ServerHarness(ReactorThread):
    def __init__(self, spec: FramingSpec, reply: ReplyMode = ReplyMode.NONE) -> None:
        super().__init__()
        self.server = TcpServer(self.reactor, self.sink, self.on_state)
        self.server.set_reply(ReplyConfig(reply, b"ok\n"))
        self.closers.append(self.server.close)
        self.reactor.call_soon(self.server.set_framing, spec)

    def listen(self) -> int:
        self.reactor.call_soon(self.server.start, "127.0.0.1", 0, 10)
        self.wait_for(lambda: bool(self.states))
        return int(self.states[-1].bound.rpartition(":")[2])  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", KINDS)
def test_the_server_logs_and_answers_each_message(name: str) -> None:
    spec, messages = KINDS[name]
    harness = ServerHarness(spec, ReplyMode.FIXED).start()
    try:
        port = harness.listen()
        with socket.create_connection(("127.0.0.1", port)) as conn:
            write_messages(conn, messages, b"t")
            harness.wait_for(lambda: any("left after" in e.message for e in harness.events))
            replies = b""
            while chunk := conn.recv(4096):
                replies += chunk
        rows = received(harness.events)
        assert [e.data for e in rows] == [*messages, b"t"]
        assert [e.partial for e in rows] == [False] * len(messages) + [True]
        # One fixed reply per message, none for the partial one.
        assert replies == b"ok\n" * len(messages)
    finally:
        harness.stop()


def test_changing_the_framing_live_frames_what_is_held_with_the_new_one() -> None:
    harness = ServerHarness(parse_framing("Lines (LF)", "")).start()
    try:
        port = harness.listen()
        with socket.create_connection(("127.0.0.1", port)) as conn:
            conn.sendall(b"one\ntwo\r")
            harness.wait_for(lambda: len(received(harness.events)) == 1)
            harness.reactor.call_soon(harness.server.set_framing, AS_RECEIVED)
            harness.wait_for(lambda: len(received(harness.events)) == 2)
            notes = [e.message for e in harness.events if "framed as As received" in e.message]
            assert notes and "the 4 bytes held are framed with it" in notes[0]
            conn.sendall(b"three\n")
            harness.wait_for(lambda: len(received(harness.events)) == 3)
        assert [e.data for e in received(harness.events)] == [b"one\n", b"two\r", b"three\n"]
    finally:
        harness.stop()


def test_a_message_past_16_mb_falls_back_with_one_line_and_every_byte_logged() -> None:
    harness = ServerHarness(parse_framing("Lines (CRLF)", "")).start()
    try:
        port = harness.listen()
        flood = b"y" * 17_000_000
        with socket.create_connection(("127.0.0.1", port)) as conn:
            conn.sendall(b"first\r\n" + flood)
            conn.shutdown(socket.SHUT_WR)
            harness.wait_for(lambda: any("left after" in e.message for e in harness.events))
        rows = received(harness.events)
        assert rows[0].data == b"first\r\n"
        assert sum(e.size for e in rows) == 7 + len(flood)
        assert b"".join(e.data for e in rows[1:]) == flood
        notices = [e for e in harness.events if "framing stopped" in e.message]
        assert len(notices) == 1 and notices[0].kind is Kind.ERROR
        assert "no CRLF within 16.0 MB" in notices[0].message
    finally:
        harness.stop()


def test_idle_gap_makes_a_message_of_each_burst(loop: ReactorThread) -> None:
    # 300 ms: two sends in a row stay well inside one gap even on a loaded machine.
    listener = socket.create_server(("127.0.0.1", 0))
    client = TcpClient(loop.reactor, loop.sink, loop.on_state)
    loop.closers.append(client.close)
    loop.reactor.call_soon(client.set_framing, parse_framing("Idle gap", "300"))
    loop.reactor.call_soon(client.connect, "127.0.0.1", listener.getsockname()[1], 5.0)
    conn, _ = listener.accept()
    with conn:
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        conn.sendall(b"first ")
        conn.sendall(b"burst")
        loop.wait_for(lambda: len(received(loop.events)) == 1)
        conn.sendall(b"second")
        loop.wait_for(lambda: len(received(loop.events)) == 2)
        conn.sendall(b"cut short")
    loop.wait_for(lambda: len(received(loop.events)) == 3)
    rows = received(loop.events)
    assert [e.data for e in rows] == [b"first burst", b"second", b"cut short"]
    assert [e.partial for e in rows] == [False, False, True]
    listener.close()
