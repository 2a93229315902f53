"""A TCP load run: N connections to one target, `count` paced messages on each, then close.

Phases: connect every connection (in waves, so a thousand SYNs never arrive at once: the
TCP Server tab listens with a backlog of 128, app/net/listener.py), send on a schedule
(app/net/pacing.py; the j-th message of the run goes at start + j * interval / N, round
robin over the connections whose previous message was written), then wait for the replies
(every byte sent echoed, or as many framed messages back as went) or GRACE seconds of
quiet, and close. Each connection logs its own sent and received rows (its local address
tells them apart); connection failures become one summary line, counted by reason.
Loop thread only; the owner learns what happens through the callbacks.
"""

from __future__ import annotations

import socket
import time
from collections import Counter, deque
from collections.abc import Callable

from app.net.address import format_peer
from app.net.events import EventSink, Kind, LogEvent, Source, make_event
from app.net.outgoing import BytesMessage
from app.net.pacing import Pacer
from app.net.reactor import Reactor, Timer
from app.net.resolver import AddrInfo, resolve_async
from app.net.round_trip_events import answered_events
from app.net.round_trips import RoundTripRecorder
from app.net.tcp.load_connect import ConnectWaves
from app.net.tcp.load_connection import LoadConnection
from app.net.tcp.load_status import (
    LoadPhase,
    TcpLoadJob,
    TcpLoadProgress,
    describe_outcome,
    describe_reasons,
)
from app.net.throttle import Throttle
from app.payload import MessageCounter, render_message
from app.units import plural

BURST_MAX = 512  # messages one loop turn writes at full speed: Stop is seen within ms
GRACE = 1.0  # seconds of quiet after the last send before the run stops waiting for replies
# As the UDP run (app/net/udp/run.py): past this much waiting for the log, sending pauses.
BACKLOG_LIMIT = 16 * 1024 * 1024
READ_BACKLOG_LIMIT = 64 * 1024 * 1024  # and reading, as the TCP client does
BACKLOG_WAIT = 0.005
PROGRESS_INTERVAL = 0.1


