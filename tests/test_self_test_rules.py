"""The self-test's "tcp rules" step against the real window."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QComboBox, QTableView
from pytestqt.qtbot import QtBot

from app.main import create_main_window
from app.net.events import Kind, Source
from app.self_test import SelfTest
from app.self_test_peers import LoopbackPeers
from app.self_test_rules import tcp_rules_step
from app.ui.main_window import MainWindow
from app.ui.widgets.rows_table import RowsModel


@pytest.fixture
def window(qtbot: QtBot, fresh_settings: str) -> Iterator[MainWindow]:
    win = create_main_window()
    qtbot.addWidget(win)
    win.show()
    yield win
    win.close()


def test_the_step_passes_and_puts_the_person_s_rules_back(window: MainWindow) -> None:
    view = window.findChild(QTableView, "tcpsRules")
    assert view is not None
    model = view.model()
    assert isinstance(model, RowsModel)
    mine = [["Exact", "mine", "kept", "Text", "0", "Keep open"]]
    model.set_rows(mine)
    with LoopbackPeers() as peers:
        test = SelfTest(window, peers)
        result = test.run_step("tcp rules", lambda: tcp_rules_step(test))
    assert result.ok, result.line()
    sent = [e for e in test.events(Source.TCP_SERVER) if e.kind is Kind.SENT]
    assert len(sent) == 1 and sent[0].data.startswith(b"PONG ")
    assert test.expected_sent == test.expected_received == sent[0].size
    assert model.rows() == mine
    mode = window.findChild(QComboBox, "tcpsReplyMode")
    assert mode is not None and mode.currentText() == "Echo"


def test_the_step_is_in_the_self_test(window: MainWindow) -> None:
    with LoopbackPeers() as peers:
        names = [name for name, _step in SelfTest(window, peers).steps]
    assert names.index("tcp rules") == names.index("tcp server") + 1
