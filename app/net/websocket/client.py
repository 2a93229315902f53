"""A WebSocket client on a Reactor: resolve, connect, TLS for wss, the upgrade, then a
`WebSocketSession` (session.py) for the frames.

Connecting uses the pieces the TCP client uses (resolver, `Connector`, `ClientTls` and
the certificate probe that explains a failed check); the upgrade is wsproto's client
handshake (h11 underneath), which checks the 101 answer and its accept token. One
deadline, `timeout_s`, covers the whole opening: TCP, TLS and the upgrade.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import TYPE_CHECKING

from app.net.address import format_sockaddr
from app.net.connector import Connector
from app.net.events import EventSink, Kind, Source, make_event
from app.net.outgoing import BytesMessage, Outgoing, StreamFailure
from app.net.reactor import Reactor, Timer
from app.net.resolver import AddrInfo, resolve_async
from app.net.stream import Stream
from app.net.websocket.status import WebSocketState, WebSocketStatus
from app.net.websocket.url import WebSocketTarget, WebSocketUrlError, parse_ws_url

if TYPE_CHECKING:  # wsproto, h11 and ssl load with the first open, not at start-up
    from app.net.tls.client_tls import ClientTls
    from app.net.tls.transport import TlsTransport
    from app.net.websocket.handshake import Answer, ClientHandshake
    from app.net.websocket.session import WebSocketSession

__all__ = ["WebSocketClient"]

SOURCE = Source.HTTP_CLIENT
RECV_SIZE = 256 * 1024
# Stop reading while this many received bytes wait for the log (as the TCP client does).
BACKLOG_LIMIT = 64 * 1024 * 1024
StateCallback = Callable[[WebSocketStatus], None]


class WebSocketClient:
    """Lives in the reactor's thread; every public method must be called there."""

    def __init__(
        self,
        reactor: Reactor,
        sink: EventSink,
        on_state: StateCallback,
        backlog: Callable[[], int] | None = None,
        max_message: int = 0,  # 0: session.DEFAULT_MAX_MESSAGE
    ) -> None:
        self._reactor = reactor
        self._sink = sink
        self._on_state = on_state
        self._backlog = backlog
        self._max_message = max_message
        self._state = WebSocketState.CLOSED
        self._url = ""
        self._peer = ""
        self._local = ""
        self._attempt = 0
        self._connector: Connector | None = None
        self._stream: Stream | None = None
        self._handshake: ClientHandshake | None = None  # from TCP (and TLS) to the 101
        self._session: WebSocketSession | None = None
        self._tls: ClientTls | None = None
        self._remote: tuple[int, tuple[object, ...]] | None = None
        self._deadline: Timer | None = None
        self._queued: list[tuple[bool, str | bytes]] = []  # (is text, data) until open
        self._subprotocol = ""

    @property
    def state(self) -> WebSocketState:
        return self._state

    @property
    def session(self) -> WebSocketSession | None:
        return self._session

    # -- commands ----------------------------------------------------------------------

    def open(
        self,
        url: str,
        headers: tuple[tuple[str, str], ...] = (),
        timeout_s: float = 10.0,
        verify_tls: bool = True,
    ) -> None:
        if self._state is not WebSocketState.CLOSED:
            self._line(Kind.INFO, "Already open or opening; close first")
            return
        try:
            target = parse_ws_url(url)
        except WebSocketUrlError as exc:
            self._line(Kind.ERROR, f"Cannot open {url.strip()!r}: {exc}")
            return
        self._attempt += 1
        attempt = self._attempt
        self._target = target
        self._headers = headers
        self._timeout = timeout_s
        self._url = url.strip()
        self._peer = target.peer
        self._local = self._subprotocol = ""
        self._tls = None
        self._set_state(WebSocketState.CONNECTING)
        if target.secure and not self._prepare_tls(target, verify_tls):
            return
        self._line(Kind.INFO, f"Opening {self._url}…")
        self._deadline = self._reactor.call_later(timeout_s, lambda: self._timed_out(attempt))
        resolve_async(
            self._reactor,
            target.host,
            target.port,
            socket.SOCK_STREAM,
            lambda infos, reason: self._resolved(attempt, infos, reason),
        )

    def send_text(self, text: str) -> None:
        self._send_data(True, text)

    def send_binary(self, data: bytes) -> None:
        self._send_data(False, data)

    def ping(self) -> None:
        if self._session is None or not self._session.open:
            self._line(Kind.ERROR, "Not open: no ping sent")
            return
        self._session.ping()

    def close(self, code: int = 1000, reason: str = "") -> None:
        """Close with `code` and `reason`; the peer's close is awaited (session.CLOSE_WAIT)."""
        if self._state is WebSocketState.CONNECTING:
            self._end(f"Opening {self._url} cancelled", Kind.INFO)
        elif self._session is not None and self._session.open:
            from app.net.websocket.session import close_problem

            problem = close_problem(code, reason)
            if problem:
                self._line(Kind.ERROR, f"{problem}; still open")
                return
            self._set_state(WebSocketState.CLOSING)
            self._session.close(code, reason)

    def release(self) -> None:
        """Release everything at shutdown without a line."""
        self._attempt += 1
        self._cancel_deadline()
        if self._session is not None:
            self._session.release()
            self._session = None
        self._drop_socket()
        self._state = WebSocketState.CLOSED

    def _send_data(self, text: bool, data: str | bytes) -> None:
        session = self._session
        if session is not None and session.open:
            if isinstance(data, str):
                session.send_text(data)
            else:
                session.send_binary(data)
        elif self._state is WebSocketState.CONNECTING:
            self._queued.append((text, data))
        else:
            self._line(Kind.ERROR, "Not open: nothing was sent")

    # -- connecting --------------------------------------------------------------------

    def _prepare_tls(self, target: WebSocketTarget, verify: bool) -> bool:
        from app.net.tls.client_tls import ClientTls
        from app.net.tls.contexts import TlsSetupError
        from app.net.tls.options import ClientTlsOptions

        try:
            self._tls = ClientTls(ClientTlsOptions(verify=verify), target.host)
        except TlsSetupError as exc:
            self._end(f"TLS not started: {exc}", Kind.ERROR)
            return False
        return True

    def _resolved(self, attempt: int, infos: list[AddrInfo] | None, reason: str) -> None:
        if attempt != self._attempt:
            return
        if infos is None:
            self._end(f"Cannot resolve {self._target.host!r}: {reason}", Kind.ERROR)
            return
        connector = Connector(
            self._reactor,
            infos,
            lambda sock: self._connected(attempt, sock),
            lambda why: self._failed(attempt, f"{why}: {self._peer}"),
        )
        if attempt == self._attempt and self._state is WebSocketState.CONNECTING:
            self._connector = connector  # unless every address failed at once

    def _failed(self, attempt: int, line: str) -> None:
        if attempt == self._attempt:
            self._end(line, Kind.ERROR)

    def _connected(self, attempt: int, sock: socket.socket) -> None:
        if attempt != self._attempt:
            sock.close()
            return
        self._connector = None
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._local = format_sockaddr(sock.getsockname())
        self._remote = (sock.family, sock.getpeername())
        backlog = self._backlog
        tls = self._tls
        self._stream = Stream(
            self._reactor,
            sock,
            self,
            recv_size=RECV_SIZE,
            backlog=None if backlog is None else lambda: backlog() > BACKLOG_LIMIT,
            transport=None if tls is None else tls.wrap(sock, self._tls_done),
        )
        self._line(Kind.INFO, f"Connected to {format_sockaddr(self._remote[1])} from {self._local}")
        if tls is None:
            self._send_upgrade()
        else:
            self._line(Kind.INFO, tls.starting())

    def _tls_done(self, _transport: TlsTransport) -> None:
        assert self._tls is not None
        for event in self._tls.session_events(SOURCE, self._peer, self._local):
            self._sink(event)
        self._send_upgrade()

    def _tls_failed(self, failure: StreamFailure) -> None:
        """One line with the reason; a failed certificate check waits for the probe that
        reads the certificate's dates and names (app/net/tls/probe.py), as TCP does."""
        from app.net.tls import probe

        assert self._tls is not None
        attempt = self._attempt
        lead = f"TLS handshake with {self._peer} failed: "
        error = probe.needs_certificate(failure.error)
        if error is None or self._remote is None:
            self._end(lead + failure.reason, Kind.ERROR)
            return
        self._cancel_deadline()  # the probe has its own, shorter deadline
        self._drop_socket()
        server_name = self._tls.server_name
        probe.explain(
            self._reactor,
            *self._remote,
            error,
            server_name,
            lambda reason: self._failed(attempt, lead + reason),
        )

    def _send_upgrade(self) -> None:
        from app.net.websocket.handshake import ClientHandshake

        stream = self._stream
        assert stream is not None
        self._handshake = handshake = ClientHandshake(self._target, self._headers)
        for name in handshake.left_out:
            self._line(Kind.INFO, f"Header {name} is set by the handshake: yours is left out")
        stream.write(BytesMessage(handshake.request))
        stream.flush()
        message = f"GET {self._target.target} (WebSocket upgrade)"
        self._line(Kind.SENT, message, handshake.request)

    def _timed_out(self, attempt: int) -> None:
        if attempt != self._attempt or self._state is not WebSocketState.CONNECTING:
            return
        if self._handshake is not None:
            what = "The WebSocket upgrade with"
        elif self._stream is not None:
            what = "The TLS handshake with"
        else:
            what = "Connecting to"
        self._end(f"{what} {self._peer} timed out after {self._timeout:g} s", Kind.ERROR)

    # -- the StreamProtocol until the upgrade is answered -------------------------------

    def data_received(self, data: bytes) -> None:
        handshake = self._handshake
        if handshake is None:
            self._end(f"{self._peer} sent data before the upgrade request", Kind.ERROR)
            return
        answer = handshake.feed(data)
        if answer is None:
            return
        if answer.failure:
            self._end(f"The WebSocket upgrade failed: {answer.failure}", Kind.ERROR, answer.head)
        elif answer.status == 101:
            self._accepted(handshake, answer)
        else:
            from app.net.http.responses import reason_phrase

            answered = f"{answer.status} {reason_phrase(answer.status)}"
            line = f"The server answered {answered} instead of a WebSocket upgrade"
            self._end(line, Kind.ERROR, answer.head)

    def eof_received(self) -> None:
        self._end(f"{self._peer} closed the connection during the WebSocket upgrade", Kind.ERROR)

    def progress(self, item: Outgoing) -> None:
        pass

    def sent(self, item: Outgoing) -> None:
        pass  # the upgrade request: its row was written with it

    def drained(self) -> None:
        pass

    def connection_lost(self, failure: StreamFailure) -> None:
        if self._tls is not None and not self._tls.handshake_done:
            self._tls_failed(failure)
            return
        self._end(f"{failure.reason}: {self._peer} (during the WebSocket upgrade)", Kind.ERROR)

    def _accepted(self, handshake: ClientHandshake, answer: Answer) -> None:
        from app.net.websocket.session import DEFAULT_MAX_MESSAGE, WebSocketSession

        assert self._stream is not None
        self._cancel_deadline()
        self._subprotocol = subprotocol = answer.subprotocol
        chosen = f", subprotocol {subprotocol}" if subprotocol else ""
        message = f"101 Switching Protocols: WebSocket open{chosen}"
        self._line(Kind.RECEIVED, message, answer.head)
        self._session = session = WebSocketSession(
            self._reactor,
            self._stream,
            handshake.ws,
            self._sink,
            SOURCE,
            self._peer,
            self._session_finished,
            local=self._local,
            max_message=self._max_message or DEFAULT_MAX_MESSAGE,
        )
        self._set_state(WebSocketState.OPEN)
        queued, self._queued = self._queued, []
        for text, data in queued:
            self._send_data(text, data)
        session.process()  # frames that came with the 101

    # -- teardown and reporting --------------------------------------------------------

    def _session_finished(self) -> None:
        self._session = None
        self._stream = None  # the session closed it
        self._handshake = None
        self._attempt += 1
        self._set_state(WebSocketState.CLOSED)

    def _end(self, line: str, kind: Kind, data: bytes = b"") -> None:
        self._attempt += 1
        self._cancel_deadline()
        self._drop_socket()
        if self._queued:
            line += f"; {len(self._queued):,} queued messages were not sent"
            self._queued = []
        self._line(kind, line, data)
        self._set_state(WebSocketState.CLOSED)

    def _drop_socket(self) -> None:
        if self._connector is not None:
            self._connector.cancel()
            self._connector = None
        if self._stream is not None:
            self._stream.close()
            self._stream = None
        self._handshake = None

    def _cancel_deadline(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _set_state(self, state: WebSocketState) -> None:
        self._state = state
        self._on_state(WebSocketStatus(state, self._url, self._subprotocol))

    def _line(self, kind: Kind, message: str, data: bytes = b"") -> None:
        self._sink(make_event(SOURCE, kind, message, peer=self._peer, data=data, local=self._local))
