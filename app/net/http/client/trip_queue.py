"""The round trips of finished hops, handed to the recorder once the loop is waiting.

In a keep-alive loop, what runs between a response's last byte and the next request's
send is the loop's critical path: the server waits for it. Recording a round trip
(pairing, histogram, export records) can wait for the server's turn instead, when the
client has nothing else to do; the engine flushes the queue then (after the request
has left, and before the loop sleeps), so the statistics are never a turn late.
"""

from __future__ import annotations

from app.net.round_trips import RoundTripRecorder

LOST = -1  # the received size of a hop that sent and got no answer


class TripQueue:
    """Lives in the reactor's thread; every hop is connection 0 of the recorder."""

    def __init__(self, recorder: RoundTripRecorder) -> None:
        self.recorder = recorder
        self._due: list[tuple[int, int, int, int]] = []  # sent_ns, size, received_ns, size

    def __len__(self) -> int:
        return len(self._due)

    def add(self, sent_ns: int, sent_size: int, received_ns: int, received: int) -> None:
        """`received` bytes answered at `received_ns`; LOST: sent and never answered."""
        self._due.append((sent_ns, sent_size, received_ns, received))

    def flush(self) -> None:
        if not self._due:
            return
        due, self._due = self._due, []
        recorder = self.recorder
        for sent_ns, sent_size, received_ns, received in due:
            recorder.sent(0, sent_ns, sent_size)
            if received == LOST:
                recorder.closed(0)  # sent and never answered: lost
            else:
                recorder.received(0, received_ns, received)
