"""The Relay object a worker drives: start, status, errors, live faults, stop."""

from __future__ import annotations

import socket

from app.net.events import Kind
from app.net.relay.faults import FaultDirection, RelayFaults
from app.net.relay.status import RelayProtocol, RelayState, RelayStatus
from tests.net.relay.relay_harness import RelayThread, connect, name_of
from tests.net.tcp.server_clients import recv_exactly
from tests.peers import EchoServer


def last_state(relay: RelayThread) -> RelayState:
    return relay.status().state


def test_start_says_where_it_listens_and_forwards(relay: RelayThread) -> None:
    port = relay.begin(8123)
    status = relay.status()
    assert status == RelayStatus(
        RelayState.RELAYING, RelayProtocol.TCP, f"127.0.0.1:{port}", "127.0.0.1:8123", 0
    )
    first = relay.events[0]
    assert first.message.startswith(f"Relay (TCP) listening on 127.0.0.1:{port}")
    assert first.local == f"127.0.0.1:{port}" and not first.peer


def test_a_port_in_use_is_one_line_and_stopped(relay: RelayThread) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        relay.reactor.call_soon(
            relay.relay.start, RelayProtocol.TCP, "127.0.0.1", busy, "127.0.0.1", 1
        )
        relay.wait_for(lambda: bool(relay.states) and last_state(relay) is RelayState.STOPPED)
    assert f"Port {busy} is in use" in relay.status().error
    assert relay.messages(Kind.ERROR) == [relay.status().error]


def test_a_target_name_that_cannot_resolve_stops_the_start(relay: RelayThread) -> None:
    relay.reactor.call_soon(relay.relay.start, RelayProtocol.TCP, "127.0.0.1", 0, "bad\0name", 80)
    relay.wait_for(lambda: bool(relay.states) and last_state(relay) is RelayState.STOPPED)
    assert relay.status().error.startswith("Cannot resolve the target")


def test_faults_change_for_the_next_chunk_without_a_restart(relay: RelayThread) -> None:
    with EchoServer() as echo:
        port = relay.begin(echo.port)
        with connect(port) as client:
            client.sendall(b"plain")
            assert recv_exactly(client, 5) == b"plain"
            # One way only: a flip each way could land on the same byte and undo itself.
            one_way = FaultDirection.CLIENT_TO_TARGET
            relay.relay.set_faults(RelayFaults(corrupt_percent=100, direction=one_way))
            client.sendall(b"AAAAA")
            assert recv_exactly(client, 5) != b"AAAAA"
            relay.relay.set_faults(RelayFaults())
            client.sendall(b"clean")
            assert recv_exactly(client, 5) == b"clean"


def test_the_table_and_the_status_follow_the_clients(relay: RelayThread) -> None:
    with EchoServer() as echo:
        port = relay.begin(echo.port)
        with connect(port) as client:
            client.sendall(b"12345")
            recv_exactly(client, 5)
            me = name_of(client)
            relay.wait_for(
                lambda: any(
                    [(r.client, r.to_target, r.to_client) for r in table] == [(me, 5, 5)]
                    for table in relay.tables
                )
            )
            relay.wait_for(lambda: relay.status().connections == 1)
        relay.reactor.call_soon(relay.relay.stop)
        relay.wait_for(lambda: last_state(relay) is RelayState.STOPPED)
    assert relay.messages()[-1] == "Relay stopped; 1 connection closed"


def test_inject_without_clients_says_so(relay: RelayThread) -> None:
    relay.begin(8123)
    relay.reactor.call_soon(relay.relay.inject, None, b"x", True)
    relay.wait_for(lambda: bool(relay.messages(Kind.ERROR)))
    assert relay.messages(Kind.ERROR) == ["Nothing injected to the target: no client is connected"]
