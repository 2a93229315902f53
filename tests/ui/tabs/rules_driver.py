"""What the rules tests do to a server tab's rules table, through objectNames and setData."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QTableView
from pytestqt.qtbot import QtBot

from app.ui.main_window import MainWindow
from tests.ui.tabs.tab_driver import child, click


def rules_view(window: MainWindow, prefix: str) -> QTableView:
    view = child(window, QTableView, f"{prefix}Rules")
    assert isinstance(view, QTableView)
    return view


def use_rules(qtbot: QtBot, window: MainWindow, prefix: str, rows: list[list[str]]) -> None:
    """Choose Rules mode, remove every rule, and add `rows` as a person would: Add, then
    each cell typed (setData does what typing does)."""
    child(window, QComboBox, f"{prefix}ReplyMode").setCurrentText("Rules")
    view = rules_view(window, prefix)
    model = view.model()
    view.selectAll()
    click(qtbot, window, f"{prefix}RuleRemove")
    assert model.rowCount() == 0
    for cells in rows:
        click(qtbot, window, f"{prefix}RuleAdd")
        at = model.rowCount() - 1
        for column, text in enumerate(cells):
            assert model.setData(model.index(at, column), text), (at, column, text)


def set_cell(window: MainWindow, prefix: str, row: int, column: int, text: str) -> None:
    model = rules_view(window, prefix).model()
    assert model.setData(model.index(row, column), text)


def cell_tip(window: MainWindow, prefix: str, row: int, column: int) -> str:
    model = rules_view(window, prefix).model()
    return str(model.data(model.index(row, column), Qt.ItemDataRole.ToolTipRole) or "")
