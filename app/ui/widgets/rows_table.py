"""A table of rows a person edits in place: responder rules, HTTP routes.

Every cell is plain text kept in the model, so `model().setData(index, "Contains")` does
what typing does (the automation contract). A column with choices gets a combo editor and
refuses other text. The caller turns rows into its own records and marks the cells it
cannot use with `set_cell_error`, which shows red with the reason as the tooltip.

Buttons: `<row_stem>Add`, `<row_stem>Remove`, `<row_stem>Up`, `<row_stem>Down`,
`<file_stem>Import`, `<file_stem>Export`. The JSON file's shape belongs to the caller
(`RowsCodec`); the table only reads and writes it and shows what went wrong.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from PySide6.QtCore import (
    QAbstractTableModel,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
    Slot,
)
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.ui.widgets.field_feedback import error_label

Index = QModelIndex | QPersistentModelIndex
_ERROR_BACKGROUND = QColor("#fff3f3")
_ERROR_FOREGROUND = QColor("#c9302c")


class RowColumn(NamedTuple):
    title: str
    default: str = ""
    choices: tuple[str, ...] = ()  # non-empty: a combo editor, only these values
    width: int = 0  # 0: the column shares what is left
    tip: str = ""  # the header's tooltip: what the column means and how to type it


class RowsCodec(NamedTuple):
    """How the caller's JSON file holds rows; `load` raises ValueError with the reason."""

    dump: Callable[[list[list[str]]], object]
    load: Callable[[object], list[list[str]]]


