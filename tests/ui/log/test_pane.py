"""LogPane: detail of the selected row, auto-scroll that respects the user, clear, totals."""

from __future__ import annotations

import os

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QWidget,
)
from pytestqt.qtbot import QtBot

from app.net.events import Kind, LogEvent, Source
from app.payload import PayloadFormat, hexdump
from app.ui.log.model import COL_TIME
from app.ui.log.pane import LogPane
from app.ui.log.traffic_graph import TrafficGraph

# Before pytest-qt creates the QApplication (tests/conftest.py may also set it).
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# The offscreen platform warns about this on every top-level show; it says nothing about
# the pane, and qt_log_level_fail would otherwise fail every test that shows a window.
pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints")


def ev(kind: Kind, data: bytes = b"", message: str = "", detail: str = "") -> LogEvent:
    return LogEvent(
        1_700_000_000.5, Source.UDP, kind, "10.0.0.2:5353", data, message, len(data), detail
    )


def batch(count: int) -> list[LogEvent]:
    return [ev(Kind.RECEIVED, f"packet {i}".encode()) for i in range(count)]


@pytest.fixture
def pane(qtbot: QtBot) -> LogPane:
    widget = LogPane()
    qtbot.addWidget(widget)
    widget.resize(900, 500)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def view_of(pane: LogPane) -> QTableView:
    view = pane.findChild(QTableView, "logView")
    assert view is not None
    return view


def detail_of(pane: LogPane) -> QPlainTextEdit:
    detail = pane.findChild(QPlainTextEdit, "logDetail")
    assert detail is not None
    return detail


def totals_of(pane: LogPane) -> QLabel:
    label = pane.findChild(QLabel, "logTotals")
    assert label is not None
    return label


def click_row(qtbot: QtBot, view: QTableView, row: int) -> None:
    rect = view.visualRect(view.model().index(row, COL_TIME))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_widgets_have_stable_object_names(pane: LogPane) -> None:
    assert pane.findChild(QComboBox, "logDisplayFormat") is not None
    assert pane.findChild(QPushButton, "logClear") is not None
    assert pane.findChild(QSplitter, "logSplitter") is not None
    view = view_of(pane)
    assert view.model() is pane.model
    assert not view.verticalHeader().isVisible()
    assert not view.wordWrap()
    assert view.horizontalHeader().stretchLastSection()
    detail_of(pane)
    totals_of(pane)


def test_selecting_a_row_shows_text_and_hexdump(pane: LogPane, qtbot: QtBot) -> None:
    data = b"HELLO\r\nworld\x00\xff"
    pane.add_events(
        [
            ev(Kind.INFO, message="Bound to 0.0.0.0:5353"),
            ev(Kind.RECEIVED, data, message="14 bytes", detail="extra line"),
        ]
    )
    click_row(qtbot, view_of(pane), 1)

    text = detail_of(pane).toPlainText()
    assert hexdump(data).rstrip("\n") in text
    assert "HELLO" in text
    assert "received" in text
    assert "10.0.0.2:5353" in text
    assert "14 bytes" in text
    assert "extra line" in text
    assert detail_of(pane).isReadOnly()

    click_row(qtbot, view_of(pane), 0)
    assert "Bound to 0.0.0.0:5353" in detail_of(pane).toPlainText()


def test_detail_says_when_data_was_trimmed(pane: LogPane, qtbot: QtBot) -> None:
    pane.add_events([ev(Kind.SENT, b"A" * 5000)])
    click_row(qtbot, view_of(pane), 0)
    assert "(first 4,096 of 5,000 bytes shown)" in detail_of(pane).toPlainText()


def test_autoscroll_only_when_at_bottom(pane: LogPane, qtbot: QtBot) -> None:
    bar = view_of(pane).verticalScrollBar()
    pane.add_events(batch(300))
    qtbot.waitUntil(lambda: bar.maximum() > 0 and bar.value() == bar.maximum())

    # The user scrolls up to read: new rows must not yank the view away.
    bar.setValue(0)
    old_maximum = bar.maximum()
    pane.add_events(batch(300))
    qtbot.waitUntil(lambda: bar.maximum() > old_maximum)
    qtbot.waitUntil(lambda: totals_of(pane).text().startswith("600 events"))
    assert bar.value() == 0

    # Back at the bottom, the view follows new rows again.
    bar.setValue(bar.maximum())
    old_maximum = bar.maximum()
    for _ in range(3):  # several batches in one turn of the event loop
        pane.add_events(batch(100))
    qtbot.waitUntil(lambda: bar.maximum() > old_maximum and bar.value() == bar.maximum())


def test_clear_button_empties_log_and_totals(pane: LogPane, qtbot: QtBot) -> None:
    pane.add_events([*batch(5), ev(Kind.ERROR, message="Connection reset")])
    click_row(qtbot, view_of(pane), 0)
    qtbot.waitUntil(lambda: totals_of(pane).text().startswith("6 events"))
    assert "1 error" in totals_of(pane).text()

    button = pane.findChild(QPushButton, "logClear")
    assert button is not None
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)

    assert pane.model.rowCount() == 0
    assert detail_of(pane).toPlainText() == ""
    qtbot.waitUntil(lambda: totals_of(pane).text().startswith("0 events"))


def test_totals_label_counts_bytes_and_dropped_rows(pane: LogPane, qtbot: QtBot) -> None:
    pane.model.set_max_rows(10)
    pane.add_events([ev(Kind.SENT, b"x" * 1500), *batch(14)])
    expected = (
        "15 events · sent 1,500 B · received "
        f"{sum(len(e.data) for e in batch(14)):,} B · 0 errors · 5 older rows dropped"
    )
    qtbot.waitUntil(lambda: totals_of(pane).text() == expected)


def test_display_format_combo_switches_model(pane: LogPane) -> None:
    combo = pane.findChild(QComboBox, "logDisplayFormat")
    assert combo is not None
    assert [combo.itemText(i) for i in range(combo.count())] == ["Text", "Hex"]
    combo.setCurrentIndex(combo.findText("Hex"))
    assert pane.model.display_format is PayloadFormat.HEX
    combo.setCurrentIndex(combo.findText("Text"))
    assert pane.model.display_format is PayloadFormat.TEXT


def test_traffic_through_the_pane_wakes_the_idle_graph(pane: LogPane) -> None:
    graph = pane.findChild(QWidget, "logTrafficGraph")
    assert isinstance(graph, TrafficGraph)
    graph.sample()  # no traffic yet: the graph goes to sleep
    assert not graph.sampling
    pane.add_events([ev(Kind.RECEIVED, b"abc")])
    assert graph.sampling
