"""The TCP Client tab's load runs: Count, Interval and Connections through their objectNames,
against a counting echo server on loopback."""

from __future__ import annotations

import time

from PySide6.QtWidgets import (
    QCheckBox,
    QDoubleSpinBox,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
)
from pytestqt.qtbot import QtBot

from app.net.events import Kind, Source
from app.ui.application import create_main_window
from app.ui.main_window import MainWindow
from app.units import format_bytes
from tests.net.tcp.load_peers import CountingEchoServer
from tests.peers import EchoServer, free_port
from tests.ui.tabs.tab_driver import child, click, logged_events, status_of


def aim(window: MainWindow, port: int, payload: str = "hello {{counter}}\\n") -> None:
    child(window, QLineEdit, "tcpHost").setText("127.0.0.1")
    child(window, QSpinBox, "tcpPort").setValue(port)
    child(window, QLineEdit, "tcpPayload").setText(payload)


def load(window: MainWindow, count: int, interval_ms: float, connections: int) -> None:
    child(window, QSpinBox, "tcpCount").setValue(count)
    child(window, QDoubleSpinBox, "tcpInterval").setValue(interval_ms)
    child(window, QSpinBox, "tcpConnections").setValue(connections)


def run_done(window: MainWindow) -> bool:
    return status_of(window, "tcp").startswith("Run done")


def test_defaults_keep_the_single_connection_tab(window: MainWindow) -> None:
    assert child(window, QSpinBox, "tcpCount").value() == 1
    assert child(window, QDoubleSpinBox, "tcpInterval").value() == 0
    assert child(window, QSpinBox, "tcpConnections").value() == 1
    assert child(window, QSpinBox, "tcpConnections").maximum() == 1000
    assert not child(window, QPushButton, "tcpStop").isEnabled()
    assert not child(window, QProgressBar, "tcpProgress").isVisible()
    send = child(window, QPushButton, "tcpSend")
    assert send.text() == "Send" and not send.isEnabled()  # not connected: nothing to send on
    child(window, QSpinBox, "tcpConnections").setValue(2)
    assert send.text() == "Run" and send.isEnabled()  # a run opens its own connections
    child(window, QSpinBox, "tcpConnections").setValue(1)
    assert send.text() == "Send" and not send.isEnabled()


def test_fifty_connections_counted_on_both_sides(qtbot: QtBot, window: MainWindow) -> None:
    with CountingEchoServer() as server:
        aim(window, server.port)
        load(window, 10, 0, 50)
        click(qtbot, window, "tcpSend")
        assert child(window, QPushButton, "tcpStop").isEnabled()
        qtbot.waitUntil(lambda: run_done(window), timeout=20_000)
    model = window.log_pane.model
    qtbot.waitUntil(lambda: model.totals.received_bytes == server.received)  # the last batch
    assert (server.accepted, server.lines) == (50, 500)
    sent = logged_events(window, Source.TCP, Kind.SENT)
    received = logged_events(window, Source.TCP, Kind.RECEIVED)
    assert len(sent) == 500 and len({e.local for e in sent}) == 50
    assert sum(e.size for e in received) == sum(e.size for e in sent) == server.received
    numbers = sorted(int(e.data.split()[1]) for e in sent)
    assert numbers == list(range(1, 501))
    size = format_bytes(server.received)
    assert status_of(window, "tcp") == (
        f"Run done: 500 messages sent ({size}), {size} back, on 50 connections"
    )
    progress = child(window, QProgressBar, "tcpProgress")
    assert (progress.value(), progress.maximum()) == (500, 500)
    assert child(window, QLabel, "tcpRates").text().startswith("as fast as possible · achieved")
    assert not child(window, QPushButton, "tcpStop").isEnabled()
    counters = child(window, QLabel, "tcpCounters").toolTip()
    assert counters == f"Sent {server.received:,} bytes, received {server.received:,} bytes"


