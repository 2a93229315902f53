"""The table model behind the live log: bounded rows, exact totals, cheap data()."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QModelRoleDataSpan,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
    Slot,
)
from PySide6.QtGui import QColor, QIcon

from app.net.events import Kind, LogEvent, Source
from app.net.relay.legs import shown_peer
from app.payload import PayloadFormat, preview
from app.resources import warning_icon
from app.ui.log.time_format import TimeMode, format_time, time_text
from app.ui.log.totals import EVENT_SIZE, LogTotals, RunningTotals, SourceTotals

# LogTotals and SourceTotals are the model's records: importable from here too.
__all__ = ["LogModel", "LogTotals", "SourceTotals"]

# Longer payloads keep only this prefix: 100,000 rows of 64 KiB chunks would otherwise
# pin gigabytes. The detail view says how much was cut; counters read `size`.
DATA_KEEP = 4096
DEFAULT_MAX_ROWS = 100_000

COL_TIME, COL_SOURCE, COL_EVENT, COL_PEER, COL_BYTES, COL_DATA = range(6)
HEADERS = ("Time", "Source", "Event", "Peer", "Bytes", "Data")
HEADER_TIPS = (
    "When it happened (see the time mode above the log)",
    "Which tab reported it",
    "sent, received, info or error; partial: received, an incomplete message at close",
    "Remote host:port",
    "Number of bytes sent or received",
    "The row's message, or a one-line preview of its data when it has none",
)

# Mid-tone colours so both light and dark palettes keep them readable.
SENT_COLOR = QColor(0x2B, 0x6C, 0xD4)
RECEIVED_COLOR = QColor(0x2E, 0x8B, 0x46)
ERROR_COLOR = QColor(0xD6, 0x3B, 0x3B)
KIND_COLORS = {Kind.SENT: SENT_COLOR, Kind.RECEIVED: RECEIVED_COLOR, Kind.ERROR: ERROR_COLOR}

# Plain ints: data() compares roles on every call and int comparison is the cheapest.
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_DECORATION = int(Qt.ItemDataRole.DecorationRole)
_ALIGNMENT = int(Qt.ItemDataRole.TextAlignmentRole)
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

# The Event column of a received row that is an incomplete message (LogEvent.partial):
# one short word, as the other kinds, that fits the column; the tooltip says the rest.
PARTIAL_TEXT = "partial"
PARTIAL_TIP = "received: an incomplete message, held by the framing when the connection ended"

_ModelIndex = QModelIndex | QPersistentModelIndex
_TRAFFIC = (Kind.SENT, Kind.RECEIVED)
RTT_NOTE = "RTT "  # how app/net/round_trip_events.rtt_note starts a timed reply's message


def _keep(event: LogEvent) -> LogEvent:
    if len(event.data) > DATA_KEEP:
        return event._replace(data=event.data[:DATA_KEEP])
    return event


class LogModel(QAbstractTableModel):
    """The newest `max_rows` events as table rows, plus exact totals over all of them.

    Rows are the events themselves (no wrapper object per row): a million of them must
    fit in a few hundred megabytes. `base` is the running number of row 0, so that views
    over this model can keep row numbers that survive the trimming of old rows.
    """

    totals_changed = Signal(object)

    def __init__(self, parent: QObject | None = None, *, max_rows: int = DEFAULT_MAX_ROWS) -> None:
        super().__init__(parent)
        if max_rows < 1:
            raise ValueError("max_rows must be at least 1")
        self._rows: list[LogEvent] = []
        self._max_rows = max_rows
        self._base = 0
        self._counts = RunningTotals()
        self._first_time: float | None = None
        self._time_before_first: float | None = None
        self._time_mode = TimeMode.CLOCK
        self._format = PayloadFormat.TEXT
        self._error_icon: QIcon | None = None

    # -- public API -------------------------------------------------------------------

    @property
    def totals(self) -> LogTotals:
        return self._counts.totals

    @property
    def max_rows(self) -> int:
        return self._max_rows

    @property
    def display_format(self) -> PayloadFormat:
        return self._format

    @property
    def time_mode(self) -> TimeMode:
        return self._time_mode

    @property
    def rows(self) -> list[LogEvent]:
        """The rows in memory, oldest first; read only (views over this model index it)."""
        return self._rows

    @property
    def base(self) -> int:
        """Running number of row 0: rows ever removed from the front since creation."""
        return self._base

    @property
    def first_time(self) -> float | None:
        """Time of the first event since the last clear, trimmed or not."""
        return self._first_time

    def event_at(self, row: int) -> LogEvent:
        return self._rows[row]

    def previous_time(self, row: int) -> float | None:
        """Time of the event before `row`, also when that one was trimmed away."""
        return self._rows[row - 1].time if row > 0 else self._time_before_first

    def source_totals(self) -> dict[Source, SourceTotals]:
        """Exact counters per source that has seen any event, in Source order."""
        return self._counts.by_source()

    @Slot(object)
    def append_events(self, events: Sequence[LogEvent]) -> None:
        """Append one batch: one insert (and at most one removal) whatever its size.

        Every per-event step runs in C (see app/ui/log/totals.py for why).
        """
        count = len(events)
        if not count:
            return
        sizes = list(map(EVENT_SIZE, events))
        self._counts.count(events, sizes)
        if self._first_time is None:
            self._first_time = events[0].time
        # `size` is at least len(data) (make_event): only a big size can mean big data.
        if max(sizes) > DATA_KEEP:
            events = list(map(_keep, events))
        if count >= self._max_rows:
            # Only the batch's tail survives: drop every old row in one go, then insert
            # just that tail, never rows that would be removed straight away.
            dropped = count - self._max_rows
            removed = self._remove_oldest(len(self._rows))
            if dropped:
                self._time_before_first = events[dropped - 1].time
                self._base += dropped
                events = events[dropped:]
            dropped += removed
        else:
            dropped = self._remove_oldest(len(self._rows) + count - self._max_rows)
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(events) - 1)
        self._rows.extend(events)
        self.endInsertRows()
        if dropped:
            self._counts.add_dropped(dropped)
        self.totals_changed.emit(self._counts.totals)

    def set_max_rows(self, max_rows: int) -> None:
        """Change the row limit; shrinking drops the oldest rows now."""
        if max_rows < 1:
            raise ValueError("max_rows must be at least 1")
        self._max_rows = max_rows
        dropped = self._remove_oldest(len(self._rows) - max_rows)
        if dropped:
            self._counts.add_dropped(dropped)
            self.totals_changed.emit(self._counts.totals)

    def set_display_format(self, fmt: PayloadFormat) -> None:
        """Show previews as text or hex; only the Data column changes."""
        fmt = PayloadFormat(fmt)
        if fmt == self._format:
            return
        self._format = fmt
        self._column_changed(COL_DATA)

    def set_time_mode(self, mode: TimeMode) -> None:
        """Show times as wall clock or as time since the first or previous row."""
        mode = TimeMode(mode)
        if mode == self._time_mode:
            return
        self._time_mode = mode
        self._column_changed(COL_TIME)

    @Slot()
    def clear(self) -> None:
        """Forget every row and reset the totals."""
        self.beginResetModel()
        self._base += len(self._rows)
        self._rows = []
        self._first_time = None
        self._time_before_first = None
        self.endResetModel()
        self._counts.clear()
        self.totals_changed.emit(self._counts.totals)

    # -- internals --------------------------------------------------------------------

    def _remove_oldest(self, count: int) -> int:
        count = min(count, len(self._rows))
        if count <= 0:
            return 0
        self.beginRemoveRows(QModelIndex(), 0, count - 1)
        self._time_before_first = self._rows[count - 1].time
        del self._rows[:count]
        self._base += count
        self.endRemoveRows()
        return count

    def _column_changed(self, column: int) -> None:
        if self._rows:
            self.dataChanged.emit(
                self.index(0, column), self.index(len(self._rows) - 1, column), [_DISPLAY]
            )

    def _icon(self) -> QIcon:
        # Loaded on the first error row: the model may be built before a QApplication.
        if self._error_icon is None:
            self._error_icon = warning_icon()
        return self._error_icon

    def cell(self, event: LogEvent, column: int, role: int, reference: float | None) -> Any:
        """What a view shows for one cell of `event`; shared with the filtered view.

        `reference` is the time the Time column counts from in SINCE_PREVIOUS mode.
        """
        if role == _DISPLAY:
            if column == COL_TIME:
                mode = self._time_mode
                if mode is TimeMode.SINCE_FIRST:
                    reference = self._first_time
                return time_text(mode, event.time, reference)
            if column == COL_SOURCE:
                return event.source.value
            if column == COL_EVENT:
                return PARTIAL_TEXT if event.partial else event.kind.value
            if column == COL_PEER:
                if event.source is Source.RELAY and event.kind in _TRAFFIC:
                    return shown_peer(event.peer, event.detail, event.kind is Kind.SENT)
                return event.peer
            if column == COL_BYTES:
                if event.size or event.kind in (Kind.SENT, Kind.RECEIVED):
                    return f"{event.size:,}"
                return ""
            if column == COL_DATA:
                # A row that says something (an HTTP exchange "GET / → 200, …", a
                # partial send) shows its sentence; plain traffic shows its bytes.
                message = event.message
                if not message:
                    return preview(event.data, self._format)
                if event.data and message.startswith(RTT_NOTE):
                    # A reply timed to its request: its round trip, then its bytes.
                    return f"{message} · {preview(event.data, self._format)}"
                return message.replace("\n", " ") if "\n" in message else message
            return None
        if role == _FOREGROUND:
            if column == COL_EVENT or (column == COL_DATA and event.kind is Kind.ERROR):
                return KIND_COLORS.get(event.kind)
            return None
        if role == _TOOLTIP:
            if column == COL_DATA and event.message:
                return event.message
            if column == COL_EVENT and event.partial:
                return PARTIAL_TIP
            if column == COL_TIME:
                return format_time(event.time)
            return None
        if role == _ALIGNMENT:
            return _RIGHT if column == COL_BYTES else None
        if role == _DECORATION:
            if column == COL_EVENT and event.kind is Kind.ERROR:
                return self._icon()
            return None
        return None

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
        # Called only for visible cells: format on demand, never cache strings for all rows.
        located = self._locate(index)
        if located is None:
            return None
        return self.cell(*located[:2], role, located[2])

    def multiData(self, index: _ModelIndex, roleDataSpan: QModelRoleDataSpan) -> None:
        located = self._locate(index)
        if located is not None:
            self.fill_roles(*located, roleDataSpan)

    def fill_roles(
        self, event: LogEvent, column: int, reference: float | None, span: QModelRoleDataSpan
    ) -> None:
        """Answer every role a view asks of one cell in a single Python call.

        Qt's default multiData calls data() once per role (about seven per painted cell),
        and each call from C++ must take the GIL that busy workers hold: a repaint under
        load then waits on the GIL hundreds of times.
        """
        cell = self.cell
        for item in span:
            value = cell(event, column, item.role(), reference)
            if value is None:
                item.clearData()
            else:
                item.setData(value)

    def _locate(self, index: _ModelIndex) -> tuple[LogEvent, int, float | None] | None:
        if not index.isValid():
            return None
        row = index.row()
        if row >= len(self._rows):
            return None
        column = index.column()
        reference = None
        if column == COL_TIME and self._time_mode is TimeMode.SINCE_PREVIOUS:
            reference = self.previous_time(row)
        return self._rows[row], column, reference
