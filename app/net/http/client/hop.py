"""One request and its response over one connection: a hop of an exchange.

It takes an idle kept-alive connection from the pool or has a `ConnectionOpener` make
one, writes the request (a large body after 100 Continue), reads the response with
`ResponseReader`, times it, logs its rows and ends with one `HopOutcome`. An idempotent
request that fails on a reused connection before any response byte goes once more on a
new one (the server closed it between two requests)."""

from __future__ import annotations

import time
from collections.abc import Callable

from app.net.address import format_peer
from app.net.events import EventSink, LogEvent
from app.net.http.client import rows
from app.net.http.client.connection import ClientConnection, ConnectionPool
from app.net.http.client.decoding import BodyCollector
from app.net.http.client.hop_outcome import ACTIVITY, REUSED, HopOutcome, hop_timing, response_of
from app.net.http.client.opener import ConnectionOpener, OpenTiming
from app.net.http.client.request_head import IDEMPOTENT_METHODS, PreparedRequest
from app.net.http.client.response import (
    BodyPiece,
    FinalHead,
    Interim,
    ResponseError,
    ResponseEvent,
    ResponseReader,
)
from app.net.http.client.result import Failure, Phase, Timing
from app.net.http.client.spool import SpoolPolicy
from app.net.http.client.trip_queue import LOST, TripQueue
from app.net.http.head import ResponseHead
from app.net.outgoing import BytesMessage, Outgoing, StreamFailure
from app.net.reactor import Reactor, Timer

DEFAULT_SPOOL = SpoolPolicy()
# How long a large body waits for 100 Continue before it is sent anyway (RFC 9110 §10.1.1).
CONTINUE_WAIT_S = 1.0

_NEW_TUPLE = tuple.__new__  # a NamedTuple from C, every field given: one per exchange each


