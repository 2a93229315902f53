"""The HTTP Client tab's WebSocket side against the HTTP Server tab's "WebSocket echo"
mode and servers that refuse or never answer the upgrade, all on loopback."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QComboBox, QLineEdit, QPushButton, QSpinBox, QWidget
from pytestqt.qtbot import QtBot

from app.ui.main_window import MainWindow
from tests.peers import SinkServer, free_port
from tests.ui.tabs.http_client_driver import (
    EXCHANGE_MS,
    hc_status,
    response_text,
    start_http_server,
)
from tests.ui.tabs.tab_driver import child, stop_server

TAB = "httpClientTab"


def test_a_websocket_to_the_echo_mode_sends_pings_and_closes(
    qtbot: QtBot, window: MainWindow
) -> None:
    port = start_http_server(qtbot, window, "WebSocket echo")
    child(window, QLineEdit, "hcUrl").setText(f"ws://127.0.0.1:{port}/chat")
    ping = child(window, QPushButton, "hcWsPing")
    close = child(window, QPushButton, "hcWsClose")
    assert not child(window, QComboBox, "hcMethod").isEnabled()
    assert not child(window, QCheckBox, "hcFollow").isEnabled()
    assert not ping.isEnabled() and not close.isEnabled()
    child(window, QLineEdit, "hcBody").setText("Hello, ws {{counter}}")
    child(window, QPushButton, "hcSend").click()
    qtbot.waitUntil(lambda: hc_status(window).startswith("WebSocket open"), timeout=EXCHANGE_MS)
    assert ping.isEnabled() and close.isEnabled()
    assert not child(window, QLineEdit, "hcUrl").isEnabled()  # close to change it
    qtbot.waitUntil(lambda: "← text · 11 B\n    Hello, ws 1" in response_text(window))
    assert "→ text · 11 B\n    Hello, ws 1" in response_text(window)

    child(window, QComboBox, "hcBodyFormat").setCurrentText("Hex")
    child(window, QLineEdit, "hcBody").setText("00 ff 10")
    child(window, QPushButton, "hcSend").click()
    qtbot.waitUntil(lambda: "← binary · 3 B" in response_text(window))

    ping.click()
    qtbot.waitUntil(lambda: "← pong · RTT " in response_text(window))

    child(window, QSpinBox, "hcWsCloseCode").setValue(4000)
    child(window, QLineEdit, "hcWsCloseReason").setText("done here")
    close.click()
    qtbot.waitUntil(lambda: hc_status(window).startswith("WebSocket closed"), timeout=5000)
    assert not ping.isEnabled() and not close.isEnabled()
    assert child(window, QLineEdit, "hcUrl").isEnabled()
    assert "4000" in response_text(window)  # the peer's close frame echoes the code
    stop_server(qtbot, window, "http")


def test_a_text_frame_must_be_utf8(qtbot: QtBot, window: MainWindow) -> None:
    child(window, QLineEdit, "hcUrl").setText(f"ws://127.0.0.1:{free_port()}/")
    child(window, QLineEdit, "hcBody").setText("\\xff")
    child(window, QPushButton, "hcSend").click()
    assert hc_status(window).startswith("A text frame must be UTF-8")
    assert child(window, QWidget, TAB).workers() == []  # nothing was opened


def test_a_websocket_that_cannot_connect_says_why(qtbot: QtBot, window: MainWindow) -> None:
    child(window, QLineEdit, "hcUrl").setText(f"ws://127.0.0.1:{free_port()}/")
    child(window, QPushButton, "hcSend").click()
    assert child(window, QPushButton, "hcCancel").isEnabled()  # while connecting
    qtbot.waitUntil(lambda: hc_status(window).startswith("WebSocket closed: "), timeout=5000)
    assert "refused" in hc_status(window).lower()
    assert child(window, QPushButton, "hcSend").isEnabled()
    assert child(window, QLineEdit, "hcUrl").isEnabled()


def test_cancel_a_websocket_whose_upgrade_is_never_answered(
    qtbot: QtBot, window: MainWindow, sink_server: SinkServer
) -> None:
    child(window, QLineEdit, "hcUrl").setText(f"ws://127.0.0.1:{sink_server.port}/")
    cancel = child(window, QPushButton, "hcCancel")
    child(window, QPushButton, "hcSend").click()
    assert cancel.isEnabled()
    assert not child(window, QPushButton, "hcWsPing").isEnabled()
    qtbot.waitUntil(lambda: b"Upgrade: websocket" in sink_server.received, timeout=EXCHANGE_MS)
    cancel.click()
    qtbot.waitUntil(lambda: hc_status(window).startswith("WebSocket closed"), timeout=5000)
    assert not cancel.isEnabled()
    assert child(window, QLineEdit, "hcUrl").isEnabled()
