"""The UDP Sender tab's worker: a UdpSender on its own Reactor thread."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from app.net.events import Source
from app.net.round_trips import RoundTripRecorder
from app.net.udp.sender import UdpSender
from app.net.udp.status import UdpJob, UdpStatus
from app.workers.round_trip_worker import RoundTripWorker


class UdpSenderWorker(RoundTripWorker[UdpStatus]):
    progress = Signal(object)  # UdpProgress, at most 10 a second

    source = Source.UDP

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._sender = UdpSender(
            self.reactor,
            self.sink,
            self.report_status,
            self.progress.emit,
            sink_many=self.sink_many,
            backlog=self.backlog,
            on_round_trips=self.round_trips.emit,
        )

    def send(self, job: UdpJob) -> None:
        self.post(self._sender.start, job)

    def stop_run(self) -> None:
        self.post(self._sender.stop)

    def set_listen(self, listen: bool) -> None:
        self.post(self._sender.set_listen, listen)

    def release(self) -> None:
        self.post(self._sender.release)

    @property
    def _round_trips(self) -> RoundTripRecorder:
        return self._sender.round_trips

    def shutdown(self) -> None:
        self._sender.close()
