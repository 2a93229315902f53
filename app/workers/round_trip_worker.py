"""A ReactorWorker whose net object keeps round trips: their signals and commands.

The TCP Client, UDP Sender and HTTP Client workers derive from it and name their
recorder (`_round_trips`); the statistics view (app/ui/widgets/round_trip_stats.py)
attaches to any of them.
"""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtCore import Signal

from app.net.round_trips import RoundTripRecorder
from app.workers.reactor_worker import ReactorWorker

StatusT = TypeVar("StatusT")


class RoundTripWorker(ReactorWorker[StatusT]):
    round_trips = Signal(object)  # RoundTripSnapshot, at most 5 a second
    round_trip_records = Signal(object)  # ExchangeRecords, one per request_round_trip_records

    @property
    def _round_trips(self) -> RoundTripRecorder:
        """The net object's recorder; touched in the loop thread only."""
        raise NotImplementedError

    def reset_round_trips(self) -> None:
        self.post(lambda: self._round_trips.reset())

    def set_reply_timeout(self, ms: int) -> None:
        """Sends unanswered after `ms` milliseconds count as lost (0: only when their
        connection closes)."""
        self.post(lambda: self._round_trips.set_reply_timeout(ms / 1000 if ms else None))

    def request_round_trip_records(self) -> None:
        """Have `round_trip_records` bring a copy of the exchanges kept (for an export)."""
        self.post(lambda: self.round_trip_records.emit(self._round_trips.records()))
