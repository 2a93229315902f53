"""What the HTTP Client tab tests do to the window, by objectName."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QLineEdit, QPlainTextEdit, QPushButton, QSpinBox
from pytestqt.qtbot import QtBot

from app.ui.main_window import MainWindow
from tests.peers import free_port
from tests.ui.tabs.tab_driver import child, status_of

EXCHANGE_MS = 10_000


def hc_status(window: MainWindow) -> str:
    return status_of(window, "hc")


def response_text(window: MainWindow) -> str:
    return str(child(window, QPlainTextEdit, "hcResponse").toPlainText())


def send(qtbot: QtBot, window: MainWindow, url: str, method: str = "GET") -> None:
    """Type the URL and method, press Send, wait until the tab is ready again."""
    child(window, QComboBox, "hcMethod").setCurrentText(method)
    child(window, QLineEdit, "hcUrl").setText(url)
    button = child(window, QPushButton, "hcSend")
    assert button.isEnabled()
    button.click()
    assert not button.isEnabled()  # one exchange at a time
    qtbot.waitUntil(button.isEnabled, timeout=EXCHANGE_MS)


def start_http_server(qtbot: QtBot, window: MainWindow, mode: str = "Fixed response") -> int:
    child(window, QComboBox, "httpMode").setCurrentText(mode)
    field = child(window, QSpinBox, "httpPort")
    field.setValue(free_port())
    child(window, QPushButton, "httpStart").click()
    qtbot.waitUntil(lambda: status_of(window, "http").startswith("Running on"), timeout=5000)
    return int(field.value())
