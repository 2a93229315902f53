"""`listen tcp`, `listen udp` and `serve http`: the server tabs' objects without a window."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

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


class _Server(Protocol):
    def stop(self) -> None: ...

    def close(self) -> None: ...


class _Serving:
    """Start a server on the loop; a server that did not come up fails the run (exit 1)."""

    def __init__(
        self,
        session: Session,
        server: _Server,
        start: Callable[[], None],
        running: Callable[[], bool],
    ) -> None:
        self._session = session
        self._server = server
        self._start = start
        self._running = running

    def start(self) -> None:
        self._start()
        if not self._running():
            self._session.fail(self._session.totals.first_error or "could not listen")

    def stop(self) -> None:
        if self._running():
            self._server.stop()
            self._session.printer.flush()
        self._server.close()


def tcp_listen(
    session: Session,
    bind: str,
    port: int,
    reply: ReplyConfig,
    max_clients: int,
    tls: ServerTlsOptions | None = None,
) -> _Serving:
    server = TcpServer(session.reactor, session.printer.sink, lambda _status: None)
    server.set_reply(reply)
    return _Serving(
        session,
        server,
        lambda: server.start(bind, port, max_clients, tls=tls),
        lambda: server.running,
    )


def udp_listen(
    session: Session,
    bind: str,
    port: int,
    mode: ReplyMode,
    data: Message,
    responder: Responder | None = None,
) -> _Serving:
    printer = session.printer
    listener = UdpListener(
        session.reactor, printer.sink, lambda _status: None, sink_many=printer.sink_many
    )
    listener.set_reply(mode, data, responder)
    return _Serving(
        session,
        listener,
        lambda: listener.start(bind, port),
        lambda: listener.state is ListenerState.LISTENING,
    )


def http_serve(
    session: Session,
    bind: str,
    port: int,
    config: ResponseConfig,
    tls: ServerTlsOptions | None = None,
) -> _Serving:
    server = HttpServer(session.reactor, session.printer.sink, lambda _status: None)
    server.set_config(config)
    session.totals.counts = _is_request
    return _Serving(
        session, server, lambda: server.start(bind, port, tls=tls), lambda: server.running
    )


def _is_request(event: LogEvent) -> bool:
    """A request row: the request's bytes, answered (received) or refused (error)."""
    return bool(event.data) and event.kind in (Kind.RECEIVED, Kind.ERROR)
