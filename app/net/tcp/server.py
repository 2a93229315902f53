"""A TCP server on a Reactor: many clients, echo / fixed reply / silence, sends to chosen clients.

Every chunk a client sends is one received event with that client as the peer; every reply
or send is one sent event once the kernel took all of it (server_client.py). The server
keeps the listeners and the clients by `host:port`, and reports the client table a few
times a second, only when something changed.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from app.net.address import format_sockaddr
from app.net.events import EventSink, Kind, make_event
from app.net.framing import AS_RECEIVED, FramingSpec
from app.net.listener import Listener, ListenError, open_listeners, raise_file_limit
from app.net.reactor import Reactor, Timer
from app.net.tcp.server_client import SOURCE, ServerClient
from app.net.tcp.server_status import (
    ClientsCallback,
    ReplyConfig,
    ServerState,
    StateCallback,
    TcpServerStatus,
)
from app.payload import Message, MessageCounter
from app.units import plural

if TYPE_CHECKING:  # TLS (and `ssl`) is imported when a TLS server starts
    from app.net.tls.options import ServerTlsOptions
    from app.net.tls.server_tls import ServerTls

# Stop reading every client while this many received bytes wait for the log: a client
# pouring data is then slowed down by TCP flow control instead of filling memory.
BACKLOG_LIMIT = 128 * 1024 * 1024
# 1,000 clients connecting at once must not overflow the accept queue (SYNs dropped
# there are retried by the client only after a second); the kernel caps it at somaxconn.
LISTEN_BACKLOG = 1024
# Refusals over the limit are logged at most this often, with a count.
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
        self._framing = AS_RECEIVED
        self._listener: Listener | None = None
        self._clients: dict[str, ServerClient] = {}
        self._bound = ""
        self.max_clients = 1000
        self._refused = 0
        self._last_refusal_notice = 0.0
        self._refresh_timer: Timer | None = None
        self._count_changed = False
        self.counter = MessageCounter()  # the tab's {{counter}}: sends and replies count
        self._tls: ServerTls | None = None

    # -- any thread --------------------------------------------------------------------

    def set_reply(self, reply: ReplyConfig) -> None:
        # One reference swap (atomic under the GIL): the next chunk is answered with it.
        if reply.responder is not None:
            reply.responder.counter = self.counter  # rule replies count as the tab's sends
        self._reply = reply

    def reply(self) -> ReplyConfig:
        return self._reply

    # -- commands (loop thread) --------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._listener is not None

    def client_count(self) -> int:
        return len(self._clients)

    def start(
        self, host: str, port: int, max_clients: int = 1000, tls: ServerTlsOptions | None = None
    ) -> None:
        """Listen; with `tls` every client speaks TLS (the certificate is loaded first)."""
        if self._listener is not None:
            self._info("The server is already listening; stop it first")
            return
        self._tls = None
        if tls is not None and not self._prepare_tls(tls):
            return
        raise_file_limit()  # 1,000 clients need more than the default 1,024 descriptors
        try:
            sockets = open_listeners(host, port, LISTEN_BACKLOG)
        except ListenError as exc:
            self._sink(make_event(SOURCE, Kind.ERROR, str(exc)))
            self._on_state(TcpServerStatus(ServerState.STOPPED, error=str(exc)))
            return
        self.max_clients = max_clients
        self._refused = 0
        self._listener = Listener(
            self._reactor,
            sockets,
            self._serve,
            self._sink,
            SOURCE,
            admit=lambda: len(self._clients) < self.max_clients,
            on_refused=self._refuse,
        )
        self._bound = ", ".join(self._listener.addresses())
        self._info(f"Listening on {self._bound} (at most {plural(max_clients, 'client')} at once)")
        if self._tls is not None:
            self._info(self._tls.started())
        self._report_state()

    def _prepare_tls(self, options: ServerTlsOptions) -> bool:
        from app.net.tls.contexts import TlsSetupError
        from app.net.tls.server_tls import ServerTls

        try:
            self._tls = ServerTls(options)
        except TlsSetupError as exc:
            message = f"TLS not started: {exc}"
            self._sink(make_event(SOURCE, Kind.ERROR, message))
            self._on_state(TcpServerStatus(ServerState.STOPPED, error=message))
            return False
        return True

    def stop(self) -> None:
        if self._listener is None:
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

    def set_framing(self, spec: FramingSpec) -> None:
        """How every client's received bytes become messages, from now on; each client's
        held bytes are framed with it first (FramedReceiver.reframe)."""
        if spec == self._framing:
            return
        self._framing = spec
        held = sum(client.set_framing(spec) for client in self._clients.values())
        if self._clients:
            carried = f"; the {held:,} bytes held are framed with it" if held else ""
            self._info(
                f"Received data framed as {spec.describe()} from now on, for "
                f"{plural(len(self._clients), 'connected client')} and new ones{carried}"
            )

    def send(self, peers: Iterable[str], data: Message) -> None:
        """Send `data` to each listed client; each copy is a message, rendered anew."""
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

    def send_all(self, data: Message) -> None:
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

    def _serve(self, conn: socket.socket, peer: str) -> None:
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
            self._framing,
            self.counter,
            self._tls,
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

    # -- teardown and reporting --------------------------------------------------------

    def _shut_everything(self) -> int:
        if self._refresh_timer is not None:
            self._refresh_timer.cancel()
            self._refresh_timer = None
        if self._listener is not None:
            self._listener.close()
            self._listener = None
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
        if self._refresh_timer is None and self._listener is not None:
            self._refresh_timer = self._reactor.call_later(SNAPSHOT_INTERVAL, self._refresh)

    def _refresh(self) -> None:
        self._refresh_timer = None
        if self._listener is None:
            return
        if self._count_changed:
            self._count_changed = False
            self._report_state()
        self._publish_clients()

    def _publish_clients(self) -> None:
        if self._on_clients is not None:
            self._on_clients([client.row() for client in self._clients.values()])

    def _report_state(self) -> None:
        fingerprint = self._tls.fingerprint if self._tls is not None else ""
        self._on_state(
            TcpServerStatus(ServerState.LISTENING, self._bound, len(self._clients), "", fingerprint)
        )

    def _info(self, message: str) -> None:
        self._sink(make_event(SOURCE, Kind.INFO, message))

    def _error(self, message: str) -> None:
        self._sink(make_event(SOURCE, Kind.ERROR, message))
