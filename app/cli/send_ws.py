"""`send ws URL [MESSAGE …]`: open a WebSocket with the HTTP Client tab's client, send the
messages (or stdin's lines), print every frame that arrives, close with 1000."""

from __future__ import annotations

from app.cli.session import Session
from app.net.events import Kind, LogEvent
from app.net.websocket.client import WebSocketClient
from app.net.websocket.status import WebSocketState, WebSocketStatus

NORMAL_CLOSURE = 1000
_DATA_ROWS = ("text ·", "binary ·")  # how session.py names a received message's row


class WebSocketSend:
    """Open, ping (with `ping`), send each message `interval` s apart, then wait `wait` s
    (or until `count` messages came back) and close with 1000, waiting for the peer's."""

    def __init__(
        self,
        session: Session,
        url: str,
        messages: list[str | bytes],
        *,
        headers: tuple[tuple[str, str], ...] = (),
        ping: bool = False,
        interval: float = 0.0,
        wait: float = 1.0,
        count: int | None = None,
        timeout: float = 10.0,
        verify_tls: bool = True,
    ) -> None:
        self._session = session
        self._url = url
        self._messages = list(messages)
        self._headers = headers
        self._ping = ping
        self._interval = interval
        self._wait = wait
        self._count = count
        self._timeout = timeout
        self._verify = verify_tls
        self._opened = self._closing = False
        self._received = 0
        self._client = WebSocketClient(session.reactor, self._sink, self._on_state)

    def start(self) -> None:
        self._client.open(self._url, self._headers, self._timeout, self._verify)

    def stop(self) -> None:
        self._client.release()
        session = self._session
        session.report_json["messages_received"] = self._received
        if not self._opened:
            session.fail(session.totals.first_error or f"could not open {self._url}")
        elif session.totals.errors:
            session.fail(session.totals.first_error)

    def _sink(self, event: LogEvent) -> None:
        self._session.printer.sink(event)
        if event.kind is Kind.RECEIVED and event.message.startswith(_DATA_ROWS):
            self._received += 1
            if self._count is not None and self._received >= self._count:
                self._close()

    def _on_state(self, status: WebSocketStatus) -> None:
        if status.state is WebSocketState.OPEN and not self._opened:
            self._opened = True
            if self._ping:
                self._client.ping()
            self._send_next()
        elif status.state is WebSocketState.CLOSED:
            self._session.finish()  # closed, the peer closed, or the open failed (logged)

    def _send_next(self) -> None:
        if self._closing or self._client.state is not WebSocketState.OPEN:
            return
        if self._messages:
            message = self._messages.pop(0)
            if isinstance(message, str):
                self._client.send_text(message)
            else:
                self._client.send_binary(message)
        if self._messages:
            self._session.reactor.call_later(self._interval, self._send_next)
        elif self._count is None or self._received < self._count:
            self._session.reactor.call_later(self._wait, self._close)

    def _close(self) -> None:
        if self._closing or self._client.state is not WebSocketState.OPEN:
            return
        self._closing = True
        self._client.close(NORMAL_CLOSURE)
