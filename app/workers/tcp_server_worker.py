"""The TCP Server tab's worker: a TcpServer accepting on its own Reactor thread."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from app.net.events import Source
from app.net.framing import FramingSpec
from app.net.reply import ReplyMode
from app.net.rules.responder import Responder
from app.net.tcp.server import TcpServer
from app.net.tcp.server_status import ClientRow, ReplyConfig, TcpServerStatus
from app.net.tls.options import ServerTlsOptions
from app.payload import Message
from app.workers.reactor_worker import ReactorWorker


class TcpServerWorker(ReactorWorker[TcpServerStatus]):
    clients_changed = Signal(object)  # list[ClientRow], at most 4 a second

    source = Source.TCP_SERVER

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.server = TcpServer(
            self.reactor, self.sink, self.report_status, self._clients, backlog=self.backlog
        )

    def start_server(
        self, host: str, port: int, max_clients: int, tls: ServerTlsOptions | None = None
    ) -> None:
        self.post(self.server.start, host, port, max_clients, tls)

    def stop_server(self) -> None:
        self.post(self.server.stop)

    def set_reply(
        self, mode: ReplyMode, data: Message = b"", responder: Responder | None = None
    ) -> None:
        """Safe from the GUI thread: the next chunk received is answered this way."""
        self.server.set_reply(ReplyConfig(mode, data, responder))

    def set_framing(self, spec: FramingSpec) -> None:
        """Received data is framed with `spec` from now on, for every client."""
        self.post(self.server.set_framing, spec)

    def send(self, peers: list[str], data: Message) -> None:
        self.post(self.server.send, peers, data)

    def send_all(self, data: Message) -> None:
        self.post(self.server.send_all, data)

    def disconnect_clients(self, peers: list[str]) -> None:
        self.post(self.server.disconnect, peers)

    def shutdown(self) -> None:
        self.server.close()

    def _clients(self, rows: list[ClientRow]) -> None:
        self.clients_changed.emit(rows)
