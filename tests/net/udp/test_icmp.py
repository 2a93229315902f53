"""ICMP errors on an unconnected UDP socket, from real closed ports on loopback (Linux)."""

from __future__ import annotations

import errno
import selectors
import socket

import pytest

from app.net.udp.icmp import HAS_ERROR_QUEUE, drain_error_queue, enable_error_queue
from tests.udp_peers import UdpReceiver, free_udp_port

pytestmark = pytest.mark.skipif(not HAS_ERROR_QUEUE, reason="Linux's error queue only")

FAMILIES = [
    pytest.param(socket.AF_INET, "127.0.0.1", id="ipv4"),
    pytest.param(socket.AF_INET6, "::1", id="ipv6"),
]


def unconnected(family: int, host: str) -> socket.socket:
    sock = socket.socket(family, socket.SOCK_DGRAM)
    sock.bind((host, 0))
    sock.setblocking(False)
    return sock


def wait_for_error(sock: socket.socket) -> None:
    """A queued error makes the socket readable (POLLERR); bounded by the selector."""
    with selectors.DefaultSelector() as selector:
        selector.register(sock, selectors.EVENT_READ)
        assert selector.select(5), "no ICMP error arrived within 5 s"


@pytest.mark.parametrize(("family", "host"), FAMILIES)
def test_each_error_names_its_destination_oldest_first(family: int, host: str) -> None:
    with unconnected(family, host) as sock:
        assert enable_error_queue(sock, family)
        first, second = free_udp_port(family), free_udp_port(family)
        sock.sendto(b"one", (host, first))
        wait_for_error(sock)
        # The first error is also pending on the socket: the next call fails with it
        # (and did not send), the error itself stays queued.
        with pytest.raises(ConnectionRefusedError):
            sock.sendto(b"two", (host, second))
        sock.sendto(b"two", (host, second))
        errors: list[tuple[int, object]] = []
        for _ in range(100):  # bounded: the second ICMP error arrives within a few turns
            errors += drain_error_queue(sock)
            if len(errors) >= 2:
                break
            wait_for_error(sock)
    assert [code for code, _ in errors] == [errno.ECONNREFUSED, errno.ECONNREFUSED]
    assert [address[:2] for _, address in errors] == [(host, first), (host, second)]


def test_draining_leaves_the_socket_usable_and_empty() -> None:
    with unconnected(socket.AF_INET, "127.0.0.1") as sock, UdpReceiver() as receiver:
        assert enable_error_queue(sock, socket.AF_INET)
        sock.sendto(b"x", ("127.0.0.1", free_udp_port()))
        wait_for_error(sock)
        assert len(drain_error_queue(sock)) == 1
        # The pending error went with the queue: the next send is not refused.
        sock.sendto(b"after", (receiver.host, receiver.port))
        assert receiver.wait_for(lambda: receiver.count == 1)
        assert drain_error_queue(sock) == []


def test_without_the_option_an_unconnected_socket_hears_nothing() -> None:
    with unconnected(socket.AF_INET, "127.0.0.1") as sock, UdpReceiver() as receiver:
        sock.sendto(b"x", ("127.0.0.1", free_udp_port()))
        # A datagram sent after it to a live peer arrives: the ICMP error came and went.
        sock.sendto(b"y", (receiver.host, receiver.port))
        assert receiver.wait_for(lambda: receiver.count == 1)
        assert drain_error_queue(sock) == []
        sock.sendto(b"z", (receiver.host, receiver.port))  # never refused
        assert receiver.wait_for(lambda: receiver.count == 2)


def test_a_socket_with_nothing_queued_drains_nothing() -> None:
    with unconnected(socket.AF_INET6, "::1") as sock:
        assert enable_error_queue(sock, socket.AF_INET6)
        assert drain_error_queue(sock) == []


def test_the_option_is_refused_on_a_socket_of_another_kind() -> None:
    # IPv6's option on an IPv4 socket: the kernel says no, and so does the function.
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        assert not enable_error_queue(sock, socket.AF_INET6)
