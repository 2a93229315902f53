"""Where the app keeps what it remembers between runs, and saving of field values.

Field persistence is one table from widget type to how its value is read and put back:
a widget whose type is not in it raises UnrememberedField when saved, so a new kind of
field cannot be silently forgotten (what once happened to tcpTimeout).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QWidget,
)

from app.settings_location import SETTINGS_ENV
from app.ui.widgets.rows_table import RowsView

# Tests and the self-test point this at a scratch file so they never read or overwrite
# what a person's own sessions saved.


class UnrememberedField(TypeError):
    """An input widget of a type the settings do not know how to save."""


class FieldCodec(NamedTuple):
    save: Callable[[Any], object]
    # Puts a stored value back; raises TypeError or ValueError when it is unusable.
    restore: Callable[[Any, object], None]


def _restore_combo(combo: QComboBox, value: object) -> None:
    index = combo.findText(str(value))
    if index >= 0:
        combo.setCurrentIndex(index)
    elif combo.isEditable():
        combo.setEditText(str(value))  # typed by hand, e.g. an HTTP method like PROPFIND


def _restore_rows(view: RowsView, value: object) -> None:
    view.restore_rows_text(value)  # json.JSONDecodeError is a ValueError


# Looked up along the widget's class hierarchy, so a subclass (HostField) uses its base's.
FIELD_CODECS: dict[type[QWidget], FieldCodec] = {
    QLineEdit: FieldCodec(QLineEdit.text, lambda w, v: w.setText(str(v))),
    QPlainTextEdit: FieldCodec(QPlainTextEdit.toPlainText, lambda w, v: w.setPlainText(str(v))),
    QSpinBox: FieldCodec(QSpinBox.value, lambda w, v: w.setValue(int(str(v)))),
    QDoubleSpinBox: FieldCodec(QDoubleSpinBox.value, lambda w, v: w.setValue(float(str(v)))),
    QComboBox: FieldCodec(QComboBox.currentText, _restore_combo),
    RowsView: FieldCodec(RowsView.rows_text, _restore_rows),
    QCheckBox: FieldCodec(
        QCheckBox.isChecked, lambda w, v: w.setChecked(str(v).lower() in ("true", "1"))
    ),
}


def open_settings() -> QSettings:
    path = os.environ.get(SETTINGS_ENV)
    if path:
        return QSettings(path, QSettings.Format.IniFormat)
    return QSettings(
        QSettings.Format.IniFormat, QSettings.Scope.UserScope, "SocketTester", "socket-tester"
    )


def codec_for(widget: QWidget) -> FieldCodec:
    for cls in type(widget).__mro__:
        codec = FIELD_CODECS.get(cls)
        if codec is not None:
            return codec
    raise UnrememberedField(
        f"{widget.objectName()!r} is a {type(widget).__name__}, which the settings cannot "
        "remember: add its type to FIELD_CODECS"
    )


def save_fields(settings: QSettings, widgets: Iterable[QWidget]) -> None:
    """Store each input widget's value under `fields/<objectName>`."""
    for widget in widgets:
        settings.setValue(f"fields/{widget.objectName()}", codec_for(widget).save(widget))


def restore_fields(settings: QSettings, widgets: Iterable[QWidget]) -> None:
    """Put back what `save_fields` stored; a missing or unusable value keeps the default."""
    for widget in widgets:
        value = settings.value(f"fields/{widget.objectName()}")
        codec = codec_for(widget)  # outside the try: an unknown type is a bug, not a value
        if value is None:
            continue
        try:
            codec.restore(widget, value)
        except (TypeError, ValueError):
            pass
