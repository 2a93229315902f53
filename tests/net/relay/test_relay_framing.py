"""Framing in the relay: whole messages are logged and forwarded, a leftover is partial."""

from __future__ import annotations

import socket

from app.net.events import Kind
from app.net.framing import FramingKind, parse_framing
from tests.net.relay.relay_harness import RelayThread, connect, name_of
from tests.net.tcp.server_clients import recv_exactly
from tests.peers import EchoServer

LINES = parse_framing(FramingKind.LINES_LF, "")


def test_lines_are_rows_both_ways_and_the_rest_is_partial(relay: RelayThread) -> None:
    relay.reactor.call_soon(relay.relay.set_framing, LINES)
    with EchoServer() as echo:
        port = relay.begin(echo.port)
        with connect(port) as client:
            for byte in b"one\ntw":  # one message across many chunks
                client.sendall(bytes([byte]))
            client.sendall(b"o\nthree\nfour\n")  # several messages in one chunk
            assert recv_exactly(client, 19) == b"one\ntwo\nthree\nfour\n"
            client.sendall(b"tail")
            client.shutdown(socket.SHUT_WR)  # the client ends: its unfinished line goes on
            peer = name_of(client)
            relay.wait_for(lambda: any(e.partial for e in relay.events_of(Kind.RECEIVED)))
    from_client = [e for e in relay.events_of(Kind.RECEIVED) if e.peer == peer]
    assert [e.data for e in from_client] == [b"one\n", b"two\n", b"three\n", b"four\n", b"tail"]
    assert [e.partial for e in from_client] == [False, False, False, False, True]
    from_target = [e for e in relay.events_of(Kind.RECEIVED) if e.peer != peer]
    assert [e.data for e in from_target][:4] == [b"one\n", b"two\n", b"three\n", b"four\n"]
