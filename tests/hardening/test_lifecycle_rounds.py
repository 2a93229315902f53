"""200 rounds in a row of connect/disconnect, start/stop and send/close, through the GUI.

Threads (Python and QThread), file descriptors and sockets are counted after a warm-up
round and again after the rounds: nothing may be left behind.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QLabel, QLineEdit, QPushButton, QSpinBox, QWidget
from pytestqt.qtbot import QtBot

from app.net.events import Kind, Source
from app.ui.main_window import MainWindow
from tests.hardening.test_harness import (
    child,
    click,
    events_of,
    gui_window,
    resource_counts,
)
from tests.peers import _ThreadedServer, free_port
from tests.udp_peers import UdpReceiver

ROUNDS = 200


class ClosingEchoServer(_ThreadedServer):
    """An echo server that closes and forgets each connection when the client leaves, so
    the only sockets left in this process are the app's."""

    def serve(self, conn: socket.socket) -> None:
        while data := conn.recv(65536):
            conn.sendall(data)
        with self._lock:
            self.connections.remove(conn)
        conn.close()


@pytest.fixture
def window(qtbot: QtBot, fresh_settings: str) -> Iterator[MainWindow]:
    yield from gui_window(qtbot)


def status(window: MainWindow, name: str) -> str:
    return str(child(window, QLabel, name).plain_text())


def assert_nothing_left(qtbot: QtBot, window: MainWindow, before: dict[str, int]) -> None:
    """Wait for short-lived helpers (resolver threads, peer threads) to end, then compare."""

    def settled() -> bool:
        now = resource_counts(window)
        return all(now[key] <= before[key] for key in before)

    try:
        qtbot.waitUntil(settled, timeout=10_000)
    except AssertionError:
        raise AssertionError(f"before {before}, after {resource_counts(window)}") from None


def test_tcp_connect_disconnect_rounds_leak_nothing(qtbot: QtBot, window: MainWindow) -> None:
    connect = child(window, QPushButton, "tcpConnect")
    with ClosingEchoServer() as server:
        child(window, QSpinBox, "tcpPort").setValue(server.port)

        def one_round() -> None:
            qtbot.mouseClick(connect, Qt.MouseButton.LeftButton)
            qtbot.waitUntil(
                lambda: status(window, "tcpStatus").startswith("Connected"), timeout=5000
            )
            qtbot.mouseClick(connect, Qt.MouseButton.LeftButton)
            qtbot.waitUntil(lambda: status(window, "tcpStatus") == "Disconnected", timeout=5000)

        one_round()  # warm-up: lazily created objects exist from here on
        qtbot.waitUntil(lambda: not server.connections, timeout=5000)
        before = resource_counts(window)
        for _ in range(ROUNDS):
            one_round()
        qtbot.waitUntil(lambda: not server.connections, timeout=10_000)
        assert_nothing_left(qtbot, window, before)
    rows = events_of(window, Source.TCP)
    assert sum(m.message.startswith("Connected to") for m in rows) == ROUNDS + 1
    assert not [e.message for e in rows if e.kind is Kind.ERROR]


def test_http_start_stop_rounds_leak_nothing(qtbot: QtBot, window: MainWindow) -> None:
    window.tabs.setCurrentWidget(child(window, QWidget, "httpTab"))
    port = free_port()
    child(window, QSpinBox, "httpPort").setValue(port)

    def one_round(fetch: bool) -> None:
        click(qtbot, window, "httpStart")
        qtbot.waitUntil(lambda: status(window, "httpStatus").startswith("Running"), timeout=5000)
        if fetch:
            with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
                sock.sendall(b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n")
                assert sock.recv(100).startswith(b"HTTP/1.1 200 ")
        click(qtbot, window, "httpStart")
        qtbot.waitUntil(lambda: status(window, "httpStatus") == "Stopped", timeout=5000)

    one_round(fetch=True)
    before = resource_counts(window)
    for number in range(ROUNDS):
        one_round(fetch=number % 20 == 0)
    assert_nothing_left(qtbot, window, before)
    rows = events_of(window, Source.HTTP)
    assert sum(e.message.startswith("HTTP server running") for e in rows) == ROUNDS + 1
    assert not [e.message for e in rows if e.kind is Kind.ERROR]


def test_udp_send_close_rounds_leak_nothing(qtbot: QtBot, window: MainWindow) -> None:
    window.tabs.setCurrentWidget(child(window, QWidget, "udpTab"))
    stop = child(window, QPushButton, "udpStop")
    with UdpReceiver(echo=True) as echo:
        child(window, QLineEdit, "udpHost").setText(echo.host)
        child(window, QSpinBox, "udpPort").setValue(echo.port)
        child(window, QCheckBox, "udpListen").setChecked(True)

        def one_round() -> None:
            click(qtbot, window, "udpSend")
            qtbot.waitUntil(
                lambda: status(window, "udpStatus").startswith("Listening on"), timeout=5000
            )
            qtbot.mouseClick(stop, Qt.MouseButton.LeftButton)
            qtbot.waitUntil(lambda: status(window, "udpStatus") == "Idle", timeout=5000)

        one_round()
        before = resource_counts(window)
        for _ in range(ROUNDS):
            one_round()
        assert_nothing_left(qtbot, window, before)
        assert echo.wait_for(lambda: echo.count == ROUNDS + 1)
    rows = events_of(window, Source.UDP)
    assert not [e.message for e in rows if e.kind is Kind.ERROR]
