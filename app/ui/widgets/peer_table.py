"""A table of peers, one row each, keyed by the address in the first column.

Shared by the tabs that serve many peers at once (UDP Listener peers, TCP Server clients).
The caller names the columns and hands in snapshots of its rows, at most a few times a
second (never per packet); rows are updated in place, added and removed so that the
person's selection survives every update.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

Index = QModelIndex | QPersistentModelIndex
# How often a table with an age column ("connected for") is redrawn between snapshots.
AGE_REDRAW_MS = 1000
SORT_ROLE = Qt.ItemDataRole.UserRole


class PeerColumn(NamedTuple):
    """A column: its title, the raw value of a row (for sorting) and how it reads."""

    title: str
    value: Callable[[Any], object]
    text: Callable[[Any], str] = str
    numeric: bool = False


class PeerTableModel(QAbstractTableModel):
    """Rows are whatever the caller keeps (NamedTuples); the first column's text is the key."""

    def __init__(self, columns: Sequence[PeerColumn], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._columns = list(columns)
        self._rows: list[Any] = []
        self._keys: list[str] = []

    # -- Qt model API ------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        column = self._columns[index.column()]
        row = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.text(column.value(row))
        if role == SORT_ROLE:
            return column.value(row)
        if role == Qt.ItemDataRole.TextAlignmentRole and column.numeric:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self._columns[section].title
        return None

    # -- updates -----------------------------------------------------------------------

    def key(self, row: int) -> str:
        return self._keys[row]

    def keys(self) -> list[str]:
        return list(self._keys)

    def row_of(self, key: str) -> Any:
        """The caller's row for `key`, or None."""
        try:
            return self._rows[self._keys.index(key)]
        except ValueError:
            return None

    def update_rows(self, rows: Sequence[Any]) -> None:
        """Show exactly `rows` (in their order for new ones), keeping existing rows in place."""
        first = self._columns[0]
        incoming = {first.text(first.value(row)): row for row in rows}
        self._remove_missing(incoming)
        for position, key in enumerate(self._keys):
            self._rows[position] = incoming.pop(key)
        if self._rows:
            self.dataChanged.emit(
                self.index(0, 0), self.index(len(self._rows) - 1, len(self._columns) - 1)
            )
        if incoming:
            start = len(self._rows)
            self.beginInsertRows(QModelIndex(), start, start + len(incoming) - 1)
            self._keys.extend(incoming)
            self._rows.extend(incoming.values())
            self.endInsertRows()

    def _remove_missing(self, incoming: dict[str, Any]) -> None:
        # Contiguous runs from the end, so earlier positions stay valid.
        position = len(self._keys) - 1
        while position >= 0:
            if self._keys[position] in incoming:
                position -= 1
                continue
            end = position
            while position >= 0 and self._keys[position] not in incoming:
                position -= 1
            self.beginRemoveRows(QModelIndex(), position + 1, end)
            del self._keys[position + 1 : end + 1]
            del self._rows[position + 1 : end + 1]
            self.endRemoveRows()


class PeerTableView(QTableView):
    """The view: whole rows, several selectable, sortable by any column.

    With `redraw_ms`, the rows are redrawn that often while there are any, for columns
    that read the clock (a connection's age) between the owner's snapshots.
    """

    selection_changed = Signal()

    def __init__(
        self, columns: Sequence[PeerColumn], parent: QWidget | None = None, redraw_ms: int = 0
    ) -> None:
        super().__init__(parent)
        self._rows: Sequence[Any] = ()
        self._redraw = QTimer(self)
        self._redraw.setInterval(redraw_ms)
        self._redraw.timeout.connect(self._redraw_rows)
        self._redraws = redraw_ms > 0
        self.peer_model = PeerTableModel(columns, self)
        self._proxy = QSortFilterProxyModel(self)
        self._proxy.setSourceModel(self.peer_model)
        self._proxy.setSortRole(SORT_ROLE)
        self.setModel(self._proxy)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSortingEnabled(True)
        self.sortByColumn(-1, Qt.SortOrder.AscendingOrder)  # arrival order until a click
        self.verticalHeader().hide()
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        header = self.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setHighlightSections(False)
        self.setAlternatingRowColors(True)
        self.selectionModel().selectionChanged.connect(self._selection_changed)

    def update_rows(self, rows: Sequence[Any]) -> None:
        self._rows = rows
        self.peer_model.update_rows(rows)
        if not self._redraws:
            return
        if rows and not self._redraw.isActive():
            self._redraw.start()
        elif not rows:
            self._redraw.stop()

    @Slot()
    def _redraw_rows(self) -> None:
        self.peer_model.update_rows(self._rows)

    def selected_keys(self) -> list[str]:
        """The addresses of the selected rows, top to bottom as shown."""
        rows = sorted(index.row() for index in self.selectionModel().selectedRows())
        return [
            self.peer_model.key(self._proxy.mapToSource(self._proxy.index(r, 0)).row())
            for r in rows
        ]

    def select_keys(self, keys: Sequence[str]) -> None:
        """Select exactly the rows of `keys` (what a person's clicks do)."""
        wanted = set(keys)
        self.clearSelection()
        selection = self.selectionModel()
        flags = selection.SelectionFlag.Select | selection.SelectionFlag.Rows
        for row in range(self._proxy.rowCount()):
            source = self._proxy.mapToSource(self._proxy.index(row, 0))
            if self.peer_model.key(source.row()) in wanted:
                selection.select(self._proxy.index(row, 0), flags)

    @Slot()
    def _selection_changed(self) -> None:
        self.selection_changed.emit()
