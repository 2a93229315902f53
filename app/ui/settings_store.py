"""Where the app keeps what it remembers between runs, and saving of field values."""

from __future__ import annotations

import os
from collections.abc import Iterable

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QCheckBox, QComboBox, QLineEdit, QPlainTextEdit, QSpinBox, QWidget

# Tests and the self-test point this at a scratch file so they never read or overwrite
# what a person's own sessions saved.
SETTINGS_ENV = "SOCKET_TESTER_SETTINGS"


def open_settings() -> QSettings:
    path = os.environ.get(SETTINGS_ENV)
    if path:
        return QSettings(path, QSettings.Format.IniFormat)
    return QSettings(
        QSettings.Format.IniFormat, QSettings.Scope.UserScope, "SocketTester", "socket-tester"
    )


def save_fields(settings: QSettings, widgets: Iterable[QWidget]) -> None:
    """Store each input widget's value under `fields/<objectName>`."""
    for widget in widgets:
        key = f"fields/{widget.objectName()}"
        if isinstance(widget, QLineEdit):
            settings.setValue(key, widget.text())
        elif isinstance(widget, QPlainTextEdit):
            settings.setValue(key, widget.toPlainText())
        elif isinstance(widget, QSpinBox):
            settings.setValue(key, widget.value())
        elif isinstance(widget, QComboBox):
            settings.setValue(key, widget.currentText())
        elif isinstance(widget, QCheckBox):
            settings.setValue(key, widget.isChecked())


def restore_fields(settings: QSettings, widgets: Iterable[QWidget]) -> None:
    """Put back what `save_fields` stored; a missing or unusable value keeps the default."""
    for widget in widgets:
        value = settings.value(f"fields/{widget.objectName()}")
        if value is None:
            continue
        if isinstance(widget, QLineEdit):
            widget.setText(str(value))
        elif isinstance(widget, QPlainTextEdit):
            widget.setPlainText(str(value))
        elif isinstance(widget, QSpinBox):
            try:
                widget.setValue(int(value))
            except (TypeError, ValueError):
                pass
        elif isinstance(widget, QComboBox):
            index = widget.findText(str(value))
            if index >= 0:
                widget.setCurrentIndex(index)
        elif isinstance(widget, QCheckBox):
            widget.setChecked(str(value).lower() in ("true", "1"))
