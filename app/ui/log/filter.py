"""The filtered view of the log: an index of matching rows, built in chunks, kept in sync."""

from __future__ import annotations

import re
import time
from array import array
from bisect import bisect_left
from dataclasses import dataclass
from itertools import compress, repeat
from operator import add, is_, sub
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QModelRoleDataSpan,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
    Slot,
)

from app.net.events import Kind, LogEvent, Source
from app.payload import PayloadError, PayloadFormat, parse_hex
from app.ui.log.model import COL_TIME, HEADERS, LogModel
from app.ui.log.time_format import TimeMode
from app.ui.log.totals import EVENT_DATA, EVENT_KIND, EVENT_MESSAGE, EVENT_PEER, EVENT_SOURCE

ALL_SOURCES = frozenset(Source)
ALL_KINDS = frozenset(Kind)

# Rows tested per step, and how long one timer tick may keep the GUI thread: a million
# rows are scanned in slices so that repaints and arriving batches get their turn.
SCAN_CHUNK = 16_384
SCAN_TICK_S = 0.025

_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_ModelIndex = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True, slots=True)
class LogFilter:
    """What the person asked to see: free text plus the sources and kinds left on."""

    text: str = ""
    sources: frozenset[Source] = ALL_SOURCES
    kinds: frozenset[Kind] = ALL_KINDS

    @property
    def active(self) -> bool:
        return bool(self.text) or self.sources != ALL_SOURCES or self.kinds != ALL_KINDS


def _positions_of(
    values: list[Any], accepted: tuple[Any, ...], *, by_identity: bool = True
) -> list[int] | None:
    """Positions in `values` holding one of `accepted`; None when that is all of them.

    Counting runs in C; when few match (errors among a flood), list.index jumps from one
    to the next in C too, and Python only runs per match. Enum members are compared by
    identity (their hash runs in Python), strings by equality.
    """
    counts = [values.count(member) for member in accepted]
    total = sum(counts)
    if total == len(values):
        return None
    if not total:
        return []
    if total * 8 <= len(values):
        found: list[int] = []
        for member, count_ in zip(accepted, counts, strict=True):
            position = -1
            for _ in range(count_):
                position = values.index(member, position + 1)
                found.append(position)
        if sum(1 for count_ in counts if count_) > 1:
            found.sort()
        return found
    if not by_identity:
        mask = map(frozenset(accepted).__contains__, values)
    elif len(accepted) == 1:
        mask = map(is_, values, repeat(accepted[0]))
    else:
        ids = frozenset(map(id, accepted))
        mask = map(ids.__contains__, map(id, values))
    return list(compress(range(len(values)), mask))


def _union(*groups: list[int] | None) -> list[int] | None:
    """Sorted positions found in any group (None means all)."""
    if any(group is None for group in groups):
        return None
    present = [group for group in groups if group]
    if not present:
        return []
    if len(present) == 1:
        return present[0]
    return sorted(set().union(*present))


def _pick(items: list[Any], positions: list[int]) -> list[Any]:
    return list(map(items.__getitem__, positions))


