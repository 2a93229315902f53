"""TcpServer in Rules mode against real clients on loopback: delays, Close, order, EOF."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest

from app.net.events import Kind
from app.net.reply import ReplyMode
from app.net.rules.responder import compile_rows
from app.net.tcp.server_status import ReplyConfig
from tests.net.tcp.server_clients import recv_exactly
from tests.net.tcp.test_server import Harness

RULES = compile_rows(
    [
        ["Exact", "slow", "S", "Text", "600", "Keep open"],
        ["Exact", "fast", "F", "Text", "0", "Keep open"],
        ["Starts with", "bye", "B\\n", "Text", "0", "Close"],
        ["Exact", "mute", "", "Text", "0", "Keep open"],
    ]
)


@pytest.fixture
def rules_server() -> Iterator[tuple[Harness, int]]:
    harness = Harness().start()
    harness.server.set_reply(ReplyConfig(ReplyMode.RULES, b"", RULES))
    try:
        yield harness, harness.listen()
    finally:
        harness.stop()


def client(port: int) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=10)


def test_a_delayed_reply_holds_no_other_client(rules_server: tuple[Harness, int]) -> None:
    harness, port = rules_server
    with client(port) as slow, client(port) as quick:
        started = time.monotonic()
        slow.sendall(b"slow")
        harness.wait_for(lambda: len(harness.of_kind(Kind.RECEIVED)) == 1)
        quick.sendall(b"fast")
        assert recv_exactly(quick, 1) == b"F"
        assert time.monotonic() - started < 0.6  # answered while "slow" is held
        assert recv_exactly(slow, 1) == b"S"
        assert time.monotonic() - started >= 0.59
    harness.wait_for(lambda: len(harness.of_kind(Kind.SENT)) == 2)
    sent = harness.of_kind(Kind.SENT)
    assert [(e.data, e.detail) for e in sent] == [
        (b"F", 'Answered by rule 2 (Exact "fast")'),
        (b"S", 'Answered by rule 1 (Exact "slow")'),
    ]


def test_replies_keep_the_order_of_their_messages(rules_server: tuple[Harness, int]) -> None:
    harness, port = rules_server
    with client(port) as sock:
        sock.sendall(b"slow")
        harness.wait_for(lambda: len(harness.of_kind(Kind.RECEIVED)) == 1)
        sock.sendall(b"fast")
        assert recv_exactly(sock, 2) == b"SF"


def test_close_sends_the_reply_then_closes(rules_server: tuple[Harness, int]) -> None:
    harness, port = rules_server
    with client(port) as sock:
        sock.sendall(b"bye now")
        assert recv_exactly(sock, 3) == b"B\n"
        assert sock.recv(10) == b""  # closed by the server
    harness.wait_for(lambda: any("Closed 127.0.0.1:" in m for m in harness.messages()))
    closed = [m for m in harness.messages() if m.startswith("Closed ")]
    assert closed and 'after the reply of rule 3 (Starts with "bye")' in closed[0]


def test_a_client_that_finishes_still_gets_its_held_reply(
    rules_server: tuple[Harness, int],
) -> None:
    harness, port = rules_server
    with client(port) as sock:
        sock.sendall(b"slow")
        sock.shutdown(socket.SHUT_WR)  # as `printf slow | ncat` does
        assert recv_exactly(sock, 1) == b"S"
        assert sock.recv(10) == b""
    harness.wait_for(lambda: any(" left after " in m for m in harness.messages()))


def test_no_match_is_said_once_per_connection(rules_server: tuple[Harness, int]) -> None:
    harness, port = rules_server
    with client(port) as sock:
        for count, word in enumerate((b"what", b"who", b"mute", b"fast"), start=1):
            sock.sendall(word)  # one at a time, so that each is a chunk of its own
            harness.wait_for(lambda n=count: len(harness.of_kind(Kind.RECEIVED)) == n)
        assert recv_exactly(sock, 1) == b"F"
    with client(port) as other:
        other.sendall(b"where")
        harness.wait_for(lambda: sum("No rule matched" in m for m in harness.messages()) == 2)
    said = [m for m in harness.messages() if "No rule matched" in m]
    assert said[0].startswith("No rule matched a 4-byte message from 127.0.0.1:")
    assert said[0].endswith("nothing sent (said once per connection)")


def test_closing_the_client_drops_its_held_replies(rules_server: tuple[Harness, int]) -> None:
    harness, port = rules_server
    sock = client(port)
    sock.sendall(b"slow")
    harness.wait_for(lambda: len(harness.of_kind(Kind.RECEIVED)) == 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    sock.close()  # a reset: the server notices at once
    harness.wait_for(lambda: any("1 delayed reply not sent" in m for m in harness.messages()))
    assert not harness.of_kind(Kind.SENT)
