"""MultiSender (sendmmsg through ctypes) against real UDP receivers on loopback."""

from __future__ import annotations

import errno
import selectors
import socket

import pytest

from app.net.udp import multi_send
from app.net.udp.icmp import HAS_ERROR_QUEUE, enable_error_queue
from app.net.udp.multi_send import CALL_MAX, MultiSender
from tests.udp_peers import UdpReceiver, free_udp_port

pytestmark = pytest.mark.skipif(not MultiSender.available(), reason="no sendmmsg here")

FAMILIES = [
    pytest.param(socket.AF_INET, id="ipv4"),
    pytest.param(socket.AF_INET6, id="ipv6"),
]


def sender_socket(family: int) -> socket.socket:
    sock = socket.socket(family, socket.SOCK_DGRAM)
    sock.bind(("::1" if family == socket.AF_INET6 else "127.0.0.1", 0))
    sock.setblocking(False)
    return sock


@pytest.mark.parametrize("family", FAMILIES)
def test_copies_arrive_whole_from_one_call(family: int) -> None:
    with UdpReceiver(family) as receiver, sender_socket(family) as sock:
        address = socket.getaddrinfo(receiver.host, receiver.port, family, socket.SOCK_DGRAM)
        multi = MultiSender.create(sock, family, address[0][4], b"copy\x00\xff")
        assert multi is not None
        assert multi.send(10) == 10
        assert receiver.wait_for(lambda: receiver.count == 10)
        assert set(receiver.datagrams) == {b"copy\x00\xff"}
        assert receiver.sources == {tuple(sock.getsockname()[:2])}


def test_one_call_sends_at_most_call_max() -> None:
    with UdpReceiver() as receiver, sender_socket(socket.AF_INET) as sock:
        multi = MultiSender.create(sock, socket.AF_INET, (receiver.host, receiver.port), b"m")
        assert multi is not None
        sent = multi.send(CALL_MAX * 3)
        assert 1 <= sent <= CALL_MAX


def test_a_zero_byte_payload_is_sent_as_empty_datagrams() -> None:
    with UdpReceiver() as receiver, sender_socket(socket.AF_INET) as sock:
        multi = MultiSender.create(sock, socket.AF_INET, (receiver.host, receiver.port), b"")
        assert multi is not None
        assert multi.send(3) == 3
        assert receiver.wait_for(lambda: receiver.count == 3)
        assert (receiver.datagrams, receiver.bytes) == ([b"", b"", b""], 0)


def test_an_oversize_datagram_raises_the_kernels_error() -> None:
    with sender_socket(socket.AF_INET) as sock:
        multi = MultiSender.create(sock, socket.AF_INET, ("127.0.0.1", 9), b"x" * 70_000)
        assert multi is not None
        with pytest.raises(OSError) as raised:
            multi.send(5)
    assert raised.value.errno == errno.EMSGSIZE


@pytest.mark.skipif(not HAS_ERROR_QUEUE, reason="Linux's error queue only")
def test_a_pending_icmp_error_is_the_matching_exception() -> None:
    with sender_socket(socket.AF_INET) as sock:
        enable_error_queue(sock, socket.AF_INET)
        multi = MultiSender.create(sock, socket.AF_INET, ("127.0.0.1", free_udp_port()), b"x")
        assert multi is not None
        assert multi.send(1) == 1
        with selectors.DefaultSelector() as selector:  # the ICMP error makes it readable
            selector.register(sock, selectors.EVENT_READ)
            assert selector.select(5)
        with pytest.raises(ConnectionRefusedError):
            multi.send(1)


@pytest.mark.parametrize(
    ("family", "address"),
    [
        pytest.param(socket.AF_INET, ("not-an-ip", 9), id="name-not-address"),
        pytest.param(socket.AF_INET, ("127.0.0.1", "port"), id="bad-port"),
        pytest.param(socket.AF_INET6, ("::1",), id="no-port"),
        pytest.param(socket.AF_UNIX, ("/tmp/x", 0), id="other-family"),
    ],
)
def test_an_address_it_cannot_encode_means_no_multi_sender(
    family: int, address: tuple[object, ...]
) -> None:
    with sender_socket(socket.AF_INET) as sock:
        assert MultiSender.create(sock, family, address, b"x") is None


def test_disabled_means_no_multi_sender(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(multi_send, "ENABLED", False)
    with sender_socket(socket.AF_INET) as sock:
        assert MultiSender.create(sock, socket.AF_INET, ("127.0.0.1", 9), b"x") is None
