"""The HTTP Client tab's worker: an HttpClient on its own Reactor thread."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from app.net.events import Source
from app.net.http.client.engine import HttpClient
from app.net.http.client.result import RequestSpec
from app.net.http.client.status import HttpClientStatus
from app.net.round_trips import RoundTripRecorder
from app.workers.round_trip_worker import RoundTripWorker


class HttpClientWorker(RoundTripWorker[HttpClientStatus]):
    """`send_request(spec)` runs one exchange (a second one while busy is refused with a
    log line); `cancel()` stops it at once. `status_changed(HttpClientStatus)` follows the
    phases; `exchange_finished(ExchangeResult)` comes right after the status that says it
    is no longer busy, so after the exchange's log rows (report_status delivers them
    first, and the engine logs nothing between the two)."""

    exchange_finished = Signal(object)  # ExchangeResult

    source = Source.HTTP_CLIENT

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._client = HttpClient(
            self.reactor,
            self.sink,
            self.report_status,
            self.exchange_finished.emit,
            sink_many=self.sink_many,
            on_round_trips=self.round_trips.emit,
        )

    def send_request(self, spec: RequestSpec) -> None:
        self.post(self._client.send, spec)

    def cancel(self) -> None:
        self.post(self._client.cancel)

    @property
    def _round_trips(self) -> RoundTripRecorder:
        return self._client.round_trips

    def shutdown(self) -> None:
        self._client.close()
