"""DatagramReader on real loopback sockets; IcmpReport's coalescing of ICMP errors."""

from __future__ import annotations

import errno
import socket
from collections.abc import Iterator

import pytest

from app.net.errors import describe_errno
from app.net.events import Kind, LogEvent, Source
from app.net.reactor import Reactor
from app.net.udp import receiver
from app.net.udp.datagram import IPV4_MAX_PAYLOAD, IPV6_MAX_PAYLOAD
from app.net.udp.icmp import HAS_ERROR_QUEUE, enable_error_queue
from app.net.udp.receiver import RECV_SIZE, DatagramReader, IcmpReport
from tests.udp_peers import free_udp_port


@pytest.fixture
def pair() -> Iterator[tuple[socket.socket, socket.socket]]:
    """A non-blocking receiving socket and a sender, both on 127.0.0.1."""
    receiving = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiving.bind(("127.0.0.1", 0))
    receiving.setblocking(False)
    sending = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sending.bind(("127.0.0.1", 0))
    yield receiving, sending
    receiving.close()
    sending.close()


def _wait_readable(sock: socket.socket) -> None:
    """Block (at most 5 s) until a datagram waits; MSG_PEEK leaves it for the reader.

    Loopback queues a datagram within the sendto call, so the ones sent before it are
    all there once the first is.
    """
    sock.settimeout(5)
    try:
        sock.recv(1, socket.MSG_PEEK)
    finally:
        sock.setblocking(False)


def test_the_largest_payload_fits_the_read_size() -> None:
    assert max(IPV4_MAX_PAYLOAD, IPV6_MAX_PAYLOAD) <= RECV_SIZE


def test_every_waiting_datagram_becomes_one_event_in_one_batch(
    pair: tuple[socket.socket, socket.socket],
) -> None:
    receiving, sending = pair
    batches: list[list[LogEvent]] = []
    reader = DatagramReader(batches.append)
    payloads = [b"one", b"", b"\x00\xff" * 1000]
    for data in payloads:
        sending.sendto(data, receiving.getsockname())
    _wait_readable(receiving)
    result = reader.read(receiving)
    assert (result.datagrams, result.size, result.refused, result.failure) == (3, 2003, 0, None)
    assert len(batches) == 1
    events = batches[0]
    assert [e.data for e in events] == payloads
    assert {e.kind for e in events} == {Kind.RECEIVED}
    assert {e.source for e in events} == {Source.UDP}
    sender_name = f"127.0.0.1:{sending.getsockname()[1]}"
    assert {e.peer for e in events} == {sender_name}
    assert [e.message for e in events] == ["", "0-byte datagram", ""]
    assert [e.size for e in events] == [3, 0, 2000]


def test_nothing_waiting_reads_nothing_and_sinks_nothing(
    pair: tuple[socket.socket, socket.socket],
) -> None:
    receiving, _ = pair
    batches: list[list[LogEvent]] = []
    assert DatagramReader(batches.append).read(receiving) == (0, 0, 0, None)
    assert batches == []


def test_one_read_takes_at_most_read_max(
    pair: tuple[socket.socket, socket.socket], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A small limit keeps the datagrams within any default receive buffer.
    monkeypatch.setattr(receiver, "READ_MAX", 5)
    receiving, sending = pair
    for i in range(8):
        sending.sendto(bytes([i]), receiving.getsockname())
    _wait_readable(receiving)
    reader = DatagramReader(lambda _events: None)
    assert [reader.read(receiving).datagrams for _ in range(3)] == [5, 3, 0]


@pytest.mark.skipif(not HAS_ERROR_QUEUE, reason="the ICMP error queue is Linux's")
def test_a_closed_port_is_refused_and_the_error_queue_names_it() -> None:
    reactor = Reactor()
    logged: list[LogEvent] = []
    report = IcmpReport(reactor, logged.append)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        sock.bind(("127.0.0.1", 0))
        assert enable_error_queue(sock, socket.AF_INET)
        port = free_udp_port()
        sock.sendto(b"anyone?", ("127.0.0.1", port))
        sock.settimeout(5)
        # The ICMP error arrives as a failed read (bounded by the timeout).
        with pytest.raises(ConnectionRefusedError):
            sock.recvfrom(RECV_SIZE)
        sock.setblocking(False)
        report.drain(sock, 1, "fallback:1")
    finally:
        sock.close()
        reactor.close()
    assert [e.message for e in logged] == [
        f"No listener at 127.0.0.1:{port} (ICMP port unreachable)"
    ]
    assert logged[0].kind is Kind.ERROR


def test_errors_within_the_interval_are_counted_into_one_line() -> None:
    reactor = Reactor()  # not running: the throttle's timer never fires, flush() reports
    logged: list[LogEvent] = []
    report = IcmpReport(reactor, logged.append, interval=60.0)
    destination = ("127.0.0.1", 9)
    report.note([(errno.ECONNREFUSED, destination)], 1, "x")
    assert [e.message for e in logged] == ["No listener at 127.0.0.1:9 (ICMP port unreachable)"]
    report.note([(errno.ECONNREFUSED, destination)] * 4, 4, "x")
    report.note([(errno.EHOSTUNREACH, destination)], 1, "x")
    report.note([], 2, "127.0.0.1:7")  # no error queue: the last destination is meant
    assert len(logged) == 1 and report.pending
    report.flush()
    assert sorted(e.message for e in logged[1:]) == sorted(
        [
            "No listener at 127.0.0.1:9 (ICMP port unreachable), 4 times since the last report",
            f"{describe_errno(errno.EHOSTUNREACH)}: 127.0.0.1:9 (ICMP error)",
            "No listener at 127.0.0.1:7 (ICMP port unreachable), 2 times since the last report",
        ]
    )
    assert not report.pending
    report.note([(errno.ECONNREFUSED, destination)], 1, "x")
    report.cancel()  # shutdown: what is pending is dropped, not logged
    report.flush()
    assert len(logged) == 4
    reactor.close()
