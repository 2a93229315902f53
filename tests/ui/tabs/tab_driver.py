"""What the tab tests do to the window, by objectName, as automation outside the suite does."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton, QSpinBox
from pytestqt.qtbot import QtBot

from app.net.events import Kind, LogEvent, Source
from app.ui.main_window import MainWindow


def child(window: MainWindow, cls: type, name: str):  # type: ignore[no-untyped-def]
    widget = window.findChild(cls, name)
    assert widget is not None, f"no {cls.__name__} named {name}"
    return widget


def status_of(window: MainWindow, prefix: str) -> str:
    """The text of `<prefix>Status`, without its markup."""
    return str(child(window, QLabel, f"{prefix}Status").plain_text())


def click(qtbot: QtBot, window: MainWindow, name: str) -> None:
    qtbot.mouseClick(child(window, QPushButton, name), Qt.MouseButton.LeftButton)


def logged_events(window: MainWindow, source: Source, kind: Kind | None = None) -> list[LogEvent]:
    """The events of one tab in the log, optionally of one kind, oldest first."""
    model = window.log_pane.model
    events = (model.event_at(row) for row in range(model.rowCount()))
    return [e for e in events if e.source is source and (kind is None or e.kind is kind)]


def start_server(
    qtbot: QtBot, window: MainWindow, prefix: str, running: str, port: int | None = None
) -> int:
    """Click `<prefix>Start` (on `port`, or the port in the field) until the status says
    `running`; the port it listens on."""
    field = child(window, QSpinBox, f"{prefix}Port")
    if port is not None:
        field.setValue(port)
    click(qtbot, window, f"{prefix}Start")
    qtbot.waitUntil(lambda: status_of(window, prefix).startswith(running), timeout=5000)
    return int(field.value())


def stop_server(qtbot: QtBot, window: MainWindow, prefix: str) -> None:
    click(qtbot, window, f"{prefix}Start")
    qtbot.waitUntil(lambda: status_of(window, prefix) == "Stopped", timeout=5000)
