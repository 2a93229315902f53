"""The self-test's "tls" step against the real window: it passes, and a broken one fails."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QCheckBox
from pytestqt.qtbot import QtBot

from app.main import create_main_window
from app.net.events import Kind, Source
from app.self_test import SelfTest
from app.self_test_peers import LoopbackPeers
from app.self_test_tls import tls_step
from app.ui.main_window import MainWindow
from app.ui.widgets.tls_fields import settings_folder


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
        result = test.run_step("tls", lambda: tls_step(test))
    return test, result.ok, result.line()


def test_tls_step_passes_and_leaves_tls_off(window: MainWindow) -> None:
    test, ok, line = run(window)
    assert ok, line
    assert (settings_folder() / "tls-self-signed.pem").is_file()
    client = test.events(Source.TCP)
    assert any(e.message.startswith("TLS handshake done") for e in client)
    assert not [e for e in client if e.kind is Kind.ERROR]
    assert test.expected_sent == test.expected_received > 0
    for name in ("tcpTls", "tcpsTls"):
        box = window.findChild(QCheckBox, name)
        assert isinstance(box, QCheckBox) and not box.isChecked()


def test_tls_step_fails_with_the_reason_when_the_certificate_is_unusable(
    window: MainWindow,
) -> None:
    # A damaged generated file is made again: the step still passes; a file that cannot
    # be written is what fails it.
    folder = settings_folder()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "tls-self-signed.pem").mkdir()
    _, ok, line = run(window)
    assert not ok
    assert "tcpsStatus says" in line and "TLS not started" in line, line
    assert Path(folder / "tls-self-signed.pem").is_dir()
