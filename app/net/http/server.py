"""The HTTP server: listening sockets and every connection on one Reactor thread.

Not `ThreadingHTTPServer`: its `shutdown()` leaves keep-alive connections being served,
its thread per connection starved the GUI of the GIL under load (measured, see
connection.py), and its parser is lax (see request.py). Here Stop is an
ordinary loop command that closes the listeners and every open connection at once, and
deadlines (idle, slow headers, stalled reads) are one periodic sweep, not a thread each.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from app.net.events import EventSink, Kind, Source, make_event
from app.net.http.config import ResponseConfig, ServeMode, ServerLimits
from app.net.http.responses import error_response
from app.net.http.status import (
    HttpServerStatus,
    ServerState,
    StateCallback,
    server_url,
    websocket_url,
)
from app.net.listener import Listener, ListenError, open_listeners
from app.net.reactor import Reactor, Timer

if TYPE_CHECKING:
    from app.net.http.connection import HttpConnection
    from app.net.tls.options import ServerTlsOptions
    from app.net.tls.server_tls import ServerTls

# A WebSocket echo stops reading while this much waits for the log (as the TCP server
# does), so a client that floods faster than the log shows is slowed by TCP flow control.
WEBSOCKET_BACKLOG_LIMIT = 128 * 1024 * 1024
# How often idle, trickling and stalled connections are looked for.
SWEEP_INTERVAL = 0.25


class HttpServer:
    """Start/stop run in the reactor's thread; `set_config` is safe from any thread."""

    def __init__(
        self,
        reactor: Reactor,
        sink: EventSink,
        on_state: StateCallback,
        limits: ServerLimits | None = None,
        backlog: Callable[[], int] | None = None,
    ) -> None:
        """`backlog`: what waits for the log, in bytes; a WebSocket echo stops reading
        while it is over WEBSOCKET_BACKLOG_LIMIT (HTTP is paced by its answers)."""
        self._reactor = reactor
        self._log_behind = (
            None if backlog is None else (lambda: backlog() > WEBSOCKET_BACKLOG_LIMIT)
        )
        self._sink = sink
        self._on_state = on_state
        self.limits = limits or ServerLimits()
        self._config = ResponseConfig()
        self._listener: Listener | None = None
        self._connections: set[HttpConnection] = set()
        self._sweeper: Timer | None = None
        self._host = ""
        self._refused = 0
        self._last_refusal_log = 0.0
        self._evicted = 0
        self._last_eviction_log = 0.0
        self._tls: ServerTls | None = None

    # -- any thread --------------------------------------------------------------------

    def set_config(self, config: ResponseConfig) -> None:
        # One reference swap (atomic under the GIL): the next request reads the new one.
        self._config = config

    def config(self) -> ResponseConfig:
        return self._config

    @property
    def running(self) -> bool:
        return self._listener is not None

    def open_connections(self) -> int:
        return len(self._connections)

    # -- commands (loop thread) --------------------------------------------------------

    def start(self, host: str, port: int, tls: ServerTlsOptions | None = None) -> None:
        """Serve HTTP, or HTTPS with `tls` (its certificate is loaded before listening)."""
        if self._listener is not None:
            self._info("The server is already running; stop it first")
            return
        self._tls = None
        if tls is not None:
            from app.net.tls.contexts import TlsSetupError
            from app.net.tls.server_tls import ServerTls

            try:
                self._tls = ServerTls(tls)
            except TlsSetupError as exc:
                message = f"HTTPS not started: {exc}"
                self._sink(make_event(Source.HTTP, Kind.ERROR, message))
                self._on_state(HttpServerStatus(ServerState.STOPPED, error=message))
                return
        try:
            sockets = open_listeners(host, port)
        except ListenError as exc:
            message = str(exc)
            self._sink(make_event(Source.HTTP, Kind.ERROR, message))
            self._on_state(HttpServerStatus(ServerState.STOPPED, error=message))
            return
        self._listener = listener = Listener(
            self._reactor,
            sockets,
            self._serve,
            self._sink,
            Source.HTTP,
            admit=self._has_room,
            on_refused=self._refuse_over_limit,
        )
        self._host = host
        port = listener.port
        url = server_url(host, port, tls=self._tls is not None)
        bound = ", ".join(listener.addresses())
        self._info(f"HTTP server running on {url} (listening on {bound})")
        if self._config.mode is ServeMode.WS_ECHO:
            self._info(f"WebSocket echo on {websocket_url(url)} (any path)")
        fingerprint = ""
        if self._tls is not None:
            self._info(self._tls.started())
            fingerprint = self._tls.fingerprint
        self._on_state(HttpServerStatus(ServerState.RUNNING, url, port, "", fingerprint))

    def stop(self) -> None:
        if self._listener is None:
            self._on_state(HttpServerStatus(ServerState.STOPPED))
            return
        closed = self._shut_everything()
        message = "HTTP server stopped"
        if closed:
            message += f"; {closed} open connection{'s' if closed != 1 else ''} closed"
        self._info(message)
        self._on_state(HttpServerStatus(ServerState.STOPPED))

    def close(self) -> None:
        """Release everything at shutdown (the worker is ending)."""
        self._shut_everything()

    # -- internals (loop thread) -------------------------------------------------------

    def _shut_everything(self) -> int:
        if self._sweeper is not None:
            self._sweeper.cancel()
            self._sweeper = None
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        connections = list(self._connections)
        for connection in connections:
            connection.close()
        return len(connections)

    def _sweep(self) -> None:
        now = time.monotonic()
        for connection in list(self._connections):
            connection.check_deadlines(now)
        # Deadlines only concern open connections: a server nobody talks to sleeps.
        if self._listener is not None and self._connections:
            self._sweeper = self._reactor.call_later(SWEEP_INTERVAL, self._sweep)
        else:
            self._sweeper = None

    def _has_room(self) -> bool:
        return len(self._connections) < self.limits.max_connections or self._make_room()

    def _serve(self, conn: socket.socket, peer: str) -> None:
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._connections.add(
            _connection_class()(
                self._reactor,
                conn,
                peer,
                self.limits,
                self.config,
                self._sink,
                self._connections.discard,
                self._tls,
                self._log_behind,
            )
        )
        if self._sweeper is None:
            self._sweeper = self._reactor.call_later(SWEEP_INTERVAL, self._sweep)

    def _make_room(self) -> bool:
        """At the cap, close the connection idle the longest (no request in progress).

        Without this, clients that connect and say nothing (1,000 of them, or a browser's
        spare keep-alive sockets) would hold every slot until the idle deadline and every
        real request would get 503 meanwhile. Busy connections are never closed here:
        slow ones are ended by their own deadlines.
        """
        oldest: HttpConnection | None = None
        oldest_since = float("inf")
        for connection in self._connections:
            since = connection.idle_since
            if since is not None and since < oldest_since:
                oldest, oldest_since = connection, since
        if oldest is None:
            return False
        oldest.close()  # its on_closed removes it from the set
        self._evicted += 1
        now = time.monotonic()
        if now - self._last_eviction_log >= 1.0:
            self._last_eviction_log = now
            self._info(
                f"At the limit of {self.limits.max_connections} open connections: closed the "
                f"longest idle connection to serve a new one ({self._evicted:,} so far)"
            )
        return True

    def _refuse_over_limit(self, conn: socket.socket, peer: str) -> None:
        conn.setblocking(False)
        try:
            if self._tls is None:  # a TLS client could not read a plain answer
                conn.send(error_response(503, "Too many open connections; try again later"))
        except OSError:
            pass
        conn.close()
        self._refused += 1
        now = time.monotonic()
        if now - self._last_refusal_log >= 1.0:
            self._last_refusal_log = now
            self._sink(
                make_event(
                    Source.HTTP,
                    Kind.ERROR,
                    f"503: over the limit of {self.limits.max_connections} open connections "
                    f"({self._refused:,} refused so far)",
                    peer=peer,
                )
            )

    def _info(self, message: str) -> None:
        self._sink(make_event(Source.HTTP, Kind.INFO, message))


def _connection_class() -> type[HttpConnection]:
    # Imported on the first connection: the request parser, handlers and folder serving
    # (mimetypes, json, urllib) are not needed to show the window, and start-up counts.
    from app.net.http.connection import HttpConnection

    return HttpConnection
