"""The kernel's drop counter of a real UDP socket whose receive queue overflowed (Linux)."""

from __future__ import annotations

import socket
import struct

import pytest

from app.net.udp.listener_drops import (
    ANCILLARY_SPACE,
    HAS_DROP_COUNTER,
    SO_RXQ_OVFL,
    drops_from_ancillary,
    drops_from_proc,
    enable_drop_counter,
)

LINUX_ONLY = pytest.mark.skipif(not HAS_DROP_COUNTER, reason="the OS reports no kernel drops")


def counter(value: int) -> tuple[int, int, bytes]:
    return (socket.SOL_SOCKET, SO_RXQ_OVFL, struct.pack("=I", value))


def test_the_counter_is_read_from_its_own_ancillary_item_only() -> None:
    assert drops_from_ancillary([counter(7)]) == 7
    assert drops_from_ancillary([(socket.IPPROTO_IP, 8, b"\x01\x02\x03\x04"), counter(0)]) == 0
    assert drops_from_ancillary([]) is None
    assert drops_from_ancillary([(socket.SOL_SOCKET, SO_RXQ_OVFL, b"\x01\x00")]) is None
    assert drops_from_ancillary([(socket.SOL_SOCKET, SO_RXQ_OVFL + 1, b"\x01" * 4)]) is None
    # Padding past the four bytes is ignored.
    assert (
        drops_from_ancillary([(socket.SOL_SOCKET, SO_RXQ_OVFL, struct.pack("=I", 3) + b"\0" * 4)])
        == 3
    )


def test_not_a_udp_socket_has_no_proc_entry() -> None:
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as unix:
        assert drops_from_proc(unix) is None
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
        tcp.bind(("127.0.0.1", 0))
        assert drops_from_proc(tcp) is None  # not in /proc/net/udp


@LINUX_ONLY
@pytest.mark.parametrize(
    ("family", "host"), [(socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")]
)
def test_an_overflowing_queue_is_counted_in_proc_and_on_the_next_datagram(
    family: int, host: str
) -> None:
    with (
        socket.socket(family, socket.SOCK_DGRAM) as receiver,
        socket.socket(family, socket.SOCK_DGRAM) as sender,
    ):
        receiver.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1)  # the kernel's minimum
        receiver.bind((host, 0))
        receiver.setblocking(False)
        assert enable_drop_counter(receiver)
        assert drops_from_proc(receiver) == 0
        address = receiver.getsockname()
        # Loopback delivers during sendto: what does not fit the queue is dropped at once.
        for _ in range(200):
            sender.sendto(b"d" * 1000, address)
        dropped = drops_from_proc(receiver)
        assert dropped is not None and dropped > 0
        read = 0
        while True:
            try:
                receiver.recvmsg(2048, ANCILLARY_SPACE)
            except BlockingIOError:
                break
            read += 1
        assert read + dropped == 200
        # A datagram queued after the drops carries the whole count.
        sender.sendto(b"after", address)
        data, ancillary, _, _ = receiver.recvmsg(2048, ANCILLARY_SPACE)
        assert data == b"after"
        assert drops_from_ancillary(ancillary) == dropped == drops_from_proc(receiver)


@LINUX_ONLY
def test_without_the_option_no_counter_comes_with_a_datagram() -> None:
    with (
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as receiver,
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender,
    ):
        receiver.bind(("127.0.0.1", 0))
        receiver.settimeout(5)
        sender.sendto(b"plain", receiver.getsockname())
        _, ancillary, _, _ = receiver.recvmsg(2048, ANCILLARY_SPACE)
        assert drops_from_ancillary(ancillary) is None
