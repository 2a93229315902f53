"""One click of Send: a paced run of datagrams, sent in short bursts on the Reactor."""

from __future__ import annotations

import errno
import time
from collections.abc import Callable, Iterable
from itertools import repeat
from typing import TYPE_CHECKING, Any, cast

from app.net.errors import describe
from app.net.events import Kind, LogEvent, Source
from app.net.pacing import Pacer, describe_rates
from app.net.reactor import Reactor, Timer
from app.net.udp.sent_events import rendered_sent_events, sent_events, spread_stamps
from app.payload import MessageCounter, MessageTemplate

if TYPE_CHECKING:
    from app.net.round_trips import RoundTripRecorder
    from app.net.udp.multi_send import MultiSender

# At full speed the run sends in bursts and returns to the loop between them, so Stop,
# other commands and replies are handled within milliseconds, never after the whole run.
# A burst of this many takes 1-4 ms here; the deadline is its size, not a clock read per
# datagram. With sendmmsg a burst is a few calls of MultiSender's CALL_MAX each.
BURST_MAX = 2048
MULTI_BURST_MAX = 4096
# What waits for the log, as ReactorWorker.backlog() measures it (payload bytes plus a
# fixed cost per event; ~60,000 small datagrams): past this the run waits for the GUI, so
# a slow consumer slows the run instead of letting memory (and the next batch) grow.
BACKLOG_LIMIT = 16 * 1024 * 1024
BACKLOG_WAIT = 0.005
NOBUFS_WAIT = 0.001

# `socket.send` (connected) or `socket.sendto` (with the address passed to UdpRun).
Send = Callable[..., int]
# tuple.__new__(LogEvent, fields) makes a LogEvent from C, where LogEvent._make is a
# Python function call per event.
_NEW_TUPLE = tuple.__new__


