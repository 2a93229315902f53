"""Field persistence: every input widget of every registered tab survives a restart."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QLineEdit,
    QPlainTextEdit,
    QSlider,
    QSpinBox,
    QWidget,
)
from pytestqt.qtbot import QtBot

from app.ui.application import create_main_window
from app.ui.main_window import MainWindow
from app.ui.settings_store import (
    UnrememberedField,
    codec_for,
    open_settings,
    restore_fields,
    save_fields,
)
from app.ui.tabs.registry import TABS
from app.ui.widgets.host_field import HostField
from app.ui.widgets.rows_table import RowsView


def change(widget: QWidget) -> None:
    """Give `widget` a value other than the one it has, as a person would type it."""
    name = widget.objectName()
    if isinstance(widget, QCheckBox):
        widget.setChecked(not widget.isChecked())
    elif isinstance(widget, QDoubleSpinBox):
        step = 1.5 if widget.value() + 1.5 <= widget.maximum() else -1.5
        widget.setValue(widget.value() + step)
    elif isinstance(widget, QSpinBox):
        widget.setValue(widget.value() + (1 if widget.value() < widget.maximum() else -1))
    elif isinstance(widget, QComboBox):
        widget.setCurrentIndex((widget.currentIndex() + 1) % widget.count())
    elif isinstance(widget, QLineEdit):
        widget.setText(f"remembered {name}")
    elif isinstance(widget, QPlainTextEdit):
        widget.setPlainText(f"remembered\n{name}")
    elif isinstance(widget, RowsView):
        widget.rows_model().append_row(["Exact", f"remembered {name}", "yes"])
    else:
        raise AssertionError(f"the test cannot change {name}, a {type(widget).__name__}")


def field_values(window: MainWindow) -> dict[str, object]:
    widgets = [w for tab in window.tool_tabs for w in tab.input_widgets()]
    return {w.objectName(): codec_for(w).save(w) for w in widgets}


def test_every_input_widget_of_every_tab_survives_a_restart(
    qtbot: QtBot, fresh_settings: str
) -> None:
    first = create_main_window()
    assert [t.objectName() for t in first.tool_tabs] == [e.object_name for e in TABS]
    widgets = [w for tab in first.tool_tabs for w in tab.input_widgets()]
    names = [w.objectName() for w in widgets]
    assert len(set(names)) == len(names), "two fields would share one settings key"
    assert {"tcpTimeout", "tcpHalfClose", "udpLocalPort", "httpBody"} <= set(names)
    defaults = field_values(first)
    for widget in widgets:
        change(widget)
    typed = field_values(first)
    unchanged = [name for name in names if typed[name] == defaults[name]]
    assert not unchanged, f"the test did not change {unchanged}"
    first.close()
    first.deleteLater()

    second = create_main_window()
    qtbot.addWidget(second)
    restored = field_values(second)
    lost = {name: (typed[name], restored[name]) for name in names if restored[name] != typed[name]}
    assert not lost, f"not remembered (typed, after restart): {lost}"
    second.close()


def test_a_widget_type_the_settings_do_not_know_fails_loudly(
    qtbot: QtBot, fresh_settings: str
) -> None:
    slider = QSlider()
    qtbot.addWidget(slider)
    slider.setObjectName("someSlider")
    settings = open_settings()
    with pytest.raises(UnrememberedField, match="'someSlider' is a QSlider"):
        save_fields(settings, [slider])
    with pytest.raises(UnrememberedField):
        restore_fields(settings, [slider])


def test_a_subclass_is_remembered_as_its_base(qtbot: QtBot, fresh_settings: str) -> None:
    host = HostField("probe", "tooltip")
    qtbot.addWidget(host)
    host.setText("::1")
    settings = QSettings(fresh_settings, QSettings.Format.IniFormat)
    save_fields(settings, [host])
    again = HostField("probe", "tooltip")
    qtbot.addWidget(again)
    restore_fields(settings, [again])
    assert again.text() == "::1"


@pytest.mark.parametrize(
    ("kind", "stored"),
    [(QSpinBox, "not a number"), (QDoubleSpinBox, "1,5e"), (QComboBox, "no such item")],
)
def test_an_unusable_stored_value_keeps_the_default(
    qtbot: QtBot, fresh_settings: str, kind: type[QWidget], stored: str
) -> None:
    widget = kind()
    qtbot.addWidget(widget)
    widget.setObjectName("probe")
    before = codec_for(widget).save(widget)
    settings = QSettings(fresh_settings, QSettings.Format.IniFormat)
    settings.setValue("fields/probe", stored)
    restore_fields(settings, [widget])
    assert codec_for(widget).save(widget) == before
