"""The HTTP server: listening sockets and every connection on one Reactor thread.

Not `ThreadingHTTPServer`: its `shutdown()` leaves keep-alive connections being served,
its thread per connection starved the GUI of the GIL under load (measured, see
http_connection.py), and its parser is lax (see http_request.py). Here Stop is an
ordinary loop command that closes the listeners and every open connection at once, and
deadlines (idle, slow headers, stalled reads) are one periodic sweep, not a thread each.
"""

from __future__ import annotations

import errno
import selectors
import socket
import sys
import time
from functools import partial
from typing import TYPE_CHECKING

from app.net.address import format_peer, format_sockaddr
from app.net.errors import describe
from app.net.events import EventSink, Kind, Source, make_event
from app.net.http.config import ResponseConfig, ServerLimits
from app.net.http.responses import error_response
from app.net.http.status import (
    HttpServerStatus,
    ServerState,
    StateCallback,
    bind_addresses,
    server_url,
)
from app.net.reactor import Reactor, Timer

if TYPE_CHECKING:
    from app.net.http.connection import HttpConnection

# How often idle, trickling and stalled connections are looked for.
SWEEP_INTERVAL = 0.25
BACKLOG = 128
_ACCEPT_BATCH = 64


class HttpServer:
    """Start/stop run in the reactor's thread; `set_config` is safe from any thread."""

    def __init__(
        self,
        reactor: Reactor,
        sink: EventSink,
        on_state: StateCallback,
        limits: ServerLimits | None = None,
    ) -> None:
        self._reactor = reactor
        self._sink = sink
        self._on_state = on_state
        self.limits = limits or ServerLimits()
        self._config = ResponseConfig()
        self._listeners: list[socket.socket] = []
        self._connections: set[HttpConnection] = set()
        self._sweeper: Timer | None = None
        self._host = ""
        self._refused = 0
        self._last_refusal_log = 0.0
        self._evicted = 0
        self._last_eviction_log = 0.0

    # -- any thread --------------------------------------------------------------------

    def set_config(self, config: ResponseConfig) -> None:
        # One reference swap (atomic under the GIL): the next request reads the new one.
        self._config = config

    def config(self) -> ResponseConfig:
        return self._config

    @property
    def running(self) -> bool:
        return bool(self._listeners)

    def open_connections(self) -> int:
        return len(self._connections)

    # -- commands (loop thread) --------------------------------------------------------

    def start(self, host: str, port: int) -> None:
        if self._listeners:
            self._info("The server is already running; stop it first")
            return
        listeners: list[socket.socket] = []
        for address in bind_addresses(host):
            try:
                listeners.append(_listen(address, port))
            except OSError as exc:
                if host == "localhost" and address == "::1" and listeners:
                    continue  # no IPv6 here: 127.0.0.1 alone still serves localhost
                for sock in listeners:
                    sock.close()
                message = _bind_failure(exc, address, port)
                self._sink(make_event(Source.HTTP, Kind.ERROR, message))
                self._on_state(HttpServerStatus(ServerState.STOPPED, error=message))
                return
            if port == 0:  # an ephemeral port: the next address must use the same one
                port = listeners[0].getsockname()[1]
        self._listeners = listeners
        self._host = host
        self._sweeper = self._reactor.call_later(SWEEP_INTERVAL, self._sweep)
        for sock in listeners:
            self._reactor.register(sock, selectors.EVENT_READ, partial(self._accept, sock))
        url = server_url(host, port)
        bound = ", ".join(format_sockaddr(s.getsockname()) for s in listeners)
        self._info(f"HTTP server running on {url} (listening on {bound})")
        self._on_state(HttpServerStatus(ServerState.RUNNING, url, port))

    def stop(self) -> None:
        if not self._listeners:
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
        for sock in self._listeners:
            self._reactor.unregister(sock)
            sock.close()
        self._listeners = []
        connections = list(self._connections)
        for connection in connections:
            connection.close()
        return len(connections)

    def _sweep(self) -> None:
        now = time.monotonic()
        for connection in list(self._connections):
            connection.check_deadlines(now)
        if self._listeners:
            self._sweeper = self._reactor.call_later(SWEEP_INTERVAL, self._sweep)

    def _accept(self, listener: socket.socket, _mask: int = 0) -> None:
        for _ in range(_ACCEPT_BATCH):
            try:
                conn, address = listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:
                # Out of file descriptors and the like: say so, keep listening.
                self._sink(make_event(Source.HTTP, Kind.ERROR, f"Cannot accept: {describe(exc)}"))
                return
            peer = format_sockaddr(address)
            if len(self._connections) >= self.limits.max_connections and not self._make_room():
                self._refuse_over_limit(conn, peer)
                continue
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
                )
            )

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


def _listen(address: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        if sys.platform == "win32":
            # On Windows SO_REUSEADDR would let two servers share a port silently.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_EXCLUSIVEADDRUSE, 1)  # type: ignore[attr-defined]
        else:
            # A restart on the same port must not wait for TIME_WAIT connections.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6 and address == "::":
            try:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)  # IPv4 too
            except OSError:
                pass
        # bind() with a literal address: no getfqdn() or other name lookup (it can hang).
        if family == socket.AF_INET6:
            sock.bind(
                socket.getaddrinfo(
                    address, port, family, socket.SOCK_STREAM, 0, socket.AI_NUMERICHOST
                )[0][4]
            )
        else:
            sock.bind((address, port))
        sock.listen(BACKLOG)
        sock.setblocking(False)
    except BaseException:
        sock.close()
        raise
    return sock


def _bind_failure(exc: OSError, address: str, port: int) -> str:
    where = format_peer(address, port)
    if exc.errno == errno.EADDRINUSE:
        return f"Port {port} is in use on {address}: another program listens there"
    if exc.errno == errno.EACCES:
        if port < 1024:
            return (
                f"Cannot listen on {where}: permission denied "
                "(ports below 1024 need administrator rights)"
            )
        return f"Cannot listen on {where}: permission denied"
    if exc.errno == errno.EADDRNOTAVAIL:
        return f"Cannot listen on {where}: {address} is not an address of this machine"
    if isinstance(exc, socket.gaierror):
        return f"Cannot listen on {where}: {exc.strerror or exc}"
    return f"Cannot listen on {where}: {describe(exc)}"


def _connection_class() -> type[HttpConnection]:
    # Imported on the first connection: the request parser, handlers and folder serving
    # (mimetypes, json, urllib) are not needed to show the window, and start-up counts.
    from app.net.http.connection import HttpConnection

    return HttpConnection
