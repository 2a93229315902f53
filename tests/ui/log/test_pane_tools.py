"""LogPane tools: filter bar, copy actions, time modes, counters, dropped rows, hooks."""

from __future__ import annotations

import re

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QTableView,
    QToolButton,
    QWidget,
)
from pytestqt.qtbot import QtBot

from app.net.events import Kind, LogEvent, Source
from app.payload import hexdump, parse_hex, parse_text
from app.ui.log.filter import LogFilter
from app.ui.log.model import COL_TIME
from app.ui.log.pane import LogPane

pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints")

T0 = 1_700_000_000.0


def ev(
    kind: Kind,
    data: bytes = b"",
    message: str = "",
    *,
    source: Source = Source.UDP,
    peer: str = "10.0.0.2:5353",
    at: float = 0.0,
    detail: str = "",
) -> LogEvent:
    return LogEvent(T0 + at, source, kind, peer, data, message, len(data), detail)


@pytest.fixture
def pane(qtbot: QtBot, fresh_settings: str) -> LogPane:
    widget = LogPane()
    qtbot.addWidget(widget)
    widget.resize(1100, 600)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def child(pane: QWidget, kind: type, name: str):  # type: ignore[no-untyped-def]
    found = pane.findChild(kind, name)
    assert found is not None, name
    return found


def view_of(pane: LogPane) -> QTableView:
    return child(pane, QTableView, "logView")


def select_rows(view: QTableView, *rows: int) -> None:
    selection = view.selectionModel()
    flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    selection.clearSelection()
    for row in rows:
        selection.select(view.model().index(row, 0), flags)
    selection.setCurrentIndex(
        view.model().index(rows[-1], 0), QItemSelectionModel.SelectionFlag.NoUpdate
    )


def shown_events(pane: LogPane) -> list[LogEvent]:
    model = view_of(pane).model()
    return [pane._event_at(row) for row in range(model.rowCount())]


def test_tool_widgets_have_stable_object_names(pane: LogPane) -> None:
    child(pane, QLineEdit, "logFilter")
    for name in ("TCP", "TCPServer", "UDP", "UDPListener", "HTTP", "App"):
        assert child(pane, QToolButton, f"logFilterSource{name}").isChecked()
    for name in ("Sent", "Received", "Info", "Error"):
        assert child(pane, QToolButton, f"logFilterKind{name}").isChecked()
    child(pane, QComboBox, "logTimeMode")
    assert child(pane, QSpinBox, "logMaxRows").value() == 100_000
    child(pane, QLabel, "logCounters")
    child(pane, QLabel, "logDropped")
    child(pane, QWidget, "logTrafficGraph")
    for name in ("logCopyRows", "logCopyHex", "logCopyText"):
        child(pane, QAction, name)
    assert isinstance(pane.toolbar, QHBoxLayout)


def test_typing_and_toggles_filter_the_view(pane: LogPane, qtbot: QtBot) -> None:
    events = [
        ev(Kind.SENT, b"hello", peer="127.0.0.1:9000"),
        ev(Kind.ERROR, message="No listener at 10.0.0.9:7"),
        ev(Kind.RECEIVED, b"HELLO back", source=Source.TCP),
        ev(Kind.INFO, message="Bound to 0.0.0.0:5353"),
    ]
    pane.add_events(events)
    count = child(pane, QLabel, "logFilterCount")
    qtbot.waitUntil(lambda: count.text() == "showing 4 of 4")

    qtbot.keyClicks(child(pane, QLineEdit, "logFilter"), "Hello")
    qtbot.waitUntil(lambda: shown_events(pane) == [events[0], events[2]])
    assert view_of(pane).model() is pane.filter_model
    qtbot.waitUntil(lambda: count.text() == "showing 2 of 4")

    qtbot.mouseClick(child(pane, QToolButton, "logFilterSourceTCP"), Qt.MouseButton.LeftButton)
    assert shown_events(pane) == [events[0]]

    child(pane, QLineEdit, "logFilter").clear()
    qtbot.waitUntil(lambda: shown_events(pane) == [events[0], events[1], events[3]])
    qtbot.mouseClick(child(pane, QToolButton, "logFilterSourceTCP"), Qt.MouseButton.LeftButton)
    for name in ("Sent", "Received", "Info"):
        qtbot.mouseClick(
            child(pane, QToolButton, f"logFilterKind{name}"), Qt.MouseButton.LeftButton
        )
    assert shown_events(pane) == [events[1]]
    assert pane.filter == LogFilter(kinds=frozenset({Kind.ERROR}))

    # New rows are tested as they arrive.
    late_error = ev(Kind.ERROR, message="Connection reset", at=1)
    pane.add_events([ev(Kind.SENT, b"x"), late_error])
    assert shown_events(pane) == [events[1], late_error]
    assert pane.snapshot(filtered=True) == [events[1], late_error]
    assert len(pane.snapshot(filtered=False)) == 6

    pane.set_filter(LogFilter())
    assert view_of(pane).model() is pane.model
    assert child(pane, QToolButton, "logFilterKindSent").isChecked()


