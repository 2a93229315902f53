"""Datagram limits, the broadcast heuristic, bound sockets and numeric addresses."""

from __future__ import annotations

import socket

import pytest

from app.net.udp.datagram import (
    IPV4_MAX_PAYLOAD,
    IPV6_MAX_PAYLOAD,
    check_datagram,
    family_name,
    looks_like_broadcast,
    max_payload,
    numeric_address,
    open_bound_socket,
)


def test_the_limits_are_what_loopback_takes() -> None:
    assert max_payload(socket.AF_INET) == IPV4_MAX_PAYLOAD == 65_507
    assert max_payload(socket.AF_INET6) == IPV6_MAX_PAYLOAD == 65_527
    assert family_name(socket.AF_INET6) == "IPv6" and family_name(socket.AF_INET) == "IPv4"
    # The kernel agrees: the largest payload goes, one more byte does not.
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
        target = ("127.0.0.1", 9)  # discard: nobody listens, the send itself succeeds
        assert sock.sendto(b"x" * IPV4_MAX_PAYLOAD, target) == IPV4_MAX_PAYLOAD
        with pytest.raises(OSError):
            sock.sendto(b"x" * (IPV4_MAX_PAYLOAD + 1), target)


@pytest.mark.parametrize(
    ("host", "broadcast"),
    [
        ("255.255.255.255", True),
        ("192.168.1.255", True),
        ("10.0.1.255", True),
        ("192.168.1.25", False),
        ("127.0.0.1", False),
        ("ff02::1", False),
        ("example.com", False),
        ("", False),
    ],
)
def test_looks_like_broadcast(host: str, broadcast: bool) -> None:
    assert looks_like_broadcast(host) is broadcast


def test_check_datagram_names_what_is_wrong() -> None:
    assert check_datagram(socket.AF_INET, "127.0.0.1", IPV4_MAX_PAYLOAD, False) == ""
    too_big = check_datagram(socket.AF_INET, "127.0.0.1", IPV4_MAX_PAYLOAD + 1, False)
    assert "65,508 bytes is too large" in too_big and "IPv4 (max 65,507" in too_big
    assert "nothing sent" in too_big
    assert check_datagram(socket.AF_INET6, "::1", IPV6_MAX_PAYLOAD, False) == ""
    assert "Allow broadcast" in check_datagram(socket.AF_INET, "10.0.0.255", 10, False)
    assert check_datagram(socket.AF_INET, "10.0.0.255", 10, True) == ""


def test_open_bound_socket_binds_and_says_why_not() -> None:
    sock = open_bound_socket(socket.AF_INET, 0, "127.0.0.1")
    assert isinstance(sock, socket.socket)
    try:
        host, port = sock.getsockname()
        assert host == "127.0.0.1" and port > 0
        assert not sock.getblocking()
        taken = open_bound_socket(socket.AF_INET, port, "127.0.0.1")
        assert taken == f"Local port {port} is in use; choose another, or 0 for any"
    finally:
        sock.close()


def test_numeric_address_without_a_resolver() -> None:
    infos = numeric_address("127.0.0.1", 5353)
    assert infos and infos[0][4] == ("127.0.0.1", 5353)
    assert infos[0][1] == socket.SOCK_DGRAM
    six = numeric_address("::1", 53)
    assert six and six[0][0] == socket.AF_INET6
    assert numeric_address("localhost", 53) is None, "a name needs the resolver"
    assert numeric_address("300.1.1.1", 53) is None
