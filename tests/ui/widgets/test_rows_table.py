"""The editable rows table: setData does what typing does, buttons, files, cell errors."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.ui.widgets.rows_table import RowColumn, RowsCodec, RowsTable

COLUMNS = (RowColumn("Match", "Exact", ("Exact", "Contains")), RowColumn("Pattern", "PING"))


def _load(data: object) -> list[list[str]]:
    if not isinstance(data, dict) or not isinstance(data.get("rows"), list):
        raise ValueError('expected {"rows": [...]}')
    return [[str(cell) for cell in row] for row in data["rows"]]


CODEC = RowsCodec(dump=lambda rows: {"rows": rows}, load=_load)


def _table(qtbot: QtBot) -> RowsTable:
    table = RowsTable("demoRules", "demoRule", "demoRules", COLUMNS, CODEC)
    qtbot.addWidget(table)
    return table


def _click(table: RowsTable, name: str) -> None:
    button = table.findChild(object, name)
    assert button is not None, name
    button.click()


def test_add_edit_and_choices(qtbot: QtBot) -> None:
    table = _table(qtbot)
    with qtbot.waitSignal(table.rows_changed):
        _click(table, "demoRuleAdd")
    model = table.view.model()
    assert table.model.rows() == [["Exact", "PING"]]
    assert model.setData(model.index(0, 0), "Contains")
    assert not model.setData(model.index(0, 0), "Sometimes")
    assert model.setData(model.index(0, 1), "hello")
    assert table.model.rows() == [["Contains", "hello"]]


def test_remove_and_move_follow_the_selection(qtbot: QtBot) -> None:
    table = _table(qtbot)
    table.model.set_rows([["Exact", "a"], ["Exact", "b"], ["Exact", "c"]])
    table.select_row(0)
    _click(table, "demoRuleDown")
    assert [row[1] for row in table.model.rows()] == ["b", "a", "c"]
    _click(table, "demoRuleDown")
    _click(table, "demoRuleDown")  # already last: stays
    assert [row[1] for row in table.model.rows()] == ["b", "c", "a"]
    _click(table, "demoRuleUp")
    assert [row[1] for row in table.model.rows()] == ["b", "a", "c"]
    _click(table, "demoRuleRemove")
    assert [row[1] for row in table.model.rows()] == ["b", "c"]


def test_cell_error_shows_as_tooltip(qtbot: QtBot) -> None:
    table = _table(qtbot)
    table.model.set_rows([["Exact", "(a"]])
    table.model.set_cell_error(0, 1, "missing ) at position 3")
    index = table.model.index(0, 1)
    assert table.model.data(index, Qt.ItemDataRole.ToolTipRole) == "missing ) at position 3"
    table.model.set_cell_error(0, 1, "")
    assert table.model.data(index, Qt.ItemDataRole.ToolTipRole) is None


def test_export_import_round_trip_and_bad_file(qtbot: QtBot, tmp_path: Path) -> None:
    table = _table(qtbot)
    table.model.set_rows([["Contains", "PING"], ["Exact", "x"]])
    path = tmp_path / "rules.json"
    assert table.export_file(path)
    assert json.loads(path.read_text())["rows"] == [["Contains", "PING"], ["Exact", "x"]]
    table.model.set_rows([])
    assert table.import_file(path)
    assert table.model.rows() == [["Contains", "PING"], ["Exact", "x"]]

    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2")
    assert not table.import_file(bad)
    assert "bad.json" in table.message.text()
    assert table.model.rows() == [["Contains", "PING"], ["Exact", "x"]]  # kept