class RowMatcher:
    """Tests slices of rows against one LogFilter with C-level passes only.

    Source and kind are compared by identity (enum hashing runs in Python). Text is
    matched case-insensitively on peer and message (each distinct string lowered once
    per slice) and on the data, searched as bytes in one joined block per slice; with
    the Hex display a needle that reads as hex is looked up as those bytes.
    """

    def __init__(self, spec: LogFilter, fmt: PayloadFormat) -> None:
        self._sources = None if spec.sources == ALL_SOURCES else tuple(spec.sources)
        self._kinds = None if spec.kinds == ALL_KINDS else tuple(spec.kinds)
        self._needle = spec.text.lower()
        self._lower_data = False
        if not self._needle:
            return
        pattern = None
        if fmt is PayloadFormat.HEX:
            try:
                pattern = parse_hex(spec.text) or None
            except PayloadError:
                pattern = None
        if pattern is None:
            pattern = self._needle.encode("utf-8")
            # bytes.lower() folds ASCII only; skip it when the needle has no letter.
            self._lower_data = pattern.upper() != pattern
        self._search_data = re.compile(re.escape(pattern)).search

    def numbers(self, rows: list[LogEvent], lo: int, hi: int, base: int) -> list[int]:
        """Running numbers (base + position) of the rows in rows[lo:hi] that match."""
        part = rows[lo:hi]
        positions: list[int] | None = None  # None: every row of rows[lo:hi]
        for accepted, field in ((self._sources, EVENT_SOURCE), (self._kinds, EVENT_KIND)):
            if accepted is not None and part:
                picked = _positions_of(list(map(field, part)), accepted)
                if picked is not None:
                    positions = picked if positions is None else _pick(positions, picked)
                    part = _pick(part, picked)
        if self._needle and part:
            picked = self._text_positions(part)
            if picked is not None:
                positions = picked if positions is None else _pick(positions, picked)
        start = base + lo
        if positions is None:
            return list(range(start, start + len(part)))
        return list(map(add, positions, repeat(start)))

    def _text_positions(self, part: list[LogEvent]) -> list[int] | None:
        needle = self._needle
        found: list[list[int] | None] = []
        for field in (EVENT_PEER, EVENT_MESSAGE):
            values = list(map(field, part))
            # Most rows share a handful of peer and message strings: test each once.
            hits = tuple(s for s in set(values) if needle in s.lower())
            if len(hits) > 4:
                # Many distinct strings match (say, one message per request): one pass.
                found.append(list(compress(range(len(part)), map(set(hits).__contains__, values))))
            elif hits:
                found.append(_positions_of(values, hits, by_identity=False))
        if found and _union(*found) is None:
            return None
        datas: Any = map(EVENT_DATA, part)
        if self._lower_data:
            datas = map(bytes.lower, datas)
        found.append(list(compress(range(len(part)), map(self._search_data, datas))))
        return _union(*found)


