"""One client connection on the server's Reactor: non-blocking reads and writes, deadlines.

Everything runs in the one loop thread. Thread-per-connection was measured first: at
15,000 requests/s, 32 handler threads contending for the GIL starved the GUI thread for
up to a second (every call from the table view into Python waits for the GIL). One loop
thread serves the same load faster and leaves the GUI responsive.
"""

from __future__ import annotations

import socket
import struct
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from app.net.events import EventSink, Kind, Source
from app.net.http.config import ResponseConfig, ServerLimits
from app.net.http.handler import Answer, answer
from app.net.http.request import CONTINUE, RECV_SIZE, HttpError, Request, RequestParser
from app.net.http.request_log import (
    connection_event,
    internal_error_event,
    refused_event,
    request_event,
)
from app.net.http.response_item import ResponseItem as _Response
from app.net.http.response_item import RouteResponseItem as _RouteResponse
from app.net.http.responses import error_response
from app.net.outgoing import Outgoing, StreamFailure
from app.net.reactor import Reactor
from app.net.stream import Stream

if TYPE_CHECKING:
    from app.net.http.route_delivery import StagedAnswer
    from app.net.tls.server_tls import ServerTls
    from app.net.websocket.session import WebSocketSession

_LINGER_NONE = struct.pack("ii", 1, 0)
# Stop reading (and parsing pipelined requests) while this much waits to be sent.
HIGH_WATER = 1024 * 1024


