"""Command line, QApplication and the wired main window."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QApplication

from app import __version__

if TYPE_CHECKING:
    from app.ui.main_window import MainWindow


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="socket-tester",
        description="Talk TCP, UDP and HTTP on your machine and watch every byte.",
    )
    parser.add_argument("--version", action="version", version=f"socket-tester {__version__}")
    return parser.parse_args(argv)


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
    from app.ui.main_window import MainWindow

    return MainWindow()


def main(argv: list[str] | None = None) -> int:
    parse_args(sys.argv[1:] if argv is None else argv)
    app = ensure_application()
    window = create_main_window()
    window.show()
    return app.exec()


if __name__ == "__main__":
    raise SystemExit(main())
