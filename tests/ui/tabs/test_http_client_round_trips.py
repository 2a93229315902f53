"""hcStats: every HTTP exchange is a round trip of the tab's statistics."""

from __future__ import annotations

from PySide6.QtWidgets import QDoubleSpinBox, QLabel, QWidget
from pytestqt.qtbot import QtBot

from app.ui.main_window import MainWindow
from tests.peers import SinkServer
from tests.ui.tabs.http_client_driver import hc_status, send, start_http_server
from tests.ui.tabs.tab_driver import child

TAB = "httpClientTab"


def summary(window: MainWindow) -> str:
    return str(child(window, QLabel, "hcStatsSummary").text())


def test_each_response_is_a_round_trip_and_a_timeout_is_lost(
    qtbot: QtBot, window: MainWindow, sink_server: SinkServer
) -> None:
    assert child(window, QWidget, "hcStats").isVisibleTo(window)
    port = start_http_server(qtbot, window)
    for _ in range(3):
        send(qtbot, window, f"http://127.0.0.1:{port}/")
        assert hc_status(window).startswith("200 OK")
    qtbot.waitUntil(lambda: summary(window).startswith("3 replies · min "), timeout=5000)
    assert "0 lost" in summary(window)

    child(window, QDoubleSpinBox, "hcTimeout").setValue(0.3)
    send(qtbot, window, f"http://127.0.0.1:{sink_server.port}/")
    assert hc_status(window).startswith("Failed while waiting for the response")
    qtbot.waitUntil(lambda: "1 lost" in summary(window), timeout=5000)
    assert summary(window).startswith("3 replies")
