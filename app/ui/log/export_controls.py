"""The log toolbar's Export and Record buttons, with the export's progress bar and Cancel.

Works against the LogPane hooks: `toolbar` (a QHBoxLayout), `events_arrived(list)` (each
full, untrimmed batch), `snapshot(filtered) -> list[LogEvent]`, `set_recording(path)` and
`add_events(list)` for its own log lines. The dialogs are attributes (`choose_export_path`,
`choose_record_path`, `choose_rows`) so tests replace them instead of opening modals.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QDir, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QWidget,
)

from app.net.events import Kind, LogEvent, Source, make_event

if TYPE_CHECKING:
    from app.export import EventRecorder
    from app.workers.export_worker import ExportWorker

RECORD_LABEL_INTERVAL_MS = 500
# How long quitting waits for an export to stop and a recording to reach the disk.
SHUTDOWN_WAIT_S = 2.0

PathChooser = Callable[[QWidget, str], str]
RowsChooser = Callable[[QWidget, int, int], "bool | None"]


def _file_filters() -> list[str]:
    from app.export import ExportFormat

    return [f"{fmt.label} (*{fmt.suffix})" for fmt in ExportFormat]


def ask_export_path(parent: QWidget, suggested: str) -> str:
    """The standard save dialog; a name without a known extension gets the chosen filter's."""
    from PySide6.QtWidgets import QFileDialog

    from app.export import ExportFormat, format_for_path

    filters = _file_filters()
    fmt = format_for_path(suggested) or ExportFormat.TEXT
    path, chosen = QFileDialog.getSaveFileName(
        parent, "Export log", suggested, ";;".join(filters), filters[list(ExportFormat).index(fmt)]
    )
    if path and format_for_path(path) is None:
        index = filters.index(chosen) if chosen in filters else 0
        path += list(ExportFormat)[index].suffix
    return path


def ask_record_path(parent: QWidget, suggested: str) -> str:
    from PySide6.QtWidgets import QFileDialog

    path, _ = QFileDialog.getSaveFileName(
        parent, "Record every event to", suggested, "JSON Lines (*.jsonl)"
    )
    if path and not path.lower().endswith(".jsonl"):
        path += ".jsonl"
    return path