class TcpLoadRun:
    """Lives in the reactor's thread; `start()` once, then `stop()` or `close()`."""

    def __init__(
        self,
        reactor: Reactor,
        job: TcpLoadJob,
        *,
        sink: EventSink,
        sink_many: Callable[[list[LogEvent]], None],
        counter: MessageCounter,
        backlog: Callable[[], int],
        on_progress: Callable[[TcpLoadProgress], None],
        on_end: Callable[[], None],
        round_trips: RoundTripRecorder | None = None,
        conn_base: int = 0,
    ) -> None:
        """`round_trips`: pair every connection's replies with its sends (the tab's
        statistics then cover the run); its connections are numbered from `conn_base` + 1."""
        self.reactor = reactor
        self.job = job
        self.peer = format_peer(job.host, job.port)
        self._sink = sink
        self._sink_many = sink_many
        self._counter = counter
        self._backlog = backlog
        self._on_progress = on_progress
        self._on_end = on_end
        self._round_trips = round_trips
        self.conn_base = conn_base
        self.phase = LoadPhase.CONNECTING
        self._open: dict[int, LoadConnection] = {}
        self._ready: deque[LoadConnection] = deque()
        self._waves: ConnectWaves | None = None
        self._unresolved: Counter[str] = Counter()
        self._early_ends: Counter[str] = Counter()
        self.connected = 0
        self.sent = self.sent_bytes = self.received = self.received_bytes = 0
        self.unsent = 0  # messages of connections that ended before writing them
        self._pacer = Pacer(0, 0.0, BURST_MAX)
        self._timer: Timer | None = None  # the next wave, pump or quiet check
        self._starved = False  # messages are due but every connection is still writing
        self._last_activity = 0.0
        self._connect_started = 0.0
        self._active = False
        self._progress = Throttle(reactor, PROGRESS_INTERVAL, self._emit_progress)

    @property
    def _connect_failures(self) -> Counter[str]:
        waves = self._waves
        return self._unresolved if waves is None else self._unresolved + waves.failures

    @property
    def failed(self) -> int:
        return sum(self._connect_failures.values())

    def reading_behind(self) -> bool:
        return self._backlog() > READ_BACKLOG_LIMIT

    # -- commands ------------------------------------------------------------------------

    def start(self) -> None:
        self._active = True
        self._connect_started = time.monotonic()
        job = self.job
        interval = "as fast as the peer takes them"
        if job.interval > 0:
            interval = f"{job.interval * 1000:g} ms apart on each"
        self.log(
            Kind.INFO,
            f"Load run to {self.peer}: {plural(job.connections, 'connection')}, "
            f"{plural(job.count, 'message')} on each, {interval}",
        )
        self._emit_progress()
        resolve_async(self.reactor, job.host, job.port, socket.SOCK_STREAM, self._resolved)

    def stop(self) -> None:
        if self._active:
            self._finish("stopped")

    def close(self) -> None:
        """Release every socket at shutdown without a sentence."""
        self._active = False
        self._release()

    # -- connecting ----------------------------------------------------------------------

    def _resolved(self, infos: list[AddrInfo] | None, reason: str) -> None:
        if not self._active:
            return
        if infos is None:
            self._unresolved[f"Cannot resolve {self.job.host!r}: {reason}"] = 1
            self._finish("failed")
            return
        self._waves = ConnectWaves(
            self.reactor,
            infos,
            self.job.connections,
            self.job.timeout,
            self._connected,
            self._progress.request,
            self._begin_sending,
        )
        self._waves.start()

    def _connected(self, index: int, sock: socket.socket) -> None:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._open[index] = LoadConnection(self, index, sock, self.reactor, self.job)
        self.connected += 1

    def _begin_sending(self) -> None:
        elapsed = time.monotonic() - self._connect_started
        line = (
            f"Connected {self.connected:,} of {plural(self.job.connections, 'connection')} "
            f"to {self.peer} in {elapsed:.2f} s"
        )
        if self._connect_failures:
            line += f"; {self.failed:,} failed: {describe_reasons(self._connect_failures)}"
        self.log(Kind.INFO if not self._connect_failures else Kind.ERROR, line)
        if not self._open:
            self._finish("failed")
            return
        self.phase = LoadPhase.SENDING
        connections = len(self._open)
        self._pacer = Pacer(
            connections * self.job.count, self.job.interval / connections, BURST_MAX
        )
        self._ready.extend(self._open.values())
        now = time.monotonic()
        self._pacer.start(now)
        self._last_activity = now
        self._pump()

    # -- sending -------------------------------------------------------------------------

    def _pump(self) -> None:
        self._timer = None
        if not self._active or self.phase is not LoadPhase.SENDING:
            return
        if self._backlog() > BACKLOG_LIMIT:
            self._timer = self.reactor.call_later(BACKLOG_WAIT, self._pump)
            return
        pacer, ready, message, counter = self._pacer, self._ready, self.job.message, self._counter
        due = pacer.due(time.monotonic())
        now = time.monotonic()
        written = 0
        while written < due and ready and self.phase is LoadPhase.SENDING:
            conn = ready.popleft()
            if conn.left <= 0 or conn.index not in self._open:
                continue
            conn.left -= 1
            written += 1
            pacer.took(1, now)
            conn.stream.write(BytesMessage(render_message(message, counter)))
            conn.stream.flush()  # drained() puts it back in `ready` once written
        if not self._active or self.phase is not LoadPhase.SENDING:
            return  # a connection's end during the writes finished the phase
        self._starved = written < due and not ready
        self._progress.request()
        if pacer.finished:
            self._begin_finishing()
        elif self._starved:
            pass  # drained() pumps again
        elif pacer.interval > 0:
            self._timer = self.reactor.call_later(pacer.delay(now), self._pump)
        else:
            self._timer = self.reactor.call_later(0.0, self._pump)

    def drained(self, conn: LoadConnection) -> None:
        if conn.left > 0 and conn.index in self._open:
            self._ready.append(conn)
            if self._starved and self._timer is None:
                self._starved = False
                self._timer = self.reactor.call_later(0.0, self._pump)

    def message_sent(self, conn: LoadConnection, data: bytes) -> None:
        size = len(data)
        conn.sent_count += 1
        conn.sent_bytes += size
        self.sent += 1
        self.sent_bytes += size
        if self._round_trips is not None:
            self._round_trips.sent(conn.conn_id, time.perf_counter_ns(), size)
        self._sink(
            LogEvent(time.time(), Source.TCP, Kind.SENT, self.peer, data, "", size, "", conn.local)
        )

    def messages_received(self, conn: LoadConnection, messages: list[bytes]) -> None:
        peer, local, recorder = self.peer, conn.local, self._round_trips
        if recorder is not None:
            events = answered_events(
                recorder, conn.conn_id, conn.received_ns, messages, Source.TCP, peer, local
            )
        else:
            now = time.time()
            events = [
                LogEvent(now, Source.TCP, Kind.RECEIVED, peer, m, "", len(m), "", local)
                for m in messages
            ]
        conn.received_count += len(messages)
        self.received += len(messages)
        self.received_bytes += sum(map(len, messages))
        self._sink_many(events)
        self._last_activity = time.monotonic()
        self._progress.request()
        if self.phase is LoadPhase.FINISHING and conn.answered:
            self.ended(conn, None)

    # -- finishing -----------------------------------------------------------------------

    def _begin_finishing(self) -> None:
        self.phase = LoadPhase.FINISHING
        self._last_activity = time.monotonic()
        for conn in list(self._open.values()):
            if conn.answered:
                self.ended(conn, None)
        if self._active and self.phase is LoadPhase.FINISHING:
            self._timer = self.reactor.call_later(GRACE, self._quiet_check)

    def _quiet_check(self) -> None:
        self._timer = None
        quiet = time.monotonic() - self._last_activity
        if quiet < GRACE:
            self._timer = self.reactor.call_later(GRACE - quiet, self._quiet_check)
            return
        waiting = len(self._open)
        if waiting:
            self._early_ends[f"No complete reply within {GRACE:g} s of quiet"] += waiting
        self._finish("done")

    def ended(self, conn: LoadConnection, reason: str | None) -> None:
        """`conn` is over: answered (reason None), or lost for `reason`."""
        if self._open.pop(conn.index, None) is None:
            return
        leftover = conn.receiver.finish()
        if leftover:
            self._sink(
                make_event(
                    Source.TCP,
                    Kind.RECEIVED,
                    peer=self.peer,
                    data=leftover,
                    local=conn.local,
                    partial=True,
                )
            )
        conn.receiver.close()
        conn.stream.close()
        if self._round_trips is not None:
            self._round_trips.closed(conn.conn_id)  # what it still awaited is lost
        if reason is not None:
            self._early_ends[reason] += 1
        if conn.left > 0:
            self.unsent += conn.left
            self._pacer.total -= conn.left
            conn.left = 0
        self._progress.request()
        if not self._active or self.phase is LoadPhase.CONNECTING:
            return
        if not self._open:
            self._finish("done")
        elif self.phase is LoadPhase.SENDING and self._pacer.finished:
            self._begin_finishing()

    def _finish(self, how: str) -> None:
        """Close what is open and log the run in one line (how: done, stopped, failed)."""
        self._active = False
        self._release()
        self.phase = LoadPhase.DONE
        self._pacer.ended = self._pacer.ended or time.monotonic()
        started, ended = self._pacer.started, self._pacer.ended or 0.0
        line = describe_outcome(
            f"Load run to {self.peer} {how}",
            self.snapshot(),
            ended - started if started else None,
            self._connect_failures,
            self._early_ends,
            self.unsent,
        )
        clean = how == "done" and not self._connect_failures and not self._early_ends
        self.log(Kind.INFO if clean or how == "stopped" else Kind.ERROR, line)
        self._on_end()
        self._progress.flush()  # DONE last: the owner may start the next run on it

    def _release(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._waves is not None:
            self._waves.cancel()
        self._progress.cancel()
        for conn in self._open.values():
            conn.receiver.close()
            conn.stream.close()
            if self._round_trips is not None:
                self._round_trips.closed(conn.conn_id)
        self._open.clear()
        self._ready.clear()

    # -- reporting -----------------------------------------------------------------------

    def log(self, kind: Kind, message: str, local: str = "") -> None:
        self._sink(make_event(Source.TCP, kind, message, peer=self.peer, local=local))

    def _emit_progress(self) -> None:
        self._on_progress(self.snapshot())

    def snapshot(self) -> TcpLoadProgress:
        pacer = self._pacer
        return TcpLoadProgress(
            self.phase,
            self.job.connections,
            self.connected,
            self.failed,
            len(self._open),
            self.sent,
            pacer.total if self.phase is not LoadPhase.CONNECTING else self.job.total,
            self.received,
            self.sent_bytes,
            self.received_bytes,
            self.job.requested,
            pacer.achieved(time.monotonic()),
        )
