"""Connect many TCP sockets to one target in waves, for a load run (app/net/tcp/load_run.py).

At most CONNECT_WAVE attempts are in flight, and the next wave starts CONNECT_PAUSE after
the last one settled: a thousand SYNs at once would overflow the listen backlog of the
server (128 for the TCP Server tab, app/net/listener.py; often less for a device), and a
dropped SYN costs a one-second retransmission, not an error. Each wave has the attempt
timeout; failures are counted by reason, never logged one by one.
Loop thread only.
"""

from __future__ import annotations

import socket
from collections import Counter, deque
from collections.abc import Callable
from functools import partial

from app.net.connector import Connector
from app.net.reactor import Reactor, Timer
from app.net.resolver import AddrInfo

CONNECT_WAVE = 16  # attempts in flight at once (a small test peer listens with 16)
CONNECT_PAUSE = 0.002  # between two waves: lets the server's accept loop keep up


class ConnectWaves:
    """Connects `count` sockets to `infos`; `on_connected(index, sock)` for each one that
    connects, `on_done()` once every attempt settled (`failures` says why the others
    did not). `start()` once; `cancel()` releases what is in flight."""

    def __init__(
        self,
        reactor: Reactor,
        infos: list[AddrInfo],
        count: int,
        timeout: float,
        on_connected: Callable[[int, socket.socket], None],
        on_settled: Callable[[], None],
        on_done: Callable[[], None],
    ) -> None:
        self._reactor = reactor
        self._infos = infos
        self._timeout = timeout
        self._on_connected = on_connected
        self._on_settled = on_settled  # after every outcome (progress)
        self._on_done = on_done
        self._to_connect = deque(range(count))
        # None while its Connector is being made: it may fail inside its constructor.
        self._connecting: dict[int, Connector | None] = {}
        self.failures: Counter[str] = Counter()
        self.largest_wave = 0
        self._timer: Timer | None = None
        self._deadline: Timer | None = None
        self._in_wave = False
        self._active = True

    def start(self) -> None:
        self._wave()

    @property
    def failed(self) -> int:
        return sum(self.failures.values())

    def cancel(self) -> None:
        self._active = False
        for timer in (self._timer, self._deadline):
            if timer is not None:
                timer.cancel()
        self._timer = self._deadline = None
        for connector in self._connecting.values():
            if connector is not None:
                connector.cancel()
        self._connecting.clear()
        self._to_connect.clear()

    def _wave(self) -> None:
        self._timer = None
        self._in_wave = True
        while self._to_connect and len(self._connecting) < CONNECT_WAVE and self._active:
            index = self._to_connect.popleft()
            self._connecting[index] = None
            connector = Connector(
                self._reactor,
                self._infos,
                partial(self._connected, index),
                partial(self._failed, index),
            )
            if index in self._connecting:  # not settled at once (refused locally)
                self._connecting[index] = connector
        self._in_wave = False
        self.largest_wave = max(self.largest_wave, len(self._connecting))
        if not self._active:
            return
        if self._connecting and self._deadline is None:
            self._deadline = self._reactor.call_later(self._timeout, self._timed_out)
        self._settled()

    def _connected(self, index: int, sock: socket.socket) -> None:
        self._connecting.pop(index, None)
        self._on_connected(index, sock)
        self._settled()

    def _failed(self, index: int, reason: str) -> None:
        self._connecting.pop(index, None)
        self.failures[reason] += 1
        self._settled()

    def _timed_out(self) -> None:
        self._deadline = None
        for connector in self._connecting.values():
            if connector is not None:
                connector.cancel()
            self.failures[f"Timed out after {self._timeout:g} s"] += 1
        self._connecting.clear()
        self._settled()

    def _settled(self) -> None:
        if not self._active:
            return
        self._on_settled()
        if self._connecting or self._in_wave or self._timer is not None:
            return
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None
        if self._to_connect:
            self._timer = self._reactor.call_later(CONNECT_PAUSE, self._wave)
        else:
            self._active = False
            self._on_done()
