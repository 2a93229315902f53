"""A TCP client on a Reactor: non-blocking connect with timeout, then a `Stream`.

Connecting (name resolution, trying each address, the deadline) is done here; once
connected the socket belongs to a `Stream` and this object is its protocol: it logs what
arrives and leaves and turns the stream's events into states and log lines.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from app.net.address import format_peer, format_sockaddr
from app.net.connector import Connector
from app.net.events import EventSink, Kind, LogEvent, Source, make_event, one_by_one
from app.net.framing import AS_RECEIVED, FramingSpec
from app.net.outgoing import BytesMessage, Outgoing, StreamFailure
from app.net.reactor import Reactor, Timer
from app.net.receive_framing import FramedReceiver
from app.net.resolver import AddrInfo, resolve_async
from app.net.round_trip_events import answered_events
from app.net.round_trips import RoundTripRecorder, RoundTripSnapshot
from app.net.stream import Stream
from app.net.tcp.status import PROGRESS_MIN_BYTES, TcpState, TcpStatus
from app.payload import Message, MessageCounter, render_message

if TYPE_CHECKING:  # TLS (and `ssl`) is imported on the first TLS connect
    from app.net.tls.client_tls import ClientTls
    from app.net.tls.options import ClientTlsOptions
    from app.net.tls.transport import TlsTransport

__all__ = ["BACKLOG_LIMIT", "RECV_SIZE", "TcpClient", "TcpState", "TcpStatus"]

RECV_SIZE = 256 * 1024
# Stop reading while this many received bytes wait for the log, so a peer that floods
# faster than the GUI can show is slowed down by TCP flow control instead of eating memory.
BACKLOG_LIMIT = 64 * 1024 * 1024
PROGRESS_INTERVAL = 0.05


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
        sink_many: Callable[[list[LogEvent]], None] | None = None,
        on_round_trips: Callable[[RoundTripSnapshot], None] | None = None,
    ) -> None:
        self._reactor = reactor
        self._sink = sink
        self._sink_many = sink_many if sink_many is not None else one_by_one(sink)
        self._on_state = on_state
        self._on_progress = on_progress
        self._backlog = backlog
        self._connector: Connector | None = None  # while connecting
        self._stream: Stream | None = None  # once connected
        self._framing = AS_RECEIVED
        self._receiver: FramedReceiver | None = None  # with the stream
        self._peer = ""
        self._local = ""
        self._attempt = 0
        self._deadline: Timer | None = None
        self._tls: ClientTls | None = None
        self._remote: tuple[int, tuple[object, ...]] | None = None  # family, sockaddr
        self._state = TcpState.DISCONNECTED
        self._peer_finished = False
        self._half_close = False
        self._last_progress = 0.0
        # The last connection's totals; they outlive its stream for the closing sentence.
        self._sent_before = 0
        self._received_before = 0
        self.counter = MessageCounter()  # the tab's {{counter}}, across connections
        # FIFO per connection; sends unanswered at its end are lost (no reply timeout).
        self.round_trips = RoundTripRecorder(reactor, on_round_trips, reply_timeout=None)
        self._conn = self._received_ns = 0  # the recorder's connection; the read's stamp

    @property
    def state(self) -> TcpState:
        return self._state

    @property
    def bytes_sent(self) -> int:
        stream = self._stream
        return stream.bytes_sent if stream is not None else self._sent_before

    @property
    def bytes_received(self) -> int:
        stream = self._stream
        return stream.bytes_received if stream is not None else self._received_before

    # -- commands --------------------------------------------------------------------

    def connect(
        self,
        host: str,
        port: int,
        timeout: float = 5.0,
        half_close: bool = False,
        tls: ClientTlsOptions | None = None,
    ) -> None:
        """Connect; with `half_close` the peer's end of stream leaves the client
        connected and able to send, otherwise it ends the connection. With `tls`, the
        connection is CONNECTED once the TLS handshake is done (within `timeout` too)."""
        if self._state is not TcpState.DISCONNECTED:
            self._info("Already connected or connecting; disconnect first")
            return
        self._attempt += 1
        attempt = self._attempt
        self._peer = format_peer(host, port)
        self._local = ""
        self._target = (host, port)
        self._timeout = timeout
        self._half_close = half_close
        self._sent_before = self._received_before = 0
        self._set_state(TcpState.CONNECTING)
        self._tls = None
        if tls is not None and not self._prepare_tls(tls, host):
            return
        self._info(f"Connecting to {self._peer}…")
        self._deadline = self._reactor.call_later(timeout, lambda: self._timed_out(attempt))
        resolve_async(
            self._reactor,
            host,
            port,
            socket.SOCK_STREAM,
            lambda infos, reason: self._resolved(attempt, infos, reason),
        )

    def send(self, message: Message) -> None:
        """Send `message`, its macros rendered now with the tab's counter."""
        stream = self._stream
        if self._state is not TcpState.CONNECTED or stream is None:
            self._error("Not connected: nothing was sent")
            return
        data = render_message(message, self.counter)
        stream.write(BytesMessage(data))
        t_ns = time.perf_counter_ns()  # just before the send call, as a bare loop stamps
        stream.flush()
        if self._stream is stream:  # a send that failed at once closed the connection
            self.round_trips.sent(self._conn, t_ns, len(data))

    def set_framing(self, spec: FramingSpec) -> None:
        """How received bytes become log rows, from now on (the connection's held bytes
        are framed with it first: receive_framing.FramedReceiver.reframe)."""
        self._framing = spec
        receiver = self._receiver
        if receiver is None or receiver.spec == spec:
            return
        held = receiver.reframe(spec)
        carried = f"; the {held:,} bytes held are framed with it" if held else ""
        self._info(f"Received data framed as {spec.describe()} from now on{carried}")

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
        self.round_trips.close()
        self._state = TcpState.DISCONNECTED

    # -- connecting ------------------------------------------------------------------

    def _resolved(self, attempt: int, infos: list[AddrInfo] | None, reason: str) -> None:
        if attempt != self._attempt:
            return
        if infos is None:
            self._close(f"Cannot resolve {self._target[0]!r}: {reason}", Kind.ERROR)
            return
        connector = Connector(
            self._reactor,
            infos,
            lambda sock: self._connected(attempt, sock),
            lambda reason: self._connect_failed(attempt, reason),
        )
        if attempt == self._attempt and self._state is TcpState.CONNECTING:
            self._connector = connector  # unless every address failed at once

    def _connect_failed(self, attempt: int, reason: str) -> None:
        if attempt == self._attempt:
            self._close(f"{reason}: {self._peer}", Kind.ERROR)

    def _connected(self, attempt: int, sock: socket.socket) -> None:
        if attempt != self._attempt:
            sock.close()
            return
        self._connector = None
        if self._tls is None:
            self._cancel_timers()
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._peer_finished, self._conn = False, attempt
        self._local = format_sockaddr(sock.getsockname())
        self._remote = (sock.family, sock.getpeername())
        remote = format_sockaddr(self._remote[1])
        backlog = self._backlog
        self._receiver = FramedReceiver(
            self._reactor, self._messages_received, self._error, self._framing
        )
        self._stream = Stream(
            self._reactor,
            sock,
            self,
            recv_size=RECV_SIZE,
            backlog=None if backlog is None else lambda: backlog() > BACKLOG_LIMIT,
            transport=None if self._tls is None else self._tls.wrap(sock, self._tls_done),
        )
        if self._tls is None:
            self._set_state(TcpState.CONNECTED)
        self._info(f"Connected to {remote} from {self._local}", local=self._local)
        if self._tls is not None:
            self._info(self._tls.starting(), local=self._local)

    # -- TLS ---------------------------------------------------------------------------

    def _prepare_tls(self, options: ClientTlsOptions, host: str) -> bool:
        from app.net.tls.client_tls import ClientTls
        from app.net.tls.contexts import TlsSetupError

        try:
            self._tls = ClientTls(options, host)
        except TlsSetupError as exc:
            self._close(f"TLS not started: {exc}", Kind.ERROR)
            return False
        return True

    def _tls_failed(self, failure: StreamFailure) -> None:
        """One line with the reason; a failed certificate check waits (at most a few
        seconds) for the probe that reads the certificate's dates and names."""
        from app.net.tls import probe

        assert self._tls is not None
        attempt = self._attempt
        lead = f"TLS handshake with {self._peer} failed: "

        def answer(reason: str) -> None:
            if attempt == self._attempt:
                self._close(lead + reason, Kind.ERROR)

        error = probe.needs_certificate(failure.error)
        if error is None or self._remote is None:
            answer(failure.reason)
            return
        self._cancel_timers()  # the probe has its own, shorter deadline
        self._drop_socket()
        probe.explain(self._reactor, *self._remote, error, self._tls.server_name, answer)

    def _tls_done(self, _transport: TlsTransport) -> None:
        assert self._tls is not None
        self._cancel_timers()
        self._sink_many(self._tls.session_events(Source.TCP, self._peer, self._local))
        self._set_state(TcpState.CONNECTED)

    def _timed_out(self, attempt: int) -> None:
        if attempt == self._attempt and self._state is TcpState.CONNECTING:
            what = "TLS handshake with" if self._stream is not None else "Connection to"
            self._close(f"{what} {self._peer} timed out after {self._timeout:g} s", Kind.ERROR)

    # -- connected: the StreamProtocol side -------------------------------------------

    def data_received(self, data: bytes) -> None:
        receiver = self._receiver
        assert receiver is not None
        self._received_ns = self._reactor.woke_ns or time.perf_counter_ns()
        receiver.feed(data)
        self._received_ns = 0

    def _messages_received(self, messages: list[bytes]) -> None:
        where = (Source.TCP, self._peer, self._local)
        self._sink_many(
            answered_events(self.round_trips, self._conn, self._received_ns, messages, *where)
        )

    def eof_received(self) -> None:
        self._peer_finished = True
        if self._tls is not None and self._tls.truncated:
            from app.net.tls.client_tls import TRUNCATED

            self._info(TRUNCATED, local=self._local)
        if not self._half_close:
            self._close(f"Peer closed the connection{self._totals()}", Kind.INFO)
            return
        self._set_state(TcpState.CONNECTED)
        self._info(
            f"{self._peer} finished sending (end of stream); "
            "sending may still work — Disconnect to close"
        )

    def progress(self, item: Outgoing) -> None:
        if self._on_progress is not None:
            now = time.monotonic()
            if now - self._last_progress >= PROGRESS_INTERVAL:
                self._last_progress = now
                self._on_progress(item.sent, item.size)

    def sent(self, item: Outgoing) -> None:
        if self._on_progress is not None and item.size >= PROGRESS_MIN_BYTES:
            self._last_progress = time.monotonic()
            self._on_progress(item.sent, item.size)
        assert isinstance(item, BytesMessage)
        self._sink(
            make_event(Source.TCP, Kind.SENT, peer=self._peer, data=item.data, local=self._local)
        )

    def drained(self) -> None:
        pass

    def connection_lost(self, failure: StreamFailure) -> None:
        """The connection broke (on a read or a write): log what was and was not sent."""
        message = f"{failure.reason}: {self._peer}{self._totals()}"
        if self._tls is not None and not self._tls.handshake_done:
            self._tls_failed(failure)
            return
        prefix = failure.sent_prefix()
        if prefix:
            self._sink(
                make_event(Source.TCP, Kind.SENT, peer=self._peer, data=prefix, local=self._local)
            )
        if failure.partial is not None:
            message += f" — {failure.unsent_text()}"
        self._close(message, Kind.ERROR)

    # -- teardown and reporting ------------------------------------------------------

    def _close(self, message: str, kind: Kind) -> None:
        self._attempt += 1
        self._cancel_timers()
        stream = self._stream
        if stream is not None and kind is Kind.INFO:
            unsent = stream.unsent()
            if unsent:
                message += f"; {unsent:,} queued bytes were not sent"
        if self._receiver is not None:
            leftover = self._receiver.finish()
            if leftover:
                self._sink(
                    make_event(
                        Source.TCP,
                        Kind.RECEIVED,
                        peer=self._peer,
                        data=leftover,
                        local=self._local,
                        partial=True,
                    )
                )
        self._drop_socket()
        self._sink(make_event(Source.TCP, kind, message, peer=self._peer, local=self._local))
        self._set_state(TcpState.DISCONNECTED)

    def _drop_socket(self) -> None:
        if self._connector is not None:
            self._connector.cancel()
            self._connector = None
        if self._stream is not None:
            self._sent_before = self._stream.bytes_sent
            self._received_before = self._stream.bytes_received
            self._stream.close()
            self._stream = None
            self.round_trips.closed(self._conn)
        if self._receiver is not None:
            self._receiver.close()
            self._receiver = None

    def _cancel_timers(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _set_state(self, state: TcpState) -> None:
        self._state = state
        self._on_state(TcpStatus(state, self._peer, self._peer_finished))

    def _totals(self) -> str:
        return f" (sent {self.bytes_sent:,} B, received {self.bytes_received:,} B)"

    def _info(self, message: str, local: str = "") -> None:
        self._sink(make_event(Source.TCP, Kind.INFO, message, peer=self._peer, local=local))

    def _error(self, message: str) -> None:
        self._sink(make_event(Source.TCP, Kind.ERROR, message, peer=self._peer))
