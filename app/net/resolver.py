"""Name resolution off the loop thread, so a slow resolver never stalls the loop."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable

from app.net.reactor import Reactor

AddrInfo = tuple[
    socket.AddressFamily, socket.SocketKind, int, str, tuple[str, int] | tuple[str, int, int, int]
]
ResolveDone = Callable[[list[AddrInfo] | None, str], None]


def resolve_async(
    reactor: Reactor, host: str, port: int, sock_type: int, done: ResolveDone
) -> None:
    """Call `done(infos, "")` or `done(None, reason)` in the loop thread.

    getaddrinfo cannot be interrupted, so it runs in a daemon thread: a stop while a name
    is resolving leaves that thread to finish on its own instead of holding up the exit.
    """

    def work() -> None:
        try:
            infos = socket.getaddrinfo(host, port, type=sock_type)
        except (OSError, ValueError) as exc:
            # ValueError (UnicodeError is one) covers names getaddrinfo cannot even take,
            # such as one with a NUL in it: the caller must still get an answer.
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            if not reactor.stopping:
                reactor.call_soon(done, None, reason)
            return
        if not reactor.stopping:
            reactor.call_soon(done, infos, "")

    threading.Thread(target=work, name=f"resolve {host}", daemon=True).start()
