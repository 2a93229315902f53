"""The self-test's "websocket" step against the real window: it passes, leaves the HTTP
Server tab stopped in Fixed mode, and a server that cannot start fails it with the reason."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QComboBox
from pytestqt.qtbot import QtBot

from app.main import create_main_window
from app.net.events import Kind, Source
from app.self_test import SelfTest
from app.self_test_peers import LoopbackPeers
from app.self_test_websocket import websocket_step
from app.ui.main_window import MainWindow


@pytest.fixture
def window(qtbot: QtBot, fresh_settings: str) -> Iterator[MainWindow]:
    win = create_main_window()
    qtbot.addWidget(win)
    win.show()
    yield win
    win.close()


def run(window: MainWindow) -> tuple[SelfTest, bool, str]:
    with LoopbackPeers() as peers:
        test = SelfTest(window, peers)
        result = test.run_step("websocket", lambda: websocket_step(test))
    return test, result.ok, result.line()


def test_websocket_step_passes(window: MainWindow) -> None:
    test, ok, line = run(window)
    assert ok, line
    rows = [e.message for e in test.events(Source.HTTP) if e.kind is Kind.RECEIVED]
    assert any("→ 101" in m for m in rows) and "ping" in rows
    mode = window.findChild(QComboBox, "httpMode")
    assert isinstance(mode, QComboBox) and mode.currentText() == "Fixed response"
    assert "websocket" in [name for name, _ in test.steps]


def test_websocket_step_fails_with_the_reason(
    window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    taken = socket.create_server(("127.0.0.1", 0))
    try:
        port = taken.getsockname()[1]
        monkeypatch.setattr("app.self_test_websocket.free_loopback_port", lambda: port)
        _, ok, line = run(window)
    finally:
        taken.close()
    assert not ok
    assert "httpStatus says" in line, line
