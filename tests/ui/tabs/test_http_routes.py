"""The HTTP Server tab in Routes mode: the table edited as a person does, served on loopback."""

from __future__ import annotations

import http.client
import json
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QLabel, QPushButton, QTableView
from pytestqt.qtbot import QtBot

from app.net.http.config import ROUTE_METHODS, RouteFault
from app.ui.main_window import MainWindow
from app.ui.tabs.http_server import HttpServerTab
from tests.ui.tabs.tab_driver import child, click
from tests.ui.tabs.test_http_server import get, start, stop, wait_for_log

TAB = "httpTab"
COLUMNS = ["Method", "Path", "Status", "Content-Type", "Body", "Delay (ms)", "Fault"]


def routes_view(window: MainWindow) -> QTableView:
    return child(window, QTableView, "httpRoutes")


def routes_mode(window: MainWindow) -> None:
    child(window, QComboBox, "httpMode").setCurrentText("Routes")


def set_cell(window: MainWindow, row: int, column: str, text: str) -> None:
    model = routes_view(window).model()
    assert model.setData(model.index(row, COLUMNS.index(column)), text), (column, text)


def test_routes_mode_shows_the_table_with_its_columns_and_buttons(window: MainWindow) -> None:
    mode = child(window, QComboBox, "httpMode")
    assert "Routes" in [mode.itemText(i) for i in range(mode.count())]
    view = routes_view(window)
    assert not view.isVisible()
    routes_mode(window)
    assert view.isVisible()
    model = view.model()
    titles = [model.headerData(i, Qt.Orientation.Horizontal) for i in range(model.columnCount())]
    assert titles == COLUMNS
    for name in ("Add", "Remove", "Up", "Down", "Import", "Export"):
        assert child(window, QPushButton, f"httpRoute{name}").isVisible()
    assert not child(window, QCheckBox, "httpCors").isChecked()
    # The combo columns offer exactly what the server understands.
    tab = window.tab(HttpServerTab)
    assert isinstance(tab, HttpServerTab)
    columns = tab.routes.table.model.columns
    assert columns[0].choices == ROUTE_METHODS
    assert columns[6].choices == tuple(f.value for f in RouteFault)


def test_done_when_get_api_items_42_is_mocked_through_the_tab(
    qtbot: QtBot, window: MainWindow
) -> None:
    routes_mode(window)
    click(qtbot, window, "httpRouteAdd")
    set_cell(window, 0, "Path", r"re:/api/items/(\d+)")
    set_cell(window, 0, "Body", '{"id": $1}')
    port = start(qtbot, window)
    status, headers, body = get(port, "GET", "/api/items/42")
    assert (status, headers["Content-Type"], json.loads(body)) == (
        200,
        "application/json",
        {"id": 42},
    )
    wait_for_log(qtbot, window, "GET /api/items/42 → 200")
    # Nothing matches: the fixed response.
    assert get(port, "GET", "/other")[2] == b"Hello, client!"

    # An edit applies to the next request, no restart: a combo cell set like typing.
    set_cell(window, 0, "Method", "POST")
    assert get(port, "GET", "/api/items/42")[2] == b"Hello, client!"
    assert get(port, "POST", "/api/items/7")[2] == b'{"id": 7}'
    set_cell(window, 0, "Fault", "Empty response")
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("POST", "/api/items/7")
    try:
        conn.getresponse()
        raise AssertionError("the Empty response fault answered")
    except http.client.RemoteDisconnected:
        pass
    finally:
        conn.close()
    wait_for_log(qtbot, window, "POST /api/items/7 → no response")
    stop(qtbot, window)


