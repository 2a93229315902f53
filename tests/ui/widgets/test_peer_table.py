"""The shared peer table: rows updated in place, the selection kept, columns the caller's."""

from __future__ import annotations

from typing import NamedTuple

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.ui.widgets.peer_table import PeerColumn, PeerTableView
from app.units import format_duration


class Client(NamedTuple):
    address: str
    connected_for: float
    bytes_in: int
    bytes_out: int


COLUMNS = (
    PeerColumn("Address", lambda c: c.address),
    PeerColumn("Connected for", lambda c: c.connected_for, format_duration, numeric=True),
    PeerColumn("Bytes in", lambda c: c.bytes_in, lambda v: f"{v:,}", numeric=True),
    PeerColumn("Bytes out", lambda c: c.bytes_out, lambda v: f"{v:,}", numeric=True),
)


def shown(view: PeerTableView) -> list[list[str]]:
    model = view.model()
    return [
        [str(model.index(r, c).data()) for c in range(model.columnCount())]
        for r in range(model.rowCount())
    ]


def test_rows_update_in_place_and_the_selection_survives(qtbot: QtBot) -> None:
    view = PeerTableView(COLUMNS)
    qtbot.addWidget(view)
    changes: list[None] = []
    view.selection_changed.connect(lambda: changes.append(None))
    view.update_rows([Client("a:1", 1.0, 10, 0), Client("b:2", 2.0, 2000, 5)])
    assert shown(view) == [["a:1", "1.0 s", "10", "0"], ["b:2", "2.0 s", "2,000", "5"]]
    view.select_keys(["b:2"])
    assert view.selected_keys() == ["b:2"] and changes
    # b stays (updated), a leaves, c arrives: b is still the one selected.
    view.update_rows([Client("c:3", 0.5, 0, 0), Client("b:2", 3.0, 4000, 5)])
    assert shown(view) == [["b:2", "3.0 s", "4,000", "5"], ["c:3", "500 ms", "0", "0"]]
    assert view.selected_keys() == ["b:2"]
    view.select_keys(["b:2", "c:3"])
    assert view.selected_keys() == ["b:2", "c:3"]
    assert view.peer_model.row_of("c:3") == Client("c:3", 0.5, 0, 0)
    view.update_rows([])
    assert shown(view) == [] and view.selected_keys() == []


def test_sorting_by_a_number_column_uses_the_value(qtbot: QtBot) -> None:
    view = PeerTableView(COLUMNS)
    qtbot.addWidget(view)
    view.update_rows([Client("a:1", 1, 900, 0), Client("b:2", 1, 10_000, 0)])
    view.sortByColumn(2, Qt.SortOrder.DescendingOrder)
    assert [row[0] for row in shown(view)] == ["b:2", "a:1"]
    view.select_keys(["a:1"])
    assert view.selected_keys() == ["a:1"]


def test_a_table_with_ages_is_redrawn_while_it_has_rows(qtbot: QtBot) -> None:
    view = PeerTableView((PeerColumn("Peer", str),), redraw_ms=10)
    qtbot.addWidget(view)
    view.update_rows(["127.0.0.1:1"])
    # No new snapshot comes: the redraw alone tells the view its cells changed.
    with qtbot.waitSignal(view.peer_model.dataChanged, timeout=2000):
        pass
    view.update_rows([])
    assert not view._redraw.isActive()
    still = PeerTableView((PeerColumn("Peer", str),))
    qtbot.addWidget(still)
    still.update_rows(["127.0.0.1:2"])
    assert not still._redraw.isActive()  # no age column: no timer