class UdpRun:
    """Sends `total` copies of `data`, `interval` seconds apart (0: as fast as possible).

    With a `template` that is not static, each datagram is rendered anew instead, with
    its number from `counter` (the tab's), a burst of them at a time; the counter counts
    only the datagrams that went, so the numbers run on without a gap or a repeat.

    Datagram i is due at start + i * interval (app/net/pacing.py: a late turn catches up in
    bounded bursts, never stretching the run). Each datagram the kernel took is one sent
    event; one it refused is neither logged nor counted, and is tried again. Loop thread
    only; the owner learns what happens through the callbacks.
    """

    def __init__(
        self,
        reactor: Reactor,
        send: Send,
        address: Any,
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
        multi: MultiSender | None = None,
        template: MessageTemplate | None = None,
        counter: MessageCounter | None = None,
        recorder: RoundTripRecorder | None = None,
    ) -> None:
        self._reactor = reactor
        self._send = send
        self._address = address  # None: `send` is a connected socket's send
        self._multi = multi  # many datagrams per system call, where the system has it
        self.data = data
        self._template = None if template is None or template.is_static else template
        self._counter = counter if counter is not None else MessageCounter()
        # With a recorder each datagram is stamped on the perf_counter clock (the log's
        # times are derived from it); a sendmmsg call's are spread over the call.
        self._recorder = recorder
        self._call_stamps: list[int] | None = None if recorder is None else []
        self._keyed = self._template is not None and self._template.has_counter
        self._clock = time.time if recorder is None else time.perf_counter_ns
        self.sent_bytes = 0
        self.burst_bytes = 0  # of the latest burst, for the owner's totals
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
        self._pacer = Pacer(total, interval, BURST_MAX if multi is None else MULTI_BURST_MAX)
        self.requested = self._pacer.requested  # per second; None: as fast as possible
        self.blocked = False  # the socket's buffer is full: waiting for writability
        self._timer: Timer | None = None
        self._active = False

    def start(self) -> None:
        self._active = True
        self._pacer.start(time.monotonic())
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
        pacer = self._pacer
        seconds = (pacer.ended or time.monotonic()) - pacer.started
        return (
            f"Sent {self.sent:,} datagrams ({self.sent_bytes:,} bytes) to {self.peer} "
            f"in {seconds:.3f} s ({describe_rates(pacer.requested, self.rate())})"
        )

    def failure_message(self, exc: OSError) -> str:
        done = f"sent {self.sent:,} of {self.total:,} datagrams"
        if exc.errno == errno.EMSGSIZE:
            size = len(self.data if self._template is None else self._template.sample())
            reason = f"Datagram of {size:,} bytes too large for the path to {self.peer}"
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
        """Datagrams per second that went (pacing.Pacer.achieved)."""
        return self._pacer.achieved(time.monotonic())

    def _burst(self) -> None:
        self._timer = None
        if not self._active:
            return
        if self._backlog() > BACKLOG_LIMIT:
            self._timer = self._reactor.call_later(BACKLOG_WAIT, self._burst)
            return
        pacer = self._pacer
        count = pacer.due(time.monotonic())
        first: int | None = None
        if self._template is not None:
            first = self._counter.sent + 1
            payloads = self._template.render_many(first, count)
            if self._multi is not None:
                events, refused, failure = self._send_rendered_calls(self._multi, payloads)
            else:
                stamps, refused, failure = self._send_rendered(payloads)
                events = rendered_sent_events(self._stamped(stamps), self.peer, payloads)
            done = len(events)
            self.burst_bytes = sum(map(len, payloads[:done]))
            sizes: Iterable[int] = map(len, payloads)
        else:
            if self._multi is not None:
                events, refused, failure = self._send_calls(self._multi, count)
            else:
                stamps, refused, failure = self._send_some(count)
                events = sent_events(self._stamped(stamps), self.peer, self.data, self.message)
            done = len(events)
            self.burst_bytes = done * len(self.data)
            sizes = repeat(len(self.data))
        if self._recorder is not None and self._call_stamps:
            key = first if self._keyed else None
            self._recorder.sent_many(0, self._call_stamps, sizes, key)
            self._call_stamps = []
        self.sent_bytes += self.burst_bytes
        if done:
            self.sent += done
            pacer.took(done, time.monotonic())
            self._counter.sent += done
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
            self._timer = self._reactor.call_later(pacer.delay(time.monotonic()), self._burst)
        else:
            self._timer = self._reactor.call_later(0.0, self._burst)

    def _send_some(self, count: int) -> tuple[list[float], int, OSError | None]:
        """Send up to `count` datagrams: (the time of each one sent, refusals, a failure).

        The hot loop does two calls per datagram, the send and the clock, and nothing
        else: every sendto lets go of the GIL and takes it back, and any Python work
        between two of them, in this thread or the GUI's, is taken from the send rate
        (measured: a tuple and a deadline test per datagram cost a quarter of it).
        Exceptions are caught outside the loop; the stamps say how far it got.
        """
        send, address, data, now = self._send, self._address, self.data, self._clock
        stamps: list[float] = []
        append = stamps.append
        refused = 0
        while (todo := count - len(stamps)) > 0:
            try:
                if address is None:
                    for _ in repeat(None, todo):
                        send(data)
                        append(now())
                else:
                    for _ in repeat(None, todo):
                        send(data, address)
                        append(now())
            except BlockingIOError:
                self.blocked = True  # the socket's buffer is full
            except (ConnectionRefusedError, ConnectionResetError):
                # The ICMP error of an earlier datagram; this one did not go (seen on
                # loopback), so it is tried again. Bounded: errors never outnumber sends.
                refused += 1
                if refused <= count:
                    continue
            except OSError as exc:
                return stamps, refused, exc
            break
        return stamps, refused, None

    def _send_rendered(self, payloads: list[bytes]) -> tuple[list[float], int, OSError | None]:
        """_send_some for datagrams that differ: the same loop over the rendered batch."""
        send, address, now = self._send, self._address, self._clock
        stamps: list[float] = []
        append = stamps.append
        refused = 0
        count = len(payloads)
        while len(stamps) < count:
            rest = payloads[len(stamps) :] if stamps else payloads
            try:
                if address is None:
                    for payload in rest:
                        send(payload)
                        append(now())
                else:
                    for payload in rest:
                        send(payload, address)
                        append(now())
            except BlockingIOError:
                self.blocked = True
            except (ConnectionRefusedError, ConnectionResetError):
                refused += 1  # as in _send_some: that datagram did not go; try again
                if refused <= count:
                    continue
            except OSError as exc:
                return stamps, refused, exc
            break
        return stamps, refused, None

    def _send_rendered_calls(
        self, multi: MultiSender, payloads: list[bytes]
    ) -> tuple[list[LogEvent], int, OSError | None]:
        """_send_calls for datagrams that differ: each call sends the next slice of the batch."""
        now, stamps = time.time, self._call_stamps
        events: list[LogEvent] = []
        refused = 0
        count = len(payloads)
        while (done := len(events)) < count:
            try:
                before = time.perf_counter_ns()
                sent = multi.send_each(payloads, done)
                if stamps is not None:
                    spread_stamps(stamps, before, time.perf_counter_ns(), sent)
            except BlockingIOError:
                self.blocked = True
                break
            except (ConnectionRefusedError, ConnectionResetError):
                refused += 1
                if refused <= count:
                    continue
                break
            except OSError as exc:
                return events, refused, exc
            # One stamp per call, as in _send_calls; the data differs, so an event each.
            events += rendered_sent_events(
                repeat(now(), sent), self.peer, payloads[done : done + sent]
            )
        return events, refused, None

    def _stamped(self, stamps: list[float]) -> list[float]:
        """The log's times for stamps taken on `_clock`; perf_counter ns when recording,
        kept for the recorder."""
        if self._call_stamps is None or not stamps:
            return stamps
        self._call_stamps = cast("list[int]", stamps)
        offset = time.time() - time.perf_counter_ns() * 1e-9
        return list(map(offset.__add__, map((1e-9).__mul__, stamps)))

    def _send_calls(
        self, multi: MultiSender, count: int
    ) -> tuple[list[LogEvent], int, OSError | None]:
        """Send up to `count` datagrams in sendmmsg calls: (their events, refusals, a failure).

        The datagrams of one call went out within a fraction of a millisecond and are equal
        in every field, time included: they share one immutable event, so a call costs
        one tuple, not one per datagram (and the log's rows cost one pointer each).
        """
        now, stamps = time.time, self._call_stamps
        fields = (
            Source.UDP,
            Kind.SENT,
            self.peer,
            self.data,
            self.message,
            len(self.data),
            "",
            "",
            False,
        )
        events: list[LogEvent] = []
        extend = events.extend
        refused = 0
        while (todo := count - len(events)) > 0:
            try:
                before = time.perf_counter_ns()
                sent = multi.send(todo)
                if stamps is not None:
                    spread_stamps(stamps, before, time.perf_counter_ns(), sent)
            except BlockingIOError:
                self.blocked = True
                break
            except (ConnectionRefusedError, ConnectionResetError):
                refused += 1  # as in _send_some: that datagram did not go; try again
                if refused <= count:
                    continue
                break
            except OSError as exc:
                return events, refused, exc
            extend(repeat(_NEW_TUPLE(LogEvent, (now(), *fields)), sent))
        return events, refused, None
