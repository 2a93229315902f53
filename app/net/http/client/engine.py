"""The HTTP client engine: one exchange at a time, hop by hop, on a Reactor.

An exchange is the person's request and, when they follow redirects, each hop after it
(up to MAX_REDIRECTS); every hop is a `Hop` over a kept-alive connection from the pool
or a new one. The engine enforces the per-phase timeout with one watchdog timer (not one
timer per hop: a benchmark loop would leave thousands of cancelled timers in the heap),
turns the final hop into an `ExchangeResult`, and never lets an exception out: every
failure is one log line naming the phase, and a result with `failure`.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from app.net.address import format_peer
from app.net.events import EventSink, LogEvent, one_by_one
from app.net.http.client import rows
from app.net.http.client.connection import ClientConnection, ConnectionPool
from app.net.http.client.hop import DEFAULT_SPOOL, Hop
from app.net.http.client.hop_outcome import HopOutcome
from app.net.http.client.request_head import PreparedRequest, build_head, check_request
from app.net.http.client.result import ExchangeResult, Failure, Phase, RequestSpec, Timing
from app.net.http.client.spool import SpoolPolicy, remove_quietly
from app.net.http.client.status import HttpClientStatus
from app.net.http.client.target import Target, TargetError, parse_target, redirect_url
from app.net.http.client.trip_queue import TripQueue
from app.net.reactor import Reactor, Timer
from app.net.round_trips import RoundTripRecorder, RoundTripSnapshot

MAX_REDIRECTS = 10
# A wait for the answer is shown once it lasts this long: on loopback most answers come
# sooner, and a status each would force a log batch and a signal per exchange.
ANNOUNCE_WAIT_AFTER_S = 0.01
IDLE = HttpClientStatus(False)
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# Dropped when a redirect goes to another origin: they were meant for the first one.
_ORIGIN_BOUND = frozenset({"authorization", "proxy-authorization", "cookie", "host"})
# Dropped when a redirect turns the request into a GET without a body.
_BODY_HEADERS = frozenset({"content-length", "content-type", "transfer-encoding", "expect"})

# A NamedTuple from C, every field given in order: the records of each exchange.
_NEW_TUPLE = tuple.__new__

StatusCallback = Callable[[HttpClientStatus], None]
FinishedCallback = Callable[[ExchangeResult], None]
Headers = tuple[tuple[str, str], ...]


class HttpClient:
    """Lives in the reactor's thread; every public method must be called there."""

    def __init__(
        self,
        reactor: Reactor,
        sink: EventSink,
        on_status: StatusCallback,
        on_finished: FinishedCallback,
        sink_many: Callable[[list[LogEvent]], None] | None = None,
        on_round_trips: Callable[[RoundTripSnapshot], None] | None = None,
        spool: SpoolPolicy = DEFAULT_SPOOL,
    ) -> None:
        self._reactor = reactor
        # Each hop is a round trip: the request's first byte handed to the socket to the
        # response's last byte. A hop that fails after sending is lost; the engine's own
        # timeout ends a silent one, so the recorder keeps no timer.
        self.round_trips = RoundTripRecorder(reactor, on_round_trips, reply_timeout=None)
        self._trips = TripQueue(self.round_trips)  # recorded while the server works
        self._sink = sink
        self._sink_many = sink_many if sink_many is not None else one_by_one(sink)
        self._on_status = on_status
        self._on_finished = on_finished
        self._pool = ConnectionPool(self._idle_lost)
        self._spec: RequestSpec | None = None
        self._hop: Hop | None = None
        self._redirects: list[str] = []
        self._headers: Headers = ()  # the next hop's: the person's, less what a redirect drops
        self._t0 = 0
        self._watchdog: Timer | None = None
        self._activity = ""
        self._reading_ahead = False
        self._ahead_due = False
        self._spool = spool
        self._body_file = ""  # the last result's spooled body, removed when replaced
        reactor.add_idle_hook(self._before_sleep)

    @property
    def busy(self) -> bool:
        return self._spec is not None

    def idle_connections(self) -> int:
        return len(self._pool)

    # -- commands --------------------------------------------------------------------------

    def send(self, spec: RequestSpec) -> None:
        if self._spec is not None:
            self._sink(rows.info("A request is still running: wait for it or cancel it first"))
            return
        self._spec = spec
        self._redirects = []
        self._headers = spec.headers
        self._t0 = time.perf_counter_ns()
        self._start_hop(spec.method.strip(), spec.url, spec.headers, spec.body)

    def cancel(self) -> None:
        """Stop the running exchange at once; its connection is closed, not kept."""
        spec, hop = self._spec, self._hop
        if spec is None:
            return
        self._hop = None
        phase = Phase.PREPARE
        url, method, peer, local = spec.url, spec.method, "", ""
        if hop is not None:
            local = hop.rows.local
            hop.abort()
            phase, url, method = hop.phase, hop.request.target.url, hop.request.method
            peer = hop.peer
        self._sink(rows.info(f"{method} {url} cancelled {failed_while(phase)}", peer, local))
        self._finish(
            ExchangeResult(
                url,
                redirects=tuple(self._redirects),
                cancelled=True,
                timing=Timing(total_ms=self._elapsed_ms()),
            )
        )

    def close(self) -> None:
        """Release every socket at shutdown, without a line per connection."""
        if self._hop is not None:
            self._hop.abort()
            self._hop = None
        self._spec = None
        self._pool.close_all()
        self._trips.flush()
        remove_quietly(self._body_file)
        self._body_file = ""
        if self._watchdog is not None:
            self._watchdog.cancel()
            self._watchdog = None

    # -- hops ------------------------------------------------------------------------------

    def _start_hop(self, method: str, url: str, headers: Headers, body: bytes) -> None:
        spec = self._spec
        assert spec is not None
        reason = check_request(method, headers)
        target: Target | None = None
        if not reason:
            try:
                target = parse_target(url)
            except TargetError as exc:
                reason = str(exc)
        if target is None or reason:
            self._fail(method, url, Failure(Phase.PREPARE, reason), Timing())
            return
        head = build_head(method, target, headers, len(body))
        request = PreparedRequest(method, target, head, body, spec.timeout_s, spec.verify_tls)
        hop = Hop(
            self._reactor,
            self._pool,
            request,
            self._sink,
            self._sink_many,
            self._activity_changed,
            self._read_ahead,
            self._hop_done,
            self._trips,
            self._spool,
        )
        self._hop = hop
        hop.start()
        if self._hop is hop:
            self._arm(hop)

    def _arm(self, hop: Hop) -> None:
        """One watchdog for every hop: kept when it fires no later than this hop's
        deadline (it then re-arms itself), moved earlier for a shorter timeout."""
        watchdog = self._watchdog
        if watchdog is not None:
            if watchdog.when <= hop.deadline:
                return
            watchdog.cancel()
        delay = max(0.0, hop.deadline - time.monotonic())
        self._watchdog = self._reactor.call_later(delay, self._watch)

    def _read_ahead(self) -> None:
        """Have the running hop read an answer that is already there, in a loop rather
        than by recursion: its end may start the next exchange (a `send` from inside
        `on_finished`), whose answer may be there too, and so on."""
        if self._reading_ahead:
            self._ahead_due = True
            return
        self._trips.flush()  # the request has left: the server's turn, ours is free
        self._reading_ahead = True
        try:
            while self._hop is not None:
                self._ahead_due = False
                self._hop.read_ahead()
                if not self._ahead_due:
                    break
        finally:
            self._reading_ahead = False

    def _before_sleep(self) -> float | None:
        """Reactor idle hook: round trips recorded, and the running hop's wait shown
        once it has lasted."""
        self._trips.flush()
        hop = self._hop
        if hop is None or not hop.quiet_since:
            return None
        wait = hop.quiet_since + ANNOUNCE_WAIT_AFTER_S - time.monotonic()
        if wait > 0:
            return wait
        hop.announce()
        return None

    def _watch(self) -> None:
        self._watchdog = None
        hop = self._hop
        if hop is None:
            return
        if hop.deadline <= time.monotonic():
            hop.time_out()  # its end may already have started the next exchange
        if self._hop is not None:
            self._arm(self._hop)

    def _hop_done(self, outcome: HopOutcome) -> None:
        hop = self._hop
        assert hop is not None
        self._hop = None
        request = hop.request
        timing = _NEW_TUPLE(Timing, (*outcome.timing[:5], self._elapsed_ms()))
        if outcome.failure is not None:
            self._fail(
                request.method, request.target.url, outcome.failure, timing, local=outcome.local
            )
            return
        response = outcome.response
        assert response is not None and self._spec is not None
        line = response.head.line
        headers = tuple(response.head.fields)
        result = _NEW_TUPLE(
            ExchangeResult,
            (
                request.target.url,
                line.status,
                line.reason,
                line.version,
                headers,
                response.body,
                response.wire_size,
                response.content_encoding,
                outcome.reused,
                tuple(self._redirects),
                timing,
                None,  # failure
                False,  # cancelled
                response.body_truncated,
                response.body_file,
                response.body_size,
            ),
        )
        follow = self._spec.follow_redirects and line.status in REDIRECT_STATUSES
        location = result.header("location") if follow else None
        if not location:
            self._finish(result)
            return
        remove_quietly(result.body_file)  # a redirect's own body is not shown
        result = result._replace(body_file="")
        if len(self._redirects) >= MAX_REDIRECTS:
            reason = (
                f"More than {MAX_REDIRECTS} redirects (a loop?); the last one pointed to {location}"
            )
            self._fail(
                request.method, request.target.url, Failure(Phase.WAIT, reason), timing, result
            )
            return
        self._follow(request, line.status, line.reason, redirect_url(request.target.url, location))

    def _follow(self, request: PreparedRequest, status: int, reason: str, url: str) -> None:
        spec = self._spec
        assert spec is not None
        method, body, headers = request.method, request.body, self._headers
        if (status == 303 and method != "HEAD") or (status in (301, 302) and method == "POST"):
            method, body = "GET", b""
            headers = tuple(h for h in headers if h[0].lower() not in _BODY_HEADERS)
        try:
            next_target = parse_target(url)
        except TargetError:
            next_target = None
        if next_target is not None and (next_target.scheme, next_target.host, next_target.port) != (
            request.target.scheme,
            request.target.host,
            request.target.port,
        ):
            headers = tuple(h for h in headers if h[0].lower() not in _ORIGIN_BOUND)
        self._redirects.append(url)
        count = len(self._redirects)
        self._sink(
            rows.info(
                f"{status} {reason}: following to {method} {url} "
                f"(redirect {count} of {MAX_REDIRECTS})"
            )
        )
        self._headers = headers
        self._start_hop(method, url, headers, body)

    # -- endings ---------------------------------------------------------------------------

    def _fail(
        self,
        method: str,
        url: str,
        failure: Failure,
        timing: Timing,
        result: ExchangeResult | None = None,
        local: str = "",
    ) -> None:
        hop_peer = ""
        try:
            target = parse_target(url)
            hop_peer = format_peer(target.host, target.port)
        except TargetError:
            pass
        self._sink(
            rows.error(
                f"{method} {url} failed {failed_while(failure.phase)}: {failure.reason}",
                hop_peer,
                local,
            )
        )
        base = (
            result if result is not None else ExchangeResult(url, redirects=tuple(self._redirects))
        )
        self._finish(
            base._replace(failure=failure, timing=timing._replace(total_ms=self._elapsed_ms()))
        )

    def _finish(self, result: ExchangeResult) -> None:
        if self._body_file != result.body_file:  # the new response replaces the last one
            remove_quietly(self._body_file)
            self._body_file = result.body_file
        self._spec = None
        self._headers = ()
        self._activity = ""
        self._on_status(IDLE)
        self._on_finished(result)

    def _activity_changed(self, activity: str) -> None:
        if activity and activity != self._activity:
            self._activity = activity
            self._on_status(HttpClientStatus(True, activity))

    def _idle_lost(self, conn: ClientConnection, what: str) -> None:
        _, host, port, _ = conn.origin
        peer = format_peer(host, port)
        self._sink(
            rows.info(f"Idle kept-alive connection to {peer} ended: {what}", peer, conn.local)
        )

    def _elapsed_ms(self) -> float:
        return (time.perf_counter_ns() - self._t0) / 1e6


def failed_while(phase: Phase) -> str:
    """`while connecting`, `during the TLS handshake`: how a line names the phase."""
    return f"{'during' if phase.value.startswith('the ') else 'while'} {phase.value}"
