"""One connected non-blocking socket on a Reactor, shared by every stream protocol.

A `Stream` owns the selector interest of its socket (one mask, changed only through
`Reactor.set_interest`), reads with back-pressure, writes an outbox of memoryviews, and
turns an `OSError` into one `StreamFailure` that says exactly what was and was not sent.
Its protocol (TCP client, HTTP connection, later the TCP server, relay and HTTP client)
sees only bytes and a few events through `StreamProtocol`; it never touches the socket.

Back-pressure: reading stops while `backlog()` says the consumer (the log) is behind,
and is polled again every `BACKLOG_RETRY`; it also stops while more than `high_water`
bytes wait in the outbox, so a client that pipelines requests without reading the
answers is slowed by TCP flow control instead of filling memory.

The stream never calls the socket for I/O, only its transport (transport.py): the socket
itself, or a layer such as TLS that holds records of its own; the same outbox and
accounting serve both, and counters count what the protocol sees (plaintext under TLS).
"""

from __future__ import annotations

import selectors
import socket
from collections import deque
from collections.abc import Callable
from typing import Protocol

from app.net.errors import describe
from app.net.outgoing import Outgoing, StreamFailure
from app.net.reactor import Reactor, Timer
from app.net.transport import LayeredTransport, Transport

_READ = selectors.EVENT_READ
_WRITE = selectors.EVENT_WRITE
# How soon reading is tried again after `backlog()` said the consumer is behind.
BACKLOG_RETRY = 0.01


class StreamProtocol(Protocol):
    """What a stream tells the protocol on top of it (all in the loop thread)."""

    def data_received(self, data: bytes) -> None: ...

    def eof_received(self) -> None:
        """The peer finished sending; the stream reads no more, writing still works."""

    def progress(self, item: Outgoing) -> None:
        """Part of `item` left (the socket buffer filled, or a piece of it is done)."""

    def sent(self, item: Outgoing) -> None:
        """`item` left whole (or ended short: `item.sent < item.size`, `more()` ran out)."""

    def drained(self) -> None:
        """The outbox is empty after a write."""

    def connection_lost(self, failure: StreamFailure) -> None:
        """A read or write failed; the stream is already closed."""


