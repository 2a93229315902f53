"""A route's answer with a delay or a fault, carried out on the Reactor's timers.

Nothing here blocks or sleeps: a delay is one timer, a dribble one timer per piece, so
other connections (and the GUI) go on while a route holds its answer. The connection
waits with later (pipelined) requests until the staged answer is done, so answers keep
their order. Each fault is logged as what it did to the connection:
- Empty response: the connection closed (FIN) without one byte: `http.client` raises
  RemoteDisconnected, curl says "Empty reply from server";
- Reset connection: closed with SO_LINGER 0, so the kernel sends RST: ConnectionResetError;
- Random data then close: `RANDOM_SIZE` random bytes, then FIN: BadStatusLine;
- Dribble: the head at once, then the body `DRIBBLE_PIECE` bytes every
  `DRIBBLE_INTERVAL` seconds; the framing is correct, so keep-alive goes on.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Protocol

from app.net.events import EventSink, Kind
from app.net.http.request_log import fault_event, request_event
from app.net.http.routes import RouteFault
from app.net.reactor import Reactor, Timer

if TYPE_CHECKING:
    from app.net.http.handler import Answer
    from app.net.http.request import Request

DRIBBLE_PIECE = 8
DRIBBLE_INTERVAL = 0.05
RANDOM_SIZE = 256


class StagingConnection(Protocol):
    """What a staged answer asks of its connection (connection.HttpConnection)."""

    peer: str

    def finish_staged(self, keep_alive: bool) -> None: ...
    def send_route_answer(self, request: Request, reply: Answer) -> None: ...
    def send_raw(self, data: bytes) -> None: ...
    def end_with_fault(self, reset: bool) -> None: ...


class StagedAnswer:
    """One route answer in progress on one connection (the loop thread only)."""

    def __init__(
        self,
        connection: StagingConnection,
        reactor: Reactor,
        sink: EventSink,
        request: Request,
        reply: Answer,
    ) -> None:
        self._connection = connection
        self._reactor = reactor
        self._sink = sink
        self._request = request
        self._reply = reply
        self._timer: Timer | None = None
        self._rest: memoryview | None = None  # Dribble: the body still to send
        self._head = b""
        self._sent = 0
        held = f", held {reply.delay * 1000:,.0f} ms" if reply.delay else ""
        self._note = f"route {reply.route}{held}"

    def begin(self) -> None:
        if self._reply.delay > 0:
            self._timer = self._reactor.call_later(self._reply.delay, self._due)
        else:
            self._due()

    def drained(self) -> None:
        """The connection's output is sent: the next dribbled piece may follow."""
        if self._rest is not None and self._timer is None:
            self._timer = self._reactor.call_later(DRIBBLE_INTERVAL, self._next_piece)

    def cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def lost(self, reason: str) -> None:
        """The client went away before the answer was complete."""
        if self._rest is None:
            what = f"client disconnected during the delay ({reason})"
        else:
            what = f"client disconnected while dribbling ({self._sent:,} B sent; {reason})"
        self._log(self._sent, f"{self._note}: {what}", Kind.ERROR)

    # -- timers ------------------------------------------------------------------------

    def _due(self) -> None:
        self._timer = None
        reply = self._reply
        connection = self._connection
        fault = reply.fault
        if fault is None:  # a delay only
            connection.finish_staged(reply.keep_alive)
            reply.note = self._note
            connection.send_route_answer(self._request, reply)
        elif fault is RouteFault.EMPTY:
            self._fault("no response", "Empty response: closed without a byte")
            connection.end_with_fault(reset=False)
        elif fault is RouteFault.RESET:
            self._fault("no response", "Reset connection: closed with RST")
            connection.end_with_fault(reset=True)
        elif fault is RouteFault.RANDOM:
            self._fault(f"{RANDOM_SIZE} random bytes", "Random data then close")
            connection.send_raw(os.urandom(RANDOM_SIZE))
            connection.end_with_fault(reset=False)
        else:
            end = reply.data.find(b"\r\n\r\n") + 4
            self._head = reply.data[:end]
            self._rest = memoryview(reply.data)[end:]
            self._sent = end
            connection.send_raw(self._head)  # its drain schedules the first piece

    def _next_piece(self) -> None:
        self._timer = None
        rest = self._rest
        assert rest is not None
        piece, self._rest = rest[:DRIBBLE_PIECE], rest[DRIBBLE_PIECE:]
        self._sent += len(piece)
        if not self._rest:
            interval = f"{DRIBBLE_INTERVAL * 1000:.0f} ms"
            self._log(self._sent, f"{self._note}, dribbled {DRIBBLE_PIECE} B every {interval}")
            self._connection.finish_staged(self._reply.keep_alive)
        self._connection.send_raw(bytes(piece))

    def _fault(self, outcome: str, what: str) -> None:
        self._sink(
            fault_event(self._connection.peer, self._request, outcome, f"{self._note}, {what}")
        )

    def _log(self, size: int, note: str, kind: Kind = Kind.RECEIVED) -> None:
        reply = self._reply
        self._sink(
            request_event(
                self._connection.peer, self._request, reply.status, size, self._head, note, kind
            )
        )
