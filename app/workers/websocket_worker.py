"""The HTTP Client tab's WebSocket worker: a WebSocketClient on its own Reactor thread."""

from __future__ import annotations

from PySide6.QtCore import QObject

from app.net.events import Source
from app.net.websocket.client import WebSocketClient
from app.net.websocket.status import WebSocketStatus
from app.workers.reactor_worker import ReactorWorker


class WebSocketWorker(ReactorWorker[WebSocketStatus]):
    source = Source.HTTP_CLIENT

    def __init__(self, parent: QObject | None = None, max_message: int = 0) -> None:
        """max_message: the largest message accepted (0: 16 MiB); a larger one is
        refused with close code 1009."""
        super().__init__(parent)
        self._client = WebSocketClient(
            self.reactor, self.sink, self.report_status, self.backlog, max_message
        )

    def open(
        self,
        url: str,
        headers: tuple[tuple[str, str], ...] = (),
        timeout_s: float = 10.0,
        verify_tls: bool = True,
    ) -> None:
        """Connect to a ws:// or wss:// URL; `timeout_s` covers TCP, TLS and the upgrade."""
        self.post(self._client.open, url, headers, timeout_s, verify_tls)

    def send_text(self, text: str) -> None:
        """A text frame (queued while the connection opens)."""
        self.post(self._client.send_text, text)

    def send_binary(self, data: bytes) -> None:
        """A binary frame (queued while the connection opens)."""
        self.post(self._client.send_binary, data)

    def ping(self) -> None:
        """A ping; the pong's row carries the round-trip time."""
        self.post(self._client.ping)

    def close(self, code: int = 1000, reason: str = "") -> None:
        """Close with `code` and `reason`; the peer's close is awaited up to 2 s."""
        self.post(self._client.close, code, reason)

    def shutdown(self) -> None:
        self._client.release()
