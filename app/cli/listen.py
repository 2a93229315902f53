"""`listen tcp`, `listen udp` and `serve http`: the server tabs' objects without a window."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.cli.session import Session
from app.net.events import Kind, LogEvent
from app.net.http.config import ResponseConfig
from app.net.http.server import HttpServer
from app.net.reply import ReplyMode
from app.net.tcp.server import TcpServer
from app.net.tcp.server_status import ReplyConfig
from app.net.tls.options import ServerTlsOptions
from app.net.udp.listener import UdpListener
from app.net.udp.listener_status import ListenerState
from app.payload import Message

if TYPE_CHECKING:
    from app.net.rules.responder import Responder


class TcpListen:
    def __init__(
        self,
        session: Session,
        bind: str,
        port: int,
        reply: ReplyConfig,
        max_clients: int,
        tls: ServerTlsOptions | None = None,
    ) -> None:
        self._session = session
        self._where = (bind, port, max_clients)
        self._tls = tls
        self._server = TcpServer(session.reactor, session.printer.sink, lambda _status: None)
        self._server.set_reply(reply)

    def start(self) -> None:
        bind, port, max_clients = self._where
        self._server.start(bind, port, max_clients, tls=self._tls)
        if not self._server.running:
            self._session.fail(self._session.totals.first_error or "could not listen")

    def stop(self) -> None:
        if self._server.running:
            self._server.stop()
            self._session.printer.flush()
        self._server.close()


class UdpListen:
    def __init__(
        self,
        session: Session,
        bind: str,
        port: int,
        mode: ReplyMode,
        data: Message,
        responder: Responder | None = None,
    ) -> None:
        self._session = session
        self._where = (bind, port)
        printer = session.printer
        self._listener = UdpListener(
            session.reactor, printer.sink, lambda _status: None, sink_many=printer.sink_many
        )
        self._listener.set_reply(mode, data, responder)

    def start(self) -> None:
        self._listener.start(*self._where)
        if self._listener.state is not ListenerState.LISTENING:
            self._session.fail(self._session.totals.first_error or "could not listen")

    def stop(self) -> None:
        if self._listener.state is ListenerState.LISTENING:
            self._listener.stop()
            self._session.printer.flush()
        self._listener.close()


class HttpServe:
    def __init__(
        self,
        session: Session,
        bind: str,
        port: int,
        config: ResponseConfig,
        tls: ServerTlsOptions | None = None,
    ) -> None:
        self._session = session
        self._where = (bind, port)
        self._tls = tls
        self._server = HttpServer(session.reactor, session.printer.sink, lambda _status: None)
        self._server.set_config(config)
        session.totals.counts = _is_request

    def start(self) -> None:
        self._server.start(*self._where, tls=self._tls)
        if not self._server.running:
            self._session.fail(self._session.totals.first_error or "could not listen")

    def stop(self) -> None:
        if self._server.running:
            self._server.stop()
            self._session.printer.flush()
        self._server.close()


def _is_request(event: LogEvent) -> bool:
    """A request row: the request's bytes, answered (received) or refused (error)."""
    return bool(event.data) and event.kind in (Kind.RECEIVED, Kind.ERROR)
