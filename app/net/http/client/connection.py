"""One client connection (a Stream, TLS or not) and the kept-alive pool of idle ones.

While an exchange uses a connection, the stream's events go to it (`user`); while the
connection waits in the pool, anything the server does on it (close it, send bytes
nobody asked for) makes it unusable, and it is closed and forgotten.
"""

from __future__ import annotations

import socket
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from app.net.address import format_sockaddr
from app.net.http.client.target import Origin
from app.net.outgoing import Outgoing, StreamFailure
from app.net.reactor import Reactor
from app.net.stream import Stream

if TYPE_CHECKING:  # TLS (and `ssl`) is imported on the first https request
    from app.net.tls.client_tls import ClientTls
    from app.net.tls.transport import TlsTransport

RECV_SIZE = 256 * 1024
MAX_IDLE = 8  # idle connections kept across origins; the oldest goes first
# A connection taken again sooner than this after its last response is not peeked at:
# the loop has just read from it, and a back-to-back request loop saves a syscall and
# an exception per request. The retry of idempotent requests covers the rare race.
PEEK_AFTER_IDLE_S = 0.005


class ConnectionUser(Protocol):
    """The exchange a connection serves now (all in the loop thread)."""

    def data_received(self, data: bytes) -> None: ...

    def eof_received(self) -> None: ...

    def sent(self, item: Outgoing) -> None: ...

    def progress(self, item: Outgoing) -> None: ...

    def connection_lost(self, failure: StreamFailure) -> None: ...

    def tls_done(self) -> None: ...


class ClientConnection:
    """Lives in the reactor's thread."""

    def __init__(
        self,
        reactor: Reactor,
        sock: socket.socket,
        origin: Origin,
        user: ConnectionUser,
        tls: ClientTls | None = None,
    ) -> None:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.origin = origin
        self.user: ConnectionUser | None = user
        self.tls = tls
        self.local = format_sockaddr(sock.getsockname())
        self.remote: tuple[int, tuple[object, ...]] = (sock.family, sock.getpeername())
        self.exchanges = 0  # requests answered on it so far
        self.idle_since = 0.0  # monotonic, when it last went back to the pool
        self.on_idle_loss: Callable[[ClientConnection, str], None] | None = None
        self._sock = sock
        self.stream = Stream(
            reactor,
            sock,
            self,
            recv_size=RECV_SIZE,
            transport=None if tls is None else tls.wrap(sock, self._handshake_done),
        )

    @property
    def closed(self) -> bool:
        return self.stream.closed

    def still_open(self) -> bool:
        """False when the server closed (or wrote on) it while it was idle.

        The EOF may be waiting in the socket and not yet seen by the loop, so the socket
        is peeked at: an idle keep-alive connection has nothing to read, and anything
        readable (an end of stream, a TLS close_notify, stray bytes) means do not reuse.
        """
        if self.stream.closed or self.stream.peer_finished:
            return False
        if time.monotonic() - self.idle_since < PEEK_AFTER_IDLE_S:
            return True
        try:
            self._sock.recv(1, socket.MSG_PEEK)
        except (BlockingIOError, InterruptedError):
            return True
        except OSError:
            return False
        return False

    def write(self, item: Outgoing) -> None:
        self.stream.write(item)
        self.stream.flush()

    def close(self) -> None:
        self.user = None
        self.stream.close()

    # -- StreamProtocol ----------------------------------------------------------------

    def data_received(self, data: bytes) -> None:
        if self.user is not None:
            self.user.data_received(data)
        else:
            self._lost_while_idle(f"the server sent {len(data):,} bytes nobody asked for")

    def eof_received(self) -> None:
        if self.user is not None:
            self.user.eof_received()
        else:
            self._lost_while_idle("the server closed it")

    def progress(self, item: Outgoing) -> None:
        if self.user is not None:
            self.user.progress(item)

    def sent(self, item: Outgoing) -> None:
        if self.user is not None:
            self.user.sent(item)

    def drained(self) -> None:
        pass

    def connection_lost(self, failure: StreamFailure) -> None:
        if self.user is not None:
            self.user.connection_lost(failure)
        else:
            self._lost_while_idle(failure.reason)

    def _handshake_done(self, _transport: TlsTransport) -> None:
        if self.user is not None:
            self.user.tls_done()

    def _lost_while_idle(self, what: str) -> None:
        self.stream.close()
        if self.on_idle_loss is not None:
            self.on_idle_loss(self, what)


class ConnectionPool:
    """Idle kept-alive connections by origin (scheme, host, port, verify)."""

    def __init__(self, on_idle_loss: Callable[[ClientConnection, str], None]) -> None:
        self._idle: OrderedDict[ClientConnection, Origin] = OrderedDict()
        self._on_idle_loss = on_idle_loss

    def __len__(self) -> int:
        return len(self._idle)

    def take(self, origin: Origin) -> ClientConnection | None:
        """An idle connection to `origin` the server has not closed, else None."""
        idle = self._idle
        for conn in [c for c, key in idle.items() if key == origin]:
            del idle[conn]
            conn.on_idle_loss = None
            if conn.still_open():
                return conn
            conn.close()
        return None

    def put(self, conn: ClientConnection) -> None:
        conn.user = None
        conn.idle_since = time.monotonic()
        conn.on_idle_loss = self._lost
        self._idle[conn] = conn.origin
        while len(self._idle) > MAX_IDLE:
            oldest, _ = self._idle.popitem(last=False)
            oldest.close()

    def close_all(self) -> None:
        for conn in self._idle:
            conn.close()
        self._idle.clear()

    def _lost(self, conn: ClientConnection, what: str) -> None:
        self._idle.pop(conn, None)
        self._on_idle_loss(conn, what)
