"""The HTTP Server tab's worker: an HttpServer accepting on its own Reactor thread."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from app.net.events import Source
from app.net.http.config import ResponseConfig, ServerLimits
from app.net.http.server import HttpServer, HttpServerStatus
from app.workers.reactor_worker import ReactorWorker


class HttpServerWorker(ReactorWorker):
    status_changed = Signal(object)  # HttpServerStatus

    source = Source.HTTP

    def __init__(self, parent: QObject | None = None, limits: ServerLimits | None = None) -> None:
        super().__init__(parent)
        self.server = HttpServer(self.reactor, self.sink, self._status, limits)

    def start_server(self, host: str, port: int, config: ResponseConfig) -> None:
        self.server.set_config(config)
        self.post(self.server.start, host, port)

    def stop_server(self) -> None:
        self.post(self.server.stop)

    def set_config(self, config: ResponseConfig) -> None:
        """Safe from the GUI thread: the next request is answered with `config`."""
        self.server.set_config(config)

    def shutdown(self) -> None:
        self.server.close()

    def _status(self, status: HttpServerStatus) -> None:
        # Log lines that led to the state change arrive before the change itself.
        self.flush_events()
        self.status_changed.emit(status)
