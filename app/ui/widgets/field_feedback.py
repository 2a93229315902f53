"""How a field says its input cannot be used: a red frame on it and a red line under it."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget

ERROR_TEXT_STYLE = "color: #c9302c;"
_INVALID_FRAME = "border: 1px solid #d9534f; background: #fff3f3;"


def error_label(name: str) -> QLabel:
    """The hidden, red, wrapping line that shows under a field what is wrong with it."""
    label = QLabel()
    label.setObjectName(name)
    label.setStyleSheet(ERROR_TEXT_STYLE)
    label.setWordWrap(True)
    label.hide()
    return label


def mark_invalid(field: QWidget, invalid: bool) -> None:
    """Frame the field in red, or take the frame away."""
    # A type selector keeps the frame off the field's children (its context menu).
    field.setStyleSheet(f"{type(field).__name__} {{ {_INVALID_FRAME} }}" if invalid else "")
