"""The UDP sender's progress reports for the tab: at most 10 a second, or at once when
forced, with the current run's counts (or the last run's, once it ended) beside the
socket's totals."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from app.net.reactor import Reactor
from app.net.throttle import Throttle
from app.net.udp.run import UdpRun
from app.net.udp.status import UdpProgress

PROGRESS_INTERVAL = 0.1  # at most 10 progress reports a second

ProgressCallback = Callable[[UdpProgress], None]


class CountedSender(Protocol):
    """What a report reads of the sender (app/net/udp/sender.py)."""

    @property
    def run(self) -> UdpRun | None: ...

    sent: int
    sent_bytes: int
    received: int
    received_bytes: int


class SenderProgress:
    """Lives in the reactor's thread, beside its sender."""

    def __init__(
        self, reactor: Reactor, sender: CountedSender, on_progress: ProgressCallback | None
    ) -> None:
        self._sender = sender
        self._on_progress = on_progress
        self._throttle = Throttle(reactor, PROGRESS_INTERVAL, self._emit)
        # sent, total, achieved and requested rate of the current or last run
        self._last_run: tuple[int, int, float, float | None] = (0, 0, 0.0, None)

    def report(self, force: bool = False) -> None:
        if self._on_progress is None:
            return
        if force:
            self._throttle.flush()
        else:
            self._throttle.request()

    def cancel(self) -> None:
        self._throttle.cancel()

    def _emit(self) -> None:
        assert self._on_progress is not None
        sender = self._sender
        run = sender.run
        if run is not None:
            self._last_run = (run.sent, run.total, run.rate(), run.requested)
        sent, total, rate, requested = self._last_run
        self._on_progress(
            UdpProgress(
                sent,
                total,
                rate,
                sender.sent,
                sender.sent_bytes,
                sender.received,
                sender.received_bytes,
                requested,
            )
        )
