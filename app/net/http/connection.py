"""One client connection on the server's Reactor: non-blocking reads and writes, deadlines.

Everything runs in the one loop thread. Thread-per-connection was measured first: at
15,000 requests/s, 32 handler threads contending for the GIL starved the GUI thread for
up to a second (every call from the table view into Python waits for the GIL). One loop
thread serves the same load faster and leaves the GUI responsive.
"""

from __future__ import annotations

import selectors
import socket
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO

from app.net.errors import describe
from app.net.events import EventSink, Kind
from app.net.http.config import ResponseConfig, ServerLimits
from app.net.http.handler import Answer, answer
from app.net.http.request import CONTINUE, RECV_SIZE, HttpError, Request, RequestParser
from app.net.http.request_log import (
    connection_event,
    internal_error_event,
    refused_event,
    request_event,
)
from app.net.http.responses import error_response
from app.net.reactor import Reactor

SEND_CHUNK = 256 * 1024
# Stop reading (and parsing pipelined requests) while this much waits to be sent.
HIGH_WATER = 1024 * 1024
_READ = selectors.EVENT_READ
_WRITE = selectors.EVENT_WRITE


@dataclass(slots=True)
class _Outgoing:
    view: memoryview
    request: Request | None = None  # None: an interim or refusal reply (logged already)
    status: int = 0
    head: bytes = b""
    note: str = ""
    file: BinaryIO | None = None
    file_left: int = 0
    pos: int = 0
    total: int = 0  # bytes of this response sent so far


