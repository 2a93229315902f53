"""A TCP server on a Reactor: many clients, echo / fixed reply / silence, sends to chosen clients.

Every chunk a client sends is one received event with that client as the peer; every reply
or send is one sent event once the kernel took all of it (server_client.py). The server
keeps the listeners and the clients by `host:port`, and reports the client table a few
times a second, only when something changed.
"""

from __future__ import annotations

import errno
import selectors
import socket
import time
from collections.abc import Callable, Iterable
from functools import partial

from app.net.address import format_sockaddr
from app.net.errors import describe
from app.net.events import EventSink, Kind, make_event
from app.net.http.server import _bind_failure, _listen
from app.net.http.status import bind_addresses
from app.net.reactor import Reactor, Timer
from app.net.tcp.server_client import SOURCE, ServerClient
from app.net.tcp.server_status import (
    ClientsCallback,
    ReplyConfig,
    ServerState,
    StateCallback,
    TcpServerStatus,
)
from app.units import format_duration, plural

# Stop reading every client while this many received bytes wait for the log: a client
# pouring data is then slowed down by TCP flow control instead of filling memory.
BACKLOG_LIMIT = 64 * 1024 * 1024
ACCEPT_BATCH = 64
# Out of file descriptors: accepting again at once would spin on the same error.
EMFILE_PAUSE = 0.25
_OUT_OF_DESCRIPTORS = (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM)
# Refusals over the limit and EMFILE pauses are logged at most this often, with a count.
NOTICE_INTERVAL = 1.0
# The client table is refreshed at most this often, and only when something changed.
SNAPSHOT_INTERVAL = 0.25


