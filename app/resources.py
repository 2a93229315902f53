"""Finds files in resources/ the same way from source and from a frozen executable."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtGui import QIcon


def resources_dir() -> Path:
    # PyInstaller unpacks bundled data under sys._MEIPASS; build.spec puts resources/ there.
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root is not None:
        return Path(frozen_root) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def resource_path(name: str) -> Path:
    return resources_dir() / name


def warning_icon() -> QIcon:
    """The icon that marks errors, shipped with the app: asking the style for its own
    would make PySide set up the whole QStyle type (5.6 ms) before the window shows."""
    from PySide6.QtGui import QIcon

    return QIcon(str(resource_path("warning.png")))
