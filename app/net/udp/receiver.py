"""What a UDP socket hears: datagrams read in batches as events, ICMP errors as log lines.

The UDP Sender listens for replies with these; a UDP listener reuses them as they are.
Loop thread only.
"""

from __future__ import annotations

import errno
import socket
import time
from typing import TYPE_CHECKING, NamedTuple

from app.net.address import format_sockaddr
from app.net.errors import describe_errno
from app.net.events import EventSink, EventsSink, Kind, LogEvent, Source, make_event
from app.net.reactor import Reactor
from app.net.throttle import Throttle
from app.net.udp.icmp import IcmpError, drain_error_queue

if TYPE_CHECKING:
    from app.net.round_trips import RoundTripRecorder

READ_MAX = 1024  # datagrams read per loop turn, so a flood cannot starve other work
RECV_SIZE = 65_535  # the largest UDP payload (IPv4 and IPv6) fits
REFUSED_INTERVAL = 1.0  # "no listener" is logged at most once a second, with a count
PEER_CACHE_MAX = 1024  # formatted peer names kept; a scan from many ports resets it


class ReadResult(NamedTuple):
    """One `DatagramReader.read`: what came in and what went wrong."""

    datagrams: int
    size: int  # payload bytes of those datagrams
    refused: int  # reads that failed with an ICMP error instead of a datagram
    failure: OSError | None  # the error that ended the batch, if any


class DatagramReader:
    """Turns every datagram waiting on a socket (up to READ_MAX) into a received event.

    The events of one read go to `sink_many` as one list. The hot loop does the recvfrom,
    a dict lookup for the peer's name and a tuple built in C, nothing more. With a
    `recorder` (the UDP Sender's), each datagram is also stamped and offered to it as a
    reply; a loop of its own, so the UDP listener's flood path pays nothing for it.
    """

    def __init__(
        self,
        sink_many: EventsSink,
        source: Source = Source.UDP,
        recorder: RoundTripRecorder | None = None,
    ) -> None:
        self._sink_many = sink_many
        self._source = source
        self._peers: dict[object, str] = {}
        self._recorder = recorder

    def forget_peers(self) -> None:
        """Drop the cached peer names (a new socket may see other address forms)."""
        self._peers.clear()

    def read(self, sock: socket.socket) -> ReadResult:
        if self._recorder is not None:
            return self._read_replies(sock, self._recorder)
        recvfrom = sock.recvfrom
        peers = self._peers
        now = time.time
        new = tuple.__new__
        source, kind = self._source, Kind.RECEIVED
        events: list[LogEvent] = []
        received = refused = 0
        failure: OSError | None = None
        for _ in range(READ_MAX):
            try:
                data, address = recvfrom(RECV_SIZE)
            except (BlockingIOError, InterruptedError):
                break
            except (ConnectionRefusedError, ConnectionResetError):
                # An ICMP error (Linux: ECONNREFUSED; Windows: WSAECONNRESET even on an
                # unconnected socket's recvfrom).
                refused += 1
                continue
            except OSError as exc:
                failure = exc
                break
            peer = peers.get(address)
            if peer is None:
                if len(peers) > PEER_CACHE_MAX:
                    peers.clear()
                peer = peers[address] = format_sockaddr(address)
            size = len(data)
            message = "" if size else "0-byte datagram"
            events.append(
                new(LogEvent, (now(), source, kind, peer, data, message, size, "", "", False))
            )
            received += size
        if events:
            self._sink_many(events)
        return ReadResult(len(events), received, refused, failure)

    def _read_replies(self, sock: socket.socket, recorder: RoundTripRecorder) -> ReadResult:
        """`read`, each datagram stamped on arrival and its round trip in its message."""
        from app.net.round_trip_events import rtt_note

        recvfrom = sock.recvfrom
        peers = self._peers
        now, stamp, answered = time.time, time.perf_counter_ns, recorder.received
        new = tuple.__new__
        source, kind = self._source, Kind.RECEIVED
        events: list[LogEvent] = []
        received = refused = 0
        failure: OSError | None = None
        for _ in range(READ_MAX):
            try:
                data, address = recvfrom(RECV_SIZE)
            except (BlockingIOError, InterruptedError):
                break
            except (ConnectionRefusedError, ConnectionResetError):
                refused += 1  # as in `read`
                continue
            except OSError as exc:
                failure = exc
                break
            t_ns = stamp()
            peer = peers.get(address)
            if peer is None:
                if len(peers) > PEER_CACHE_MAX:
                    peers.clear()
                peer = peers[address] = format_sockaddr(address)
            size = len(data)
            message = rtt_note(answered(0, t_ns, size, data))
            if not size:
                message = f"0-byte datagram, {message}" if message else "0-byte datagram"
            events.append(
                new(LogEvent, (now(), source, kind, peer, data, message, size, "", "", False))
            )
            received += size
        if events:
            self._sink_many(events)
        return ReadResult(len(events), received, refused, failure)


class IcmpReport:
    """ICMP errors heard on a socket: the first logged at once, the rest once a second.

    Thousands of datagrams to a closed port bring back as many ICMP errors; each report
    says how many there were of each (error, destination) since the last one.
    """

    def __init__(
        self,
        reactor: Reactor,
        sink: EventSink,
        source: Source = Source.UDP,
        interval: float = REFUSED_INTERVAL,
    ) -> None:
        self._sink = sink
        self._source = source
        self._pending: dict[tuple[int, str], int] = {}  # (errno, destination) -> count
        self._throttle = Throttle(reactor, interval, self._log)

    @property
    def pending(self) -> bool:
        return bool(self._pending)

    def drain(self, sock: socket.socket | None, refusals: int, last_peer: str) -> None:
        """`refusals` calls failed with an ICMP error; `sock`'s error queue says which.

        `sock` is None where it has no error queue (see icmp.py); `last_peer` is the
        destination meant when nothing says otherwise.
        """
        errors = drain_error_queue(sock) if sock is not None else []
        self.note(errors, refusals, last_peer)

    def note(self, errors: list[IcmpError], refusals: int, last_peer: str) -> None:
        pending = self._pending
        for code, address in errors:
            key = (code, _peer_name(address, last_peer))
            pending[key] = pending.get(key, 0) + 1
        if refusals and not errors:
            # No error queue (or it overflowed): the destination last sent to is meant.
            key = (errno.ECONNREFUSED, last_peer)
            pending[key] = pending.get(key, 0) + refusals
        if pending:
            self._throttle.request()

    def flush(self) -> None:
        """Log what is pending now (a run's end must not wait for the interval)."""
        if self._pending:
            self._throttle.flush()

    def reset(self) -> None:
        """A new run: its first error is logged at once."""
        self._throttle.reset()

    def cancel(self) -> None:
        """Forget everything pending without logging it (shutdown)."""
        self._throttle.cancel()
        self._pending.clear()

    def _log(self) -> None:
        pending, self._pending = self._pending, {}
        for (code, peer), count in pending.items():
            if code == errno.ECONNREFUSED:
                message = f"No listener at {peer} (ICMP port unreachable)"
            else:
                message = f"{describe_errno(code)}: {peer} (ICMP error)"
            if count > 1:
                message += f", {count:,} times since the last report"
            self._sink(make_event(self._source, Kind.ERROR, message, peer=peer))


def _peer_name(address: object, fallback: str) -> str:
    try:
        return format_sockaddr(address)  # type: ignore[arg-type]
    except (TypeError, ValueError, IndexError):
        return fallback