class TcpServer:
    """Lives in the reactor's thread; every public method but `set_reply` is called there."""

    def __init__(
        self,
        reactor: Reactor,
        sink: EventSink,
        on_state: StateCallback,
        on_clients: ClientsCallback | None = None,
        backlog: Callable[[], int] | None = None,
    ) -> None:
        self._reactor = reactor
        self._sink = sink
        self._on_state = on_state
        self._on_clients = on_clients
        self._log_behind: Callable[[], bool] | None = None
        if backlog is not None:
            self._log_behind = lambda: backlog() > BACKLOG_LIMIT
        self._reply = ReplyConfig()
        self._listeners: list[socket.socket] = []
        self._clients: dict[str, ServerClient] = {}
        self._bound = ""
        self.max_clients = 1000
        self._refused = 0
        self._last_refusal_notice = 0.0
        self._emfile_pauses = 0
        self._last_emfile_notice = 0.0
        self._accept_timer: Timer | None = None
        self._refresh_timer: Timer | None = None
        self._count_changed = False

    # -- any thread --------------------------------------------------------------------

    def set_reply(self, reply: ReplyConfig) -> None:
        # One reference swap (atomic under the GIL): the next chunk is answered with it.
        self._reply = reply

    def reply(self) -> ReplyConfig:
        return self._reply

    # -- commands (loop thread) --------------------------------------------------------

    @property
    def running(self) -> bool:
        return bool(self._listeners)

    def client_count(self) -> int:
        return len(self._clients)

    def start(self, host: str, port: int, max_clients: int = 1000) -> None:
        if self._listeners:
            self._info("The server is already listening; stop it first")
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
                self._sink(make_event(SOURCE, Kind.ERROR, message))
                self._on_state(TcpServerStatus(ServerState.STOPPED, error=message))
                return
            if port == 0:  # an ephemeral port: the next address must use the same one
                port = listeners[0].getsockname()[1]
        self.max_clients = max_clients
        self._listeners = listeners
        self._refused = self._emfile_pauses = 0
        self._watch_listeners(True)
        self._bound = ", ".join(format_sockaddr(s.getsockname()) for s in listeners)
        self._info(f"Listening on {self._bound} (at most {plural(max_clients, 'client')} at once)")
        self._report_state()

    def stop(self) -> None:
        if not self._listeners:
            self._on_state(TcpServerStatus(ServerState.STOPPED))
            return
        closed = self._shut_everything()
        message = "TCP server stopped"
        if closed:
            message += f"; {plural(closed, 'client')} disconnected"
        self._info(message)
        self._publish_clients()
        self._on_state(TcpServerStatus(ServerState.STOPPED))

    def close(self) -> None:
        """Release everything at shutdown (the worker is ending), without log lines."""
        self._shut_everything()

    def send(self, peers: Iterable[str], data: bytes) -> None:
        missing = []
        for peer in peers:
            client = self._clients.get(peer)
            if client is None:
                missing.append(peer)
            else:
                client.send(data)
        if missing:
            self._error(f"Not sent to {', '.join(missing)}: no longer connected")
        self._changed()

    def send_all(self, data: bytes) -> None:
        if not self._clients:
            self._error("No client is connected: nothing was sent")
            return
        for client in list(self._clients.values()):
            client.send(data)
        self._changed()

    def disconnect(self, peers: Iterable[str]) -> None:
        for peer in peers:
            client = self._clients.get(peer)
            if client is not None:
                client.disconnect()

    # -- accepting ---------------------------------------------------------------------

    def _watch_listeners(self, on: bool) -> None:
        for sock in self._listeners:
            if on:
                self._reactor.register(sock, selectors.EVENT_READ, partial(self._accept, sock))
            else:
                self._reactor.unregister(sock)

    def _accept(self, listener: socket.socket, _mask: int = 0) -> None:
        for _ in range(ACCEPT_BATCH):
            try:
                conn, address = listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:
                if exc.errno in _OUT_OF_DESCRIPTORS:
                    self._pause_accepting(exc)
                elif exc.errno != errno.ECONNABORTED:
                    self._error(f"Cannot accept a connection: {describe(exc)}")
                return
            peer = format_sockaddr(address)
            if len(self._clients) >= self.max_clients:
                self._refuse(conn, peer)
                continue
            self._admit(conn, peer)

    def _admit(self, conn: socket.socket, peer: str) -> None:
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        local = format_sockaddr(conn.getsockname())
        client = ServerClient(
            self._reactor,
            conn,
            peer,
            local,
            self._sink,
            self.reply,
            self._client_closed,
            self._changed,
            self._log_behind,
        )
        self._clients[peer] = client
        self._sink(make_event(SOURCE, Kind.INFO, f"{peer} connected", peer=peer, local=local))
        self._changed(count=True)

    def _client_closed(self, client: ServerClient) -> None:
        if self._clients.get(client.peer) is client:
            del self._clients[client.peer]
            self._changed(count=True)

    def _refuse(self, conn: socket.socket, peer: str) -> None:
        conn.close()
        self._refused += 1
        now = time.monotonic()
        if now - self._last_refusal_notice >= NOTICE_INTERVAL:
            self._last_refusal_notice = now
            self._sink(
                make_event(
                    SOURCE,
                    Kind.ERROR,
                    f"Closed a new connection at once: at the limit of "
                    f"{plural(self.max_clients, 'client')} "
                    f"({plural(self._refused, 'connection')} refused so far)",
                    peer=peer,
                )
            )

    def _pause_accepting(self, exc: OSError) -> None:
        """Stop watching the listeners a moment; pending connections wait in the backlog."""
        self._emfile_pauses += 1
        now = time.monotonic()
        if now - self._last_emfile_notice >= NOTICE_INTERVAL:
            self._last_emfile_notice = now
            self._error(
                f"Cannot accept a connection: {describe(exc)}; accepting paused for "
                f"{format_duration(EMFILE_PAUSE)} ({plural(self._emfile_pauses, 'pause')} so far)"
            )
        self._watch_listeners(False)
        self._accept_timer = self._reactor.call_later(EMFILE_PAUSE, self._resume_accepting)

    def _resume_accepting(self) -> None:
        self._accept_timer = None
        if self._listeners:
            self._watch_listeners(True)

    # -- teardown and reporting --------------------------------------------------------

    def _shut_everything(self) -> int:
        for timer in (self._accept_timer, self._refresh_timer):
            if timer is not None:
                timer.cancel()
        self._accept_timer = self._refresh_timer = None
        self._watch_listeners(False)
        for sock in self._listeners:
            sock.close()
        self._listeners = []
        clients = list(self._clients.values())
        self._clients.clear()
        for client in clients:
            client.close()
        self._bound = ""
        return len(clients)

    def _changed(self, count: bool = False) -> None:
        """Something the table (or, with `count`, the status) shows changed.

        The refresh is a timer armed only then: an idle server never wakes its thread.
        """
        self._count_changed = self._count_changed or count
        if self._refresh_timer is None and self._listeners:
            self._refresh_timer = self._reactor.call_later(SNAPSHOT_INTERVAL, self._refresh)

    def _refresh(self) -> None:
        self._refresh_timer = None
        if not self._listeners:
            return
        if self._count_changed:
            self._count_changed = False
            self._report_state()
        self._publish_clients()

    def _publish_clients(self) -> None:
        if self._on_clients is not None:
            self._on_clients([client.row() for client in self._clients.values()])

    def _report_state(self) -> None:
        self._on_state(TcpServerStatus(ServerState.LISTENING, self._bound, len(self._clients)))

    def _info(self, message: str) -> None:
        self._sink(make_event(SOURCE, Kind.INFO, message))

    def _error(self, message: str) -> None:
        self._sink(make_event(SOURCE, Kind.ERROR, message))