class RowsModel(QAbstractTableModel):
    rows_changed = Signal()

    def __init__(self, columns: Sequence[RowColumn], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.columns = tuple(columns)
        self._rows: list[list[str]] = []
        self._errors: dict[tuple[int, int], str] = {}

    # -- Qt model API ------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        key = (index.row(), index.column())
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return self._rows[key[0]][key[1]]
        error = self._errors.get(key)
        if error is None:
            return None
        if role == Qt.ItemDataRole.ToolTipRole:
            return error
        if role == Qt.ItemDataRole.BackgroundRole:
            return _ERROR_BACKGROUND
        if role == Qt.ItemDataRole.ForegroundRole:
            return _ERROR_FOREGROUND
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid() or role != Qt.ItemDataRole.EditRole:
            return False
        text = "" if value is None else str(value)
        column = self.columns[index.column()]
        if column.choices and text not in column.choices:
            return False
        if self._rows[index.row()][index.column()] == text:
            return True
        self._rows[index.row()][index.column()] = text
        self.dataChanged.emit(index, index)
        self.rows_changed.emit()
        return True

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal:
            if role == Qt.ItemDataRole.DisplayRole:
                return self.columns[section].title
            if role == Qt.ItemDataRole.ToolTipRole:
                return self.columns[section].tip or None
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Vertical:
            return str(section + 1)
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEditable

    # -- rows --------------------------------------------------------------------------

    def rows(self) -> list[list[str]]:
        return [list(row) for row in self._rows]

    def set_rows(self, rows: Sequence[Sequence[str]]) -> None:
        width = len(self.columns)
        self.beginResetModel()
        self._rows = [self._fitted(row, width) for row in rows]
        self._errors.clear()
        self.endResetModel()
        self.rows_changed.emit()

    def append_row(self, row: Sequence[str] | None = None) -> int:
        new = self._fitted(row or [c.default for c in self.columns], len(self.columns))
        at = len(self._rows)
        self.beginInsertRows(QModelIndex(), at, at)
        self._rows.append(new)
        self.endInsertRows()
        self.rows_changed.emit()
        return at

    def remove_rows(self, positions: Sequence[int]) -> None:
        for at in sorted(set(positions), reverse=True):
            if 0 <= at < len(self._rows):
                self.beginRemoveRows(QModelIndex(), at, at)
                del self._rows[at]
                self.endRemoveRows()
        self._errors.clear()
        self.rows_changed.emit()

    def move_row(self, at: int, step: int) -> int:
        """Move row `at` one place up (-1) or down (+1); returns where it is now."""
        to = at + step
        if not (0 <= at < len(self._rows) and 0 <= to < len(self._rows)):
            return at
        # Qt's destination is the row the moved one goes before, counted before the move.
        self.beginMoveRows(QModelIndex(), at, at, QModelIndex(), to + 1 if step > 0 else to)
        self._rows[at], self._rows[to] = self._rows[to], self._rows[at]
        self.endMoveRows()
        self._errors.clear()
        self.rows_changed.emit()
        return to

    def set_cell_error(self, row: int, column: int, message: str) -> None:
        """Show `message` on a cell (red, as its tooltip); an empty message clears it."""
        key = (row, column)
        if (self._errors.get(key) or "") == message:
            return
        if message:
            self._errors[key] = message
        else:
            self._errors.pop(key, None)
        index = self.index(row, column)
        self.dataChanged.emit(index, index)

    def cell_error(self, row: int, column: int) -> str:
        return self._errors.get((row, column), "")

    def _fitted(self, row: Sequence[str], width: int) -> list[str]:
        cells = [str(cell) for cell in row][:width]
        cells += [c.default for c in self.columns[len(cells) :]]
        return cells


class _ChoiceDelegate(QStyledItemDelegate):
    """A combo editor for the columns that have choices, the usual line edit elsewhere."""

    def __init__(self, columns: Sequence[RowColumn], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._columns = tuple(columns)

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: Index) -> QWidget:
        choices = self._columns[index.column()].choices
        if not choices:
            return super().createEditor(parent, option, index)
        combo = QComboBox(parent)
        combo.addItems(list(choices))
        return combo

    def setEditorData(self, editor: QWidget, index: Index) -> None:
        if isinstance(editor, QComboBox):
            editor.setCurrentText(str(index.data(Qt.ItemDataRole.EditRole)))
        else:
            super().setEditorData(editor, index)

    def setModelData(self, editor: QWidget, model: Any, index: Index) -> None:
        if isinstance(editor, QComboBox):
            model.setData(index, editor.currentText(), Qt.ItemDataRole.EditRole)
        else:
            super().setModelData(editor, model, index)


class RowsView(QTableView):
    """The table itself, named by the caller; the settings remember its rows (rows_text)."""

    def rows_model(self) -> RowsModel:
        model = self.model()
        assert isinstance(model, RowsModel)
        return model

    def rows_text(self) -> str:
        return json.dumps(self.rows_model().rows(), ensure_ascii=False)

    def restore_rows_text(self, text: object) -> None:
        """Put back what `rows_text` gave; ValueError (and no change) when it is not that."""
        rows = json.loads(str(text))
        if not isinstance(rows, list) or not all(
            isinstance(row, list) and all(isinstance(cell, str) for cell in row) for row in rows
        ):
            raise ValueError("not a list of rows of text cells")
        self.rows_model().set_rows(rows)


class RowsTable(QWidget):
    """The table, its row buttons and the line that says what an import or export did."""

    rows_changed = Signal()

    def __init__(
        self,
        name: str,
        row_stem: str,
        file_stem: str,
        columns: Sequence[RowColumn],
        codec: RowsCodec,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        # The view carries `name` (the automation contract); the whole editor's name is
        # the key its rows are remembered under between runs.
        self.setObjectName(f"{name}Editor")
        self._codec = codec
        self._file_stem = file_stem
        self.model = RowsModel(columns, self)
        self.view = RowsView()
        self.view.setObjectName(name)
        self.view.setModel(self.model)
        self.view.setItemDelegate(_ChoiceDelegate(columns, self.view))
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        self.view.setWordWrap(False)
        self.view.verticalHeader().setDefaultSectionSize(24)
        header = self.view.horizontalHeader()
        for at, column in enumerate(columns):
            if column.width:
                header.setSectionResizeMode(at, QHeaderView.ResizeMode.Interactive)
                self.view.setColumnWidth(at, column.width)
            else:
                header.setSectionResizeMode(at, QHeaderView.ResizeMode.Stretch)
        self.message = error_label(f"{file_stem}Message")

        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        for suffix, text, slot, stem in (
            ("Add", "Add", self._add, row_stem),
            ("Remove", "Remove", self._remove, row_stem),
            ("Up", "Up", lambda: self._move(-1), row_stem),
            ("Down", "Down", lambda: self._move(1), row_stem),
            ("Import", "Import…", self._choose_import, file_stem),
            ("Export", "Export…", self._choose_export, file_stem),
        ):
            button = QPushButton(text)
            button.setObjectName(f"{stem}{suffix}")
            button.clicked.connect(slot)
            buttons.addWidget(button)
            if suffix == "Down":
                buttons.addStretch(1)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.view, 1)
        column.addLayout(buttons)
        column.addWidget(self.message)
        self.model.rows_changed.connect(self.rows_changed)

    # -- files -------------------------------------------------------------------------

    def import_file(self, path: Path) -> bool:
        """Replace the rows with the file's; on a bad file keep them and say why."""
        try:
            text = path.read_text(encoding="utf-8")
            rows = self._codec.load(json.loads(text))
        except (OSError, UnicodeDecodeError) as exc:
            return self._say(f"Could not read {path.name}: {exc}", error=True)
        except ValueError as exc:  # json.JSONDecodeError is one
            return self._say(f"{path.name} is not a file of this table: {exc}", error=True)
        self.model.set_rows(rows)
        return self._say("")

    def export_file(self, path: Path) -> bool:
        """Write the rows; written whole or not at all (a temporary file, then a rename)."""
        text = json.dumps(self._codec.dump(self.model.rows()), indent=2, ensure_ascii=False)
        partial = path.with_name(path.name + ".part")
        try:
            partial.write_text(text + "\n", encoding="utf-8")
            os.replace(partial, path)
        except OSError as exc:
            partial.unlink(missing_ok=True)
            return self._say(f"Could not write {path.name}: {exc}", error=True)
        return self._say("")

    def _say(self, message: str, error: bool = False) -> bool:
        self.message.setText(message)
        self.message.setVisible(bool(message))
        return not error

    # -- buttons -----------------------------------------------------------------------

    def select_row(self, row: int) -> None:
        """Select just `row`. Not `QTableView.selectRow`, which extends the selection
        while a modifier key is held (or was last seen held)."""
        selection = self.view.selectionModel()
        index = self.model.index(row, 0)
        flags = (
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows
        )
        selection.setCurrentIndex(index, flags)

    @Slot()
    def _add(self) -> None:
        self.select_row(self.model.append_row())
        self.view.scrollToBottom()

    @Slot()
    def _remove(self) -> None:
        self.model.remove_rows([index.row() for index in self._selected()])

    def _move(self, step: int) -> None:
        selected = self._selected()
        if len(selected) != 1:
            return
        self.select_row(self.model.move_row(selected[0].row(), step))

    def _selected(self) -> list[QModelIndex]:
        model = self.view.selectionModel()
        return model.selectedRows() if model is not None else []

    @Slot()
    def _choose_import(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import", "", "JSON (*.json);;All files (*)")
        if path:
            self.import_file(Path(path))

    @Slot()
    def _choose_export(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export", "", "JSON (*.json)")
        if path:
            self.export_file(Path(path))