class LogFilterModel(QAbstractTableModel):
    """The rows of a LogModel that pass a LogFilter, as a table of the same columns.

    It holds the running numbers of the matching rows (8 bytes each, in an array), so
    trimming the source only drops a prefix, and new rows are tested as they arrive.
    A new filter is answered at once for the first slice and completed by a timer.
    """

    progress = Signal()

    def __init__(self, source: LogModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._source = source
        self._spec = LogFilter()
        self._matcher: RowMatcher | None = None
        self._numbers = array("q")
        self._scan_next = source.base
        self._timer = QTimer(self)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._scan_some)
        source.rowsInserted.connect(self._on_source_rows_inserted)
        source.rowsAboutToBeRemoved.connect(self._on_source_rows_about_to_be_removed)
        source.modelAboutToBeReset.connect(self._on_source_about_to_reset)
        source.modelReset.connect(self._on_source_reset)
        source.dataChanged.connect(self._on_source_data_changed)

    # -- public API -------------------------------------------------------------------

    @property
    def spec(self) -> LogFilter:
        return self._spec

    @property
    def scanning(self) -> bool:
        """True while older rows are still being tested against a new filter."""
        return self._matcher is not None and self._scan_next < self._source_end()

    def scanned_fraction(self) -> float:
        rows = len(self._source.rows)
        if not rows or self._matcher is None:
            return 1.0
        done = self._scan_next - self._source.base
        return min(1.0, max(0.0, done / rows))

    def set_filter(self, spec: LogFilter) -> None:
        """Show the rows matching `spec` (nothing is kept when it is not active)."""
        self._timer.stop()
        self.beginResetModel()
        self._spec = spec
        self._numbers = array("q")
        self._matcher = RowMatcher(spec, self._source.display_format) if spec.active else None
        self._scan_next = self._source.base
        self.endResetModel()
        if self._matcher is not None:
            self._scan_some()
        self.progress.emit()

    def finish(self) -> None:
        """Complete a running scan now (for a snapshot that must hold every match)."""
        while self.scanning:
            self._scan_chunk()
        self._timer.stop()

    def event_at(self, row: int) -> LogEvent:
        return self._source.rows[self._numbers[row] - self._source.base]

    def source_row(self, row: int) -> int:
        return self._numbers[row] - self._source.base

    def row_of_source(self, source_row: int) -> int | None:
        """The row showing source row `source_row`, if it matches (and was scanned)."""
        number = self._source.base + source_row
        row = bisect_left(self._numbers, number)
        if row < len(self._numbers) and self._numbers[row] == number:
            return row
        return None

    def matching_events(self) -> list[LogEvent]:
        """The matching events in order; references, no copies."""
        base = self._source.base
        return list(map(self._source.rows.__getitem__, map(sub, self._numbers, repeat(base))))

    # -- scanning ---------------------------------------------------------------------

    def _source_end(self) -> int:
        return self._source.base + len(self._source.rows)

    @Slot()
    def _scan_some(self) -> None:
        deadline = time.perf_counter() + SCAN_TICK_S
        while self.scanning and time.perf_counter() < deadline:
            self._scan_chunk()
        if self.scanning:
            if not self._timer.isActive():
                self._timer.start()
        else:
            self._timer.stop()
        self.progress.emit()

    def _scan_chunk(self) -> None:
        self._skip_trimmed()
        self._test_rows(self._scan_next, min(self._source_end(), self._scan_next + SCAN_CHUNK))

    def _skip_trimmed(self) -> None:
        # A batch longer than the row limit moves the source's base past rows that were
        # never inserted (no signal for those): nothing to test there.
        self._scan_next = max(self._scan_next, self._source.base)

    def _test_rows(self, first: int, end: int) -> None:
        assert self._matcher is not None
        base = self._source.base
        if not base <= first < end:
            return
        found = self._matcher.numbers(self._source.rows, first - base, end - base, base)
        self._scan_next = end
        if found:
            row = len(self._numbers)
            self.beginInsertRows(QModelIndex(), row, row + len(found) - 1)
            self._numbers.extend(found)
            self.endInsertRows()

    # -- following the source ---------------------------------------------------------

    @Slot(QModelIndex, int, int)
    def _on_source_rows_inserted(self, _parent: QModelIndex, _first: int, last: int) -> None:
        if self._matcher is None or self._timer.isActive():
            return  # no filter, or the running scan will reach these rows
        self._skip_trimmed()
        end = self._source.base + last + 1
        if end - self._scan_next > SCAN_CHUNK:
            self._timer.start()
        else:
            self._test_rows(self._scan_next, end)

    @Slot(QModelIndex, int, int)
    def _on_source_rows_about_to_be_removed(
        self, _parent: QModelIndex, _first: int, last: int
    ) -> None:
        # The source only ever removes its oldest rows: drop the same prefix here,
        # before the rows are gone, so data() never sees a stale number.
        new_base = self._source.base + last + 1
        count = bisect_left(self._numbers, new_base)
        if count:
            self.beginRemoveRows(QModelIndex(), 0, count - 1)
            del self._numbers[:count]
            self.endRemoveRows()
        self._scan_next = max(self._scan_next, new_base)

    @Slot()
    def _on_source_about_to_reset(self) -> None:
        self._timer.stop()
        self.beginResetModel()

    @Slot()
    def _on_source_reset(self) -> None:
        self._numbers = array("q")
        self._scan_next = self._source.base
        self.endResetModel()
        self.progress.emit()

    @Slot(QModelIndex, QModelIndex, list)
    def _on_source_data_changed(
        self, top_left: QModelIndex, bottom_right: QModelIndex, roles: list[int]
    ) -> None:
        if self._numbers:
            self.dataChanged.emit(
                self.index(0, top_left.column()),
                self.index(len(self._numbers) - 1, bottom_right.column()),
                roles,
            )

    # -- QAbstractTableModel ----------------------------------------------------------

    def rowCount(self, parent: _ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._numbers)

    def columnCount(self, parent: _ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def flags(self, index: _ModelIndex) -> Qt.ItemFlag:
        return self._source.flags(index)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY) -> Any:
        return self._source.headerData(section, orientation, role)

    def data(self, index: _ModelIndex, role: int = _DISPLAY) -> Any:
        located = self._locate(index)
        if located is None:
            return None
        return self._source.cell(*located[:2], role, located[2])

    def multiData(self, index: _ModelIndex, roleDataSpan: QModelRoleDataSpan) -> None:
        # One Python call per painted cell, not one per role (see LogModel.fill_roles).
        located = self._locate(index)
        if located is not None:
            self._source.fill_roles(*located, roleDataSpan)

    def _locate(self, index: _ModelIndex) -> tuple[LogEvent, int, float | None] | None:
        if not index.isValid():
            return None
        row = index.row()
        if row >= len(self._numbers):
            return None
        source = self._source
        rows = source.rows
        base = source.base
        column = index.column()
        reference = None
        if column == COL_TIME and source.time_mode is TimeMode.SINCE_PREVIOUS and row > 0:
            # The row above in this view: round trips between the rows one filtered to.
            reference = rows[self._numbers[row - 1] - base].time
        return rows[self._numbers[row] - base], column, reference
