"""The shared live log: a bounded table of events plus a detail view of the selected one."""

from __future__ import annotations

import re
from collections.abc import Sequence

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, QTimer, Slot
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.net.events import LogEvent
from app.payload import PayloadFormat, escape_bytes, hexdump
from app.ui.log_model import (
    COL_BYTES,
    COL_EVENT,
    COL_PEER,
    COL_SOURCE,
    COL_TIME,
    LogModel,
    LogTotals,
    format_time,
)

# The totals label is redrawn at most this often, however fast batches arrive.
TOTALS_INTERVAL_MS = 100

# Escaped text is one long line; breaking after each "\n" escape keeps line-based
# protocols readable. Matching "\\" too consumes escaped backslashes in pairs, so a
# literal backslash followed by "n" is not mistaken for a newline.
_ESCAPE_PAIR = re.compile(r"\\[\\n]")


def _break_lines(escaped: str) -> str:
    return _ESCAPE_PAIR.sub(lambda m: m.group(0) + "\n" if m.group(0) == "\\n" else "\\\\", escaped)


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}" + ("" if count == 1 else "s")


def format_totals(totals: LogTotals) -> str:
    """One line for the totals label."""
    parts = [
        _plural(totals.events, "event"),
        f"sent {totals.sent_bytes:,} B",
        f"received {totals.received_bytes:,} B",
        _plural(totals.errors, "error"),
    ]
    if totals.dropped_rows:
        parts.append(f"{totals.dropped_rows:,} older rows dropped")
    return " · ".join(parts)


def format_detail(event: LogEvent) -> str:
    """Everything about one event: header line, detail text, data as text and hexdump."""
    header = [format_time(event.time), event.source.value, event.kind.value]
    if event.peer:
        header.append(event.peer)
    if event.size or event.data:
        header.append(f"{event.size:,} B")
    if event.message:
        header.append(event.message)
    sections = [" · ".join(header)]
    if event.detail:
        sections.append(event.detail.rstrip("\n"))
    if event.data:
        if len(event.data) < event.size:
            sections.append(f"(first {len(event.data):,} of {event.size:,} bytes shown)")
        sections.append("As text:\n" + _break_lines(escape_bytes(event.data)))
        sections.append("Hexdump:\n" + hexdump(event.data).rstrip("\n"))
    return "\n\n".join(sections)


class LogPane(QWidget):
    """Toolbar (format, totals, clear) above a splitter of the event table and its detail."""

    def __init__(self, parent: QWidget | None = None, *, model: LogModel | None = None) -> None:
        super().__init__(parent)
        self.model = model if model is not None else LogModel(self)

        self._format_combo = QComboBox(self)
        self._format_combo.setObjectName("logDisplayFormat")
        self._format_combo.setToolTip("How the Data column shows payloads")
        for fmt in PayloadFormat:
            self._format_combo.addItem(fmt.value, fmt)
        self._format_combo.setCurrentIndex(self._format_combo.findData(self.model.display_format))

        self._totals_label = QLabel(self)
        self._totals_label.setObjectName("logTotals")
        self._totals_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self._clear_button = QPushButton("Clear", self)
        self._clear_button.setObjectName("logClear")
        self._clear_button.setToolTip("Remove all rows and reset the counters")

        format_label = QLabel("Show data as", self)
        format_label.setBuddy(self._format_combo)

        toolbar = QHBoxLayout()
        toolbar.setContentsMargins(0, 0, 0, 0)
        toolbar.setSpacing(8)
        toolbar.addWidget(format_label)
        toolbar.addWidget(self._format_combo)
        toolbar.addStretch(1)
        toolbar.addWidget(self._totals_label)
        toolbar.addSpacing(8)
        toolbar.addWidget(self._clear_button)

        self.view = QTableView(self)
        self.view.setObjectName("logView")
        self.view.setModel(self.model)
        self._setup_view()

        self.detail = QPlainTextEdit(self)
        self.detail.setObjectName("logDetail")
        self.detail.setReadOnly(True)
        self.detail.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.detail.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.detail.setPlaceholderText("Select a row to see its data as text and as a hexdump.")

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
        layout.addLayout(toolbar)
        layout.addWidget(self.splitter, 1)

        # Batches can arrive many times per event-loop turn: the scroll and the label
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

        self._format_combo.currentIndexChanged.connect(self._on_format_changed)
        self._clear_button.clicked.connect(self.clear)
        self.model.totals_changed.connect(self._on_totals_changed)
        self.model.rowsAboutToBeRemoved.connect(self._before_rows_change)
        self.model.rowsAboutToBeInserted.connect(self._before_rows_change)
        self.model.rowsInserted.connect(self._after_rows_inserted)
        self.model.modelReset.connect(self._on_model_reset)
        self.view.selectionModel().currentRowChanged.connect(self._on_current_row_changed)
        self._show_totals()

    def _setup_view(self) -> None:
        view = self.view
        view.setWordWrap(False)
        view.setShowGrid(False)
        view.setAlternatingRowColors(True)
        view.setCornerButtonEnabled(False)
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        view.setTextElideMode(Qt.TextElideMode.ElideRight)
        view.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerItem)

        # A fixed row height lets the view place 100,000 rows without measuring any.
        metrics = view.fontMetrics()
        rows = view.verticalHeader()
        rows.hide()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(metrics.height() + 6)
        rows.setMinimumSectionSize(metrics.height() + 2)

        # Widths from the font, never ResizeToContents, which measures every row.
        columns = view.horizontalHeader()
        columns.setHighlightSections(False)
        columns.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        columns.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        columns.setStretchLastSection(True)
        pad = 20
        widths = {
            COL_TIME: metrics.horizontalAdvance("00:00:00.000") + pad,
            COL_SOURCE: metrics.horizontalAdvance("Source") + pad,
            COL_EVENT: metrics.horizontalAdvance("received") + pad + 20,  # room for the icon
            COL_PEER: metrics.horizontalAdvance("[::ffff:255.255.255]:65535") + pad,
            COL_BYTES: metrics.horizontalAdvance("1,000,000") + pad,
        }
        for column, width in widths.items():
            view.setColumnWidth(column, width)
        columns.setMinimumSectionSize(metrics.horizontalAdvance("Data") + pad)

    # -- public API -------------------------------------------------------------------

    @Slot(object)
    def add_events(self, events: Sequence[LogEvent]) -> None:
        """Append a batch of events (the slot workers' `events` signals connect to)."""
        self.model.append_events(events)

    @Slot()
    def clear(self) -> None:
        """Empty the log and reset the counters."""
        self.model.clear()
        self.detail.clear()

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

    @Slot()
    def _on_model_reset(self) -> None:
        self._stick_to_bottom = None
        self.detail.clear()

    @Slot(object)
    def _on_totals_changed(self, _totals: LogTotals) -> None:
        if not self._totals_timer.isActive():
            self._totals_timer.start()

    @Slot()
    def _show_totals(self) -> None:
        self._totals_label.setText(format_totals(self.model.totals))

    @Slot(int)
    def _on_format_changed(self, index: int) -> None:
        fmt = self._format_combo.itemData(index)
        if fmt is not None:
            self.model.set_display_format(fmt)

    @Slot(QModelIndex, QModelIndex)
    def _on_current_row_changed(
        self, current: QModelIndex | QPersistentModelIndex, _previous: QModelIndex
    ) -> None:
        if current.isValid():
            self.detail.setPlainText(format_detail(self.model.event_at(current.row())))
        else:
            self.detail.clear()
