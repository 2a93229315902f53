"""The TCP relay: a Listener whose every accepted client becomes a RelayConnection."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterable

from app.net.events import EventSink
from app.net.framing import AS_RECEIVED, FramingSpec
from app.net.listener import Listener, open_listeners, raise_file_limit
from app.net.reactor import Reactor
from app.net.relay.faults import RelayFaults
from app.net.relay.status import RelayRow
from app.net.relay.tcp_connection import CONNECT_TIMEOUT, SOURCE, RelayConnection
from app.net.resolver import AddrInfo

# Past this many clients a new connection is accepted and closed at once (one line a
# second at most, the Listener's default refusal).
MAX_CONNECTIONS = 1000
LISTEN_BACKLOG = 1024


class TcpRelay:
    """Lives in the reactor's thread. `start` raises ListenError (nothing stays open)."""

    def __init__(
        self,
        reactor: Reactor,
        sink: EventSink,
        faults: Callable[[], RelayFaults],
        on_changed: Callable[[], None],
        backlog: Callable[[], bool] | None = None,
    ) -> None:
        self._reactor = reactor
        self._sink = sink
        self._faults = faults
        self._on_changed = on_changed
        self._backlog = backlog
        self._listener: Listener | None = None
        self._connections: dict[str, RelayConnection] = {}
        self._target = ""
        self._target_addresses: list[AddrInfo] = []
        self.connect_timeout = CONNECT_TIMEOUT
        self.framing = AS_RECEIVED

    def start(self, host: str, port: int, target: str, addresses: list[AddrInfo]) -> list[str]:
        """Listen on host:port and relay to `addresses` (tried in order); the bound ends."""
        raise_file_limit()  # each client costs two descriptors
        sockets = open_listeners(host, port, LISTEN_BACKLOG)
        self._target = target
        self._target_addresses = [a for a in addresses if a[1] == socket.SOCK_STREAM]
        self._listener = Listener(
            self._reactor,
            sockets,
            self._accept,
            self._sink,
            SOURCE,
            admit=lambda: len(self._connections) < MAX_CONNECTIONS,
        )
        return self._listener.addresses()

    def stop(self) -> int:
        """Close the listener and every connection silently; how many there were."""
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        connections = list(self._connections.values())
        self._connections.clear()
        for connection in connections:
            connection.close()
        return len(connections)

    def rows(self) -> list[RelayRow]:
        return [connection.row() for connection in self._connections.values()]

    def connection_count(self) -> int:
        return len(self._connections)

    def inject(self, peers: Iterable[str] | None, data: bytes, to_target: bool) -> list[str]:
        """Write `data` to one side of the chosen connections (all for None).

        Returns the clients it could not be written for (gone, or still connecting).
        """
        chosen = list(self._connections) if peers is None else list(peers)
        missed = []
        for peer in chosen:
            connection = self._connections.get(peer)
            if connection is None or not connection.inject(data, to_target):
                missed.append(peer)
        self._on_changed()
        return missed

    def set_framing(self, spec: FramingSpec) -> None:
        self.framing = spec
        for connection in list(self._connections.values()):
            connection.set_framing(spec)

    def disconnect(self, peers: Iterable[str]) -> None:
        for peer in peers:
            connection = self._connections.get(peer)
            if connection is not None:
                connection.disconnect()

    def _accept(self, conn: socket.socket, peer: str) -> None:
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        connection = RelayConnection(
            self._reactor,
            conn,
            peer,
            self._target,
            self._target_addresses,
            self._sink,
            self._faults,
            self._closed,
            self._on_changed,
            self._backlog,
            self.connect_timeout,
            self.framing,
        )
        if not connection.closed:
            self._connections[peer] = connection
        self._on_changed()

    def _closed(self, connection: RelayConnection) -> None:
        if self._connections.get(connection.client) is connection:
            del self._connections[connection.client]
        self._on_changed()
