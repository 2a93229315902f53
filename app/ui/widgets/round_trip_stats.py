"""A tab's round-trip statistics: the one-line summary, a histogram, Reset, Export as CSV.

Reusable by any tab whose worker derives from RoundTripWorker: build it with the tab's
prefix (objectNames `<prefix>Stats`, `<prefix>StatsSummary`, `<prefix>StatsHistogram`,
`<prefix>StatsShow`, `<prefix>StatsReset`, `<prefix>StatsExport`), add it to the layout
and `attach(worker)` when the worker is made. The summary is always visible; the
histogram opens with the Histogram button; `<prefix>StatsNote` says how an export ended.
"""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app.net.round_trips import RoundTripSnapshot
from app.ui.widgets.round_trip_histogram_view import RoundTripHistogramView
from app.units import format_latency, plural

if TYPE_CHECKING:
    from app.net.round_trip_records import ExchangeRecords
    from app.workers.round_trip_export_worker import RoundTripExportWorker
    from app.workers.round_trip_worker import RoundTripWorker

# Exports still writing: held here so that a view closed mid-export never destroys a
# running QThread (that aborts the process); cancelled and awaited when the app quits.
_RUNNING_EXPORTS: set[RoundTripExportWorker] = set()
_QUIT_WAIT_MS = 2000


def summary_text(snapshot: RoundTripSnapshot) -> str:
    """`1,000 replies · min … · median … · p95 … · p99 … · max … · jitter … · 3 lost`,
    then what else there is: out of order, unmatched, waiting."""
    parts = [plural(snapshot.replies, "reply", "replies")]
    if snapshot.replies:
        ms = format_latency
        parts += [
            f"min {ms(snapshot.min_ns / 1e9)}",
            f"median {ms(snapshot.median_ns / 1e9)}",
            f"p95 {ms(snapshot.p95_ns / 1e9)}",
            f"p99 {ms(snapshot.p99_ns / 1e9)}",
            f"max {ms(snapshot.max_ns / 1e9)}",
            f"jitter {ms(snapshot.jitter_ns / 1e9)}",
        ]
    parts.append(f"{snapshot.lost:,} lost")
    if snapshot.out_of_order:
        parts.append(f"{snapshot.out_of_order:,} out of order")
    if snapshot.unmatched:
        parts.append(f"{snapshot.unmatched:,} unmatched")
    if snapshot.pending:
        parts.append(f"{snapshot.pending:,} waiting")
    return " · ".join(parts)


