"""The UDP Listener's table of source addresses: one record a peer, updated in place.

Bounded: past `MAX_PEERS` the peer seen first is forgotten (its rows stay in the log),
and the owner says so once. Records are found by address (per datagram, the hot path
reads `by_address` directly) and by the `host:port` name the GUI shows.
"""

from __future__ import annotations

from collections.abc import Callable

from app.net.address import format_peer
from app.net.udp.listener_endpoints import Endpoint
from app.net.udp.listener_status import PeerStats

MAX_PEERS = 10_000

Address = tuple[object, ...]


class Peer:
    """One source address: updated in place per datagram, the cheapest record to keep."""

    __slots__ = ("address", "bytes", "datagrams", "endpoint", "last_seen", "name")

    def __init__(self, name: str, address: Address, endpoint: Endpoint) -> None:
        self.name = name
        self.address = address
        self.endpoint = endpoint
        self.datagrams = 0
        self.bytes = 0
        self.last_seen = 0.0


class PeerTable:
    def __init__(self, on_forgotten: Callable[[Address, int], None]) -> None:
        """`on_forgotten(address, n)` runs for each peer dropped at the bound (n from 1)."""
        self.by_address: dict[Address, Peer] = {}
        self._by_name: dict[str, Address] = {}
        self._on_forgotten = on_forgotten
        self.forgotten = 0

    def __len__(self) -> int:
        return len(self.by_address)

    def clear(self) -> None:
        self.by_address.clear()
        self._by_name.clear()
        self.forgotten = 0

    def named(self, name: str) -> Peer | None:
        address = self._by_name.get(name)
        return self.by_address.get(address) if address is not None else None

    def add(self, address: Address, endpoint: Endpoint) -> Peer:
        host, port = str(address[0]), int(str(address[1]))
        if host.startswith("::ffff:") and "." in host:
            host = host[7:]  # an IPv4 sender reaching a dual-stack socket
        name = format_peer(host, port)
        if len(self.by_address) >= MAX_PEERS:
            oldest = next(iter(self.by_address))
            dropped = self.by_address.pop(oldest)
            self._by_name.pop(dropped.name, None)
            self.forgotten += 1
            self._on_forgotten(oldest, self.forgotten)
        record = Peer(name, address, endpoint)
        self.by_address[address] = record
        self._by_name[name] = address
        return record

    def stats(self) -> tuple[PeerStats, ...]:
        return tuple(
            PeerStats(p.name, p.datagrams, p.bytes, p.last_seen) for p in self.by_address.values()
        )
