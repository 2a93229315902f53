"""Writes the round-trip records to a CSV file in its own thread (a million rows take
seconds), with progress and cancel, like ExportWorker does for the log."""

from __future__ import annotations

import threading
import traceback

from PySide6.QtCore import QObject, QThread, Signal, Slot

from app.export.file_export import ExportCancelled, ExportError
from app.export.round_trip_csv import write_round_trips
from app.net.round_trip_records import ExchangeRecords


class RoundTripExportWorker(QThread):
    """Ends with exactly one of succeeded, failed or cancelled. `records` is a copy the
    recorder no longer touches (RoundTripRecorder.records)."""

    progress = Signal(int, int)  # rows written, rows in all
    succeeded = Signal(str, int)  # path, rows written
    failed = Signal(str)  # one sentence
    cancelled = Signal()

    def __init__(self, path: str, records: ExchangeRecords, parent: QObject | None = None):
        super().__init__(parent)
        self.path = path
        self._records = records
        self._cancel = threading.Event()
        self.error_detail = ""

    @Slot()
    def cancel(self) -> None:
        self._cancel.set()

    def run(self) -> None:
        try:
            rows = write_round_trips(
                self.path,
                self._records,
                progress=self.progress.emit,
                is_cancelled=self._cancel.is_set,
            )
        except ExportCancelled:
            self.cancelled.emit()
        except ExportError as exc:
            self.failed.emit(str(exc))
        except Exception as exc:
            self.error_detail = "".join(traceback.format_exception(exc))
            self.failed.emit(f"Export failed: {type(exc).__name__}: {exc}")
        else:
            self.succeeded.emit(self.path, rows)
