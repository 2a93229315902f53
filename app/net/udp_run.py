"""One click of Send: a paced run of datagrams, sent in short bursts on the Reactor."""

from __future__ import annotations

import errno
import time
from collections.abc import Callable

from app.net.errors import describe
from app.net.events import Kind, LogEvent, Source
from app.net.reactor import Reactor, Timer

# At full speed the run sends in bursts and returns to the loop between them, so Stop,
# other commands and replies are handled within milliseconds, never after the whole run.
BURST_MAX = 4096
BURST_SECONDS = 0.005
# Events made but not yet taken in by the log: past this the run waits for the GUI, so a
# slow consumer slows the run instead of letting memory (and the next batch) grow.
BACKLOG_EVENTS = 65_536
BACKLOG_WAIT = 0.005
NOBUFS_WAIT = 0.001

Send = Callable[[bytes], int]


class UdpRun:
    """Sends `total` copies of `data`, `interval` seconds apart (0: as fast as possible).

    Datagram i is due at start + i * interval on the monotonic clock, so a late loop turn
    is caught up instead of stretching the run. Every datagram the kernel took becomes one
    sent event; one it refused is neither logged nor counted, and is tried again.
    Loop thread only; the owner learns what happens through the callbacks.
    """

    def __init__(
        self,
        reactor: Reactor,
        send: Send,
        data: bytes,
        total: int,
        interval: float,
        peer: str,
        *,
        sink_many: Callable[[list[LogEvent]], None],
        backlog: Callable[[], int],
        on_burst: Callable[[int, int], None],
        on_blocked: Callable[[], None],
        on_end: Callable[[OSError | None], None],
    ) -> None:
        self._reactor = reactor
        self._send = send
        self.data = data
        self.total = total
        self.interval = interval
        self.peer = peer
        self._sink_many = sink_many
        self._backlog = backlog
        self._on_burst = on_burst
        self._on_blocked = on_blocked
        self._on_end = on_end
        self.message = "" if data else "0-byte datagram"
        self.sent = 0
        self.started = time.monotonic()
        self.blocked = False  # the socket's buffer is full: waiting for writability
        self._timer: Timer | None = None
        self._active = False

    def start(self) -> None:
        self._active = True
        self.started = time.monotonic()
        self._burst()

    def cancel(self) -> None:
        self._active = False
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def writable(self) -> None:
        """The owner saw the socket writable again after `on_blocked`."""
        if self._active and self.blocked:
            self.blocked = False
            self._burst()

    def summary(self) -> str:
        elapsed = time.monotonic() - self.started
        rate = f" ({self.sent / elapsed:,.0f}/s)" if elapsed > 0 else ""
        return (
            f"Sent {self.sent:,} datagrams ({self.sent * len(self.data):,} bytes) to {self.peer} "
            f"in {elapsed:.3f} s{rate}"
        )

    def failure_message(self, exc: OSError) -> str:
        done = f"sent {self.sent:,} of {self.total:,} datagrams"
        if exc.errno == errno.EMSGSIZE:
            reason = f"Datagram of {len(self.data):,} bytes too large for the path to {self.peer}"
        elif exc.errno == errno.EACCES:
            # Linux refuses a broadcast destination without SO_BROADCAST this way.
            reason = (
                f"Permission denied sending to {self.peer} "
                "(a broadcast address? tick “Allow broadcast”)"
            )
        else:
            reason = f"{describe(exc)}: {self.peer}"
        return f"{reason}; {done}"

    def rate(self) -> float:
        elapsed = time.monotonic() - self.started
        return self.sent / elapsed if elapsed > 0 else 0.0

    def _burst(self) -> None:
        self._timer = None
        if not self._active:
            return
        if self._backlog() > BACKLOG_EVENTS:
            self._timer = self._reactor.call_later(BACKLOG_WAIT, self._burst)
            return
        count = min(self.total - self.sent, BURST_MAX)
        if self.interval:
            due = int((time.monotonic() - self.started) / self.interval) + 1
            count = min(count, due - self.sent)
        # The hot loop: one send, one clock read and one tuple per datagram; everything
        # else is looked up once per burst (the speed rules in DESIGN.md).
        send = self._send
        now = time.time
        new = tuple.__new__
        event_type = LogEvent
        source, kind = Source.UDP, Kind.SENT
        data, peer, message, size = self.data, self.peer, self.message, len(self.data)
        events: list[LogEvent] = []
        append = events.append
        deadline = now() + BURST_SECONDS
        done = refused = 0
        failure: OSError | None = None
        while done < count:
            try:
                send(data)
            except (BlockingIOError, InterruptedError):
                self.blocked = True
                break
            except (ConnectionRefusedError, ConnectionResetError):
                # The ICMP error of an earlier datagram; this one did not go (seen on
                # loopback), so it is tried again. Bounded: errors never outnumber sends.
                refused += 1
                if refused > count:
                    break
                continue
            except OSError as exc:
                failure = exc
                break
            stamp = now()
            append(new(event_type, (stamp, source, kind, peer, data, message, size, "")))
            done += 1
            if stamp > deadline:
                break
        if done:
            self.sent += done
            self._sink_many(events)
        self._on_burst(done, refused)
        if failure is not None and failure.errno != errno.ENOBUFS:
            self._active = False
            self._on_end(failure)
        elif self.sent >= self.total:
            self._active = False
            self._on_end(None)
        elif failure is not None:
            # The interface queue is full; select would call the socket writable at once,
            # so wait on a timer instead of spinning.
            self._timer = self._reactor.call_later(NOBUFS_WAIT, self._burst)
        elif self.blocked:
            self._on_blocked()
        elif self.interval:
            delay = self.started + self.sent * self.interval - time.monotonic()
            self._timer = self._reactor.call_later(max(0.0, delay), self._burst)
        else:
            self._timer = self._reactor.call_later(0.0, self._burst)
