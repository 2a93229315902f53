"""A lane's accounting and the message that carries what the faults did."""

from __future__ import annotations

from app.net.relay.faults import Direction
from app.net.relay.tcp_lane import RelayMessage
from tests.net.relay.relay_harness import RelayThread, connect
from tests.net.tcp.server_clients import recv_exactly
from tests.peers import EchoServer


def test_a_relay_message_keeps_its_note() -> None:
    message = RelayMessage(b"abc", "held 5 ms")
    assert message.data == b"abc" and message.note == "held 5 ms" and message.size == 3


def test_lanes_name_their_legs_and_end_idle(relay: RelayThread) -> None:
    with EchoServer() as echo:
        port = relay.begin(echo.port)
        with connect(port) as client:
            client.sendall(b"x")
            recv_exactly(client, 1)
            connection = next(iter(relay.relay._tcp._connections.values()))
            up, down = connection.to_target, connection.to_client
            assert up.direction is Direction.CLIENT_TO_TARGET
            assert (up.received_detail, up.sent_detail) == (
                "TCP · client leg · Client to target",
                "TCP · target leg · Client to target",
            )
            assert down.received_detail == "TCP · target leg · Target to client"
            relay.wait_for(lambda: up.waiting() == 0 and down.waiting() == 0)
            assert not up.paused and not down.paused