def test_a_bad_cell_is_marked_with_its_reason_and_that_route_is_off(
    qtbot: QtBot, window: MainWindow
) -> None:
    routes_mode(window)
    tab = window.tab(HttpServerTab)
    assert isinstance(tab, HttpServerTab)
    model = tab.routes.table.model
    model.set_rows(
        [
            ["GET", "/first", "200", "text/plain", "first", "0", "None"],
            ["GET", "/second", "200", "text/plain", "second", "0", "None"],
        ]
    )
    problems = child(window, QLabel, "httpRoutesProblems")
    assert not problems.isVisible()
    set_cell(window, 0, "Path", "re:([")
    set_cell(window, 0, "Status", "700")
    set_cell(window, 1, "Delay (ms)", "soon")
    view_model = routes_view(window).model()
    assert "position" in view_model.index(0, 1).data(Qt.ItemDataRole.ToolTipRole)
    assert "100 to 599" in view_model.index(0, 2).data(Qt.ItemDataRole.ToolTipRole)
    assert "whole milliseconds" in model.cell_error(1, 5)
    assert view_model.index(0, 0).data(Qt.ItemDataRole.ToolTipRole) is None
    assert problems.isVisible() and problems.text().startswith("Routes 1, 2 are off.")
    port = start(qtbot, window)
    assert get(port, "GET", "/second")[2] == b"Hello, client!"  # off: falls through
    set_cell(window, 1, "Delay (ms)", "0")  # fixed: on again, and unmarked
    assert model.cell_error(1, 5) == ""
    assert get(port, "GET", "/second")[2] == b"second"
    assert problems.text().startswith("Route 1 is off.")
    stop(qtbot, window)


def test_cors_checkbox_applies_to_the_running_server(qtbot: QtBot, window: MainWindow) -> None:
    port = start(qtbot, window)
    preflight = {"Origin": "http://localhost:3000", "Access-Control-Request-Method": "PUT"}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("OPTIONS", "/", headers=preflight)
        assert conn.getresponse().read() == b"Hello, client!"
        child(window, QCheckBox, "httpCors").setChecked(True)
        conn.request("OPTIONS", "/", headers=preflight)
        response = conn.getresponse()
        assert response.status == 204 and response.read() == b""
        assert response.headers["Access-Control-Allow-Origin"] == "http://localhost:3000"
    finally:
        conn.close()
    assert get(port)[1]["Access-Control-Allow-Origin"] == "*"
    stop(qtbot, window)


def test_routes_export_and_import_the_documented_file(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    tab = window.tab(HttpServerTab)
    assert isinstance(tab, HttpServerTab)
    table = tab.routes.table
    rows = [["ANY", "/slow/*", "200", "text/plain", "x", "250", "Dribble"]]
    table.model.set_rows(rows)
    path = tmp_path / "routes.json"
    assert table.export_file(path)
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document["format"] == "socket-tester-http-routes"
    assert document["routes"][0]["delay_ms"] == 250
    table.model.set_rows([])
    assert table.import_file(path) and table.model.rows() == rows
    path.write_text('{"format": "socket-tester-http-routes", "version": 1, "routes": [{}]}')
    assert not table.import_file(path)
    message = child(window, QLabel, "httpRouteMessage")
    assert "route 1 has no path" in message.text()
    assert table.model.rows() == rows  # a bad file changes nothing


def test_each_column_header_explains_its_cells(window: MainWindow) -> None:
    model = routes_view(window).model()
    tips = [
        model.headerData(i, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
        for i in range(model.columnCount())
    ]
    assert all(tips), tips
    assert "re:" in tips[1] and "$1" in tips[4] and "RST" in tips[6]


def test_the_combo_editor_of_a_cell_changes_the_route(qtbot: QtBot, window: MainWindow) -> None:
    routes_mode(window)
    click(qtbot, window, "httpRouteAdd")
    view = routes_view(window)
    index = view.model().index(0, COLUMNS.index("Fault"))
    view.edit(index)
    editor = view.viewport().findChild(QComboBox)
    assert editor is not None
    assert [editor.itemText(i) for i in range(editor.count())] == [f.value for f in RouteFault]
    editor.setCurrentText("Reset connection")
    qtbot.keyClick(editor, Qt.Key.Key_Return)  # the delegate commits on the next loop turn
    qtbot.waitUntil(lambda: index.data() == "Reset connection", timeout=3000)
    port = start(qtbot, window)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/api/anything")
    try:
        conn.getresponse()
        raise AssertionError("the Reset connection fault answered")
    except ConnectionResetError:
        pass
    finally:
        conn.close()
    stop(qtbot, window)
