"""The application factory: the QApplication and the wired main window, no event loop.

`app.main` (the entry point) and the self-test both build the window here, so neither
imports the other and nothing imports `app.main`.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QApplication

from app import __version__

if TYPE_CHECKING:
    from app.ui.main_window import MainWindow


def ensure_application() -> QApplication:
    app = QApplication.instance()
    if isinstance(app, QApplication):
        return app
    app = QApplication(sys.argv[:1])
    app.setApplicationName("Socket Tester")
    app.setOrganizationName("SocketTester")
    app.setApplicationVersion(__version__)
    return app


def create_main_window() -> MainWindow:
    """The wired main window, shown by the caller; no event loop is run here."""
    ensure_application()
    from app.runtime_tuning import freeze_long_lived_objects
    from app.ui.main_window import MainWindow

    window = MainWindow()
    freeze_long_lived_objects()
    return window
