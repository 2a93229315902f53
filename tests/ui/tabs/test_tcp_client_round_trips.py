"""The TCP Client tab's round trips against an echo server the test starts: the RTT on
each received row and the summary with n replies and 0 lost."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit, QPushButton, QSpinBox
from pytestqt.qtbot import QtBot

from app.net.events import Kind, Source
from app.ui.main_window import MainWindow
from app.ui.widgets.round_trip_histogram_view import RoundTripHistogramView
from app.ui.widgets.round_trip_stats import RoundTripStats
from tests.peers import SinkServer
from tests.round_trip_peers import DelayedTcpEcho
from tests.ui.tabs.tab_driver import child, click, logged_events, status_of

TAB = "tcpTab"


def summary(window: MainWindow) -> str:
    return str(child(window, QLabel, "tcpStatsSummary").text())


def connect_to(qtbot: QtBot, window: MainWindow, host: str, port: int) -> None:
    child(window, QLineEdit, "tcpHost").setText(host)
    child(window, QSpinBox, "tcpPort").setValue(port)
    click(qtbot, window, "tcpConnect")
    qtbot.waitUntil(lambda: status_of(window, "tcp").startswith("Connected to"), timeout=5000)


def test_each_reply_is_timed_and_summed_up(qtbot: QtBot, window: MainWindow) -> None:
    child(window, RoundTripStats, "tcpStats")
    assert summary(window).startswith("No round trips yet")
    with DelayedTcpEcho(0.01) as server:
        connect_to(qtbot, window, server.host, server.port)
        payload = child(window, QLineEdit, "tcpPayload")
        payload.setText("ping {{counter}}")
        for done in range(1, 6):
            qtbot.keyClick(payload, Qt.Key.Key_Return)
            qtbot.waitUntil(
                lambda n=done: len(logged_events(window, Source.TCP, Kind.RECEIVED)) == n
            )
        qtbot.waitUntil(lambda: summary(window).startswith("5 replies"))
        assert " · 0 lost" in summary(window)
        assert server.echoed == 5
        rows = logged_events(window, Source.TCP, Kind.RECEIVED)
        assert all(r.message.startswith("RTT ") and r.message.endswith(" ms") for r in rows)
        snapshot = child(window, RoundTripStats, "tcpStats").snapshot
        assert snapshot is not None and snapshot.median_ns >= 10_000_000
        click(qtbot, window, "tcpStatsShow")
        assert sum(child(window, RoundTripHistogramView, "tcpStatsHistogram").counts) == 5
        assert child(window, QPushButton, "tcpStatsExport").isEnabled()


def test_a_send_left_unanswered_at_disconnect_is_lost(qtbot: QtBot, window: MainWindow) -> None:
    with SinkServer() as server:
        connect_to(qtbot, window, server.host, server.port)
        click(qtbot, window, "tcpSend")
        click(qtbot, window, "tcpConnect")  # Disconnect
        qtbot.waitUntil(lambda: summary(window) == "0 replies · 1 lost")
