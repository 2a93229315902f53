"""The window every tab test drives: shown, on the tab its module names in `TAB`."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from app.ui.application import create_main_window
from app.ui.main_window import MainWindow


@pytest.fixture
def window(request: pytest.FixtureRequest, qtbot: QtBot, fresh_settings: str) -> MainWindow:
    win = create_main_window()
    qtbot.addWidget(win)
    win.show()
    tab_name = getattr(request.module, "TAB", None)  # None: the first tab, as at start-up
    if tab_name is not None:
        tab = win.findChild(QWidget, tab_name)
        assert tab is not None, f"no tab named {tab_name}"
        win.tabs.setCurrentWidget(tab)
    return win
