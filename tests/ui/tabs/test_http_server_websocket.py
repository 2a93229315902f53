"""The HTTP Server tab in "WebSocket echo" mode, driven by objectName, with a real
`websockets` client and a plain HTTP client on loopback."""

from __future__ import annotations

import http.client

from PySide6.QtWidgets import QComboBox, QLabel, QPlainTextEdit, QSpinBox
from pytestqt.qtbot import QtBot
from websockets.sync.client import connect

from app.net.events import Kind, Source
from app.ui.main_window import MainWindow
from tests.peers import free_port
from tests.ui.tabs.tab_driver import child, logged_events, start_server, status_of

TAB = "httpTab"


def test_websocket_echo_mode_shows_ws_and_keeps_the_fixed_fields(
    qtbot: QtBot, window: MainWindow
) -> None:
    mode = child(window, QComboBox, "httpMode")
    mode.setCurrentText("WebSocket echo")
    assert mode.currentText() == "WebSocket echo"
    for name in ("httpHeaders", "httpBody"):
        assert child(window, QPlainTextEdit, name).isVisible()
    assert child(window, QSpinBox, "httpStatusCode").isVisible()
    note = child(window, QLabel, "httpFallthrough")
    assert note.isVisible() and "Other requests get" in note.text()
    child(window, QPlainTextEdit, "httpBody").setPlainText("not an upgrade")

    port = start_server(qtbot, window, "http", "Running on", free_port())
    assert status_of(window, "http") == f"Running on ws://127.0.0.1:{port}/"
    assert f"ws://127.0.0.1:{port}/" in child(window, QLabel, "httpUrl").text()

    with connect(f"ws://127.0.0.1:{port}/anything", compression=None) as ws:
        ws.send("over the tab")
        assert ws.recv(timeout=5) == "over the tab"
        assert ws.ping(b"p").wait(5)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", "/")
        assert conn.getresponse().read() == b"not an upgrade"
    finally:
        conn.close()

    def rows(kind: Kind) -> list[str]:
        return [e.message for e in logged_events(window, Source.HTTP, kind)]

    qtbot.waitUntil(lambda: "close 1000" in rows(Kind.SENT), timeout=5000)
    assert {"text · 12 B", "ping", "close 1000"} <= set(rows(Kind.RECEIVED))
    assert {"text · 12 B", "pong"} <= set(rows(Kind.SENT))

    mode.setCurrentText("Fixed response")  # while running: the address follows the mode
    assert status_of(window, "http") == f"Running on http://127.0.0.1:{port}/"
    assert not note.isVisible()
