"""The table model behind the live log: bounded rows, exact totals, cheap data()."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
    Slot,
)
from PySide6.QtGui import QColor, QIcon
from PySide6.QtWidgets import QApplication, QStyle

from app.net.events import Kind, LogEvent
from app.payload import PayloadFormat, preview

# Longer payloads keep only this prefix: 100,000 rows of 64 KiB chunks would otherwise
# pin gigabytes. The detail view says how much was cut; counters read `size`.
DATA_KEEP = 4096
DEFAULT_MAX_ROWS = 100_000

COL_TIME, COL_SOURCE, COL_EVENT, COL_PEER, COL_BYTES, COL_DATA = range(6)
HEADERS = ("Time", "Source", "Event", "Peer", "Bytes", "Data")
HEADER_TIPS = (
    "Local wall-clock time of the event",
    "Which tab reported it",
    "sent, received, info or error",
    "Remote host:port",
    "Number of bytes sent or received",
    "One-line preview of the data (or the message when there is no data)",
)

# Mid-tone colours so both light and dark palettes keep them readable.
SENT_COLOR = QColor(0x2B, 0x6C, 0xD4)
RECEIVED_COLOR = QColor(0x2E, 0x8B, 0x46)
ERROR_COLOR = QColor(0xD6, 0x3B, 0x3B)

# Plain ints: data() compares roles on every call and int comparison is the cheapest.
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_DECORATION = int(Qt.ItemDataRole.DecorationRole)
_ALIGNMENT = int(Qt.ItemDataRole.TextAlignmentRole)
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

_ModelIndex = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True, slots=True)
class LogTotals:
    """Counters over every event ever appended (since the last clear), trimmed or not."""

    events: int = 0
    sent_bytes: int = 0
    received_bytes: int = 0
    sent_events: int = 0
    received_events: int = 0
    errors: int = 0
    dropped_rows: int = 0


def format_time(stamp: float) -> str:
    """HH:MM:SS.mmm in local time."""
    millis = int(stamp * 1000) % 1000
    return f"{time.strftime('%H:%M:%S', time.localtime(stamp))}.{millis:03d}"


def _keep(event: LogEvent) -> LogEvent:
    if len(event.data) > DATA_KEEP:
        return event._replace(data=event.data[:DATA_KEEP])
    return event


class LogModel(QAbstractTableModel):
    """The newest `max_rows` events as table rows, plus exact totals over all of them."""

    totals_changed = Signal(object)

    def __init__(self, parent: QObject | None = None, *, max_rows: int = DEFAULT_MAX_ROWS) -> None:
        super().__init__(parent)
        if max_rows < 1:
            raise ValueError("max_rows must be at least 1")
        self._rows: list[LogEvent] = []
        self._max_rows = max_rows
        self._totals = LogTotals()
        self._format = PayloadFormat.TEXT
        self._error_icon: QIcon | None = None

    # -- public API -------------------------------------------------------------------

    @property
    def totals(self) -> LogTotals:
        return self._totals

    @property
    def max_rows(self) -> int:
        return self._max_rows

    @property
    def display_format(self) -> PayloadFormat:
        return self._format

    def event_at(self, row: int) -> LogEvent:
        return self._rows[row]

    @Slot(object)
    def append_events(self, events: Sequence[LogEvent]) -> None:
        """Append one batch: one insert (and at most one removal) whatever its size."""
        count = len(events)
        if not count:
            return
        self._count(events)
        dropped = 0
        if count >= self._max_rows:
            # Only the batch's tail survives: drop every old row in one go, then insert
            # just that tail, never rows that would be removed straight away.
            dropped = count - self._max_rows
            events = events[dropped:]
            dropped += self._remove_oldest(len(self._rows))
        else:
            dropped = self._remove_oldest(len(self._rows) + count - self._max_rows)
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(events) - 1)
        self._rows.extend(map(_keep, events))
        self.endInsertRows()
        if dropped:
            self._totals = dataclasses.replace(
                self._totals, dropped_rows=self._totals.dropped_rows + dropped
            )
        self.totals_changed.emit(self._totals)

    def set_max_rows(self, max_rows: int) -> None:
        """Change the row limit; shrinking drops the oldest rows now."""
        if max_rows < 1:
            raise ValueError("max_rows must be at least 1")
        self._max_rows = max_rows
        dropped = self._remove_oldest(len(self._rows) - max_rows)
        if dropped:
            self._totals = dataclasses.replace(
                self._totals, dropped_rows=self._totals.dropped_rows + dropped
            )
            self.totals_changed.emit(self._totals)

    def set_display_format(self, fmt: PayloadFormat) -> None:
        """Show previews as text or hex; only the Data column changes."""
        fmt = PayloadFormat(fmt)
        if fmt == self._format:
            return
        self._format = fmt
        if self._rows:
            self.dataChanged.emit(
                self.index(0, COL_DATA), self.index(len(self._rows) - 1, COL_DATA), [_DISPLAY]
            )

    @Slot()
    def clear(self) -> None:
        """Forget every row and reset the totals."""
        self.beginResetModel()
        self._rows = []
        self.endResetModel()
        self._totals = LogTotals()
        self.totals_changed.emit(self._totals)

    # -- internals --------------------------------------------------------------------

    def _count(self, events: Sequence[LogEvent]) -> None:
        sent_bytes = received_bytes = sent_events = received_events = errors = 0
        for event in events:
            kind = event.kind
            if kind is Kind.SENT:
                sent_events += 1
                sent_bytes += event.size
            elif kind is Kind.RECEIVED:
                received_events += 1
                received_bytes += event.size
            elif kind is Kind.ERROR:
                errors += 1
        t = self._totals
        self._totals = LogTotals(
            events=t.events + len(events),
            sent_bytes=t.sent_bytes + sent_bytes,
            received_bytes=t.received_bytes + received_bytes,
            sent_events=t.sent_events + sent_events,
            received_events=t.received_events + received_events,
            errors=t.errors + errors,
            dropped_rows=t.dropped_rows,
        )

    def _remove_oldest(self, count: int) -> int:
        count = min(count, len(self._rows))
        if count <= 0:
            return 0
        self.beginRemoveRows(QModelIndex(), 0, count - 1)
        del self._rows[:count]
        self.endRemoveRows()
        return count

    def _icon(self) -> QIcon:
        # Looked up lazily: the model may be built before a QApplication style exists.
        if self._error_icon is None:
            style = QApplication.style()
            self._error_icon = style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        return self._error_icon

    # -- QAbstractTableModel ----------------------------------------------------------

    def rowCount(self, parent: _ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def flags(self, index: _ModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return _FLAGS

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(HEADERS):
            return None
        if role == _DISPLAY:
            return HEADERS[section]
        if role == _TOOLTIP:
            return HEADER_TIPS[section]
        if role == _ALIGNMENT and section == COL_BYTES:
            return _RIGHT
        return None

    def data(self, index: _ModelIndex, role: int = _DISPLAY) -> Any:
        # Called only for visible cells, many times per repaint: format on demand and
        # return early, never cache strings for all rows.
        if not index.isValid():
            return None
        row = index.row()
        if row >= len(self._rows):
            return None
        event = self._rows[row]
        column = index.column()
        if role == _DISPLAY:
            if column == COL_TIME:
                return format_time(event.time)
            if column == COL_SOURCE:
                return event.source.value
            if column == COL_EVENT:
                return event.kind.value
            if column == COL_PEER:
                return event.peer
            if column == COL_BYTES:
                if event.size or event.kind in (Kind.SENT, Kind.RECEIVED):
                    return f"{event.size:,}"
                return ""
            if column == COL_DATA:
                if event.data:
                    return preview(event.data, self._format)
                message = event.message
                return message.replace("\n", " ") if "\n" in message else message
            return None
        if role == _FOREGROUND:
            if column == COL_EVENT or (column == COL_DATA and event.kind is Kind.ERROR):
                return _color(event.kind)
            return None
        if role == _TOOLTIP:
            if column == COL_DATA and event.message:
                return event.message
            return None
        if role == _ALIGNMENT:
            return _RIGHT if column == COL_BYTES else None
        if role == _DECORATION:
            if column == COL_EVENT and event.kind is Kind.ERROR:
                return self._icon()
            return None
        return None


def _color(kind: Kind) -> QColor | None:
    if kind is Kind.SENT:
        return SENT_COLOR
    if kind is Kind.RECEIVED:
        return RECEIVED_COLOR
    if kind is Kind.ERROR:
        return ERROR_COLOR
    return None
