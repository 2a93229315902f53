"""`send tcp`: connect, send DATA `--count` times, maybe wait for replies."""

from __future__ import annotations

from app.cli.round_trip_report import report
from app.cli.session import Session
from app.net.events import Kind, LogEvent
from app.net.tcp.client import TcpClient
from app.net.tcp.status import TcpState, TcpStatus
from app.net.tls.options import ClientTlsOptions
from app.payload import MessageTemplate


class TcpSend:
    """Connect, send, then wait for replies until the peer closes or `wait` ends."""

    def __init__(
        self,
        session: Session,
        target: tuple[str, int],
        message: MessageTemplate,
        count: int,
        interval: float,
        wait: float,
        connect_timeout: float,
        tls: ClientTlsOptions | None = None,
        rtt_csv: str = "",
    ) -> None:
        self._session = session
        self._rtt_csv = rtt_csv
        self._target = target
        self._message = message
        self._count = 0 if message.static == b"" else count  # nothing to send: just connect
        self._tls = tls
        if tls is not None and not tls.verify:
            from app.net.tls.client_tls import NOT_VERIFIED

            session.totals.warnings = frozenset({NOT_VERIFIED})
        self._interval = interval
        self._wait = wait
        self._timeout = connect_timeout
        self._connected = False
        self._queued = 0
        self._done = False
        self._client = TcpClient(session.reactor, self._sink, self._on_state)

    def start(self) -> None:
        host, port = self._target
        self._client.connect(host, port, timeout=self._timeout, tls=self._tls)

    def stop(self) -> None:
        self._client.close()
        if self._wait > 0:
            # Replies were awaited: what each send's reply took, and the sends unanswered.
            report(self._session, self._client.round_trips, self._rtt_csv)
        if self._session.totals.errors:
            self._session.fail(self._session.totals.first_error)

    def _sink(self, event: LogEvent) -> None:
        self._session.printer.sink(event)
        if event.kind is Kind.SENT and self._all_sent():
            self._after_sending()

    def _on_state(self, status: TcpStatus) -> None:
        if status.state is TcpState.CONNECTED and not self._connected:
            self._connected = True
            # Next turn: the client logs "Connected" after telling its new state.
            self._session.reactor.call_soon(self._send_next)
        elif status.state is TcpState.DISCONNECTED:
            if not self._connected:
                self._session.fail(self._session.totals.first_error or "could not connect")
            else:
                self._finish(peer_closed=True)  # or the connection broke (logged)

    def _send_next(self) -> None:
        if self._done or self._client.state is not TcpState.CONNECTED:
            return
        if self._queued < self._count:
            self._queued += 1
            self._client.send(self._message)
            if self._queued < self._count:
                self._session.reactor.call_later(self._interval, self._send_next)
        if self._all_sent():
            self._after_sending()

    def _all_sent(self) -> bool:
        return self._queued == self._count and self._session.totals.sent == self._count

    def _after_sending(self) -> None:
        if self._wait > 0:
            self._session.reactor.call_later(self._wait, self._finish)
        else:
            self._finish()

    def _finish(self, peer_closed: bool = False) -> None:
        if self._done:
            return
        self._done = True
        if self._wait > 0 and not self._session.totals.received:
            self._session.totals.add_error(
                "the peer closed the connection without a reply"
                if peer_closed
                else f"no reply within {self._wait * 1000:g} ms"
            )
        self._client.disconnect()
        self._session.finish()