def test_the_selected_event_stays_selected_across_filters(pane: LogPane, qtbot: QtBot) -> None:
    pane.add_events([ev(Kind.SENT, b"a"), ev(Kind.ERROR, message="boom"), ev(Kind.SENT, b"b")])
    view = view_of(pane)
    view.selectRow(1)
    pane.set_filter(LogFilter(kinds=frozenset({Kind.ERROR})))
    assert view.currentIndex().row() == 0
    pane.set_filter(LogFilter())
    assert view.currentIndex().row() == 1
    assert "boom" in child(pane, QPlainTextEdit, "logDetail").toPlainText()


def test_ctrl_c_copies_selected_rows_as_tab_separated_lines(pane: LogPane, qtbot: QtBot) -> None:
    pane.add_events(
        [
            ev(Kind.SENT, b"GET /\r\n", peer="127.0.0.1:80", at=0.0),
            ev(Kind.INFO, message="two\tlines\nhere", at=0.5),
            ev(Kind.RECEIVED, b"\x00\xffok", at=1.25),
        ]
    )
    view = view_of(pane)
    select_rows(view, 0, 2)
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    lines = QGuiApplication.clipboard().text().split("\n")
    assert len(lines) == 2
    first = lines[0].split("\t")
    assert first[1:] == ["UDP", "sent", "127.0.0.1:80", "7", "", "GET /\\r\\n"]
    assert re.fullmatch(r"\d\d:\d\d:\d\d\.000", first[0])
    assert lines[1].split("\t")[6] == "\\0\\xffok"

    select_rows(view, 1)
    child(pane, QAction, "logCopyRows").trigger()
    assert QGuiApplication.clipboard().text().split("\t")[5] == "two lines here"


def test_copy_data_as_hex_and_as_text(pane: LogPane) -> None:
    data = b"Hi\r\n\x00\xff"
    pane.add_events(
        [ev(Kind.RECEIVED, data), ev(Kind.INFO, message="no data"), ev(Kind.SENT, b"yo")]
    )
    view = view_of(pane)
    select_rows(view, 0)
    child(pane, QAction, "logCopyHex").trigger()
    assert QGuiApplication.clipboard().text() == "48 69 0d 0a 00 ff"
    assert parse_hex(QGuiApplication.clipboard().text()) == data
    child(pane, QAction, "logCopyText").trigger()
    assert parse_text(QGuiApplication.clipboard().text()) == data

    select_rows(view, 0, 1, 2)
    child(pane, QAction, "logCopyHex").trigger()
    assert QGuiApplication.clipboard().text() == "48 69 0d 0a 00 ff\n79 6f"
    assert view.contextMenuPolicy() == Qt.ContextMenuPolicy.ActionsContextMenu


