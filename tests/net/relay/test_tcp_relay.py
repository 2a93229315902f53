"""The TCP relay's many clients: inject into chosen ones or all, disconnect."""

from __future__ import annotations

from app.net.events import Kind
from tests.net.relay.relay_harness import RelayThread, connect, name_of, recv_until_closed
from tests.net.tcp.server_clients import recv_exactly
from tests.peers import EchoServer, SinkServer


def test_inject_to_the_client_and_to_the_target(relay: RelayThread) -> None:
    with EchoServer() as echo:
        port = relay.begin(echo.port)
        with connect(port) as client:
            client.sendall(b"hi")
            assert recv_exactly(client, 2) == b"hi"
            relay.reactor.call_soon(relay.relay.inject, None, b"HELLO", False)
            assert recv_exactly(client, 5) == b"HELLO"
            relay.reactor.call_soon(relay.relay.inject, [name_of(client)], b"PING", True)
            assert recv_exactly(client, 4) == b"PING"  # the echo target answered it
    relay.wait_for(lambda: len(relay.events_of(Kind.SENT)) == 5)
    injected = [e for e in relay.events_of(Kind.SENT) if e.detail.endswith("injected")]
    assert [e.data for e in injected] == [b"HELLO", b"PING"]


def test_inject_into_selected_clients_only(relay: RelayThread) -> None:
    with SinkServer() as target:
        port = relay.begin(target.port)
        with connect(port) as first, connect(port) as second:
            relay.wait_for(lambda: relay.status().connections == 2)
            relay.reactor.call_soon(relay.relay.inject, [name_of(second)], b"only you", False)
            assert recv_exactly(second, 8) == b"only you"
            first.setblocking(False)
            try:
                assert first.recv(10) == b"", "the other client got bytes"
            except BlockingIOError:
                pass


def test_disconnect_closes_both_sides(relay: RelayThread) -> None:
    with SinkServer() as target:
        port = relay.begin(target.port)
        with connect(port) as client:
            relay.wait_for(lambda: relay.status().connections == 1)
            relay.reactor.call_soon(relay.relay.disconnect, [name_of(client)])
            assert recv_until_closed(client) == b""
            assert target.finished.wait(5)
    relay.wait_for(lambda: relay.status().connections == 0)
