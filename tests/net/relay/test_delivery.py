"""PieceQueue on a running Reactor: due order, at once when due, cleared on close."""

from __future__ import annotations

import threading
import time

from app.net.relay.delivery import PieceQueue
from app.net.relay.schedule import Piece
from tests.net.reactor_harness import ReactorThread, poll_until


def test_pieces_leave_in_order_at_their_due_time(loop: ReactorThread) -> None:
    delivered: list[tuple[bytes, float]] = []
    batches = []
    queue = PieceQueue(
        loop.reactor,
        lambda p: delivered.append((p.data, time.monotonic())),
        lambda: batches.append(1),
    )
    now = time.monotonic()
    pieces = [Piece(now + 0.05, b"a"), Piece(now + 0.10, b"b"), Piece(now + 0.10, b"c")]
    loop.reactor.call_soon(queue.add, pieces)
    poll_until(lambda: len(delivered) == 3)
    assert [d for d, _ in delivered] == [b"a", b"b", b"c"]
    assert delivered[0][1] >= now + 0.05 and delivered[1][1] >= now + 0.10
    assert queue.empty and queue.pending == 0 and batches


def test_a_due_piece_with_nothing_waiting_goes_at_once(loop: ReactorThread) -> None:
    delivered: list[bytes] = []
    done = threading.Event()
    queue = PieceQueue(loop.reactor, lambda p: delivered.append(p.data), done.set)
    loop.reactor.call_soon(queue.add, [Piece(0.0, b"now")])
    assert done.wait(5) and delivered == [b"now"]


def test_clear_forgets_what_waits(loop: ReactorThread) -> None:
    delivered: list[bytes] = []
    queue = PieceQueue(loop.reactor, lambda p: delivered.append(p.data), lambda: None)
    later = time.monotonic() + 0.05
    cleared = threading.Event()

    def add_then_clear() -> None:
        queue.add([Piece(later, b"never")])
        assert queue.pending == 5
        queue.clear()
        cleared.set()

    loop.reactor.call_soon(add_then_clear)
    assert cleared.wait(5)
    marker = threading.Event()
    # Well past the piece's due time (timers are set from the loop thread).
    loop.reactor.call_soon(loop.reactor.call_later, 0.1, marker.set)
    assert marker.wait(5) and delivered == []
