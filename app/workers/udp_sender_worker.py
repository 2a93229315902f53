"""The UDP Sender tab's worker: a UdpSender on its own Reactor thread."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal, Slot

from app.net.events import LogEvent, Source
from app.net.udp.sender import UdpSender
from app.net.udp.status import UdpJob, UdpStatus
from app.workers.reactor_worker import ReactorWorker


class UdpSenderWorker(ReactorWorker):
    status_changed = Signal(object)  # UdpStatus
    progress = Signal(object)  # UdpProgress, at most 10 a second

    source = Source.UDP

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        # Events handed to the batcher and events the GUI has taken in; each counter is
        # written by one thread only, so their difference needs no lock.
        self._produced = 0
        self._consumed = 0
        self.events.connect(self._taken_in)
        self._sender = UdpSender(
            self.reactor,
            self.sink,
            self._status,
            self.progress.emit,
            sink_many=self.sink_many,
            backlog=self.backlog_events,
        )

    # -- any thread ------------------------------------------------------------------

    def send(self, job: UdpJob) -> None:
        self.post(self._sender.start, job)

    def stop_run(self) -> None:
        self.post(self._sender.stop)

    def set_listen(self, listen: bool) -> None:
        self.post(self._sender.set_listen, listen)

    def release(self) -> None:
        self.post(self._sender.release)

    def backlog_events(self) -> int:
        return self._produced - self._consumed

    # -- loop thread -----------------------------------------------------------------

    def sink(self, event: LogEvent) -> None:
        self._produced += 1
        super().sink(event)

    def sink_many(self, events: list[LogEvent]) -> None:
        """A whole burst at once: one lock and one list extend instead of one per event."""
        self._produced += len(events)
        self._batcher.extend(events)

    def shutdown(self) -> None:
        self._sender.close()

    def _status(self, status: UdpStatus) -> None:
        # Log lines that led to the state change arrive before the change itself.
        self.flush_events()
        self.status_changed.emit(status)

    # -- GUI thread ------------------------------------------------------------------

    @Slot(object)
    def _taken_in(self, batch: list[LogEvent]) -> None:
        self._consumed += len(batch)
