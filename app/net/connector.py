"""Connect a TCP socket to the first resolved address that answers, without blocking.

The TCP client and the relay's target side both try the addresses a name resolved to in
order (IPv6 and IPv4 alike): a non-blocking `connect_ex`, then write readiness and
`SO_ERROR` say how it went; a refusal moves on to the next address. The outcome is one
callback: the connected socket, or the reason the last address gave.
"""

from __future__ import annotations

import errno
import selectors
import socket
from collections import deque
from collections.abc import Callable, Iterable

from app.net.errors import describe, describe_errno
from app.net.reactor import Reactor
from app.net.resolver import AddrInfo

_IN_PROGRESS = (0, errno.EINPROGRESS, errno.EWOULDBLOCK, errno.EAGAIN)


class Connector:
    """Lives in the reactor's thread; starts at once. `cancel()` releases the attempt."""

    def __init__(
        self,
        reactor: Reactor,
        candidates: Iterable[AddrInfo],
        on_connected: Callable[[socket.socket], None],
        on_failed: Callable[[str], None],
    ) -> None:
        self._reactor = reactor
        self._candidates = deque(candidates)
        self._on_connected = on_connected
        self._on_failed = on_failed
        self._sock: socket.socket | None = None
        self._last_error = ""
        self._try_next()

    def cancel(self) -> None:
        self._candidates.clear()
        sock, self._sock = self._sock, None
        if sock is not None:
            self._reactor.unregister(sock)
            sock.close()

    def _try_next(self) -> None:
        while self._candidates:
            family, sock_type, proto, _, address = self._candidates.popleft()
            try:
                sock = socket.socket(family, sock_type, proto)
            except OSError as exc:
                self._last_error = describe(exc)
                continue
            sock.setblocking(False)
            code = sock.connect_ex(address)
            if code in _IN_PROGRESS:
                self._sock = sock
                self._reactor.register(sock, selectors.EVENT_WRITE, self._connect_done)
                return
            sock.close()
            self._last_error = describe_errno(code)
        self._on_failed(self._last_error or "Cannot connect")

    def _connect_done(self, _mask: int) -> None:
        sock, self._sock = self._sock, None
        if sock is None:
            return
        self._reactor.unregister(sock)
        code = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if code:
            sock.close()
            self._last_error = describe_errno(code)
            self._try_next()
            return
        self._on_connected(sock)
