"""Listening sockets on a Reactor: bind, listen, accept in batches, a cap, no busy loop.

`open_listeners(host, port)` binds literal addresses only (a name lookup can hang):
`localhost` means 127.0.0.1 and ::1, `::` is dual-stack where the OS allows. Failures
become one sentence a person can act on (`ListenError`).

`Listener` accepts up to `ACCEPT_BATCH` connections per readiness and hands each to its
owner. Out of file descriptors (EMFILE/ENFILE), the listening socket stays readable
while the connection waits in the kernel's queue, so accepting again at once would spin
the loop at 100% CPU: instead the listener stops watching, logs one line, and tries again
after `FD_RETRY` on a timer, until a descriptor is free.
"""

from __future__ import annotations

import errno
import selectors
import socket
import sys
import time
from collections.abc import Callable
from functools import partial

from app.net.address import format_peer, format_sockaddr
from app.net.errors import describe
from app.net.events import EventSink, Kind, Source, make_event
from app.net.reactor import Reactor, Timer

BACKLOG = 128
ACCEPT_BATCH = 64
# How long a listener out of file descriptors waits before it tries accept() again.
FD_RETRY = 0.25
_OUT_OF_DESCRIPTORS = frozenset({errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM})
# Errors of one pending connection (it went away before accept): skip it, go on.
_CONNECTION_GONE = frozenset({errno.ECONNABORTED, errno.EPROTO, errno.EPERM})

_UNLIMITED_CAP = 10_240

ConnectionCallback = Callable[[socket.socket, str], None]


class ListenError(Exception):
    """Binding or listening failed; the text says why in words a person can act on."""


def bind_addresses(host: str) -> list[str]:
    """`localhost` means both loopbacks: browsers may try ::1 first for that name."""
    return ["127.0.0.1", "::1"] if host == "localhost" else [host]


def open_listeners(host: str, port: int, backlog: int = BACKLOG) -> list[socket.socket]:
    """Listening sockets for `host` (one, or two for `localhost`) on one port.

    With port 0 the first socket gets an ephemeral port and the others use the same one.
    Raises ListenError; nothing stays open when it does.
    """
    listeners: list[socket.socket] = []
    for address in bind_addresses(host):
        try:
            listeners.append(listen_on(address, port, backlog))
        except OSError as exc:
            if host == "localhost" and address == "::1" and listeners:
                continue  # no IPv6 here: 127.0.0.1 alone still serves localhost
            for sock in listeners:
                sock.close()
            raise ListenError(bind_failure(exc, address, port)) from exc
        if port == 0:
            port = listeners[0].getsockname()[1]
    return listeners


def listen_on(address: str, port: int, backlog: int = BACKLOG) -> socket.socket:
    """One non-blocking listening socket on a literal address; raises OSError."""
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
        sock.listen(backlog)
        sock.setblocking(False)
    except BaseException:
        sock.close()
        raise
    return sock


def bind_failure(exc: OSError, address: str, port: int) -> str:
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


def raise_file_limit() -> int | None:
    """Raise the soft RLIMIT_NOFILE to the hard limit where the OS allows it.

    A server with many clients runs out of the default 1,024 descriptors long before the
    machine does. Returns the soft limit now in force (None where there is no such limit).
    """
    try:
        import resource
    except ImportError:  # Windows: no per-process descriptor limit to raise
        return None
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    # An unlimited hard limit (macOS) still refuses more than OPEN_MAX per process.
    wanted = hard if hard != resource.RLIM_INFINITY else _UNLIMITED_CAP
    if soft != resource.RLIM_INFINITY and soft < wanted:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
            soft = wanted
        except (ValueError, OSError):
            pass  # the OS said no: keep the limit there is
    return int(soft)


class Listener:
    """Accepts on its sockets in the reactor's thread and hands connections over.

    `admit()` decides at each accepted connection whether it may be served; when it says
    no, `on_refused(conn, peer)` deals with it, by default by closing it at once and
    logging one line a second at most. `on_connection(conn, peer)` gets the others.
    """

    def __init__(
        self,
        reactor: Reactor,
        sockets: list[socket.socket],
        on_connection: ConnectionCallback,
        sink: EventSink,
        source: Source,
        *,
        admit: Callable[[], bool] | None = None,
        on_refused: ConnectionCallback | None = None,
    ) -> None:
        self._reactor = reactor
        self._sockets = sockets
        self._on_connection = on_connection
        self._sink = sink
        self._source = source
        self._admit = admit
        self._on_refused = on_refused or self._close_refused
        self._watching = False
        self._retry: Timer | None = None
        self._starved = False  # out of descriptors since the last successful accept
        self.refused = 0
        self._last_refusal_log = 0.0
        self._watch()

    @property
    def sockets(self) -> list[socket.socket]:
        return list(self._sockets)

    @property
    def port(self) -> int:
        return int(self._sockets[0].getsockname()[1]) if self._sockets else 0

    def addresses(self) -> list[str]:
        return [format_sockaddr(sock.getsockname()) for sock in self._sockets]

    @property
    def accepting(self) -> bool:
        """False while paused for lack of file descriptors."""
        return self._watching

    def close(self) -> None:
        """Stop listening and release the sockets; idempotent, no log line."""
        if self._retry is not None:
            self._retry.cancel()
            self._retry = None
        self._unwatch()
        for sock in self._sockets:
            sock.close()
        self._sockets = []

    # -- internals ---------------------------------------------------------------------

    def _watch(self) -> None:
        for sock in self._sockets:
            self._reactor.register(sock, selectors.EVENT_READ, partial(self._accept, sock))
        self._watching = bool(self._sockets)

    def _unwatch(self) -> None:
        if self._watching:
            for sock in self._sockets:
                self._reactor.unregister(sock)
        self._watching = False

    def _accept(self, listener: socket.socket, _mask: int = 0) -> None:
        for _ in range(ACCEPT_BATCH):
            if not self._watching:
                return  # closed (or paused) by the owner while handling the last one
            try:
                conn, address = listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:
                if exc.errno in _CONNECTION_GONE:
                    continue
                if exc.errno in _OUT_OF_DESCRIPTORS:
                    self._pause(exc)
                else:
                    self._log(Kind.ERROR, f"Cannot accept: {describe(exc)}")
                return
            if self._starved:
                self._starved = False
                self._log(Kind.INFO, "File descriptors are free again: accepting connections")
            peer = format_sockaddr(address)
            if self._admit is not None and not self._admit():
                self._on_refused(conn, peer)
                continue
            self._on_connection(conn, peer)

    def _pause(self, exc: OSError) -> None:
        self._unwatch()
        if not self._starved:
            self._starved = True
            self._log(
                Kind.ERROR,
                f"Cannot accept: {describe(exc)} (out of file descriptors); "
                f"new connections wait and are tried again every {FD_RETRY:g} s",
            )
        self._retry = self._reactor.call_later(FD_RETRY, self._resume)

    def _resume(self) -> None:
        self._retry = None
        if self._sockets and not self._watching:
            self._watch()

    def _close_refused(self, conn: socket.socket, peer: str) -> None:
        conn.close()
        self.refused += 1
        now = time.monotonic()
        if now - self._last_refusal_log >= 1.0:
            self._last_refusal_log = now
            self._sink(
                make_event(
                    self._source,
                    Kind.ERROR,
                    f"Refused a connection: at the connection limit "
                    f"({self.refused:,} refused so far)",
                    peer=peer,
                )
            )

    def _log(self, kind: Kind, message: str) -> None:
        self._sink(make_event(self._source, kind, message))
