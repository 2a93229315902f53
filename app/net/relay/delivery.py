"""Pieces waiting for their due time, delivered in order by one Reactor timer."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

from app.net.reactor import Reactor, Timer
from app.net.relay.schedule import Piece


class PieceQueue:
    """Holds planned pieces and calls `deliver(piece)` for each once it is due.

    Pieces come in due order (the scheduler guarantees it), so only the head needs a
    timer. A piece already due when nothing waits goes out at once, without a timer: the
    fast path of a relay with no faults. `on_delivered()` runs after each batch of
    deliveries (the owner resumes reading, or finishes an end of stream). Loop thread only.
    """

    def __init__(
        self,
        reactor: Reactor,
        deliver: Callable[[Piece], None],
        on_delivered: Callable[[], None],
    ) -> None:
        self._reactor = reactor
        self._deliver = deliver
        self._on_delivered = on_delivered
        self._pieces: deque[Piece] = deque()
        self._timer: Timer | None = None
        self.pending = 0  # bytes waiting

    @property
    def empty(self) -> bool:
        return not self._pieces

    def add(self, pieces: list[Piece]) -> None:
        if not pieces:
            return
        if not self._pieces and len(pieces) == 1 and pieces[0].due <= time.monotonic():
            self._deliver(pieces[0])
            self._on_delivered()
            return
        for piece in pieces:
            self._pieces.append(piece)
            self.pending += len(piece.data)
        if self._timer is None:
            self._run()

    def clear(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._pieces.clear()
        self.pending = 0

    def _run(self) -> None:
        self._timer = None
        pieces = self._pieces
        now = time.monotonic()
        delivered = False
        while pieces and pieces[0].due <= now:
            piece = pieces.popleft()
            self.pending -= len(piece.data)
            self._deliver(piece)
            delivered = True
        if pieces and self._timer is None:
            self._timer = self._reactor.call_later(pieces[0].due - now, self._run)
        if delivered:
            self._on_delivered()