class HttpConnection:
    """Lives in the reactor's thread; the server calls `check_deadlines` periodically."""

    def __init__(
        self,
        reactor: Reactor,
        sock: socket.socket,
        peer: str,
        limits: ServerLimits,
        config: Callable[[], ResponseConfig],
        sink: EventSink,
        on_closed: Callable[[HttpConnection], None],
    ) -> None:
        self._reactor = reactor
        self._sock = sock
        self.peer = peer
        self._limits = limits
        self._config = config
        self._sink = sink
        self._on_closed = on_closed
        self._parser = RequestParser(limits)
        self._out: deque[_Outgoing] = deque()
        self._queued = 0
        self._close_after = False
        self._closed = False
        self._mask = 0
        self._last_activity = time.monotonic()
        self._request_since = 0.0
        sock.setblocking(False)
        self._watch()

    # -- reading -----------------------------------------------------------------------

    def _ready(self, mask: int) -> None:
        if mask & _READ:
            self._read()
        if mask & _WRITE and not self._closed:
            self._flush()

    def _read(self) -> None:
        try:
            data = self._sock.recv(RECV_SIZE)
        except (BlockingIOError, InterruptedError):
            return
        except OSError as exc:
            busy = self._parser.busy or bool(self._out)
            self._end(f"Client connection lost ({describe(exc)})", Kind.ERROR if busy else None)
            return
        if not data:
            if self._parser.busy:
                self._end("Client closed the connection mid-request", Kind.ERROR)
            elif self._out:
                self._close_after = True  # answer what was asked, then close (half-close)
                self._watch()
            else:
                self.close()
            return
        now = time.monotonic()
        self._last_activity = now
        if not self._request_since:
            self._request_since = now
        self._parser.feed(data)
        self._process()

    def _process(self) -> None:
        parser = self._parser
        while not self._close_after and not self._closed and self._queued < HIGH_WATER:
            try:
                request = parser.next_request()
            except HttpError as exc:
                self._refuse(exc)
                return
            if request is None:
                if parser.take_continue():
                    self._queue(_Outgoing(memoryview(CONTINUE)))
                break
            self._request_since = 0.0
            try:
                reply = answer(request, self._config(), self.peer)
            except Exception as exc:  # a bug must cost one request, never the server
                self._sink(internal_error_event(self.peer, exc))
                self._refuse(HttpError(500, "Internal server error (details in the log)"))
                return
            self._queue_answer(request, reply)
            if not reply.keep_alive:
                self._close_after = True
        if parser.busy and not self._request_since:
            self._request_since = time.monotonic()
        self._flush()

    def _queue_answer(self, request: Request, reply: Answer) -> None:
        end = reply.data.find(b"\r\n\r\n")
        item = _Outgoing(
            memoryview(reply.data),
            request,
            reply.status,
            reply.data[: end if end >= 0 else len(reply.data)],
            reply.note,
            reply.file,
            reply.file_size,
        )
        self._queue(item)

    def _queue(self, item: _Outgoing) -> None:
        self._out.append(item)
        self._queued += len(item.view) + item.file_left

    def _refuse(self, exc: HttpError) -> None:
        self._sink(refused_event(self.peer, exc.status, exc.reason, self._parser.received_head()))
        self._queue(_Outgoing(memoryview(error_response(exc.status, exc.reason))))
        self._close_after = True
        self._flush()

    # -- writing -----------------------------------------------------------------------

    def _flush(self) -> None:
        out = self._out
        while out:
            item = out[0]
            if item.pos == len(item.view) and item.file is not None and item.file_left:
                chunk = item.file.read(min(SEND_CHUNK, item.file_left))
                if not chunk:  # the file shrank while it was being sent
                    item.note = "the file changed while it was sent"
                    item.file_left = 0
                    self._close_after = True
                    continue
                item.view = memoryview(chunk)
                item.pos = 0
                item.file_left -= len(chunk)
            try:
                sent = self._sock.send(item.view[item.pos :])
            except (BlockingIOError, InterruptedError):
                break
            except OSError as exc:
                self._broken(item, exc)
                return
            item.pos += sent
            item.total += sent
            self._queued -= sent
            self._last_activity = time.monotonic()
            if item.pos < len(item.view):
                break  # the socket buffer is full: wait until it is writable
            if item.file is not None and item.file_left:
                continue
            out.popleft()
            self._finished(item)
        if not out and self._close_after:
            self.close()
            return
        self._watch()
        if not out and self._parser.busy and not self._close_after:
            # Pipelined requests waited while the output was over the high-water mark.
            self._reactor.call_soon(self._resume)

    def _resume(self) -> None:
        if not self._closed and not self._out:
            self._process()

    def _finished(self, item: _Outgoing) -> None:
        if item.file is not None:
            item.file.close()
        if item.request is None:
            return
        kind = Kind.ERROR if item.note and item.status >= 400 else Kind.RECEIVED
        self._sink(
            request_event(
                self.peer, item.request, item.status, item.total, item.head, item.note, kind
            )
        )

    def _broken(self, item: _Outgoing, exc: OSError) -> None:
        if item.request is not None:
            note = (
                f"client disconnected before the response was complete "
                f"({item.total:,} B sent; {describe(exc)})"
            )
            self._sink(
                request_event(
                    self.peer, item.request, item.status, item.total, item.head, note, Kind.ERROR
                )
            )
        self.close()

    def _watch(self) -> None:
        if self._closed:
            return
        mask = 0
        if not self._close_after and self._queued < HIGH_WATER:
            mask |= _READ
        if self._out:
            mask |= _WRITE
        self._mask = self._reactor.set_interest(self._sock, self._mask, mask, self._ready)

    @property
    def idle_since(self) -> float | None:
        """When the connection went quiet between requests; None while a request is busy."""
        if self._closed or self._out or self._parser.busy:
            return None
        return self._last_activity

    # -- deadlines and teardown --------------------------------------------------------

    def check_deadlines(self, now: float) -> None:
        limits = self._limits
        if self._out:
            if now - self._last_activity > limits.io_timeout:
                item = self._out[0]
                if item.request is not None:
                    note = f"client stopped reading for {limits.io_timeout:g} s; connection closed"
                    self._sink(
                        request_event(
                            self.peer,
                            item.request,
                            item.status,
                            item.total,
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
        self._closed = True
        self._reactor.unregister(self._sock)
        self._mask = 0
        try:
            self._sock.close()
        finally:
            for item in self._out:
                if item.file is not None:
                    item.file.close()
            self._out.clear()
            self._on_closed(self)
