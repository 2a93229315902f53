"""The self-test's "relay" step against the real window."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QSpinBox
from pytestqt.qtbot import QtBot

from app.main import create_main_window
from app.net.events import Kind, Source
from app.self_test import SelfTest
from app.self_test_peers import LoopbackPeers
from app.self_test_relay import relay_step
from app.ui.main_window import MainWindow
from app.ui.widgets.status_label import StatusLabel


@pytest.fixture
def window(qtbot: QtBot, fresh_settings: str) -> Iterator[MainWindow]:
    win = create_main_window()
    qtbot.addWidget(win)
    win.show()
    yield win
    win.close()


def test_relay_step_passes_both_legs_and_leaves_the_relay_stopped(window: MainWindow) -> None:
    close_after = window.findChild(QSpinBox, "relayCloseAfter")
    assert isinstance(close_after, QSpinBox)
    close_after.setValue(3)  # a fault left from a last run must not break the step
    with LoopbackPeers() as peers:
        test = SelfTest(window, peers)
        result = test.run_step("relay", lambda: relay_step(test, peers.tcp_port))
    assert result.ok, result.line()
    assert close_after.value() == 0
    rows = [e for e in test.events(Source.RELAY) if e.kind in (Kind.RECEIVED, Kind.SENT)]
    assert [e.kind for e in rows] == [Kind.RECEIVED, Kind.SENT, Kind.RECEIVED, Kind.SENT]
    assert test.expected_sent == test.expected_received == 2 * rows[0].size
    status = window.findChild(StatusLabel, "relayStatus")
    assert isinstance(status, StatusLabel) and status.plain_text() == "Stopped"


def test_the_relay_step_is_in_the_run(window: MainWindow) -> None:
    with LoopbackPeers() as peers:
        names = [name for name, _ in SelfTest(window, peers).steps]
    assert names.index("relay") == names.index("udp listener") + 1
