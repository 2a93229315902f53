"""Runs a Reactor in a thread for net/ tests and collects the events it reports."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from app.net.events import Kind, LogEvent
from app.net.reactor import Reactor


class ReactorThread:
    def __init__(self) -> None:
        self.reactor = Reactor()
        self.events: list[LogEvent] = []
        self.states: list[object] = []
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._thread = threading.Thread(target=self.reactor.run, daemon=True)
        # Net objects to close once the loop has ended (their sockets must not leak).
        self.closers: list[Callable[[], None]] = []

    def start(self) -> ReactorThread:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.reactor.stop()
        self._thread.join(2)
        assert not self._thread.is_alive(), "reactor thread did not stop within 2 s"
        for close in self.closers:
            close()
        self.reactor.close()

    def sink(self, event: LogEvent) -> None:
        with self._changed:
            self.events.append(event)
            self._changed.notify_all()

    def on_state(self, state: object) -> None:
        with self._changed:
            self.states.append(state)
            self._changed.notify_all()

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 10.0) -> None:
        """Block the test thread (never a GUI) until the predicate holds."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not predicate():
                remaining = deadline - time.monotonic()
                assert remaining > 0, f"timed out; events: {[e.message for e in self.events]}"
                self._changed.wait(remaining)

    def of_kind(self, kind: Kind) -> list[LogEvent]:
        with self._lock:
            return [e for e in self.events if e.kind is kind]

    def received(self) -> bytes:
        return b"".join(e.data for e in self.of_kind(Kind.RECEIVED))


def poll_until(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    """For a condition no callback announces (a counter, a mask the loop thread changes)."""
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        pause.wait(0.005)
