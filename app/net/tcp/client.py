"""A TCP client on a Reactor: non-blocking connect with timeout, complete sends, steady receive."""

from __future__ import annotations

import errno
import selectors
import socket
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from app.net.address import format_peer, format_sockaddr
from app.net.errors import describe, describe_errno
from app.net.events import EventSink, Kind, Source, make_event
from app.net.reactor import Reactor, Timer
from app.net.resolver import AddrInfo, resolve_async
from app.net.tcp.status import TcpState, TcpStatus

RECV_SIZE = 256 * 1024
# Stop reading while this many received bytes wait for the log, so a peer that floods
# faster than the GUI can show is slowed down by TCP flow control instead of eating memory.
BACKLOG_LIMIT = 64 * 1024 * 1024
PROGRESS_INTERVAL = 0.05


@dataclass(slots=True)
class _Outgoing:
    data: bytes
    view: memoryview
    sent: int = 0


StateCallback = Callable[[TcpStatus], None]
ProgressCallback = Callable[[int, int], None]


class TcpClient:
    """Lives in the reactor's thread; every public method must be called there."""

    def __init__(
        self,
        reactor: Reactor,
        sink: EventSink,
        on_state: StateCallback,
        on_progress: ProgressCallback | None = None,
        backlog: Callable[[], int] | None = None,
    ) -> None:
        self._reactor = reactor
        self._sink = sink
        self._on_state = on_state
        self._on_progress = on_progress
        self._backlog = backlog or (lambda: 0)
        self._sock: socket.socket | None = None
        self._peer = ""
        self._candidates: deque[AddrInfo] = deque()
        self._last_error = ""
        self._attempt = 0
        self._deadline: Timer | None = None
        self._retry_read: Timer | None = None
        self._outbox: deque[_Outgoing] = deque()
        self._state = TcpState.DISCONNECTED
        self._peer_finished = False
        self._reading = False
        self._mask = 0  # the selector events currently registered for the connected socket
        self._last_progress = 0.0
        self.bytes_sent = 0
        self.bytes_received = 0

    @property
    def state(self) -> TcpState:
        return self._state

    # -- commands --------------------------------------------------------------------

    def connect(self, host: str, port: int, timeout: float = 5.0) -> None:
        if self._state is not TcpState.DISCONNECTED:
            self._info("Already connected or connecting; disconnect first")
            return
        self._attempt += 1
        attempt = self._attempt
        self._peer = format_peer(host, port)
        self._target = (host, port)
        self._timeout = timeout
        self.bytes_sent = self.bytes_received = 0
        self._set_state(TcpState.CONNECTING)
        self._info(f"Connecting to {self._peer}…")
        self._deadline = self._reactor.call_later(timeout, lambda: self._timed_out(attempt))
        resolve_async(
            self._reactor,
            host,
            port,
            socket.SOCK_STREAM,
            lambda infos, reason: self._resolved(attempt, infos, reason),
        )

    def send(self, data: bytes) -> None:
        if self._state is not TcpState.CONNECTED or self._sock is None:
            self._error("Not connected: nothing was sent")
            return
        self._outbox.append(_Outgoing(data, memoryview(data)))
        self._watch()
        self._flush_outbox()

    def disconnect(self) -> None:
        if self._state is TcpState.DISCONNECTED:
            return
        if self._state is TcpState.CONNECTING:
            self._close(f"Connection attempt to {self._peer} cancelled", Kind.INFO)
        else:
            self._close(f"Disconnected from {self._peer}{self._totals()}", Kind.INFO)

    def close(self) -> None:
        """Release everything at shutdown without logging a sentence per object."""
        self._attempt += 1
        self._cancel_timers()
        self._drop_socket()
        self._state = TcpState.DISCONNECTED

    # -- connecting ------------------------------------------------------------------

    def _resolved(self, attempt: int, infos: list[AddrInfo] | None, reason: str) -> None:
        if attempt != self._attempt:
            return
        if infos is None:
            self._close(f"Cannot resolve {self._target[0]!r}: {reason}", Kind.ERROR)
            return
        self._candidates = deque(infos)
        self._try_next(attempt)

    def _try_next(self, attempt: int) -> None:
        while self._candidates:
            family, sock_type, proto, _, address = self._candidates.popleft()
            try:
                sock = socket.socket(family, sock_type, proto)
            except OSError as exc:
                self._last_error = describe(exc)
                continue
            sock.setblocking(False)
            code = sock.connect_ex(address)
            if code in (0, errno.EINPROGRESS, errno.EWOULDBLOCK, errno.EAGAIN):
                self._sock = sock
                self._reactor.register(
                    sock, selectors.EVENT_WRITE, lambda _mask: self._connect_done(attempt)
                )
                return
            sock.close()
            self._last_error = describe_errno(code)
        self._close(f"{self._last_error or 'Cannot connect'}: {self._peer}", Kind.ERROR)

    def _connect_done(self, attempt: int) -> None:
        sock = self._sock
        if attempt != self._attempt or sock is None:
            return
        code = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if code:
            self._reactor.unregister(sock)
            sock.close()
            self._sock = None
            self._last_error = describe_errno(code)
            self._try_next(attempt)
            return
        self._cancel_timers()
        self._reactor.unregister(sock)
        self._mask = 0
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._peer_finished = False
        self._reading = True
        self._watch()
        self._set_state(TcpState.CONNECTED)
        local = format_sockaddr(sock.getsockname())
        remote = format_sockaddr(sock.getpeername())
        self._info(f"Connected to {remote} from {local}")

    def _timed_out(self, attempt: int) -> None:
        if attempt == self._attempt and self._state is TcpState.CONNECTING:
            self._close(
                f"Connection to {self._peer} timed out after {self._timeout:g} s", Kind.ERROR
            )

    # -- connected -------------------------------------------------------------------

    def _watch(self) -> None:
        """Register for exactly the events we need now: read unless paused, write if queued."""
        if self._sock is None:
            return
        mask = (selectors.EVENT_READ if self._reading else 0) | (
            selectors.EVENT_WRITE if self._outbox else 0
        )
        self._mask = self._reactor.set_interest(self._sock, self._mask, mask, self._ready)

    def _ready(self, mask: int) -> None:
        if mask & selectors.EVENT_READ:
            self._read()
        if mask & selectors.EVENT_WRITE and self._sock is not None:
            self._flush_outbox()

    def _read(self) -> None:
        sock = self._sock
        if sock is None:
            return
        if self._backlog() > BACKLOG_LIMIT:
            self._pause_reading()
            return
        try:
            data = sock.recv(RECV_SIZE)
        except (BlockingIOError, InterruptedError):
            return
        except OSError as exc:
            self._fail(exc)
            return
        if data:
            self.bytes_received += len(data)
            self._sink(make_event(Source.TCP, Kind.RECEIVED, peer=self._peer, data=data))
            return
        self._peer_finished = True
        self._reading = False
        self._watch()
        self._set_state(TcpState.CONNECTED)
        self._info(
            f"{self._peer} finished sending (end of stream); "
            "sending may still work — Disconnect to close"
        )

    def _pause_reading(self) -> None:
        self._reading = False
        self._watch()

        def resume() -> None:
            if self._sock is not None and not self._peer_finished:
                self._reading = True
                self._watch()

        self._retry_read = self._reactor.call_later(0.01, resume)

    def _flush_outbox(self) -> None:
        sock = self._sock
        while self._outbox and sock is not None:
            item = self._outbox[0]
            try:
                n = sock.send(item.view[item.sent :])
            except (BlockingIOError, InterruptedError):
                break
            except OSError as exc:
                self._fail(exc)
                return
            item.sent += n
            self.bytes_sent += n
            if item.sent < len(item.data):
                self._report_progress(item)
                break
            self._outbox.popleft()
            self._report_progress(item, force=True)
            self._sink(make_event(Source.TCP, Kind.SENT, peer=self._peer, data=item.data))
        self._watch()

    def _report_progress(self, item: _Outgoing, force: bool = False) -> None:
        if self._on_progress is None:
            return
        now = time.monotonic()
        if force or now - self._last_progress >= PROGRESS_INTERVAL:
            self._last_progress = now
            self._on_progress(item.sent, len(item.data))

    def _fail(self, exc: OSError) -> None:
        """The connection broke (on a read or a write): log what was and was not sent."""
        message = f"{describe(exc)}: {self._peer}{self._totals()}"
        if self._outbox:
            item = self._outbox[0]
            if item.sent:
                # Log exactly the prefix the kernel accepted, so the counts stay true.
                self._sink(
                    make_event(Source.TCP, Kind.SENT, peer=self._peer, data=item.data[: item.sent])
                )
            unsent = sum(len(o.data) - o.sent for o in self._outbox)
            message += (
                f" — sent {item.sent:,} of {len(item.data):,} bytes of the last message; "
                f"{unsent:,} bytes not sent"
            )
            self._outbox.clear()
        self._close(message, Kind.ERROR)

    # -- teardown and reporting ------------------------------------------------------

    def _close(self, message: str, kind: Kind) -> None:
        self._attempt += 1
        self._cancel_timers()
        if self._outbox and kind is Kind.INFO:
            unsent = sum(len(o.data) - o.sent for o in self._outbox)
            message += f"; {unsent:,} queued bytes were not sent"
        self._drop_socket()
        self._sink(make_event(Source.TCP, kind, message, peer=self._peer))
        self._set_state(TcpState.DISCONNECTED)

    def _drop_socket(self) -> None:
        self._outbox.clear()
        self._candidates.clear()
        if self._sock is not None:
            self._reactor.unregister(self._sock)
            self._sock.close()
            self._sock = None
        self._mask = 0

    def _cancel_timers(self) -> None:
        for timer in (self._deadline, self._retry_read):
            if timer is not None:
                timer.cancel()
        self._deadline = self._retry_read = None

    def _set_state(self, state: TcpState) -> None:
        self._state = state
        self._on_state(TcpStatus(state, self._peer, self._peer_finished))

    def _totals(self) -> str:
        return f" (sent {self.bytes_sent:,} B, received {self.bytes_received:,} B)"

    def _info(self, message: str) -> None:
        self._sink(make_event(Source.TCP, Kind.INFO, message, peer=self._peer))

    def _error(self, message: str) -> None:
        self._sink(make_event(Source.TCP, Kind.ERROR, message, peer=self._peer))
