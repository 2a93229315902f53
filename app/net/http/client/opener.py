"""Opens a new client connection: resolve the name, connect, and for https shake hands.

Each step is timed with `perf_counter_ns` (DNS is None for an address literal, which is
not looked up), announced as a phase (for the status and the timeout) and logged as the
TCP client logs it; the outcome is one call: the open connection, or the reason.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple

from app.net.address import format_peer, format_sockaddr
from app.net.connector import Connector
from app.net.errors import describe
from app.net.events import LogEvent
from app.net.http.client import rows
from app.net.http.client.connection import ClientConnection
from app.net.http.client.result import Phase
from app.net.http.client.target import Origin, Target
from app.net.outgoing import Outgoing, StreamFailure
from app.net.reactor import Reactor
from app.net.resolver import AddrInfo, resolve_async
from app.net.tls.options import is_address

if TYPE_CHECKING:  # TLS (and `ssl`) is imported on the first https request
    from app.net.tls.client_tls import ClientTls


class OpenTiming(NamedTuple):
    dns_ms: float | None
    connect_ms: float | None
    tls_ms: float | None


PhaseCallback = Callable[[Phase, str], None]
OpenedCallback = Callable[[ClientConnection, OpenTiming], None]


def elapsed_ms(start: int, end: int) -> float:
    """Milliseconds between two perf_counter_ns readings."""
    return (end - start) / 1e6


class ConnectionOpener:
    """Lives in the reactor's thread; `start()` once, `cancel()` to give up."""

    def __init__(
        self,
        reactor: Reactor,
        target: Target,
        origin: Origin,
        sink_many: Callable[[list[LogEvent]], None],
        on_phase: PhaseCallback,
        on_opened: OpenedCallback,
        on_failed: Callable[[str], None],
    ) -> None:
        self._reactor = reactor
        self._target = target
        self._origin = origin
        self._sink_many = sink_many
        self._on_phase = on_phase
        self._on_opened = on_opened
        self._on_failed = on_failed
        self.peer = format_peer(target.host, target.port)
        self._live = True
        self._connector: Connector | None = None
        self._conn: ClientConnection | None = None
        self._t_phase = 0
        self._dns_ms: float | None = None
        self._connect_ms: float | None = None

    def start(self) -> None:
        target = self._target
        self._t_phase = time.perf_counter_ns()
        if is_address(target.host):  # a literal needs no DNS: no thread, no dns_ms
            try:
                infos = socket.getaddrinfo(
                    target.host, target.port, type=socket.SOCK_STREAM, flags=socket.AI_NUMERICHOST
                )
            except (OSError, ValueError) as exc:
                self._on_phase(Phase.RESOLVE, "")
                self._fail(str(exc))
                return
            self._connect(infos)  # type: ignore[arg-type]  # AddrInfo is this, narrower
            return
        self._on_phase(Phase.RESOLVE, f"Resolving {target.host}…")
        resolve_async(self._reactor, target.host, target.port, socket.SOCK_STREAM, self._resolved)

    def cancel(self) -> None:
        self._live = False
        if self._connector is not None:
            self._connector.cancel()
            self._connector = None
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()

    def _resolved(self, infos: list[AddrInfo] | None, reason: str) -> None:
        if not self._live:
            return
        if infos is None:
            self._fail(f"Cannot resolve {self._target.host!r}: {reason}")
            return
        now = time.perf_counter_ns()
        self._dns_ms = elapsed_ms(self._t_phase, now)
        self._t_phase = now
        self._connect(infos)

    def _connect(self, infos: list[AddrInfo]) -> None:
        self._on_phase(Phase.CONNECT, f"Connecting to {self.peer}…")
        connector = Connector(self._reactor, infos, self._connected, self._fail)
        if self._live and self._conn is None:
            self._connector = connector  # unless every address failed at once

    def _connected(self, sock: socket.socket) -> None:
        self._connector = None
        if not self._live:
            sock.close()
            return
        now = time.perf_counter_ns()
        self._connect_ms = elapsed_ms(self._t_phase, now)
        self._t_phase = now
        tls = None
        if self._target.tls:
            self._on_phase(Phase.TLS, f"TLS handshake with {self.peer}…")
            tls = self._client_tls()
            if tls is None:
                sock.close()
                return
        try:
            conn = ClientConnection(self._reactor, sock, self._origin, self, tls)
        except OSError as exc:  # reset between the connect and the first look at it
            sock.close()
            self._fail(describe(exc))
            return
        self._conn = conn
        remote = format_sockaddr(conn.remote[1])
        events = [rows.info(f"New connection to {remote} from {conn.local}", self.peer, conn.local)]
        if tls is not None:
            events.append(rows.info(tls.starting(), self.peer, conn.local))
        self._sink_many(events)
        if tls is None:
            self._opened(None)

    def _client_tls(self) -> ClientTls | None:
        from app.net.tls.client_tls import ClientTls
        from app.net.tls.contexts import TlsSetupError
        from app.net.tls.options import ClientTlsOptions

        try:
            return ClientTls(ClientTlsOptions(verify=self._origin[3]), self._target.host)
        except TlsSetupError as exc:
            self._fail(f"TLS not started: {exc}")
            return None

    def _opened(self, tls_ms: float | None) -> None:
        conn, self._conn = self._conn, None
        assert conn is not None
        self._live = False
        self._on_opened(conn, OpenTiming(self._dns_ms, self._connect_ms, tls_ms))

    def _fail(self, reason: str) -> None:
        if self._live:
            self.cancel()
            self._on_failed(reason)

    # -- the connection's user during the handshake ----------------------------------------

    def tls_done(self) -> None:
        conn = self._conn
        assert conn is not None and conn.tls is not None
        tls_ms = elapsed_ms(self._t_phase, time.perf_counter_ns())
        self._sink_many(conn.tls.session_events(rows.SOURCE, self.peer, conn.local))
        self._opened(tls_ms)

    def connection_lost(self, failure: StreamFailure) -> None:
        """A failed certificate check waits (a few seconds at most) for the probe that
        reads the certificate's dates and names, as the TCP client does."""
        from app.net.tls import probe

        conn = self._conn
        error = probe.needs_certificate(failure.error)
        if conn is None or conn.tls is None or error is None:
            self._fail(failure.reason)
            return
        self._conn = None
        conn.close()
        probe.explain(self._reactor, *conn.remote, error, conn.tls.server_name, self._fail)

    def eof_received(self) -> None:
        self._fail("The server closed the connection during the TLS handshake")

    def data_received(self, data: bytes) -> None:
        pass  # nothing arrives before the handshake is done: TLS holds it

    def sent(self, item: Outgoing) -> None:
        pass

    def progress(self, item: Outgoing) -> None:
        pass