class Stream:
    """Lives in the reactor's thread; every method must be called there."""

    def __init__(
        self,
        reactor: Reactor,
        sock: socket.socket,
        protocol: StreamProtocol,
        *,
        recv_size: int = 256 * 1024,
        max_recv_size: int = 0,
        high_water: int = 0,
        backlog: Callable[[], bool] | None = None,
        transport: Transport | None = None,
    ) -> None:
        sock.setblocking(False)
        self._reactor = reactor
        self._sock = sock
        self._protocol = protocol
        io = transport if transport is not None else sock
        self._layer: LayeredTransport | None = (
            transport if isinstance(transport, LayeredTransport) else None
        )
        self._recv = io.recv
        self._send = io.send
        self._shutdown = io.shutdown
        # With `max_recv_size`, a read that fills the buffer makes the next one larger
        # (up to it) and a short read goes back to `recv_size`: small chunks stay cheap
        # (recv(n) allocates n bytes first) while a pouring peer is read in few calls.
        self._recv_size = self._base_recv_size = recv_size
        self._max_recv_size = max_recv_size
        self._high_water = high_water
        self._backlog = backlog
        self._outbox: deque[Outgoing] = deque()
        self._mask = 0
        self._reading = True
        self._peer_finished = False
        self._write_closing = False
        self._write_closed = False
        self._closed = False
        self._retry: Timer | None = None
        self.queued = 0  # bytes of the outbox not sent yet
        self.bytes_sent = 0
        self.bytes_received = 0
        self._watch()

    # -- state -------------------------------------------------------------------------

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def peer_finished(self) -> bool:
        return self._peer_finished

    @property
    def reading(self) -> bool:
        """Whether the selector is asked for readability now."""
        return bool(self._mask & _READ)

    @property
    def outbox_empty(self) -> bool:
        return not self._outbox

    @property
    def sending(self) -> Outgoing | None:
        """The message at the head of the outbox (partly sent, or next to go)."""
        return self._outbox[0] if self._outbox else None

    # -- commands ----------------------------------------------------------------------

    def set_protocol(
        self, protocol: StreamProtocol, backlog: Callable[[], bool] | None = None
    ) -> None:
        """Hand the stream to another protocol (an HTTP upgrade to WebSocket), so the
        first one's hot path never asks whether it is still in charge; `backlog`, when
        given, is the new protocol's back-pressure (as in `__init__`)."""
        self._protocol = protocol
        if backlog is not None:
            self._backlog = backlog

    def pause_reading(self) -> None:
        self._reading = False
        self._watch()

    def resume_reading(self) -> None:
        self._reading = True
        self._watch()

    def write(self, item: Outgoing) -> None:
        """Queue `item`; it leaves on `flush()` or when the socket becomes writable."""
        if self._closed or self._write_closing:
            raise RuntimeError("write on a closed stream")
        self._outbox.append(item)
        self.queued += item.size

    def flush(self) -> None:
        """Send what the socket takes now; the rest goes when it is writable again."""
        out = self._outbox
        send = self._send
        protocol = self._protocol
        layer = self._layer
        if layer is not None:
            try:
                layer.push()
            except OSError as exc:
                self._fail(exc, writing=True)
                return
        while out:
            item = out[0]
            if item.pos == len(item.view):
                piece = item.more()
                if not piece:
                    self._finish(item)
                    continue
                item.view = piece
                item.pos = 0
            try:
                n = send(item.view[item.pos :])
            except (BlockingIOError, InterruptedError):
                break
            except OSError as exc:
                self._fail(exc, writing=True)
                return
            item.pos += n
            item.sent += n
            self.bytes_sent += n
            self.queued -= n
            if item.sent >= item.size:
                self._finish(item)
                continue
            protocol.progress(item)
            if item.pos < len(item.view):
                break  # the socket buffer is full: wait until it is writable
        if self._closed:
            return
        if not out:
            if self._write_closing and not self._write_closed:
                self._close_write()
            if layer is None or not layer.holds_output():
                protocol.drained()
        self._watch()

    def read_now(self) -> None:
        """Read what has already arrived without waiting for the selector's turn.

        For a request/response protocol that has just sent a request: on loopback the
        answer is usually there by the time `send` returns (the peer ran on another core
        meanwhile), and reading it at once saves a select and a loop turn per exchange.
        Nothing there costs one recv; a stream that is not reading now is left alone.
        """
        if self._mask & _READ:
            self._read()

    def shutdown_write(self) -> None:
        """Send FIN once the outbox has drained (half-close); reading goes on."""
        if self._closed or self._write_closing:
            return
        self._write_closing = True
        if not self._outbox:
            self._close_write()
            self._watch()

    def close(self) -> None:
        """Release the socket at once, without a callback; idempotent."""
        if self._closed:
            return
        self._closed = True
        if self._retry is not None:
            self._retry.cancel()
            self._retry = None
        if self._layer is not None:
            self._layer.close_quietly()
        self._reactor.unregister(self._sock)
        self._mask = 0
        self._outbox.clear()
        self.queued = 0
        self._sock.close()

    def unsent(self) -> int:
        """Bytes queued and not sent, for a caller that closes with data still waiting."""
        return sum(item.size - item.sent for item in self._outbox)

    def drop_outbox(self) -> list[Outgoing]:
        """Take every queued message out (to release what they hold) without sending."""
        items = list(self._outbox)
        self._outbox.clear()
        self.queued = 0
        return items

    # -- internals ---------------------------------------------------------------------

    def _watch(self) -> None:
        """Ask the selector for exactly what is needed now: one mask, changed rarely."""
        if self._closed:
            return
        mask = 0
        if (
            self._reading
            and not self._peer_finished
            and self._retry is None
            and (not self._high_water or self.queued < self._high_water)
        ):
            mask = _READ
        layer = self._layer
        if layer is None:
            if self._outbox:
                mask |= _WRITE
        elif layer.wants_write(bool(self._outbox)):
            mask |= _WRITE
        if mask != self._mask:  # the common case on a busy socket: nothing to ask
            self._mask = self._reactor.set_interest(self._sock, self._mask, mask, self._ready)

    def _ready(self, mask: int) -> None:
        if mask & _READ:
            self._read()
        if mask & _WRITE and not self._closed:
            self.flush()

    def _read(self) -> None:
        backlog = self._backlog
        if backlog is not None and backlog():
            self._retry = self._reactor.call_later(BACKLOG_RETRY, self._retry_read)
            self._watch()
            return
        try:
            data = self._recv(self._recv_size)
        except (BlockingIOError, InterruptedError):
            if self._layer is not None:
                self._watch()  # a handshake step may have left records to send
            return
        except OSError as exc:
            self._fail(exc, writing=False)
            return
        if data:
            n = len(data)
            if self._max_recv_size:
                if n == self._recv_size and n < self._max_recv_size:
                    self._recv_size = min(n * 4, self._max_recv_size)
                elif n < self._base_recv_size < self._recv_size:
                    self._recv_size = self._base_recv_size
            self.bytes_received += n
            self._protocol.data_received(data)
            layer = self._layer
            if layer is not None and layer.ended() and not self._closed:
                self._read()  # the end of stream came with the data: deliver it now
                return
        else:
            self._peer_finished = True
            self._watch()
            self._protocol.eof_received()
            return
        self._watch()

    def _retry_read(self) -> None:
        self._retry = None
        self._watch()

    def _finish(self, item: Outgoing) -> None:
        self._outbox.popleft()
        self.queued -= item.size - item.sent  # a piecewise message that ended short
        self._protocol.sent(item)

    def _close_write(self) -> None:
        self._write_closed = True
        try:
            self._shutdown(socket.SHUT_WR)
        except OSError:
            pass  # the peer is gone already: the next read reports it

    def _fail(self, exc: OSError, *, writing: bool) -> None:
        failure = StreamFailure(
            describe(exc),
            exc,
            writing,
            self.bytes_sent,
            self.bytes_received,
            tuple(self.drop_outbox()),
        )
        self.close()
        self._protocol.connection_lost(failure)
