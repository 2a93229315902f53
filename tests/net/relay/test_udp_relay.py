"""The UDP relay against real UDP peers on loopback: both ways, drop, idle sockets."""

from __future__ import annotations

import socket

import pytest

from app.net.events import Kind
from app.net.relay.faults import RelayFaults
from app.net.relay.status import RelayProtocol
from tests.net.relay.relay_harness import RelayThread, name_of
from tests.udp_peers import UdpReceiver, free_udp_port

UDP = RelayProtocol.UDP


def client_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(10)
    return sock


def test_datagrams_go_both_ways_through_one_target_socket(relay: RelayThread) -> None:
    with UdpReceiver(echo=True) as echo:
        port = relay.begin(echo.port, UDP)
        with client_socket() as client:
            for n in range(3):
                client.sendto(b"dgram %d" % n, ("127.0.0.1", port))
                assert client.recvfrom(100)[0] == b"dgram %d" % n
            me = name_of(client)
        assert len(echo.sources) == 1  # every datagram of one client from one socket
    relay.wait_for(lambda: len(relay.events_of(Kind.SENT, me)) == 3)
    received = relay.events_of(Kind.RECEIVED, me)
    assert [e.detail for e in received] == ["UDP · client leg · Client to target"] * 3
    assert relay.events_of(Kind.SENT, f"127.0.0.1:{echo.port}")[0].detail.startswith(
        "UDP · target leg"
    )


def test_two_clients_get_their_own_answers(relay: RelayThread) -> None:
    with UdpReceiver(echo=True) as echo:
        port = relay.begin(echo.port, UDP)
        with client_socket() as first, client_socket() as second:
            first.sendto(b"one", ("127.0.0.1", port))
            second.sendto(b"two", ("127.0.0.1", port))
            assert first.recvfrom(100)[0] == b"one"
            assert second.recvfrom(100)[0] == b"two"
        assert len(echo.sources) == 2


@pytest.mark.parametrize(("percent", "arrive"), [(0.0, 50), (100.0, 0)])
def test_drop_takes_that_share_of_datagrams(
    relay: RelayThread, percent: float, arrive: int
) -> None:
    with UdpReceiver() as target:
        port = relay.begin(target.port, UDP, RelayFaults(drop_percent=percent))
        with client_socket() as client:
            for n in range(50):
                client.sendto(b"%d" % n, ("127.0.0.1", port))
            relay.wait_for(lambda: len(relay.events_of(Kind.RECEIVED)) == 50)
        if arrive:
            assert target.wait_for(lambda: target.count == arrive)
            assert target.datagrams == [b"%d" % n for n in range(50)]
        else:
            marker = client_socket()
            marker.sendto(b"after", ("127.0.0.1", target.port))  # proves the target listens
            assert target.wait_for(lambda: target.count == 1)
            assert target.datagrams == [b"after"]
            marker.close()
            dropped = [e for e in relay.events_of(Kind.RECEIVED) if "dropped" in e.detail]
            assert len(dropped) == 50


def test_a_client_silent_past_the_idle_time_loses_its_socket(relay: RelayThread) -> None:
    relay.relay.udp.idle_timeout = 0.2
    with UdpReceiver(echo=True) as echo:
        port = relay.begin(echo.port, UDP)
        with client_socket() as client:
            client.sendto(b"hi", ("127.0.0.1", port))
            assert client.recvfrom(100)[0] == b"hi"
            relay.wait_for(lambda: any("without a datagram" in m for m in relay.messages()))
            client.sendto(b"again", ("127.0.0.1", port))
            assert client.recvfrom(100)[0] == b"again"
        assert len(echo.sources) == 2  # a fresh target socket for the same client


def test_no_listener_at_the_target_is_said_once(relay: RelayThread) -> None:
    port = relay.begin(free_udp_port(), UDP)
    with client_socket() as client:
        for _ in range(5):
            client.sendto(b"anyone?", ("127.0.0.1", port))
            relay.wait_for(lambda: bool(relay.messages(Kind.ERROR)))
        relay.wait_for(lambda: len(relay.events_of(Kind.RECEIVED)) == 5)
    errors = relay.messages(Kind.ERROR)
    assert len(errors) == 1 and "No listener at the target" in errors[0]


def test_inject_reaches_the_target_and_the_client(relay: RelayThread) -> None:
    with UdpReceiver() as target:
        port = relay.begin(target.port, UDP)
        with client_socket() as client:
            client.sendto(b"hello", ("127.0.0.1", port))
            assert target.wait_for(lambda: target.count == 1)
            relay.reactor.call_soon(relay.relay.inject, None, b"to target", True)
            relay.reactor.call_soon(relay.relay.inject, [name_of(client)], b"to client", False)
            assert target.wait_for(lambda: target.count == 2)
            assert client.recvfrom(100)[0] == b"to client"
        assert target.datagrams[1] == b"to target"


def test_the_table_counts_datagrams_each_way(relay: RelayThread) -> None:
    with UdpReceiver(echo=True) as echo:
        port = relay.begin(echo.port, UDP)
        with client_socket() as client:
            for _ in range(2):
                client.sendto(b"abc", ("127.0.0.1", port))
                assert client.recvfrom(100)[0] == b"abc"
            me = name_of(client)
            relay.wait_for(
                lambda: any(
                    [(r.client, r.to_target, r.to_client, r.state) for r in table]
                    == [(me, 6, 6, "2 datagrams to the target, 2 back")]
                    for table in relay.tables
                )
            )