class Hop:
    """Lives in the reactor's thread; `start()` once, then `abort()` or wait for `done`."""

    def __init__(
        self,
        reactor: Reactor,
        pool: ConnectionPool,
        request: PreparedRequest,
        sink: EventSink,
        sink_many: Callable[[list[LogEvent]], None],
        on_activity: Callable[[str], None],
        on_request_sent: Callable[[], None],
        done: Callable[[HopOutcome], None],
        round_trips: TripQueue | None = None,
        spool: SpoolPolicy = DEFAULT_SPOOL,
    ) -> None:
        self._reactor = reactor
        self._pool = pool
        self.request = request
        self._log = sink
        self._sink_many = sink_many
        self._on_activity = on_activity
        self._on_request_sent = on_request_sent  # the engine then has it `read_ahead()`
        self._done = done
        self._round_trips = round_trips
        self._spool = spool
        target = request.target
        self.peer = format_peer(target.host, target.port)
        self.phase = Phase.RESOLVE
        self.deadline = 0.0  # monotonic; the engine's watchdog enforces it
        # Monotonic time the answer was found not there yet; the engine announces the
        # wait only if it lasts (ANNOUNCE_WAIT_AFTER_S), 0 when nothing is due.
        self.quiet_since = 0.0
        self._live = True
        self._retried = False
        self._opener: ConnectionOpener | None = None
        self._conn: ClientConnection | None = None
        self._continue_timer: Timer | None = None
        self._sending = False  # inside `_send`'s flush
        self._reset_attempt()

    def _reset_attempt(self) -> None:
        self._reused = False
        self._reader = ResponseReader(self.request.method)
        self._collector: BodyCollector | None = None
        self.rows = rows.ExchangeRows(self._log, self.peer)
        self._body_announced = False
        self._body_pending = False  # the body waits for 100 Continue
        self._body_skipped = False  # a final status came instead of 100: never sent
        self._parts_due = 0  # request messages not fully sent yet
        self._t_start = time.perf_counter_ns()
        self._opened_timing = REUSED  # until a new connection is opened
        self._t_written = 0
        self._t_first = 0
        self._t_send = 0  # the request handed to the socket: the round trip's start

    # -- commands ------------------------------------------------------------------------

    def start(self) -> None:
        conn = self._pool.take(self.request.origin)
        if conn is not None:
            self._reused = True
            conn.user = self
            self._conn = conn
            self.rows.local = conn.local
            conn.exchanges += 1
            self._log(rows.reused(self.peer, conn.local, conn.exchanges))
            self._send()
            return
        self._open()

    def abort(self) -> None:
        """Stop at once, releasing the socket; no outcome is reported."""
        self._live = False
        self._release(keep=False)

    def read_ahead(self) -> None:
        """Once the request has left, read an answer that is already there (Stream.read_now)."""
        conn = self._conn
        if self._live and self.phase is Phase.WAIT and conn is not None:
            conn.stream.read_now()
            if self._live and self.phase is Phase.WAIT:
                # No answer yet: the engine shows the wait if it lasts. Most answers come
                # within the next loop turn, and a status for each would cost the GUI a
                # forced batch and a signal per exchange for nothing a person could see.
                self.quiet_since = time.monotonic()

    def time_out(self) -> None:
        self._fail(f"Timed out after {self.request.timeout_s:g} s")

    # -- opening a connection ------------------------------------------------------------

    def _set_phase(self, phase: Phase, activity: str = "", *, announce: bool = True) -> None:
        """Enter `phase` (its timeout starts now); `announce=False` leaves the status to
        `_announce`, for phases that usually end within the same loop turn (a small
        request leaves at once, a small body comes with its head): a status each would
        cost the GUI a signal per phase for nothing it could show."""
        self.phase = phase
        self.deadline = time.monotonic() + self.request.timeout_s
        if announce:
            self._on_activity(activity or ACTIVITY[phase])

    def announce(self) -> None:
        """Show the current phase's activity now (the engine, for a wait that lasted)."""
        self._announce()

    def _announce(self) -> None:
        self.quiet_since = 0.0
        if self._live:
            self._on_activity(ACTIVITY.get(self.phase, ""))

    def _open(self) -> None:
        request = self.request
        self._opener = ConnectionOpener(
            self._reactor,
            request.target,
            request.origin,
            self._sink_many,
            self._set_phase,
            self._opened,
            self._fail,
        )
        self._opener.start()

    def _opened(self, conn: ClientConnection, timing: OpenTiming) -> None:
        self._opener = None
        self._opened_timing = timing
        conn.user = self
        conn.exchanges = 1
        self._conn = conn
        self.rows.local = conn.local
        self._send()

    def tls_done(self) -> None:
        pass  # the opener was the connection's user until the handshake was done

    # -- the request -----------------------------------------------------------------------

    def _send(self) -> None:
        conn = self._conn
        assert conn is not None
        self._set_phase(Phase.SEND, announce=False)
        request = self.request
        self._body_pending = request.head.expect_continue
        items = [BytesMessage(request.head.data)]
        if request.body and not self._body_pending:
            items.append(BytesMessage(request.body))
        elif self._body_pending:
            self._continue_timer = self._reactor.call_later(CONTINUE_WAIT_S, self._continue_anyway)
        # Counted before the first flush: a message that leaves at once reports `sent`
        # from inside it, and the request is whole only when every part has left.
        self._parts_due = len(items)
        self._t_send = time.perf_counter_ns()
        for item in items:
            conn.stream.write(item)
        self._sending = True
        try:
            conn.stream.flush()
        finally:
            self._sending = False
        if self._live and self.phase is Phase.WAIT:
            self._on_request_sent()
        if self.phase is Phase.SEND:
            self._announce()  # the request did not leave at once (a large body)

    def _write_body(self) -> None:
        conn = self._conn
        if conn is None or conn.closed:
            return
        self._body_pending = False
        self._parts_due += 1
        conn.write(BytesMessage(self.request.body))

    def _continue_anyway(self) -> None:
        self._continue_timer = None
        if self._live and self._body_pending and self._reader.head is None:
            self._log(rows.info("No 100 Continue within 1 s: sending the body anyway", self.peer))
            self._write_body()

    def sent(self, item: Outgoing) -> None:
        assert isinstance(item, BytesMessage)
        self.rows.add_sent(item.data)
        self._parts_due -= 1
        if self._parts_due or self._body_pending:
            return
        self._log_sent()
        self._t_written = time.perf_counter_ns()
        if self.phase is Phase.SEND:
            # Sent from inside `_send`: the engine reads ahead next and announces the
            # wait only if no answer is there yet; sent later (a large body): now.
            self._set_phase(Phase.WAIT, announce=not self._sending)

    def progress(self, item: Outgoing) -> None:
        """A large body is moving: the timeout counts from its last progress."""
        self.deadline = time.monotonic() + self.request.timeout_s

    def _log_sent(self, extra: bytes = b"") -> None:
        self.rows.log_sent(self.request.line, extra)

    # -- the response ----------------------------------------------------------------------

    def data_received(self, data: bytes) -> None:
        if not self._t_first:
            self._t_first = time.perf_counter_ns()
        self.rows.add_received(data)
        if self.phase is Phase.BODY:  # a download that flows is not timed out
            self.deadline = time.monotonic() + self.request.timeout_s
        try:
            events = self._reader.feed(data)
        except ResponseError as exc:
            self._fail(str(exc))
            return
        self._handle(events)
        if self.phase is Phase.BODY and not self._body_announced:
            self._body_announced = True
            self._announce()  # the body goes on after this read

    def eof_received(self) -> None:
        if self._may_retry():
            self._retry("closed the kept-alive connection")
            return
        try:
            events = self._reader.eof()
        except ResponseError as exc:
            self._fail(str(exc))
            return
        self._handle(events)

    def connection_lost(self, failure: StreamFailure) -> None:
        if self._may_retry():
            self._retry(f"broke the kept-alive connection ({failure.reason})")
            return
        prefix = failure.sent_prefix()
        self._log_sent(prefix)
        self._fail(failure.reason)

    def _handle(self, events: list[ResponseEvent]) -> None:
        for event in events:
            if not self._live:
                return
            if isinstance(event, Interim):
                if event.head.line.status == 100 and self._body_pending:
                    self._cancel_continue()
                    self._write_body()
            elif isinstance(event, FinalHead):
                self._final_head(event.head)
            elif isinstance(event, BodyPiece):
                assert self._collector is not None
                self._collector.add(event.data)
            else:
                self._finish()

    def _final_head(self, head: ResponseHead) -> None:
        if self._body_pending:  # a final status instead of 100: the body is not sent
            self._cancel_continue()
            self._body_pending = False
            self._body_skipped = True
        if not self._parts_due:
            self._log_sent()
        self._collector = BodyCollector(
            self._reader.content_encoding, self._spool.over, self._spool
        )
        self._set_phase(Phase.BODY, announce=False)

    def _cancel_continue(self) -> None:
        if self._continue_timer is not None:
            self._continue_timer.cancel()
            self._continue_timer = None

    def _finish(self) -> None:
        head = self._reader.head
        collector = self._collector
        assert head is not None and collector is not None
        body = collector.finish()
        if not self.rows.sent_logged:
            self._log_sent()
        timing = self._account(collector.wire_size, partial=False)
        if collector.note:
            self._log(rows.info(collector.note, self.peer))
        response = response_of(head, body, collector)
        self._release(keep=self._reusable())
        self._live = False
        self._done(_NEW_TUPLE(HopOutcome, (response, None, timing, self._reused, "")))

    def _reusable(self) -> bool:
        conn = self._conn
        if conn is None or conn.closed or conn.stream.peer_finished:
            return False
        reader = self._reader
        if reader.close_delimited or reader.leftover or self._body_skipped or self._parts_due:
            return False
        return self.request.head.keep_alive and reader.keeps_alive

    # -- endings ---------------------------------------------------------------------------

    def _may_retry(self) -> bool:
        return (
            self._reused
            and not self._retried
            and not self._reader.received
            and self.request.method in IDEMPOTENT_METHODS
        )

    def _retry(self, what: str) -> None:
        self._log(
            rows.info(
                f"{self.peer} {what} before answering: retrying on a new connection", self.peer
            )
        )
        self._release(keep=False)
        self._retried = True
        self._reset_attempt()
        self._open()

    def _fail(self, reason: str) -> None:
        if not self._live:
            return
        self._live = False
        timing = self._account(LOST, partial=True)
        self._release(keep=False)
        failure = Failure(self.phase, reason)
        self._done(HopOutcome(None, failure, timing, self._reused, self.rows.local))

    def _account(self, received: int, *, partial: bool) -> Timing:
        """The hop's end: its round trip (`received` bytes, LOST when unanswered), its
        received row (for a failure, when anything came) and its timing."""
        now = time.perf_counter_ns()
        trips = self._round_trips
        if trips is not None and self._t_send:  # else nothing was sent: no round trip
            size = len(self.request.head.data) + len(self.request.body)
            trips.add(self._t_send, size, now, received)
        reader = self._reader
        if not partial or self.rows.received_any:
            body_size = self._collector.wire_size if self._collector else 0
            elapsed = (now - self._t_start) / 1e9
            self.rows.log_received(reader.head, reader.received, body_size, elapsed, partial)
        opened, start = self._opened_timing, self._t_start
        return hop_timing(opened, start, self._t_written, self._t_first, now, done=reader.done)

    def _release(self, *, keep: bool) -> None:
        self._cancel_continue()
        if not self._live and self._collector is not None and not self._reader.done:
            self._collector.discard()  # failed or aborted mid-body: no file left behind
        if self._opener is not None:
            self._opener.cancel()
            self._opener = None
        conn, self._conn = self._conn, None
        if conn is None:
            return
        if keep:
            self._pool.put(conn)
        else:
            conn.close()