def test_time_modes(pane: LogPane) -> None:
    pane.add_events(
        [
            ev(Kind.SENT, b"ping", at=0.0),
            ev(Kind.RECEIVED, b"pong", at=0.25),
            ev(Kind.SENT, b"x", at=65.75),
        ]
    )
    model = pane.model
    combo = child(pane, QComboBox, "logTimeMode")
    assert [combo.itemText(i) for i in range(combo.count())] == [
        "Clock",
        "Since first",
        "Since previous",
    ]

    def times() -> list[str]:
        return [model.data(model.index(row, COL_TIME)) for row in range(3)]

    assert all(re.fullmatch(r"\d\d:\d\d:\d\d\.\d{3}", t) for t in times())
    combo.setCurrentIndex(combo.findText("Since first"))
    assert times() == ["+0.000", "+0.250", "+1:05.750"]
    combo.setCurrentIndex(combo.findText("Since previous"))
    assert times() == ["", "+0.250", "+1:05.500"]


def test_counters_are_exact_with_a_small_row_limit(pane: LogPane, qtbot: QtBot) -> None:
    spin = child(pane, QSpinBox, "logMaxRows")
    spin.setValue(100)
    assert pane.model.max_rows == 100
    sent = received = errors = 0
    for batch_number in range(30):
        batch = []
        for i in range(250):
            n = batch_number * 250 + i
            if n % 97 == 0:
                batch.append(ev(Kind.ERROR, message="refused", source=Source.TCP))
                errors += 1
            elif n % 3:
                batch.append(ev(Kind.SENT, b"s" * (n % 50), source=Source.TCP))
                sent += n % 50
            else:
                batch.append(ev(Kind.RECEIVED, b"r" * (n % 70)))
                received += n % 70
        pane.add_events(batch)
    totals = pane.model.source_totals()
    assert totals[Source.TCP].sent_bytes == sent
    assert totals[Source.TCP].errors == errors
    assert totals[Source.UDP].received_bytes == received
    assert totals[Source.TCP].events + totals[Source.UDP].events == 7_500
    assert pane.model.totals.dropped_rows == 7_400
    counters = child(pane, QLabel, "logCounters")
    qtbot.waitUntil(
        lambda: f"out {totals[Source.TCP].sent_events:,} pkt / {sent:,} B" in counters.text()
    )
    assert f"UDP  in {totals[Source.UDP].received_events:,} pkt / {received:,} B" in counters.text()
    assert f"{errors} errors" in counters.text()

    dropped = child(pane, QLabel, "logDropped")
    qtbot.waitUntil(lambda: dropped.isVisible() and dropped.text().startswith("7,400 older rows"))
    pane.set_recording("/tmp/session.jsonl")
    pane.add_events([ev(Kind.SENT, b"more")])
    qtbot.waitUntil(lambda: "1 of them are in the record file session.jsonl" in dropped.text())
    pane.set_recording(None)
    assert "record" not in dropped.text()


def test_row_limit_is_remembered(pane: LogPane, qtbot: QtBot) -> None:
    child(pane, QSpinBox, "logMaxRows").setValue(25_000)
    child(pane, QComboBox, "logTimeMode").setCurrentText("Since previous")
    again = LogPane()
    qtbot.addWidget(again)
    assert again.model.max_rows == 25_000
    assert child(again, QSpinBox, "logMaxRows").value() == 25_000
    assert child(again, QComboBox, "logTimeMode").currentText() == "Since previous"


def test_events_arrived_carries_the_whole_batch(pane: LogPane, qtbot: QtBot) -> None:
    pane.model.set_max_rows(2)
    batch = [ev(Kind.SENT, b"%d" % i) for i in range(5)]
    with qtbot.waitSignal(pane.events_arrived) as blocker:
        pane.add_events(batch)
    assert blocker.args == [batch]
    assert pane.snapshot(filtered=False) == batch[-2:]


def test_detail_shows_hex_hexdump_and_http_detail(pane: LogPane) -> None:
    data = bytes(range(40))
    request = "GET /index.html HTTP/1.1\nHost: localhost\n\nbody"
    pane.add_events(
        [
            ev(Kind.RECEIVED, data),
            ev(Kind.INFO, message="GET /index.html -> 200", source=Source.HTTP, detail=request),
        ]
    )
    view = view_of(pane)
    view.selectRow(0)
    text = child(pane, QPlainTextEdit, "logDetail").toPlainText()
    assert "As hex:\n" + data[:32].hex(" ") in text
    assert hexdump(data) in text
    view.selectRow(1)
    assert request in child(pane, QPlainTextEdit, "logDetail").toPlainText()
