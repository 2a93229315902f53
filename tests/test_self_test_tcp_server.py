"""The self-test's "tcp server" step against the real window (the lead wires it in)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QComboBox
from pytestqt.qtbot import QtBot

from app.net.events import Kind, Source
from app.self_test import SelfTest
from app.self_test_peers import LoopbackPeers
from app.self_test_tcp_server import tcp_server_step
from app.ui.application import create_main_window
from app.ui.main_window import MainWindow
from app.ui.widgets.status_label import StatusLabel


@pytest.fixture
def window(qtbot: QtBot, fresh_settings: str) -> Iterator[MainWindow]:
    win = create_main_window()
    qtbot.addWidget(win)
    win.show()
    yield win
    win.close()


def test_tcp_server_step_passes_and_leaves_the_server_stopped(window: MainWindow) -> None:
    with LoopbackPeers() as peers:
        test = SelfTest(window, peers)
        result = test.run_step("tcp server", lambda: tcp_server_step(test))
    assert result.ok, result.line()
    rows = [e for e in test.events(Source.TCP_SERVER) if e.kind in (Kind.RECEIVED, Kind.SENT)]
    assert [e.kind for e in rows] == [Kind.RECEIVED, Kind.SENT]
    assert test.expected_sent == test.expected_received == rows[0].size
    status = window.findChild(StatusLabel, "tcpsStatus")
    assert isinstance(status, StatusLabel) and status.plain_text() == "Stopped"


def test_tcp_server_step_sets_echo_whatever_the_tab_was_left_on(window: MainWindow) -> None:
    mode = window.findChild(QComboBox, "tcpsReplyMode")
    assert isinstance(mode, QComboBox)
    mode.setCurrentText("No reply")
    with LoopbackPeers() as peers:
        test = SelfTest(window, peers)
        result = test.run_step("tcp server", lambda: tcp_server_step(test))
    assert result.ok, result.line()
    assert mode.currentText() == "Echo"
