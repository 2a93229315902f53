"""The one worker pattern: a QThread running a Reactor, with batched event signals."""

from __future__ import annotations

import traceback
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QObject, QThread, Signal, Slot

from app.net.batcher import EventBatcher
from app.net.events import Kind, LogEvent, Source, make_event
from app.net.reactor import Reactor

StatusT = TypeVar("StatusT")

# What one waiting event holds in memory besides its payload (the tuple, its strings, the
# row the log makes of it), in bytes. The backlog counts it so that a flood of tiny or
# empty datagrams is bounded as surely as a flood of 64 KiB chunks.
EVENT_COST = 256


class ReactorWorker(QThread, Generic[StatusT]):
    """Runs `self.reactor` in its own thread until `stop()`.

    Subclasses create their net/ object in `__init__` (it is only touched from the loop
    thread afterwards), hand it `sink`, `sink_many`, `report_status` and `backlog`, and
    post commands with `post()`. Everything the net object reports arrives in the GUI
    thread as `events(list[LogEvent])`, at most one batch per ~30 ms and never more than
    one batch queued at a time, and its state as `status_changed(StatusT)`.
    """

    events = Signal(object)  # list[LogEvent], delivered in the GUI thread
    status_changed = Signal(object)  # StatusT, always after the events that led to it
    # Emitted from the loop thread; this QThread object lives in the GUI thread, so the
    # connection to `_deliver` is queued and `_deliver` runs in the GUI thread.
    _batch_ready = Signal(object)

    source = Source.APP

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.reactor = Reactor()
        self.reactor.on_exception = self._report_exception
        # wake: events sunk from another thread, or an ack finding events waiting, end
        # the loop's sleep; an idle worker has no periodic wake-up.
        self._batcher = EventBatcher(self._batch_ready.emit, wake=self.reactor.wake)
        self._batch_ready.connect(self._deliver)
        self.reactor.add_idle_hook(self._batcher.flush_if_due)
        # Events handed to the batcher (loop thread) and taken in by the GUI (GUI thread):
        # each counter has one writer, so their difference needs no lock.
        self._produced = 0
        self._consumed = 0

    # -- used from the loop thread -------------------------------------------------------

    def sink(self, event: LogEvent) -> None:
        self._produced += 1
        self._batcher.add(event)

    def sink_many(self, events: list[LogEvent]) -> None:
        """A whole burst at once: one lock and one list extend instead of one per event."""
        self._produced += len(events)
        self._batcher.extend(events)

    def report_status(self, status: StatusT) -> None:
        """Signal a state change; the log lines that led to it are delivered first."""
        self._batcher.flush(force=True)
        self.status_changed.emit(status)

    def backlog(self) -> int:
        """What waits for the GUI, in bytes: payloads plus EVENT_COST per event.

        The one measure every net object throttles on (a reader stops reading, a sender
        waits) so a slow log slows the traffic instead of growing memory.
        """
        return self._batcher.backlog_bytes + (self._produced - self._consumed) * EVENT_COST

    # -- used from any thread ----------------------------------------------------------

    def post(self, fn: Callable[..., Any], *args: Any) -> None:
        self.reactor.call_soon(fn, *args)

    # -- GUI thread ------------------------------------------------------------------

    def stop(self, timeout_ms: int = 1000) -> bool:
        """Ask the loop to end and wait for the thread; True when it ended in time."""
        self.reactor.stop()
        if not self.isRunning():
            if not self.isFinished():
                # Never started: run() will not release the loop's sockets, so do it here.
                self.shutdown()
                self.reactor.close()
            return True
        return self.wait(timeout_ms)

    @Slot(object)
    def _deliver(self, batch: list[LogEvent]) -> None:
        try:
            self.events.emit(batch)
        finally:
            self._consumed += len(batch)
            self._batcher.ack()

    # -- loop thread -----------------------------------------------------------------

    def run(self) -> None:
        try:
            self.reactor.run()
        except Exception as exc:
            self._report_exception(exc)
        finally:
            try:
                self.shutdown()
            except Exception as exc:
                self._report_exception(exc)
            self._batcher.flush(force=True)
            self.reactor.close()

    def shutdown(self) -> None:
        """Release the net object's sockets; runs in the loop thread as it ends."""

    def _report_exception(self, exc: BaseException) -> None:
        text = "".join(traceback.format_exception(exc))
        self.sink(
            make_event(
                self.source,
                Kind.ERROR,
                f"Internal error: {type(exc).__name__}: {exc} (details in this row)",
                detail=text,
            )
        )
