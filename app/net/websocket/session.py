"""One open WebSocket on a `Stream`: wsproto's frames both ways, every frame a log row.

Used by both ends: the client once its upgrade is accepted, and the HTTP Server's echo
mode once it has answered 101 (`echo=True` sends every data message back with its
opcode). The session becomes the stream's protocol (`Stream.set_protocol`), so the
HTTP connection's hot path never asks whether it is still HTTP.

wsproto checks the framing (masking in the right direction, control frames not
fragmented and at most 125 bytes, continuation order, reserved bits) and the UTF-8 of
text frames and close reasons; a failure comes out of it as a `CloseConnection` event
while its state is unchanged, which is how it is told from the peer's own close. It has
no message size limit, so the session counts the bytes of the message being assembled
and closes with 1009 past `max_message` (before the rest of it has arrived).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from wsproto import WSConnection
from wsproto.connection import ConnectionState
from wsproto.events import (
    BytesMessage as BinaryEvent,
)
from wsproto.events import (
    CloseConnection,
    Event,
    Ping,
    Pong,
    TextMessage,
)
from wsproto.utilities import LocalProtocolError

from app.net.events import EventSink, Kind, Source, make_event
from app.net.outgoing import BytesMessage, Outgoing, StreamFailure
from app.net.reactor import Reactor, Timer
from app.net.stream import Stream, StreamProtocol
from app.units import format_bytes, format_duration, plural

DEFAULT_MAX_MESSAGE = 16 * 1024 * 1024
# How long a close waits for the peer's close frame before the connection is dropped.
CLOSE_WAIT = 2.0
MESSAGE_TOO_BIG = 1009
GOING_AWAY = 1001
MAX_CLOSE_REASON = 123  # a control frame's 125 bytes less the code
NO_STATUS = 1005  # an empty close frame, as wsproto reports it (never on the wire)
_OPEN = ConnectionState.OPEN
_CLOSING_LOCALLY = ConnectionState.LOCAL_CLOSING


class FrameOut(BytesMessage):
    """Frames in the outbox, one send for all; their rows are logged once they have left.

    `rows` holds (message, payload) per frame; a frame with no message has no row."""

    __slots__ = ("rows",)

    def __init__(self, data: bytes, rows: list[tuple[str, bytes]]) -> None:
        super().__init__(data)
        self.rows = rows


def close_problem(code: int, reason: str) -> str:
    """Why a close a person asked for cannot be sent as typed ("" when it can)."""
    # RFC 6455 §7.4: 1004 is reserved, 1005, 1006 and 1015 never go on the wire, and
    # 1016-2999 belong to the RFC and extensions; 3000-4999 are for applications.
    if not (1000 <= code <= 1003 or 1007 <= code <= 1014 or 3000 <= code <= 4999):
        return f"Close code {code} cannot be sent: use 1000-1003, 1007-1014 or 3000-4999"
    size = len(reason.encode("utf-8"))
    if size > MAX_CLOSE_REASON:
        return f"The close reason is {size} bytes: at most {MAX_CLOSE_REASON} fit in a close frame"
    return ""


def close_text(code: int, reason: str) -> str:
    if code == NO_STATUS:
        return "close (no status code)"
    return f"close {code} ({reason})" if reason else f"close {code}"


class WebSocketSession:
    """Lives in the reactor's thread. The session logs the line that ends the connection
    itself, then calls `on_finished()` once, after the stream is closed."""

    def __init__(
        self,
        reactor: Reactor,
        stream: Stream,
        ws: WSConnection,
        sink: EventSink,
        source: Source,
        peer: str,
        on_finished: Callable[[], None],
        *,
        local: str = "",
        echo: bool = False,
        max_message: int = DEFAULT_MAX_MESSAGE,
        before: StreamProtocol | None = None,
        backlog: Callable[[], bool] | None = None,
    ) -> None:
        """`backlog`: the stream stops reading while it says the log is behind (the
        client's stream has its own from the start; the echo's is set here)."""
        self._reactor = reactor
        self._stream = stream
        self._ws = ws
        self._sink = sink
        self._source = source
        self._peer = peer
        self._local = local
        self._on_finished: Callable[[], None] | None = on_finished
        self._echo = echo
        self.max_message = max_message
        self._before = before  # the HTTP side, for what it queued before the switch
        self._parts: list[str] | list[bytes] = []
        self._text = False
        self._size = 0
        self._fragments = 0
        self._discarding = False  # the message over the limit: the rest is not kept
        self._failed = False  # a protocol error was answered with a close
        self._pings: dict[bytes, int] = {}  # payload -> perf_counter_ns when sent
        self._ping_count = 0
        self._close_timer: Timer | None = None
        self._peer_close: tuple[int, str] | None = None
        self._finish_line: tuple[str, Kind] | None = None  # once the outbox drains
        # While the events of one read are handled, frames are gathered and leave as one
        # write: one send() for a burst of echoes instead of one per message (a send per
        # echo halved the burst's rate).
        self._batching = False
        self._gathered: list[bytes] = []
        self._gathered_rows: list[tuple[str, bytes]] = []
        self.messages_received = 0
        stream.set_protocol(self, backlog)

    @property
    def open(self) -> bool:
        return self._ws.state is _OPEN and self._on_finished is not None

    # -- commands ----------------------------------------------------------------------

    def send_text(self, text: str) -> None:
        payload = text.encode("utf-8")
        self._send(TextMessage(data=text), f"text · {format_bytes(len(payload))}", payload)

    def send_binary(self, data: bytes) -> None:
        self._send(BinaryEvent(data=data), f"binary · {format_bytes(len(data))}", data)

    def ping(self) -> None:
        """A ping whose payload is a counter; its pong's row carries the round trip."""
        self._ping_count += 1
        payload = str(self._ping_count).encode("ascii")
        self._pings[payload] = time.perf_counter_ns()
        self._send(Ping(payload=payload), "ping", payload)

    def close(self, code: int = 1000, reason: str = "") -> None:
        """Send a close frame and wait (at most CLOSE_WAIT) for the peer's."""
        if self._ws.state is not _OPEN:
            return
        self._send(CloseConnection(code=code, reason=reason), close_text(code, reason), b"")
        self._close_timer = self._reactor.call_later(CLOSE_WAIT, self._close_timed_out)

    def going_away(self) -> None:
        """A best-effort 1001 as the server stops: one try to write it, then release."""
        if self._ws.state is _OPEN and not self._stream.closed:
            reason = "server stopped"
            self._send(
                CloseConnection(code=GOING_AWAY, reason=reason), close_text(1001, reason), b""
            )
        self.release()

    def release(self) -> None:
        """Release silently (shutdown): no line, no callback."""
        self._on_finished = None
        self._cancel_timer()
        self._stream.close()

    # -- StreamProtocol ----------------------------------------------------------------

    def data_received(self, data: bytes) -> None:
        if self._failed:
            return  # after a protocol error the rest cannot be parsed reliably
        try:
            self._ws.receive_data(data)
        except LocalProtocolError:
            return  # data after the close handshake: nothing more is read
        self.process()

    def eof_received(self) -> None:
        if self._finish_line is not None:
            self._finish(*self._finish_line)
        elif self._ws.state is ConnectionState.CLOSED:
            self._finish(self._closed_line(), Kind.INFO)
        else:
            self._finish("The peer closed the connection without a close frame (1006)", Kind.ERROR)

    def progress(self, item: Outgoing) -> None:
        pass

    def sent(self, item: Outgoing) -> None:
        if isinstance(item, FrameOut):
            for message, payload in item.rows:
                self._row(Kind.SENT, message, payload)
        elif self._before is not None:
            self._before.sent(item)

    def drained(self) -> None:
        if self._finish_line is not None:
            self._finish(*self._finish_line)

    def connection_lost(self, failure: StreamFailure) -> None:
        self._finish(f"Connection lost: {failure.reason}", Kind.ERROR)

    # -- what arrives ------------------------------------------------------------------

    def process(self) -> None:
        """Handle every event wsproto has (the client calls it once after the upgrade,
        for frames that came with the 101)."""
        self._batching = True
        try:
            self._handle_events()
        finally:
            self._batching = False
        if self._stream.closed:
            return
        if self._gathered:
            frames, rows = self._gathered, self._gathered_rows
            self._gathered, self._gathered_rows = [], []
            self._stream.write(FrameOut(b"".join(frames), rows))
        # Also what the HTTP side queued (the 101); an empty outbox reports drained(),
        # which ends a connection whose close is done.
        self._stream.flush()

    def _handle_events(self) -> None:
        for event in self._ws.events():
            if self._on_finished is None:
                return
            if isinstance(event, TextMessage | BinaryEvent):
                self._data(event)
            elif isinstance(event, Ping):
                self._row(Kind.RECEIVED, "ping", bytes(event.payload))
                if self._ws.state is _OPEN:
                    self._send(event.response(), "pong", bytes(event.payload))
            elif isinstance(event, Pong):
                self._pong(bytes(event.payload))
            elif isinstance(event, CloseConnection):
                self._close_event(event)

    def _data(self, event: TextMessage | BinaryEvent) -> None:
        if self._discarding or self._failed:
            if event.message_finished:
                self._discarding = False
            return
        piece = event.data
        if not self._parts:
            self._text = isinstance(event, TextMessage)
        if isinstance(piece, str):
            self._size += len(piece) if piece.isascii() else len(piece.encode("utf-8"))
        else:
            self._size += len(piece)
        self._parts.append(piece)  # type: ignore[arg-type]  # one kind per message
        if event.frame_finished:
            self._fragments += 1
        if self._size > self.max_message:
            size, self._size, self._parts, self._fragments = self._size, 0, [], 0
            self._discarding = not event.message_finished
            self._fail(
                MESSAGE_TOO_BIG,
                f"message over {format_bytes(self.max_message)}",
                f"A message of more than {self.max_message:,} B arrived ({size:,} B so far)",
            )
            return
        if not event.message_finished:
            return
        parts, self._parts = self._parts, []
        fragments, self._fragments = self._fragments, 0
        self._size = 0
        self.messages_received += 1
        if self._text:
            text = "".join(parts)  # type: ignore[arg-type]
            payload = text.encode("utf-8")
            message = f"text · {format_bytes(len(payload))}"
        else:
            payload = b"".join(parts)  # type: ignore[arg-type]
            message = f"binary · {format_bytes(len(payload))}"
        if fragments > 1:
            message += f" in {plural(fragments, 'fragment')}"
        self._row(Kind.RECEIVED, message, payload)
        if self._echo and self._ws.state is _OPEN:
            # The same message text and payload object for both rows: a large echo is
            # held once by the log, not twice.
            echoed = TextMessage(data=text) if self._text else BinaryEvent(data=payload)
            self._send(echoed, message.partition(" in ")[0], payload)

    def _pong(self, payload: bytes) -> None:
        sent_ns = self._pings.pop(payload, None)
        if sent_ns is None:
            self._row(Kind.RECEIVED, "pong", payload)
            return
        rtt = (time.perf_counter_ns() - sent_ns) / 1e9
        self._row(Kind.RECEIVED, f"pong · RTT {format_duration(rtt)}", payload)

    def _close_event(self, event: CloseConnection) -> None:
        state = self._ws.state
        if state is _OPEN or state is _CLOSING_LOCALLY:
            # wsproto's state did not move: this is its parse failure, not a close frame.
            self._fail(event.code, event.reason or "", f"Protocol error: {event.reason}")
            return
        self._peer_close = (event.code, event.reason or "")
        self._row(Kind.RECEIVED, close_text(event.code, event.reason or ""), b"")
        if state is ConnectionState.REMOTE_CLOSING:
            # The peer closes first: answer with its code, as RFC 6455 §5.5.1 suggests.
            response = event.response()
            self._send(response, close_text(response.code, response.reason or ""), b"")
            line = f"Closed by the peer: {close_text(*self._peer_close)}"
            self._finish_after_drain(line, Kind.INFO)
        else:
            self._cancel_timer()
            self._finish_after_drain(self._closed_line(), Kind.INFO)

    # -- internals ---------------------------------------------------------------------

    def _closed_line(self) -> str:
        if self._peer_close is None:
            return "Closed"
        return f"Closed; the peer answered {close_text(*self._peer_close)}"

    def _fail(self, code: int, reason: str, line: str) -> None:
        """A close with `code` and one line. After wsproto's parse failure nothing more
        can be parsed (its frame reader is spent), so the connection ends once the close
        frame has left; past the size limit the framing is intact and the peer's close
        is awaited as for any close."""
        line = f"{line}; closing with {code}"
        if code == MESSAGE_TOO_BIG and self._ws.state is _OPEN:
            self._row(Kind.ERROR, line, b"")
            self.close(code, reason)
            return
        self._failed = True
        if self._ws.state is _OPEN:
            reason = reason[:100]
            self._send(CloseConnection(code=code, reason=reason), close_text(code, reason), b"")
        self._finish_after_drain(line, Kind.ERROR)

    def _send(self, event: Event, message: str, payload: bytes) -> None:
        if self._stream.closed:
            return
        data = self._ws.send(event)
        if self._batching:
            self._gathered.append(data)
            self._gathered_rows.append((message, payload))
            return
        self._stream.write(FrameOut(data, [(message, payload)]))
        self._stream.flush()

    def _finish_after_drain(self, line: str, kind: Kind) -> None:
        if (self._stream.outbox_empty and not self._gathered) or self._stream.closed:
            self._finish(line, kind)
        else:
            self._finish_line = (line, kind)

    def _close_timed_out(self) -> None:
        self._close_timer = None
        self._finish(f"No close frame from the peer within {CLOSE_WAIT:g} s: dropped", Kind.ERROR)

    def _finish(self, line: str, kind: Kind) -> None:
        done, self._on_finished = self._on_finished, None
        if done is None:
            return
        self._cancel_timer()
        self._stream.close()
        self._row(kind, line, b"")
        done()

    def _cancel_timer(self) -> None:
        if self._close_timer is not None:
            self._close_timer.cancel()
            self._close_timer = None

    def _row(self, kind: Kind, message: str, payload: bytes) -> None:
        self._sink(
            make_event(
                self._source, kind, message, peer=self._peer, data=payload, local=self._local
            )
        )
