"""The UDP Sender tab's round trips, driven by objectName against UDP echo peers the test
starts: n replies and n lost in the summary, the histogram, Reset, the CSV export checked
against what the peer answered, and closing the window mid-run."""

from __future__ import annotations

import csv
from pathlib import Path

from PySide6.QtWidgets import QCheckBox, QLabel, QLineEdit, QPushButton, QSpinBox, QWidget
from pytestqt.qtbot import QtBot

from app.net.events import Kind, Source
from app.ui.application import create_main_window
from app.ui.main_window import MainWindow
from app.ui.widgets.round_trip_histogram_view import RoundTripHistogramView
from app.ui.widgets.round_trip_stats import RoundTripStats
from tests.round_trip_peers import UdpEchoPeer, counter_of
from tests.ui.tabs.tab_driver import child, click, logged_events

TAB = "udpTab"


def summary(window: MainWindow) -> str:
    return str(child(window, QLabel, "udpStatsSummary").text())


def run(window: MainWindow, peer: UdpEchoPeer, payload: str, count: int, interval: int) -> None:
    child(window, QLineEdit, "udpHost").setText(peer.host)
    child(window, QSpinBox, "udpPort").setValue(peer.port)
    child(window, QLineEdit, "udpPayload").setText(payload)
    child(window, QSpinBox, "udpCount").setValue(count)
    child(window, QSpinBox, "udpInterval").setValue(interval)
    child(window, QCheckBox, "udpListen").setChecked(True)


def test_widgets_and_defaults(window: MainWindow) -> None:
    child(window, RoundTripStats, "udpStats")
    assert child(window, QSpinBox, "udpReplyTimeout").value() == 1000
    assert "Listen for replies" in summary(window)
    for name in ("udpStatsShow", "udpStatsReset", "udpStatsExport"):
        child(window, QPushButton, name)
    assert not child(window, QPushButton, "udpStatsExport").isEnabled()


def test_numbered_datagrams_to_a_peer_that_drops_the_odd_ones(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    with UdpEchoPeer(answers=lambda data: counter_of(data) % 2 == 0) as peer:
        child(window, QSpinBox, "udpReplyTimeout").setValue(200)
        run(window, peer, "seq {{counter}}", 100, 1)
        click(qtbot, window, "udpSend")
        qtbot.waitUntil(lambda: "50 lost" in summary(window), timeout=15_000)
        text = summary(window)
        assert text.startswith("50 replies · min ")
        for part in ("median", "p95", "p99", "max", "jitter"):
            assert f" · {part} " in text
        assert "waiting" not in text
        received = logged_events(window, Source.UDP, Kind.RECEIVED)
        assert len(received) == 50 and all(e.message.startswith("RTT ") for e in received)

        click(qtbot, window, "udpStatsShow")
        histogram = child(window, RoundTripHistogramView, "udpStatsHistogram")
        assert histogram.isVisible() and sum(histogram.counts) == 50
        histogram.grab()  # paints without a warning (Qt warnings fail the test)

        stats = child(window, RoundTripStats, "udpStats")
        path = tmp_path / "rtt.csv"
        with qtbot.waitSignal(stats.export_finished, timeout=10_000) as finished:
            stats.export_to(str(path))
        assert finished.args == [f"Exported 100 round trips to {path}"]
        with path.open(newline="") as file:
            rows = list(csv.DictReader(file))
        assert [int(r["number"]) for r in rows] == list(range(1, 101))
        answered = [int(r["number"]) for r in rows if r["outcome"] == "answered"]
        assert answered == sorted(counter_of(d) for d in peer.answered)
        assert all(r["rtt_ms"] == "" for r in rows if r["outcome"] == "lost")
        assert all(float(r["rtt_ms"]) > 0 for r in rows if r["outcome"] == "answered")

        click(qtbot, window, "udpStatsReset")
        qtbot.waitUntil(lambda: "Listen for replies" in summary(window))


def test_closing_the_window_mid_run_stops_every_thread(qtbot: QtBot, fresh_settings: str) -> None:
    with UdpEchoPeer() as peer:
        win = create_main_window()
        win.show()
        win.tabs.setCurrentWidget(win.findChild(QWidget, TAB))
        run(win, peer, "n={{counter}}", 10_000_000, 0)
        click(qtbot, win, "udpSend")
        qtbot.waitUntil(lambda: summary(win).split(" ")[0] not in ("No", "0"), timeout=10_000)
        workers = [w for tab in win.tool_tabs for w in tab.workers()]
        assert all(w.isRunning() for w in workers)
        win.close()
        assert not any(w.isRunning() for w in workers)
        win.deleteLater()


def test_the_reply_timeout_is_restored_on_next_start(qtbot: QtBot, fresh_settings: str) -> None:
    first = create_main_window()
    child(first, QSpinBox, "udpReplyTimeout").setValue(250)
    first.close()
    first.deleteLater()
    second = create_main_window()
    qtbot.addWidget(second)
    assert child(second, QSpinBox, "udpReplyTimeout").value() == 250
