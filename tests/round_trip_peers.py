"""Echo peers for round-trip tests: immediate or delayed, answering only some datagrams,
or answering them out of order; each keeps what it saw and what it answered."""

from __future__ import annotations

import heapq
import re
import select
import socket
import threading
import time
from collections.abc import Callable
from types import TracebackType

from tests.peers import _ThreadedServer

NUMBER = re.compile(rb"[0-9]+")


def counter_of(data: bytes) -> int:
    """The first number in a datagram (the test payloads carry their {{counter}})."""
    match = NUMBER.search(data)
    assert match is not None, data
    return int(match.group())


class DelayedTcpEcho(_ThreadedServer):
    """Echoes each chunk it reads after `delay` seconds (the peer's own behaviour)."""

    def __init__(self, delay: float = 0.0) -> None:
        super().__init__()
        self.delay = delay
        self.echoed = 0  # chunks answered, all connections

    def serve(self, conn: socket.socket) -> None:
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        while data := conn.recv(65536):
            if self.delay:
                time.sleep(self.delay)
            conn.sendall(data)
            with self._lock:
                self.echoed += 1


class UdpEchoPeer:
    """Answers datagrams on a loopback port with the same bytes.

    `answers(data)` says which to answer (default: all); `delay` holds each answer that
    long; with `reorder`, answers go out in pairs, the second datagram's first.
    """

    def __init__(
        self,
        *,
        delay: float = 0.0,
        answers: Callable[[bytes], bool] | None = None,
        reorder: bool = False,
    ) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        self.sock.bind(("127.0.0.1", 0))
        self.host = "127.0.0.1"
        self.port: int = self.sock.getsockname()[1]
        self.delay = delay
        self.answers = answers or (lambda _data: True)
        self.reorder = reorder
        self.seen: list[bytes] = []
        self.answered: list[bytes] = []
        self._held: tuple[bytes, object] | None = None
        self._due: list[tuple[float, int, bytes, object]] = []
        self._seq = 0
        self._changed = threading.Condition()
        self._closing = False
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> UdpEchoPeer:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._closing = True
        self._thread.join(5)
        self.sock.close()

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 10.0) -> bool:
        with self._changed:
            return self._changed.wait_for(predicate, timeout)

    def _serve(self) -> None:
        while not self._closing:
            # The wait is the peer's schedule for held answers, or a poll of the flag.
            wait = 0.05 if not self._due else max(0.0, self._due[0][0] - time.monotonic())
            readable, _, _ = select.select([self.sock], [], [], min(wait, 0.05))
            if readable:
                data, address = self.sock.recvfrom(65_535)
                with self._changed:
                    self.seen.append(data)
                    self._changed.notify_all()
                if self.answers(data):
                    self._schedule(data, address)
            now = time.monotonic()
            while self._due and self._due[0][0] <= now:
                _, _, payload, where = heapq.heappop(self._due)
                self.sock.sendto(payload, where)  # type: ignore[arg-type]
                with self._changed:
                    self.answered.append(payload)
                    self._changed.notify_all()

    def _schedule(self, data: bytes, address: object) -> None:
        if self.reorder:
            if self._held is None:
                self._held = (data, address)
                return
            first, self._held = self._held, None
            self._push(data, address)
            self._push(*first)
            return
        self._push(data, address)

    def _push(self, data: bytes, address: object) -> None:
        self._seq += 1
        heapq.heappush(self._due, (time.monotonic() + self.delay, self._seq, data, address))
