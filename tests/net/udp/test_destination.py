"""choose_destination: which address a run goes to and how its socket is set up (no socket)."""

from __future__ import annotations

import socket

from app.net.resolver import AddrInfo
from app.net.udp.datagram import IPV4_MAX_PAYLOAD
from app.net.udp.destination import choose_destination
from app.net.udp.status import UdpJob

V4: AddrInfo = (socket.AF_INET, socket.SOCK_DGRAM, 17, "", ("127.0.0.1", 9000))
V6: AddrInfo = (socket.AF_INET6, socket.SOCK_DGRAM, 17, "", ("::1", 9000, 0, 0))
# Documentation addresses (RFC 5737, RFC 3849): nothing is sent, only chosen.
REMOTE_V4: AddrInfo = (socket.AF_INET, socket.SOCK_DGRAM, 17, "", ("192.0.2.7", 9000))
REMOTE_V6: AddrInfo = (socket.AF_INET6, socket.SOCK_DGRAM, 17, "", ("2001:db8::7", 9000, 0, 0))
BROADCAST: AddrInfo = (socket.AF_INET, socket.SOCK_DGRAM, 17, "", ("192.0.2.255", 9000))


def _job(data: bytes = b"x", broadcast: bool = False) -> UdpJob:
    return UdpJob("localhost", 9000, data, broadcast=broadcast)


def test_a_name_with_both_families_goes_to_ipv4_first() -> None:
    where = choose_destination([V6, V4], _job(), listen=False, connect_when_not_listening=False)
    assert (where.family, where.ip, where.peer) == (socket.AF_INET, "127.0.0.1", "127.0.0.1:9000")
    assert where.problem == ""


def test_the_first_address_of_one_family_is_kept() -> None:
    other = (socket.AF_INET6, socket.SOCK_DGRAM, 17, "", ("::2", 9000, 0, 0))
    where = choose_destination([V6, other], _job(), listen=False, connect_when_not_listening=False)
    assert where.ip == "::1"


def test_loopback_binds_loopback_and_a_remote_address_binds_the_wildcard() -> None:
    binds = [
        choose_destination([info], _job(), listen=False, connect_when_not_listening=False).bind_host
        for info in (V4, V6, REMOTE_V4, REMOTE_V6)
    ]
    assert binds == ["127.0.0.1", "::1", "0.0.0.0", "::"]


def test_the_socket_is_connected_only_when_asked_not_listening_and_not_broadcast() -> None:
    def connect(info: AddrInfo, *, listen: bool, allowed: bool) -> bool:
        job = _job(broadcast=info is BROADCAST)
        return choose_destination(
            [info], job, listen=listen, connect_when_not_listening=allowed
        ).connect

    assert connect(V4, listen=False, allowed=True)
    assert not connect(V4, listen=False, allowed=False)
    assert not connect(V4, listen=True, allowed=True)
    assert not connect(BROADCAST, listen=False, allowed=True)


def test_a_datagram_too_large_or_an_unticked_broadcast_is_a_problem() -> None:
    big = choose_destination(
        [V4], _job(b"x" * (IPV4_MAX_PAYLOAD + 1)), listen=False, connect_when_not_listening=False
    )
    assert "max 65,507 bytes" in big.problem
    unticked = choose_destination(
        [BROADCAST], _job(), listen=False, connect_when_not_listening=False
    )
    assert "Allow broadcast" in unticked.problem
    ticked = choose_destination(
        [BROADCAST], _job(broadcast=True), listen=False, connect_when_not_listening=False
    )
    assert ticked.problem == ""