class HttpConnection:
    """Lives in the reactor's thread; the server calls `check_deadlines` periodically.

    The `StreamProtocol` of its socket's `Stream`: the stream does the I/O, this object
    parses, answers and logs.
    """

    def __init__(
        self,
        reactor: Reactor,
        sock: socket.socket,
        peer: str,
        limits: ServerLimits,
        config: Callable[[], ResponseConfig],
        sink: EventSink,
        on_closed: Callable[[HttpConnection], None],
        tls: ServerTls | None = None,
        log_behind: Callable[[], bool] | None = None,  # after an upgrade to WebSocket
    ) -> None:
        self._reactor = reactor
        self.peer = peer
        self._log_behind = log_behind
        self._limits = limits
        self._config = config
        self._sink = sink
        self._on_closed = on_closed
        self._parser = RequestParser(limits)
        self._close_after = False
        self._closed = False
        self._held = False  # pipelined requests wait until the output drains
        # A route's answer with a delay or a fault in progress: later requests wait.
        self._staged: StagedAnswer | None = None
        self._reset_on_close = False
        self._websocket: WebSocketSession | None = None  # after a 101 (WebSocket echo)
        self._sock = sock
        self._last_activity = time.monotonic()
        self._request_since = 0.0
        transport = None
        if tls is not None:
            from app.net.tls.https import PLAIN_HTTP_REPLY

            transport = tls.transport(sock, plaintext_reply=PLAIN_HTTP_REPLY)
        self._tls = transport
        self._stream = Stream(
            reactor, sock, self, recv_size=RECV_SIZE, high_water=HIGH_WATER, transport=transport
        )

    # -- reading -----------------------------------------------------------------------

    def data_received(self, data: bytes) -> None:
        now = time.monotonic()
        self._last_activity = now
        if not self._request_since:
            self._request_since = now
        self._parser.feed(data)
        self._process()

    def eof_received(self) -> None:
        if self._parser.busy:
            self._end("Client closed the connection mid-request", Kind.ERROR)
        elif not self._stream.outbox_empty or self._staged is not None:
            self._close_after = True  # answer what was asked, then close (half-close)
        else:
            self.close()

    def _process(self) -> None:
        parser = self._parser
        stream = self._stream
        while not self._close_after and not self._closed and self._staged is None:
            if stream.queued >= HIGH_WATER:
                self._held = True
                break
            try:
                request = parser.next_request()
            except HttpError as exc:
                self._refuse(exc)
                return
            if request is None:
                if parser.take_continue():
                    stream.write(_Response(CONTINUE))
                break
            self._request_since = 0.0
            try:
                reply = answer(request, self._config(), self.peer)
            except Exception as exc:  # a bug must cost one request, never the server
                self._sink(internal_error_event(self.peer, exc))
                self._refuse(HttpError(500, "Internal server error (details in the log)"))
                return
            if reply.route:
                if reply.delay or reply.fault is not None:
                    self._stage(request, reply)
                    continue
                self._queue_answer(request, reply, _RouteResponse)
            else:
                self._queue_answer(request, reply)
            if not reply.keep_alive:
                if reply.upgrade is not None:
                    self._upgrade(reply)
                    return
                self._stop_reading()
        if parser.busy and not self._request_since:
            self._request_since = time.monotonic()
        if not self._closed:
            stream.flush()

    def _queue_answer(
        self, request: Request, reply: Answer, response: type[_Response] = _Response
    ) -> None:
        end = reply.data.find(b"\r\n\r\n")
        self._stream.write(
            response(
                reply.data,
                request,
                reply.status,
                reply.data[: end if end >= 0 else len(reply.data)],
                reply.note,
                reply.file,
                reply.file_size,
            )
        )

    def _upgrade(self, reply: Answer) -> None:
        """The 101 is queued: from here the stream belongs to a WebSocket echo session."""
        from app.net.websocket.session import WebSocketSession

        assert reply.upgrade is not None
        self._websocket = session = WebSocketSession(
            self._reactor, self._stream, reply.upgrade, self._sink, Source.HTTP, self.peer,
            lambda: self._release(()), echo=True, before=self, backlog=self._log_behind,
        )  # fmt: skip
        session.data_received(self._parser.take_buffered())  # frames sent with the request

    # -- a route's delay or fault (route_delivery.StagedAnswer calls these) --------------

    def _stage(self, request: Request, reply: Answer) -> None:
        from app.net.http.route_delivery import StagedAnswer  # with the first such route

        # Not reading meanwhile: a client pouring in pipelined requests during a long
        # delay would otherwise grow the parser's buffer without bound.
        self._stream.pause_reading()
        self._staged = StagedAnswer(self, self._reactor, self._sink, request, reply)
        self._staged.begin()

    def finish_staged(self, keep_alive: bool) -> None:
        """The staged answer is written (or its last piece is): later requests may go."""
        self._staged = None
        if not keep_alive:
            self._stop_reading()
        else:
            self._stream.resume_reading()
            self._reactor.call_soon(self._continue)

    def send_route_answer(self, request: Request, reply: Answer) -> None:
        self._queue_answer(request, reply, _RouteResponse)
        self._stream.flush()

    def send_raw(self, data: bytes) -> None:
        """Bytes that are not logged as a response of their own (a fault's, a piece)."""
        self._stream.write(_Response(data))
        self._stream.flush()

    def end_with_fault(self, reset: bool) -> None:
        """Close once what is queued has left: FIN, or RST with `reset`."""
        self._staged = None
        self._reset_on_close = reset
        self._stop_reading()
        self._stream.flush()  # an empty outbox drains at once, and drained() closes

    def _continue(self) -> None:
        if not self._closed and self._staged is None and not self._close_after:
            self._process()

    def _refuse(self, exc: HttpError) -> None:
        self._sink(refused_event(self.peer, exc.status, exc.reason, self._parser.received_head()))
        self._stream.write(_Response(error_response(exc.status, exc.reason)))
        self._stop_reading()
        self._stream.flush()

    def _stop_reading(self) -> None:
        self._close_after = True
        self._stream.pause_reading()

    # -- writing (the stream reports) --------------------------------------------------

    def progress(self, item: Outgoing) -> None:
        self._last_activity = time.monotonic()

    def sent(self, item: Outgoing) -> None:
        self._last_activity = time.monotonic()
        assert isinstance(item, _Response)
        if item.file is not None:
            item.file.close()
        if item.sent < item.size:
            self._close_after = True  # the body ended short: the framing is broken
        if item.request is None:
            return
        error = item.note and item.status >= 400 and not item.planned
        kind = Kind.ERROR if error else Kind.RECEIVED
        self._sink(
            request_event(
                self.peer, item.request, item.status, item.sent, item.head, item.note, kind
            )
        )

    def drained(self) -> None:
        if self._staged is not None:
            self._staged.drained()
        elif self._close_after:
            self.close()
        elif self._held:
            # Pipelined requests waited while the output was over the high-water mark.
            self._held = False
            self._reactor.call_soon(self._resume)

    def _resume(self) -> None:
        if not self._closed and self._stream.outbox_empty:
            self._process()

    def connection_lost(self, failure: StreamFailure) -> None:
        if self._staged is not None:
            self._staged.lost(failure.reason)
        item = failure.partial
        if failure.writing:
            if isinstance(item, _Response) and item.request is not None:
                note = (
                    f"client disconnected before the response was complete "
                    f"({item.sent:,} B sent; {failure.reason})"
                )
                self._sink(
                    request_event(
                        self.peer, item.request, item.status, item.sent, item.head, note, Kind.ERROR
                    )
                )
        elif self._tls is not None and not self._tls.handshake_done:
            from app.net.tls.https import handshake_failure

            self._sink(
                connection_event(self.peer, handshake_failure(self.peer, failure.error), Kind.ERROR)
            )
        else:
            busy = self._parser.busy or item is not None
            if busy:
                self._sink(
                    connection_event(
                        self.peer, f"Client connection lost ({failure.reason})", Kind.ERROR
                    )
                )
        self._release(failure.dropped)

    @property
    def idle_since(self) -> float | None:
        """When the connection went quiet between requests; None while a request is busy."""
        if self._closed or not self._stream.outbox_empty or self._parser.busy:
            return None
        if self._staged is not None or self._websocket is not None:
            return None
        return self._last_activity

    # -- deadlines and teardown --------------------------------------------------------

    def check_deadlines(self, now: float) -> None:
        limits = self._limits
        item = self._stream.sending
        if (item is None and self._staged is not None) or self._websocket is not None:
            return  # a route's delay or dribble, or a WebSocket: their own timers decide
        if item is not None:
            if now - self._last_activity > limits.io_timeout:
                if isinstance(item, _Response) and item.request is not None:
                    note = f"client stopped reading for {limits.io_timeout:g} s; connection closed"
                    self._sink(
                        request_event(
                            self.peer,
                            item.request,
                            item.status,
                            item.sent,
                            item.head,
                            note,
                            Kind.ERROR,
                        )
                    )
                    item.request = None
                self.close()
        elif self._parser.busy:
            waiting_for_body = self._parser.reading_body
            if waiting_for_body and now - self._last_activity > limits.io_timeout:
                self._refuse(HttpError(408, f"No body data for {limits.io_timeout:g} s"))
            elif not waiting_for_body and now - self._request_since > limits.header_timeout:
                self._refuse(
                    HttpError(408, f"Headers not complete within {limits.header_timeout:g} s")
                )
        elif now - self._last_activity > limits.idle_timeout:
            self._end(f"Closed idle connection after {limits.idle_timeout:g} s", Kind.INFO)

    def _end(self, reason: str, kind: Kind | None) -> None:
        if kind is not None:
            self._sink(connection_event(self.peer, reason, kind))
        self.close()

    def close(self) -> None:
        """Release the socket and any file being sent; idempotent, no log line."""
        if self._closed:
            return
        if self._websocket is not None:
            self._websocket.going_away()  # a 1001 if it can still leave
        dropped = self._stream.drop_outbox()
        if self._reset_on_close:
            # No lingering: the close sends RST instead of FIN (the route's fault).
            try:
                self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _LINGER_NONE)
            except OSError:
                pass
        self._stream.close()
        self._release(dropped)

    def _release(self, dropped: Iterable[Outgoing]) -> None:
        self._closed = True
        if self._staged is not None:
            self._staged.cancel()
            self._staged = None
        try:
            for item in dropped:
                if isinstance(item, _Response):
                    item.release()
        finally:
            self._on_closed(self)
