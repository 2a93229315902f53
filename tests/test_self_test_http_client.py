"""The self-test's "http client" step against the real window: it passes, and it fails
with the reason when the server answers something else."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QComboBox, QSpinBox
from pytestqt.qtbot import QtBot

from app.main import create_main_window
from app.net.events import Kind, Source
from app.self_test import SelfTest, StepResult
from app.self_test_peers import LoopbackPeers
from app.ui.main_window import MainWindow


@pytest.fixture
def window(qtbot: QtBot, fresh_settings: str) -> Iterator[MainWindow]:
    win = create_main_window()
    qtbot.addWidget(win)
    win.show()
    yield win
    win.close()


def run(window: MainWindow, break_it: bool = False) -> tuple[SelfTest, list[StepResult]]:
    with LoopbackPeers() as peers:
        test = SelfTest(window, peers)
        steps = dict(test.steps)
        results = [test.run_step("http start", steps["http start"])]
        if break_it:
            status = window.findChild(QSpinBox, "httpStatusCode")
            assert isinstance(status, QSpinBox)
            status.setValue(503)
        results.append(test.run_step("http client", steps["http client"]))
        results.append(test.run_step("http stop", steps["http stop"]))
    return test, results


def test_http_client_step_passes_and_leaves_the_server_in_fixed_mode(window: MainWindow) -> None:
    test, results = run(window)
    assert all(r.ok for r in results), "\n".join(r.line() for r in results)
    rows = test.events(Source.HTTP_CLIENT)
    assert next(e.message for e in rows if e.kind is Kind.SENT).startswith("GET /self-test-client")
    assert any(e.kind is Kind.RECEIVED and e.data.startswith(b"self-test ws ") for e in rows)
    assert not [e for e in rows if e.kind is Kind.ERROR]
    mode = window.findChild(QComboBox, "httpMode")
    assert isinstance(mode, QComboBox) and mode.currentText() == "Fixed response"


def test_http_client_step_fails_naming_what_it_saw(window: MainWindow) -> None:
    _, results = run(window, break_it=True)
    start, client, _stop = results
    assert start.ok
    assert not client.ok
    assert "hcStatus says '503 Service Unavailable" in client.reason, client.line()
