"""The TCP Client tab's worker: a TcpClient on its own Reactor thread."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from app.net.events import Source
from app.net.tcp.client import TcpClient, TcpStatus
from app.workers.reactor_worker import ReactorWorker


class TcpClientWorker(ReactorWorker):
    status_changed = Signal(object)  # TcpStatus
    send_progress = Signal(object, object)  # bytes sent, bytes in the message being sent

    source = Source.TCP

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._client = TcpClient(
            self.reactor,
            self.sink,
            self._status,
            on_progress=self.send_progress.emit,
            backlog=self.backlog_bytes,
        )

    def open_connection(self, host: str, port: int, timeout: float = 5.0) -> None:
        self.post(self._client.connect, host, port, timeout)

    def send(self, data: bytes) -> None:
        self.post(self._client.send, data)

    def close_connection(self) -> None:
        self.post(self._client.disconnect)

    def shutdown(self) -> None:
        self._client.close()

    def _status(self, status: TcpStatus) -> None:
        # Log lines that led to the state change arrive before the change itself.
        self.flush_events()
        self.status_changed.emit(status)
