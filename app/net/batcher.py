"""Collects log events from any thread and hands them on as timed batches.

One signal per event would drown the GUI under a flood; one batch at most every ~30 ms
keeps it responsive. A batch is only delivered once the previous one was acknowledged,
so a slow consumer gets fewer, larger batches instead of an unbounded signal queue.

The flush is armed only while events wait: given `wake` (the loop's `Reactor.wake`), the
batcher calls it when the first event of an empty queue arrives and when an ack finds
events waiting, so the loop can sleep without a period in between. Once per batch, never
per event: under a flood `add` runs hundreds of thousands of times a second.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from app.net.events import LogEvent

Deliver = Callable[[list[LogEvent]], None]


class EventBatcher:
    INTERVAL = 0.03

    def __init__(
        self,
        deliver: Deliver,
        interval: float = INTERVAL,
        wake: Callable[[], None] | None = None,
    ) -> None:
        self._deliver = deliver
        self._interval = interval
        self._wake = wake
        self._lock = threading.Lock()
        self._pending: list[LogEvent] = []
        self._in_flight = False
        self._last_flush = 0.0
        self._pending_bytes = 0
        self._in_flight_bytes = 0

    def add(self, event: LogEvent) -> None:
        """Queue one event; safe from any thread."""
        with self._lock:
            pending = self._pending
            pending.append(event)
            self._pending_bytes += event.size
            if len(pending) > 1 or self._in_flight:
                return  # the loop already knows, or the ack will tell it
        if self._wake is not None:
            self._wake()

    def extend(self, events: list[LogEvent]) -> None:
        if not events:
            return
        with self._lock:
            pending = self._pending
            first = not pending
            pending.extend(events)
            self._pending_bytes += sum(e.size for e in events)
            if not first or self._in_flight:
                return
        if self._wake is not None:
            self._wake()

    def ack(self) -> None:
        """The consumer finished the last batch; the next may go."""
        # Under the lock: an `add` then either sees the batch still in flight (and leaves
        # the wake to this ack) or sees it acknowledged and wakes the loop itself.
        with self._lock:
            self._in_flight = False
            self._in_flight_bytes = 0
            waiting = bool(self._pending)
        if waiting and self._wake is not None:
            self._wake()

    @property
    def backlog_bytes(self) -> int:
        """Traffic bytes produced but not yet taken in by the consumer."""
        return self._pending_bytes + self._in_flight_bytes

    def due_in(self) -> float | None:
        """Seconds until a flush is due, or None when nothing waits."""
        if not self._pending:
            return None
        if self._in_flight:
            return self._interval
        return max(0.0, self._last_flush + self._interval - time.monotonic())

    def flush_if_due(self) -> float | None:
        """Deliver if the interval has passed; returns when to call again (reactor hook).

        None while nothing waits. With `wake`, also None while a batch is in flight: its
        ack wakes the loop, which then need not poll for it.
        """
        wait = self.due_in()
        if wait == 0.0:
            self.flush()
            wait = self.due_in()
        if self._in_flight and self._wake is not None:
            return None
        return wait

    def flush(self, force: bool = False) -> None:
        """Deliver what is pending now (force: even if the last batch is not acked)."""
        if self._in_flight and not force:
            return
        with self._lock:
            if not self._pending:
                return
            batch, self._pending = self._pending, []
            self._in_flight_bytes += self._pending_bytes
            self._pending_bytes = 0
        self._in_flight = True
        self._last_flush = time.monotonic()
        self._deliver(batch)
