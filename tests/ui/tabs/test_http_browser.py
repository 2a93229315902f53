"""A real browser (headless Chromium) loads the page the HTTP Server tab serves."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton, QSpinBox
from pytestqt.qtbot import QtBot

from app.ui.main_window import MainWindow
from tests.peers import free_port

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (see .ci/run)"),
]


TAB = "httpTab"


def dump_dom(qtbot: QtBot, url: str, profile: Path) -> str:
    """Run Chromium to completion while the GUI event loop keeps serving."""
    assert CHROMIUM is not None
    process = subprocess.Popen(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={profile}",
            "--dump-dom",
            url,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        qtbot.waitUntil(lambda: process.poll() is not None, timeout=90_000)
        assert process.stdout is not None
        return process.stdout.read().decode("utf-8", "replace")
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_chromium_reads_hello_client(
    qtbot: QtBot, window: MainWindow, tmp_path: Path, host: str
) -> None:
    """Bound to 127.0.0.1 (the default), http://localhost:PORT works in Chromium too:
    Chromium resolves localhost to both loopbacks itself and falls back to 127.0.0.1."""
    port = free_port()
    window.findChild(QSpinBox, "httpPort").setValue(port)
    qtbot.mouseClick(window.findChild(QPushButton, "httpStart"), Qt.MouseButton.LeftButton)
    status = window.findChild(QLabel, "httpStatus")
    qtbot.waitUntil(lambda: status.plain_text().startswith("Running on"), timeout=5000)
    dom = dump_dom(qtbot, f"http://{host}:{port}/", tmp_path / "profile")
    assert "Hello, client!" in dom
    model = window.log_pane.model
    qtbot.waitUntil(
        lambda: any(
            model.event_at(r).message.startswith("GET / → 200") for r in range(model.rowCount())
        ),
        timeout=5000,
    )
