"""The shared live log: toolbar, filter bar, event table with detail, counters and graph."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import (
    QAbstractItemModel,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QAbstractItemView,
    QPlainTextEdit,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.net.events import LogEvent
from app.ui.log.copy_actions import LogCopyActions
from app.ui.log.counters import format_totals
from app.ui.log.detail import format_detail
from app.ui.log.filter import LogFilter, LogFilterModel
from app.ui.log.filter_bar import LogFilterBar
from app.ui.log.model import DEFAULT_MAX_ROWS, LogModel, LogTotals
from app.ui.log.status_strip import LogStatusStrip
from app.ui.log.table_view import LogTableView
from app.ui.log.time_format import TimeMode
from app.ui.log.toolbar import MAX_ROWS_RANGE, LogToolbar
from app.ui.settings_store import open_settings

# Labels are redrawn at most this often, however fast batches arrive.
TOTALS_INTERVAL_MS = 100
# While rows stream in, the table repaints at most this often. Each repaint calls the
# model's data() some hundreds of times in Python, on the GIL the workers need: at one
# repaint per batch (~33/s) it cost the HTTP server a third of its request rate.
REPAINT_INTERVAL_MS = 100
_MAX_ROWS_KEY = "log/maxRows"
_TIME_MODE_KEY = "log/timeMode"

__all__ = ["LogPane", "format_detail", "format_totals"]


class LogPane(QWidget):
    """Everything about the log below the tabs.

    Hooks for other parts of the app: `events_arrived` carries every batch before it is
    trimmed, `toolbar` takes more widgets, `snapshot()` copies the rows, and
    `set_recording()` tells the dropped-rows note that a record file has them.
    """

    events_arrived = Signal(object)

    def __init__(self, parent: QWidget | None = None, *, model: LogModel | None = None) -> None:
        super().__init__(parent)
        own_model = model is None
        self.model = model if model is not None else LogModel(self)
        self.filter_model = LogFilterModel(self.model, self)
        self._record_path: str | None = None
        self._dropped_before_record = 0
        if own_model:
            self._restore_settings()

        self.toolbar = LogToolbar(self, self.model)
        self.filter_bar = LogFilterBar(self)

        self.view = LogTableView(self)
        self.view.setModel(self.model)
        self.view.apply_column_widths()
        self.copy_actions = LogCopyActions(
            self.view, self._event_at, lambda: self.model.display_format
        )
        self.copy_rows_action = self.copy_actions.rows_action
        self.copy_hex_action = self.copy_actions.hex_action
        self.copy_text_action = self.copy_actions.text_action

        self.detail = QPlainTextEdit(self)
        self.detail.setObjectName("logDetail")
        self.detail.setReadOnly(True)
        self.detail.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.detail.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.detail.setPlaceholderText(
            "Select a row to see its data as text, as hex and as a hexdump."
        )

        self.splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.splitter.setObjectName("logSplitter")
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.view)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(6)
        layout.addLayout(self.toolbar)
        layout.addWidget(self.filter_bar)
        layout.addWidget(self.splitter, 1)
        self.status_strip = LogStatusStrip(self.model, self)
        layout.addWidget(self.status_strip)

        # Batches can arrive many times per event-loop turn: the scroll and the labels
        # are coalesced into one timed call each instead of running per batch.
        self._scroll_timer = QTimer(self)
        self._scroll_timer.setSingleShot(True)
        self._scroll_timer.setInterval(0)
        self._scroll_timer.timeout.connect(self.view.scrollToBottom)
        self._totals_timer = QTimer(self)
        self._totals_timer.setSingleShot(True)
        self._totals_timer.setInterval(TOTALS_INTERVAL_MS)
        self._totals_timer.timeout.connect(self._show_totals)
        self._stick_to_bottom: bool | None = None
        self._repaint_timer = QTimer(self)
        self._repaint_timer.setSingleShot(True)
        self._repaint_timer.setInterval(REPAINT_INTERVAL_MS)
        self._repaint_timer.timeout.connect(self._resume_repaints)

        self.toolbar.format_combo.currentIndexChanged.connect(self._on_format_changed)
        self.toolbar.time_combo.currentIndexChanged.connect(self._on_time_mode_changed)
        self.toolbar.max_rows_spin.valueChanged.connect(self._on_max_rows_changed)
        self.toolbar.clear_button.clicked.connect(self.clear)
        self.filter_bar.filter_changed.connect(self._on_filter_changed)
        self.model.totals_changed.connect(self._on_totals_changed)
        self.filter_model.progress.connect(self._schedule_labels)
        self.model.modelReset.connect(self._on_model_reset)
        self._follow(self.model)
        self._show_totals()

    # -- construction -----------------------------------------------------------------

    def _restore_settings(self) -> None:
        settings = open_settings()
        try:
            max_rows = int(str(settings.value(_MAX_ROWS_KEY, DEFAULT_MAX_ROWS)))
        except ValueError:
            max_rows = DEFAULT_MAX_ROWS
        if MAX_ROWS_RANGE[0] <= max_rows <= MAX_ROWS_RANGE[1]:
            self.model.set_max_rows(max_rows)
        try:
            self.model.set_time_mode(TimeMode(str(settings.value(_TIME_MODE_KEY, "Clock"))))
        except ValueError:
            pass

    # -- public API -------------------------------------------------------------------

    @Slot(object)
    def add_events(self, events: Sequence[LogEvent]) -> None:
        """Append a batch of events (the slot workers' `events` signals connect to)."""
        self.events_arrived.emit(events)
        self.model.append_events(events)

    @Slot()
    def clear(self) -> None:
        """Empty the log and reset the counters."""
        self.model.clear()
        self.detail.clear()
        self._dropped_before_record = 0

    def snapshot(self, filtered: bool) -> list[LogEvent]:
        """The rows in memory, oldest first, or only those matching the filter."""
        if filtered and self.filter_model.spec.active:
            self.filter_model.finish()
            return self.filter_model.matching_events()
        return list(self.model.rows)

    def set_recording(self, path: str | None) -> None:
        """Tell the pane a record file receives every event from now on (None: stopped)."""
        self._record_path = path
        self._dropped_before_record = self.model.totals.dropped_rows if path else 0
        self._show_totals()

    @property
    def filter(self) -> LogFilter:
        return self.filter_model.spec

    def set_filter(self, spec: LogFilter) -> None:
        """Filter as if the person had typed and toggled `spec` in the filter bar."""
        self.filter_bar.set_current(spec)
        self._on_filter_changed(spec)

    # -- copying ----------------------------------------------------------------------

    def _event_at(self, row: int) -> LogEvent:
        if self.view.model() is self.filter_model:
            return self.filter_model.event_at(row)
        return self.model.event_at(row)

    @Slot()
    def copy_rows(self) -> None:
        """Put the selected rows on the clipboard as tab-separated lines."""
        self.copy_actions.copy_rows()

    @Slot()
    def copy_data_hex(self) -> None:
        self.copy_actions.copy_data_hex()

    @Slot()
    def copy_data_text(self) -> None:
        self.copy_actions.copy_data_text()

    # -- which model the view shows ---------------------------------------------------

    def _follow(self, model: QAbstractItemModel) -> None:
        model.rowsAboutToBeRemoved.connect(self._before_rows_change)
        model.rowsAboutToBeInserted.connect(self._before_rows_change)
        model.rowsInserted.connect(self._after_rows_inserted)
        self.view.selectionModel().currentRowChanged.connect(self._on_current_row_changed)

    def _unfollow(self, model: QAbstractItemModel) -> None:
        model.rowsAboutToBeRemoved.disconnect(self._before_rows_change)
        model.rowsAboutToBeInserted.disconnect(self._before_rows_change)
        model.rowsInserted.disconnect(self._after_rows_inserted)

    def _current_source_row(self) -> int | None:
        current = self.view.currentIndex()
        if not current.isValid():
            return None
        if self.view.model() is self.filter_model:
            return self.filter_model.source_row(current.row())
        return current.row()

    def _show_model(self, model: QAbstractItemModel, source_row: int | None) -> None:
        """Show the whole log or the filtered rows, keeping the event that was current
        current (and in view) when the new model has it."""
        old = self.view.model()
        if old is not model:
            self._unfollow(old)
            header_state = self.view.horizontalHeader().saveState()
            old_selection = self.view.selectionModel()
            self.view.setModel(model)
            old_selection.deleteLater()
            self.view.horizontalHeader().restoreState(header_state)
            self._follow(model)
            self._stick_to_bottom = None
        row = source_row
        if source_row is not None and model is self.filter_model:
            row = self.filter_model.row_of_source(source_row)
        if row is not None:
            index = model.index(row, 0)
            self.view.selectionModel().setCurrentIndex(
                index,
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows,
            )
            self.view.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)
        else:
            self._scroll_timer.start()

    @Slot(object)
    def _on_filter_changed(self, spec: LogFilter) -> None:
        source_row = self._current_source_row()
        self.filter_model.set_filter(spec)
        self._show_model(self.filter_model if spec.active else self.model, source_row)
        self._show_totals()

    # -- slots ------------------------------------------------------------------------

    def _at_bottom(self) -> bool:
        # A pending scroll means the user was at the bottom and has not moved since.
        if self._scroll_timer.isActive():
            return True
        bar = self.view.verticalScrollBar()
        return bar.value() >= bar.maximum()

    @Slot(QModelIndex, int, int)
    def _before_rows_change(self, _parent: QModelIndex, _first: int, _last: int) -> None:
        # Decide once per batch, before trimming or inserting moves the scroll range.
        if self._stick_to_bottom is None:
            self._stick_to_bottom = self._at_bottom()

    @Slot(QModelIndex, int, int)
    def _after_rows_inserted(self, _parent: QModelIndex, _first: int, _last: int) -> None:
        if self._stick_to_bottom and not self._scroll_timer.isActive():
            self._scroll_timer.start()
        self._stick_to_bottom = None
        self._hold_repaints()

    def _hold_repaints(self) -> None:
        """Paint the rows just inserted now, then nothing more until the interval passed."""
        viewport = self.view.viewport()
        if self._repaint_timer.isActive():
            viewport.setUpdatesEnabled(False)
        else:
            self._repaint_timer.start()

    @Slot()
    def _resume_repaints(self) -> None:
        viewport = self.view.viewport()
        if not viewport.updatesEnabled():
            # Re-enabling schedules one repaint showing everything that arrived meanwhile.
            viewport.setUpdatesEnabled(True)
            self._repaint_timer.start()

    @Slot()
    def _on_model_reset(self) -> None:
        self._stick_to_bottom = None
        self.detail.clear()

    @Slot(object)
    def _on_totals_changed(self, _totals: LogTotals) -> None:
        self._schedule_labels()

    @Slot()
    def _schedule_labels(self) -> None:
        if not self._totals_timer.isActive():
            self._totals_timer.start()

    @Slot()
    def _show_totals(self) -> None:
        totals = self.model.totals
        self.toolbar.totals_label.setText(format_totals(totals))
        self.toolbar.totals_label.setToolTip(self.toolbar.totals_label.text())
        self.status_strip.show_counts(self._record_path, self._dropped_before_record)
        self.toolbar.show_max_rows(self.model.max_rows)
        total = self.model.rowCount()
        shown = self.filter_model.rowCount() if self.filter_model.spec.active else total
        text = f"showing {shown:,} of {total:,}"
        if self.filter_model.scanning:
            text += f" · searching {self.filter_model.scanned_fraction():.0%}"
            self._schedule_labels()
        self.filter_bar.count_label.setText(text)

    @Slot(int)
    def _on_format_changed(self, index: int) -> None:
        fmt = self.toolbar.format_combo.itemData(index)
        if fmt is not None:
            self.model.set_display_format(fmt)
            if self.filter_model.spec.text:
                # With Hex shown, hex digits in the filter mean bytes: match again.
                self.filter_model.set_filter(self.filter_model.spec)

    @Slot(int)
    def _on_time_mode_changed(self, index: int) -> None:
        mode = self.toolbar.time_combo.itemData(index)
        if mode is not None:
            self.model.set_time_mode(mode)
            open_settings().setValue(_TIME_MODE_KEY, mode.value)

    @Slot(int)
    def _on_max_rows_changed(self, value: int) -> None:
        self.model.set_max_rows(value)
        open_settings().setValue(_MAX_ROWS_KEY, value)
        self._show_totals()

    @Slot(QModelIndex, QModelIndex)
    def _on_current_row_changed(
        self, current: QModelIndex | QPersistentModelIndex, _previous: QModelIndex
    ) -> None:
        if current.isValid() and current.row() < self.view.model().rowCount():
            self.detail.setPlainText(format_detail(self._event_at(current.row())))
        else:
            self.detail.clear()