def ask_filtered_rows(parent: QWidget, filtered: int, total: int) -> bool | None:
    """True for the filtered rows, False for all rows, None when cancelled."""
    from PySide6.QtWidgets import QMessageBox

    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle("Export log")
    box.setText("A filter is active. Which rows should be exported?")
    only = box.addButton(f"Filtered rows ({filtered:,})", QMessageBox.ButtonRole.AcceptRole)
    every = box.addButton(f"All rows ({total:,})", QMessageBox.ButtonRole.AcceptRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(only)
    box.exec()
    clicked = box.clickedButton()
    return True if clicked is only else False if clicked is every else None


class LogExportControls(QWidget):
    """Export… and Record buttons; an export shows a progress bar and Cancel meanwhile."""

    status_message = Signal(str)  # for a status bar: what just happened
    export_done = Signal(str)  # "succeeded", "failed" or "cancelled"
    # From the recorder's writer thread; queued to this object's (the GUI) thread.
    _recording_failed = Signal(str, str)  # path of the recording, message

    def __init__(self, pane: Any = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._pane: Any = None
        self._worker: ExportWorker | None = None
        self._outcome = "failed"
        self._recorder: EventRecorder | None = None
        self._finishing: list[EventRecorder] = []
        self._recorded = 0
        self._last_dir = QDir.homePath()
        self._last_suffix = ".txt"

        self.choose_export_path: PathChooser = ask_export_path
        self.choose_record_path: PathChooser = ask_record_path
        self.choose_rows: RowsChooser = ask_filtered_rows

        self.export_button = QPushButton("Export…", self)
        self.export_button.setObjectName("logExport")
        self.export_button.setToolTip("Save the log rows as text, CSV, JSON Lines or pcapng")

        self.record_button = QPushButton("Record", self)
        self.record_button.setObjectName("logRecord")
        self.record_button.setCheckable(True)
        self.record_button.setToolTip("Append every event to a JSON Lines file as it happens")

        self.record_label = QLabel(self)
        self.record_label.setObjectName("logRecordStatus")
        self.record_label.hide()

        self.progress_bar = QProgressBar(self)
        self.progress_bar.setObjectName("logExportProgress")
        self.progress_bar.setFixedWidth(110)
        self.progress_bar.setFormat("%p%")
        self.progress_bar.hide()

        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setObjectName("logExportCancel")
        self.cancel_button.setToolTip("Stop the export; no file is left behind")
        self.cancel_button.hide()

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self.progress_bar)
        layout.addWidget(self.cancel_button)
        layout.addWidget(self.record_label)
        layout.addWidget(self.export_button)
        layout.addWidget(self.record_button)

        # The count of recorded events changes per batch; the label is redrawn on a timer.
        self._label_timer = QTimer(self)
        self._label_timer.setInterval(RECORD_LABEL_INTERVAL_MS)
        self._label_timer.timeout.connect(self._show_recording)

        self.export_button.clicked.connect(self.start_export)
        self.cancel_button.clicked.connect(self.cancel_export)
        self.record_button.toggled.connect(self._on_record_toggled)
        self._recording_failed.connect(self._on_recording_failed)
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)
        if pane is not None:
            self.attach(pane)

    # -- public API -------------------------------------------------------------------

    def attach(self, pane: Any) -> None:
        """Sit in the pane's toolbar and record what it receives."""
        self._pane = pane
        pane.toolbar.addWidget(self)
        pane.events_arrived.connect(self._on_events)

    @property
    def worker(self) -> ExportWorker | None:
        return self._worker

    @property
    def recorder(self) -> EventRecorder | None:
        return self._recorder

    def is_exporting(self) -> bool:
        return self._worker is not None

    @Slot()
    def shutdown(self) -> None:
        """Cancel an export and finish the recording file; waits at most SHUTDOWN_WAIT_S."""
        deadline = time.monotonic() + SHUTDOWN_WAIT_S
        if self._worker is not None:
            self._worker.cancel()
            self._worker.wait(int(SHUTDOWN_WAIT_S * 1000))
        if self.record_button.isChecked():
            self.record_button.setChecked(False)
        for recorder in self._finishing:
            recorder.wait(max(0.0, deadline - time.monotonic()))
        self._finishing = [r for r in self._finishing if not r.wait(0)]

    # -- export -----------------------------------------------------------------------

    def _suggested_path(self, suffix: str) -> str:
        name = f"socket-tester-{time.strftime('%Y%m%d-%H%M%S')}{suffix}"
        return os.path.join(self._last_dir, name)

    @Slot()
    def start_export(self) -> None:
        if self._worker is not None or self._pane is None:
            return
        events: Sequence[LogEvent] = self._pane.snapshot(False)
        filtered: Sequence[LogEvent] = self._pane.snapshot(True)
        if len(filtered) != len(events):
            only_filtered = self.choose_rows(self, len(filtered), len(events))
            if only_filtered is None:
                return
            if only_filtered:
                events = filtered
        path = self.choose_export_path(self, self._suggested_path(self._last_suffix))
        if not path:
            return
        # The exporters load on first use: the window does not need them to appear.
        from app.export import ExportFormat, format_for_path
        from app.workers.export_worker import ExportWorker

        fmt = format_for_path(path)
        if fmt is None:
            names = ", ".join(f.suffix for f in ExportFormat)
            self._log(Kind.ERROR, f"Cannot export to {path}: the name must end in {names}")
            return
        self._last_dir = os.path.dirname(path) or self._last_dir
        self._last_suffix = fmt.suffix
        worker = ExportWorker(path, events, fmt)
        self._outcome = "failed"  # a thread that ends without saying how did not succeed
        worker.progress.connect(self._on_progress)
        worker.succeeded.connect(self._on_export_succeeded)
        worker.failed.connect(self._on_export_failed)
        worker.cancelled.connect(self._on_export_cancelled)
        worker.finished.connect(self._on_worker_finished)
        self._worker = worker
        self.progress_bar.setRange(0, max(1, len(events)))
        self.progress_bar.setValue(0)
        self.progress_bar.setToolTip(f"Exporting {len(events):,} rows to {path}")
        self.progress_bar.show()
        self.cancel_button.setEnabled(True)
        self.cancel_button.show()
        # The bar and Cancel take the button's place: the toolbar is crowded already.
        self.export_button.setEnabled(False)
        self.export_button.hide()
        self.status_message.emit(f"Exporting {len(events):,} rows to {os.path.basename(path)}…")
        worker.start()

    @Slot()
    def cancel_export(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            self.cancel_button.setEnabled(False)

    @Slot(int, int)
    def _on_progress(self, done: int, total: int) -> None:
        self.progress_bar.setRange(0, max(1, total))
        self.progress_bar.setValue(done)

    @Slot(str, int)
    def _on_export_succeeded(self, path: str, count: int) -> None:
        rows = f"{count:,} row" + ("" if count == 1 else "s")
        self._log(Kind.INFO, f"Exported {rows} to {path}")
        self._outcome = "succeeded"

    @Slot(str)
    def _on_export_failed(self, message: str) -> None:
        detail = self._worker.error_detail if self._worker is not None else ""
        self._log(Kind.ERROR, message, detail)
        self._outcome = "failed"

    @Slot()
    def _on_export_cancelled(self) -> None:
        path = self._worker.path if self._worker is not None else ""
        self._log(Kind.INFO, f"Export to {path} cancelled; no file written")
        self._outcome = "cancelled"

    @Slot()
    def _on_worker_finished(self) -> None:
        worker, self._worker = self._worker, None
        if worker is not None:
            worker.deleteLater()
        self.progress_bar.hide()
        self.cancel_button.hide()
        self.export_button.setEnabled(True)
        self.export_button.show()
        # Said only now that the controls are ready again: a listener that starts the
        # next export on this signal must not find the finished worker still in place.
        outcome, self._outcome = self._outcome, "failed"
        self.export_done.emit(outcome)

    # -- record -----------------------------------------------------------------------

    @Slot(bool)
    def _on_record_toggled(self, on: bool) -> None:
        if on:
            self._start_recording()
        else:
            self._stop_recording()

    def _uncheck_quietly(self) -> None:
        self.record_button.blockSignals(True)
        self.record_button.setChecked(False)
        self.record_button.blockSignals(False)

    def _start_recording(self) -> None:
        path = self.choose_record_path(self, self._suggested_path(".jsonl"))
        if not path:
            self._uncheck_quietly()
            return
        from app.export import EventRecorder, ExportError

        try:
            # Called in the writer thread: a signal hands the message to the GUI thread.
            recorder = EventRecorder(
                path, on_error=lambda message: self._recording_failed.emit(path, message)
            )
        except ExportError as exc:
            self._uncheck_quietly()
            self._log(Kind.ERROR, f"Cannot record: {exc}")
            return
        self._recorder = recorder
        self._recorded = 0
        self._last_dir = os.path.dirname(path) or self._last_dir
        if self._pane is not None:
            self._pane.set_recording(path)
        self._show_recording()
        self.record_label.show()
        self._label_timer.start()
        self._log(Kind.INFO, f"Recording every event to {path}")

    def _stop_recording(self) -> None:
        recorder, self._recorder = self._recorder, None
        self._label_timer.stop()
        self.record_label.hide()
        self.record_button.setToolTip("Append every event to a JSON Lines file as it happens")
        if recorder is None:
            return
        # The writer drains what is queued and closes the file in its own thread.
        recorder.stop()
        self._finishing = [r for r in self._finishing if not r.wait(0)] + [recorder]
        if self._pane is not None:
            self._pane.set_recording(None)
        if recorder.error is None:
            events = f"{self._recorded:,} event" + ("" if self._recorded == 1 else "s")
            self._log(Kind.INFO, f"Recording stopped: {events} in {recorder.path}")

    @Slot(str, str)
    def _on_recording_failed(self, path: str, message: str) -> None:
        if self._recorder is not None and self._recorder.path == path:
            self.record_button.setChecked(False)  # stops the recording
        self._log(Kind.ERROR, message)

    @Slot(object)
    def _on_events(self, events: Sequence[LogEvent]) -> None:
        recorder = self._recorder
        if recorder is not None:
            recorder.append(events)
            self._recorded += len(events)

    @Slot()
    def _show_recording(self) -> None:
        recorder = self._recorder
        if recorder is None:
            return
        # Only the count is shown (the toolbar has little room); the tooltips name the file.
        self.record_label.setText(f"● {self._recorded:,}")
        tip = (
            f"Recording to {recorder.path}\n{self._recorded:,} events recorded, "
            f"{recorder.written:,} written"
        )
        if recorder.pending:
            tip += f", {recorder.pending:,} waiting to be written"
        self.record_label.setToolTip(tip)
        self.record_button.setToolTip(tip + "\nClick to stop recording.")

    # -- messages ---------------------------------------------------------------------

    def _log(self, kind: Kind, message: str, detail: str = "") -> None:
        """One line in the log (and the status bar), never a dialog or a traceback."""
        self.status_message.emit(message)
        add_events = getattr(self._pane, "add_events", None)
        if add_events is not None:
            add_events([make_event(Source.APP, kind, message, detail=detail)])