class RoundTripStats(QWidget):
    # One sentence when an export ends (written, failed, cancelled), also shown in `note`.
    export_finished = Signal(str)

    def __init__(self, prefix: str, idle_text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"{prefix}Stats")
        self._idle_text = idle_text
        self._source: RoundTripWorker[object] | None = None
        self._export_path = ""
        self._export_dropped = 0
        self._export_worker: RoundTripExportWorker | None = None
        self._last_dir = os.path.expanduser("~")
        self.snapshot: RoundTripSnapshot | None = None

        self.summary = QLabel(idle_text)
        self.summary.setObjectName(f"{prefix}StatsSummary")
        self.summary.setWordWrap(True)
        self.summary.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.summary.setToolTip(
            "Each reply is paired with its request; the time between them is its round trip, "
            "measured in the worker thread. Jitter: the mean difference between consecutive "
            "round trips. Lost: no reply within the timeout or before the connection closed."
        )
        self.show_button = QPushButton("Histogram")
        self.show_button.setObjectName(f"{prefix}StatsShow")
        self.show_button.setCheckable(True)
        self.reset_button = QPushButton("Reset")
        self.reset_button.setObjectName(f"{prefix}StatsReset")
        self.reset_button.setToolTip("Start the round-trip statistics anew")
        self.export_button = QPushButton("Export as CSV…")
        self.export_button.setObjectName(f"{prefix}StatsExport")
        self.export_button.setToolTip("One row per exchange: sent at, received at, RTT, bytes")
        self.export_button.setEnabled(False)
        self.histogram = RoundTripHistogramView(prefix)
        self.histogram.hide()
        self.note = QLabel()  # how the last export ended
        self.note.setObjectName(f"{prefix}StatsNote")
        self.note.setWordWrap(True)
        self.note.hide()

        # The summary has the whole width: the full sentence fits on one line.
        self._controls = QHBoxLayout()
        self._controls.setContentsMargins(0, 0, 0, 0)
        self._controls.addWidget(self.show_button)
        self._controls.addWidget(self.reset_button)
        self._controls.addWidget(self.export_button)
        self._controls.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.summary)
        layout.addLayout(self._controls)
        layout.addWidget(self.histogram)
        layout.addWidget(self.note)

        self.show_button.toggled.connect(self.histogram.setVisible)
        self.reset_button.clicked.connect(self.reset)
        self.export_button.clicked.connect(self._ask_export)

    def add_control(self, label: str, widget: QWidget) -> None:
        """A tab's own setting next to the buttons (the UDP Sender's reply timeout)."""
        at = self._controls.count() - 1  # before the stretch
        if label:
            caption = QLabel(label)
            caption.setBuddy(widget)
            self._controls.insertSpacing(at, 12)
            self._controls.insertWidget(at + 1, caption)
            at += 2
        self._controls.insertWidget(at, widget)

    def attach(self, source: RoundTripWorker[object]) -> None:
        self._source = source
        source.round_trips.connect(self.show_snapshot)
        source.round_trip_records.connect(self._write_records)

    # -- the statistics ----------------------------------------------------------------

    @Slot(object)
    def show_snapshot(self, snapshot: RoundTripSnapshot) -> None:
        self.snapshot = snapshot
        quiet = not (snapshot.replies or snapshot.lost or snapshot.pending or snapshot.unmatched)
        self.summary.setText(self._idle_text if quiet else summary_text(snapshot))
        self.histogram.show_snapshot(snapshot)
        self.export_button.setEnabled(snapshot.records > 0 and not self._export_path)

    @Slot()
    def reset(self) -> None:
        if self._source is not None:
            self._source.reset_round_trips()
        self.snapshot = None
        self.summary.setText(self._idle_text)
        self.export_button.setEnabled(False)

    # -- export ------------------------------------------------------------------------

    def is_exporting(self) -> bool:
        return bool(self._export_path)

    def export_to(self, path: str) -> None:
        """Write the records kept so far to `path` (what Export as CSV… does after its
        dialog); the outcome comes as `export_finished`."""
        if self._source is None or self._export_path:
            return
        self._export_path = path
        self.export_button.setEnabled(False)
        self._source.request_round_trip_records()

    @Slot()
    def _ask_export(self) -> None:
        name = f"round-trips-{time.strftime('%Y%m%d-%H%M%S')}.csv"
        path, _ = QFileDialog.getSaveFileName(
            self, "Export round trips", os.path.join(self._last_dir, name), "CSV (*.csv)"
        )
        if path:
            if not path.lower().endswith(".csv"):
                path += ".csv"
            self._last_dir = os.path.dirname(path) or self._last_dir
            self.export_to(path)

    @Slot(object)
    def _write_records(self, records: ExchangeRecords) -> None:
        path = self._export_path
        if not path:
            return
        from app.workers.round_trip_export_worker import RoundTripExportWorker

        worker = RoundTripExportWorker(path, records)
        self._export_dropped = records.dropped
        self._export_worker = worker
        _RUNNING_EXPORTS.add(worker)
        _stop_exports_at_quit()
        worker.succeeded.connect(self._exported)
        worker.failed.connect(self._export_done)
        worker.cancelled.connect(self._export_cancelled)
        worker.finished.connect(self._export_thread_finished)
        self.export_button.setText("Exporting…")
        worker.start()

    @Slot(str, int)
    def _exported(self, path: str, rows: int) -> None:
        message = f"Exported {plural(rows, 'round trip')} to {path}"
        if self._export_dropped:
            message += f" ({self._export_dropped:,} later exchanges were counted, not kept)"
        self._export_done(message)

    @Slot()
    def _export_cancelled(self) -> None:
        self._export_done(f"Export to {self._export_path} cancelled")

    @Slot()
    def _export_thread_finished(self) -> None:
        if self._export_worker is not None:
            _RUNNING_EXPORTS.discard(self._export_worker)
            self._export_worker = None

    @Slot(str)
    def _export_done(self, message: str) -> None:
        self._export_path = ""
        self.export_button.setText("Export as CSV…")
        self.export_button.setEnabled(self.snapshot is not None and self.snapshot.records > 0)
        self.note.setText(message)
        self.note.show()
        self.export_finished.emit(message)


_quit_hooked = False


def _stop_exports_at_quit() -> None:
    global _quit_hooked
    app = QApplication.instance()
    if _quit_hooked or app is None:
        return
    _quit_hooked = True
    app.aboutToQuit.connect(_cancel_running_exports)


def _cancel_running_exports() -> None:
    for worker in list(_RUNNING_EXPORTS):
        worker.cancel()
        worker.wait(_QUIT_WAIT_MS)
