"""The HTTP Server tab's worker: an HttpServer accepting on its own Reactor thread."""

from __future__ import annotations

from PySide6.QtCore import QObject

from app.net.events import Source
from app.net.http.config import ResponseConfig, ServerLimits
from app.net.http.server import HttpServer
from app.net.http.status import HttpServerStatus
from app.net.tls.options import ServerTlsOptions
from app.workers.reactor_worker import ReactorWorker


class HttpServerWorker(ReactorWorker[HttpServerStatus]):
    source = Source.HTTP

    def __init__(self, parent: QObject | None = None, limits: ServerLimits | None = None) -> None:
        super().__init__(parent)
        self.server = HttpServer(
            self.reactor, self.sink, self.report_status, limits, backlog=self.backlog
        )

    def start_server(
        self, host: str, port: int, config: ResponseConfig, tls: ServerTlsOptions | None = None
    ) -> None:
        self.server.set_config(config)
        self.post(self.server.start, host, port, tls)

    def stop_server(self) -> None:
        self.post(self.server.stop)

    def set_config(self, config: ResponseConfig) -> None:
        """Safe from the GUI thread: the next request is answered with `config`."""
        self.server.set_config(config)

    def shutdown(self) -> None:
        self.server.close()
