"""Runs one export of a snapshot of events in its own thread, with progress and cancel."""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Sequence

from PySide6.QtCore import QObject, QThread, Signal, Slot

from app.export import ExportCancelled, ExportError, ExportFormat, export_events
from app.net.events import LogEvent

# Progress reaches the GUI at most this often, however fast the rows are written.
PROGRESS_INTERVAL_S = 0.05


class ExportWorker(QThread):
    """Writes `events` to `path`; ends with exactly one of succeeded, failed or cancelled.

    The events are a snapshot (a list of immutable tuples the log no longer changes), so
    reading them from this thread is safe.
    """

    progress = Signal(int, int)  # rows written, rows in all
    succeeded = Signal(str, int)  # path, rows written
    failed = Signal(str)  # one sentence for the log; error_detail holds any traceback
    cancelled = Signal()

    def __init__(
        self,
        path: str,
        events: Sequence[LogEvent],
        fmt: ExportFormat,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.path = path
        self.format = fmt
        self._events = events
        self._cancel = threading.Event()
        self._last_progress = 0.0
        self.progress_emits = 0
        self.error_detail = ""

    @Slot()
    def cancel(self) -> None:
        """Ask the export to stop; the partial file is removed. Safe from any thread."""
        self._cancel.set()

    def _report(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - self._last_progress < PROGRESS_INTERVAL_S:
            return
        self._last_progress = now
        self.progress_emits += 1
        self.progress.emit(done, total)

    def run(self) -> None:
        try:
            count = export_events(
                self.path,
                self._events,
                self.format,
                progress=self._report,
                is_cancelled=self._cancel.is_set,
            )
        except ExportCancelled:
            self.cancelled.emit()
        except ExportError as exc:
            self.failed.emit(str(exc))
        except Exception as exc:
            # A bug must not pass silently nor kill the thread with a traceback on stderr.
            self.error_detail = "".join(traceback.format_exception(exc))
            self.failed.emit(f"Export failed: {type(exc).__name__}: {exc}")
        else:
            self.succeeded.emit(self.path, count)
        finally:
            self._events = []