def test_paced_run_shows_requested_and_achieved(qtbot: QtBot, window: MainWindow) -> None:
    with CountingEchoServer() as server:
        aim(window, server.port)
        load(window, 50, 20, 2)  # 100/s for half a second
        click(qtbot, window, "tcpSend")
        qtbot.waitUntil(lambda: run_done(window), timeout=20_000)
    rates = child(window, QLabel, "tcpRates").text()
    assert rates.startswith("requested 100/s · achieved ")
    achieved = float(rates.rsplit(" ", 1)[1].removesuffix("/s").replace(",", ""))
    assert abs(achieved - 100) <= 5  # ±5% on a loaded machine; the benchmark holds 1%


def test_stop_at_full_rate_stops_within_a_second(qtbot: QtBot, window: MainWindow) -> None:
    with CountingEchoServer() as server:
        aim(window, server.port, "x" * 50 + "\\n")
        load(window, 10_000_000, 0, 10)
        click(qtbot, window, "tcpSend")
        progress = child(window, QProgressBar, "tcpProgress")
        qtbot.waitUntil(lambda: progress.value() > 10_000, timeout=10_000)
        asked = time.monotonic()
        click(qtbot, window, "tcpStop")
        qtbot.waitUntil(lambda: run_done(window), timeout=1000)
        assert time.monotonic() - asked < 1.0
        qtbot.waitUntil(lambda: server.closed == 10, timeout=5000)
    # The closing line may reach the log a batch after the status: wait for it.
    qtbot.waitUntil(lambda: "stopped: " in logged_events(window, Source.TCP, Kind.INFO)[-1].message)
    line = logged_events(window, Source.TCP, Kind.INFO)[-1].message
    assert "stopped: 10 connections" in line and f"of {100_000_000:,} messages" in line
    assert child(window, QPushButton, "tcpSend").isEnabled()


def test_failures_are_one_summary_line(qtbot: QtBot, window: MainWindow) -> None:
    port = free_port()
    aim(window, port)
    load(window, 3, 0, 30)
    click(qtbot, window, "tcpSend")
    qtbot.waitUntil(lambda: run_done(window), timeout=10_000)
    qtbot.waitUntil(lambda: len(logged_events(window, Source.TCP, Kind.ERROR)) == 2)
    errors = [e.message for e in logged_events(window, Source.TCP, Kind.ERROR)]
    assert len(errors) == 2
    assert errors[0].endswith("; 30 failed: Connection refused (30)")
    assert errors[-1].endswith("failed; 30 failed to connect: Connection refused (30)")
    assert status_of(window, "tcp").endswith("on 0 connections · 30 failed to connect")


def test_single_connection_still_works_beside_a_run(
    qtbot: QtBot, window: MainWindow, echo_server: EchoServer
) -> None:
    aim(window, echo_server.port, "one")
    click(qtbot, window, "tcpConnect")
    qtbot.waitUntil(lambda: status_of(window, "tcp").startswith("Connected to"), timeout=5000)
    click(qtbot, window, "tcpSend")
    qtbot.waitUntil(
        lambda: [e.data for e in logged_events(window, Source.TCP, Kind.RECEIVED)] == [b"one"]
    )


def test_closing_the_window_mid_run_leaves_no_thread(qtbot: QtBot, fresh_settings: str) -> None:
    win = create_main_window()
    win.show()
    with CountingEchoServer() as server:
        aim(win, server.port, "y" * 50 + "\\n")
        load(win, 10_000_000, 0, 100)
        click(qtbot, win, "tcpSend")
        qtbot.waitUntil(lambda: server.lines > 1000, timeout=10_000)
        workers = [w for tab in win.tool_tabs for w in tab.workers()]
        assert any(w.isRunning() for w in workers)
        asked = time.monotonic()
        win.close()
        assert time.monotonic() - asked < 1.0
        assert not any(w.isRunning() for w in workers)
        qtbot.waitUntil(lambda: server.closed == 100, timeout=5000)  # sockets released
    win.deleteLater()


def test_a_run_with_tls_ticked_is_refused_not_sent_in_the_clear(
    qtbot: QtBot, window: MainWindow
) -> None:
    with CountingEchoServer() as server:
        aim(window, server.port)
        load(window, 5, 0, 2)
        child(window, QCheckBox, "tcpTls").setChecked(True)
        click(qtbot, window, "tcpSend")
        assert status_of(window, "tcp").startswith("Runs of several messages or connections")
        assert not child(window, QPushButton, "tcpStop").isEnabled()
    assert server.accepted == 0
