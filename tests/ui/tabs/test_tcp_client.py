"""The TCP Client tab driven through its public objectNames, against real loopback peers."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QLabel, QLineEdit, QPushButton, QSpinBox
from pytestqt.qtbot import QtBot

from app.net.events import Kind, Source
from app.ui.application import create_main_window
from app.ui.main_window import MainWindow
from tests.peers import EchoServer, free_port
from tests.ui.tabs.tab_driver import child, logged_events, status_of


def status_text(window: MainWindow) -> str:
    return status_of(window, "tcp")


def connect_to(qtbot: QtBot, window: MainWindow, host: str, port: int) -> None:
    child(window, QLineEdit, "tcpHost").setText(host)
    child(window, QSpinBox, "tcpPort").setValue(port)
    qtbot.mouseClick(child(window, QPushButton, "tcpConnect"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: status_text(window).startswith("Connected to"), timeout=5000)


def logged(window: MainWindow, kind: Kind) -> list[bytes]:
    return [e.data for e in logged_events(window, Source.TCP, kind)]


def test_defaults_follow_the_tutorial(window: MainWindow) -> None:
    assert window.windowTitle() == "Socket Tester"
    assert not window.windowIcon().isNull()
    assert child(window, QLineEdit, "tcpHost").text() == "127.0.0.1"
    assert child(window, QSpinBox, "tcpPort").value() == 8000
    assert child(window, QLineEdit, "tcpPayload").text() == "Hello, server!"
    assert status_text(window) == "Disconnected"
    assert not child(window, QPushButton, "tcpSend").isEnabled()
    tabs = window.tabs
    assert tabs.objectName() == "tabs"
    assert tabs.tabText(0) == "TCP Client"


def test_send_text_and_hex_and_see_the_echo(
    qtbot: QtBot, window: MainWindow, echo_server: EchoServer
) -> None:
    connect_to(qtbot, window, echo_server.host, echo_server.port)
    send = child(window, QPushButton, "tcpSend")
    assert send.isEnabled()
    qtbot.mouseClick(send, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: b"".join(logged(window, Kind.RECEIVED)) == b"Hello, server!")

    child(window, QComboBox, "tcpFormat").setCurrentText("Hex")
    payload = child(window, QLineEdit, "tcpPayload")
    payload.clear()
    qtbot.keyClicks(payload, "de ad be ef 00 ff")
    qtbot.keyClick(payload, Qt.Key.Key_Return)  # Enter sends
    expected = b"Hello, server!\xde\xad\xbe\xef\x00\xff"
    qtbot.waitUntil(lambda: b"".join(logged(window, Kind.RECEIVED)) == expected)
    assert logged(window, Kind.SENT) == [b"Hello, server!", b"\xde\xad\xbe\xef\x00\xff"]
    counters = child(window, QLabel, "tcpCounters").toolTip()
    assert counters == "Sent 20 bytes, received 20 bytes"

    qtbot.mouseClick(child(window, QPushButton, "tcpConnect"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: status_text(window) == "Disconnected")
    assert not send.isEnabled()


def test_invalid_hex_disables_send_and_says_why(
    qtbot: QtBot, window: MainWindow, echo_server: EchoServer
) -> None:
    connect_to(qtbot, window, echo_server.host, echo_server.port)
    child(window, QComboBox, "tcpFormat").setCurrentText("Hex")
    payload = child(window, QLineEdit, "tcpPayload")
    payload.setText("48 6")
    error = child(window, QLabel, "tcpPayloadError")
    assert error.isVisible() and "Odd number of hex digits" in error.text()
    assert not child(window, QPushButton, "tcpSend").isEnabled()
    qtbot.keyClick(payload, Qt.Key.Key_Return)
    payload.setText("48 69")
    assert not error.isVisible()
    assert child(window, QPushButton, "tcpSend").isEnabled()
    assert logged(window, Kind.SENT) == []


def test_an_unknown_macro_is_refused_under_the_field_and_send_stays_disabled(
    qtbot: QtBot, window: MainWindow, echo_server: EchoServer
) -> None:
    connect_to(qtbot, window, echo_server.host, echo_server.port)
    payload = child(window, QLineEdit, "tcpPayload")
    send = child(window, QPushButton, "tcpSend")
    payload.setText("n={{count}}")
    error = child(window, QLabel, "tcpPayloadError")
    assert error.isVisible()
    assert error.text().startswith("Unknown macro {{count}} at position 2; known: {{counter}}")
    assert "{{crc16_modbus}}" in error.text() and "{{rand:A-B}}" in error.text()
    assert not send.isEnabled()
    qtbot.keyClick(payload, Qt.Key.Key_Return)  # Enter does not send either
    payload.setText("n={{counter}}")
    assert not error.isVisible() and send.isEnabled()
    assert logged(window, Kind.SENT) == []


def test_macros_expand_per_send_and_the_log_shows_what_went(
    qtbot: QtBot, window: MainWindow, echo_server: EchoServer
) -> None:
    connect_to(qtbot, window, echo_server.host, echo_server.port)
    child(window, QComboBox, "tcpFormat").setCurrentText("Hex")
    payload = child(window, QLineEdit, "tcpPayload")
    payload.setText("01 03 00 00 00 0A {{crc16_modbus}}")
    expanded = child(window, QLabel, "tcpPayloadExpanded")
    assert expanded.isVisible() and expanded.text() == "Sends: 01 03 00 00 00 0a c5 cd"
    send = child(window, QPushButton, "tcpSend")
    qtbot.mouseClick(send, Qt.MouseButton.LeftButton)
    modbus = bytes.fromhex("01 03 00 00 00 0A C5 CD")
    qtbot.waitUntil(lambda: b"".join(logged(window, Kind.RECEIVED)) == modbus)
    child(window, QComboBox, "tcpFormat").setCurrentText("Text")
    payload.setText("#{{counter:3}};")
    assert expanded.text() == "First message: #001;"
    for _ in range(2):
        qtbot.mouseClick(send, Qt.MouseButton.LeftButton)
    expected = [modbus, b"#002;", b"#003;"]  # the Modbus request was message 1
    qtbot.waitUntil(lambda: b"".join(logged(window, Kind.RECEIVED)) == b"".join(expected))
    assert logged(window, Kind.SENT) == expected


def test_refused_is_one_line_and_back_to_disconnected(qtbot: QtBot, window: MainWindow) -> None:
    port = free_port()
    child(window, QSpinBox, "tcpPort").setValue(port)
    qtbot.mouseClick(child(window, QPushButton, "tcpConnect"), Qt.MouseButton.LeftButton)
    model = window.log_pane.model
    qtbot.waitUntil(lambda: model.totals.errors == 1)
    qtbot.waitUntil(lambda: status_text(window) == "Disconnected")
    errors = [model.event_at(r) for r in range(model.rowCount())]
    assert [e.message for e in errors if e.kind is Kind.ERROR] == [
        f"Connection refused: 127.0.0.1:{port}"
    ]


def test_bad_host_is_refused_at_the_field(qtbot: QtBot, window: MainWindow) -> None:
    host = child(window, QLineEdit, "tcpHost")
    host.setText("300.1.1.1")
    qtbot.mouseClick(child(window, QPushButton, "tcpConnect"), Qt.MouseButton.LeftButton)
    error = child(window, QLabel, "tcpHostError")
    assert error.isVisible() and "not a valid IPv4 address" in error.text()
    assert status_text(window) == "Disconnected"
    assert window.log_pane.model.rowCount() == 0


def test_pasted_url_fills_host_and_port(
    qtbot: QtBot, window: MainWindow, echo_server: EchoServer
) -> None:
    child(window, QLineEdit, "tcpHost").setText(f"http://127.0.0.1:{echo_server.port}/x")
    qtbot.mouseClick(child(window, QPushButton, "tcpConnect"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: status_text(window).startswith("Connected to"), timeout=5000)
    assert child(window, QLineEdit, "tcpHost").text() == "127.0.0.1"
    assert child(window, QSpinBox, "tcpPort").value() == echo_server.port


def test_loaded_file_of_ten_megabytes_arrives_whole(
    qtbot: QtBot, window: MainWindow, sink_server: object, tmp_path: object
) -> None:
    import os
    from pathlib import Path

    from tests.peers import SinkServer

    assert isinstance(sink_server, SinkServer)
    payload = os.urandom(10 * 1024 * 1024)
    path = Path(str(tmp_path)) / "blob.bin"
    path.write_bytes(payload)
    connect_to(qtbot, window, sink_server.host, sink_server.port)
    tab = window.tool_tabs[0]
    tab.editor.load_file(path)  # type: ignore[attr-defined]
    assert "10,485,760 bytes" in child(window, QLineEdit, "tcpPayload").text()
    qtbot.mouseClick(child(window, QPushButton, "tcpSend"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.log_pane.model.totals.sent_bytes == len(payload), timeout=10000)
    qtbot.mouseClick(child(window, QPushButton, "tcpConnect"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: sink_server.finished.is_set(), timeout=10000)
    assert bytes(sink_server.received) == payload


def test_closing_while_connected_stops_every_thread(
    qtbot: QtBot, fresh_settings: str, echo_server: EchoServer
) -> None:
    win = create_main_window()
    win.show()
    connect_to(qtbot, win, echo_server.host, echo_server.port)
    workers = [w for tab in win.tool_tabs for w in tab.workers()]
    assert all(w.isRunning() for w in workers)
    win.close()
    assert not any(w.isRunning() for w in workers)
    assert threading.active_count() >= 1
    win.deleteLater()


def test_fields_are_restored_on_next_start(qtbot: QtBot, fresh_settings: str) -> None:
    first = create_main_window()
    child(first, QLineEdit, "tcpHost").setText("::1")
    child(first, QSpinBox, "tcpPort").setValue(9001)
    child(first, QLineEdit, "tcpPayload").setText("ping\\n")
    first.close()
    first.deleteLater()
    second = create_main_window()
    qtbot.addWidget(second)
    assert child(second, QLineEdit, "tcpHost").text() == "::1"
    assert child(second, QSpinBox, "tcpPort").value() == 9001
    assert child(second, QLineEdit, "tcpPayload").text() == "ping\\n"


class GreetAndFinishServer:
    """One connection: sends a greeting, ends its side (FIN), keeps what it reads after."""

    GREETING = b"bye from the server"

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.host = "127.0.0.1"
        self.port: int = self.listener.getsockname()[1]
        self.received = bytearray()
        self.got_data = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        try:
            conn, _ = self.listener.accept()
        except OSError:
            return
        with conn:
            conn.sendall(self.GREETING)
            conn.shutdown(socket.SHUT_WR)
            while data := conn.recv(65536):
                self.received += data
                self.got_data.set()

    def close(self) -> None:
        # shutdown() wakes the thread blocked in accept(); close() alone would not.
        try:
            self.listener.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.listener.close()
        self._thread.join(5)


@pytest.fixture
def finishing_server() -> Iterator[GreetAndFinishServer]:
    server = GreetAndFinishServer()
    yield server
    server.close()


def info_lines(window: MainWindow) -> list[str]:
    model = window.log_pane.model
    events = (model.event_at(row) for row in range(model.rowCount()))
    return [e.message for e in events if e.kind is Kind.INFO and e.source is Source.TCP]


def test_half_close_box_is_off_disabled_while_connected_and_remembered(
    qtbot: QtBot, fresh_settings: str, echo_server: EchoServer
) -> None:
    first = create_main_window()
    first.show()
    box = child(first, QCheckBox, "tcpHalfClose")
    assert box.text() == "Keep sending after the peer finishes (half-close)"
    assert not box.isChecked()
    connect_to(qtbot, first, echo_server.host, echo_server.port)
    assert not box.isEnabled()
    box.setChecked(True)  # as a restore would; the next connection uses it
    first.close()
    first.deleteLater()
    second = create_main_window()
    qtbot.addWidget(second)
    assert child(second, QCheckBox, "tcpHalfClose").isChecked()


# Needs TcpClient.connect(..., half_close=...) from the stream branch (defect 1, net side).
def test_peer_close_shows_the_data_and_returns_to_disconnected(
    qtbot: QtBot, window: MainWindow, finishing_server: GreetAndFinishServer
) -> None:
    child(window, QLineEdit, "tcpHost").setText(finishing_server.host)
    child(window, QSpinBox, "tcpPort").setValue(finishing_server.port)
    qtbot.mouseClick(child(window, QPushButton, "tcpConnect"), Qt.MouseButton.LeftButton)
    greeting = GreetAndFinishServer.GREETING
    qtbot.waitUntil(lambda: greeting in b"".join(logged(window, Kind.RECEIVED)), timeout=5000)
    qtbot.waitUntil(lambda: status_text(window) == "Disconnected", timeout=5000)
    assert not child(window, QPushButton, "tcpSend").isEnabled()
    assert child(window, QPushButton, "tcpConnect").text() == "Connect"
    assert any(m.startswith("Peer closed the connection") for m in info_lines(window))


# Needs TcpClient.connect(..., half_close=...) from the stream branch (defect 1, net side).
def test_half_close_keeps_the_connection_and_send_open(
    qtbot: QtBot, window: MainWindow, finishing_server: GreetAndFinishServer
) -> None:
    child(window, QCheckBox, "tcpHalfClose").setChecked(True)
    child(window, QLineEdit, "tcpHost").setText(finishing_server.host)
    child(window, QSpinBox, "tcpPort").setValue(finishing_server.port)
    qtbot.mouseClick(child(window, QPushButton, "tcpConnect"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "peer finished sending" in status_text(window), timeout=5000)
    assert status_text(window).startswith("Connected to")
    child(window, QLineEdit, "tcpPayload").setText("still here")
    send = child(window, QPushButton, "tcpSend")
    assert send.isEnabled()
    qtbot.mouseClick(send, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(finishing_server.got_data.is_set, timeout=5000)
    assert bytes(finishing_server.received) == b"still here"
