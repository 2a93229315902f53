"""The one UDP socket a tab sends from and hears on: opened, reused while it fits, closed.

Loop thread only. Its selector interest is kept here (one mask per socket), so the owner
only says what it wants now.
"""

from __future__ import annotations

import socket

from app.net.address import format_sockaddr
from app.net.reactor import IoCallback, Reactor
from app.net.udp.datagram import open_bound_socket
from app.net.udp.icmp import enable_error_queue


class UdpEndpoint:
    def __init__(self, reactor: Reactor) -> None:
        self._reactor = reactor
        self.sock: socket.socket | None = None
        self.family = 0
        self.connected = False  # connected sockets hear only their peer (see sender.py)
        self.error_queue = False  # ICMP errors wait in the socket's error queue (Linux)
        self._bind_host = ""
        self._bound_port = 0  # the local port the user asked for (0 = any)
        self._mask = 0

    def fits(self, family: int, bind_host: str, local_port: int, *, connect: bool) -> bool:
        """Whether the open socket can serve a run with these needs as it is."""
        return (
            self.sock is not None
            and self.family == family
            and self._bind_host == bind_host
            and not self.connected
            and not connect
            and local_port in (0, self._bound_port)
        )

    def open(self, family: int, bind_host: str, local_port: int, *, connect: bool) -> str:
        """Close any open socket and open a new one; returns why it failed, or ""."""
        self.close()
        opened = open_bound_socket(family, local_port, bind_host)
        if isinstance(opened, str):
            return opened
        self.sock = opened
        self.family = family
        self._bind_host = bind_host
        self.connected = connect
        self.error_queue = not connect and enable_error_queue(opened, family)
        self._bound_port = local_port
        return ""

    @property
    def error_queue_socket(self) -> socket.socket | None:
        """The socket when its error queue says which destination an ICMP error is about."""
        return self.sock if self.error_queue else None

    def watch(self, mask: int, callback: IoCallback) -> None:
        """Register for exactly `mask` (0: nothing) on the open socket."""
        if self.sock is None:
            self._mask = 0
            return
        self._mask = self._reactor.set_interest(self.sock, self._mask, mask, callback)

    def local(self) -> str:
        """The bound address as the log shows it ("" when closed)."""
        if self.sock is None:
            return ""
        try:
            return format_sockaddr(self.sock.getsockname())
        except OSError:
            return ""

    def close(self) -> None:
        if self.sock is not None:
            self._reactor.unregister(self.sock)
            self.sock.close()
            self.sock = None
        self._mask = 0
