"""LogModel: batched inserts, bounded rows with exact totals, trimmed payloads, formats."""

from __future__ import annotations

import os
import re

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QColor, QIcon
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from app.net.events import Kind, LogEvent, Source
from app.payload import PayloadFormat, preview
from app.ui.log.model import (
    COL_BYTES,
    COL_DATA,
    COL_EVENT,
    COL_PEER,
    COL_SOURCE,
    COL_TIME,
    DATA_KEEP,
    PARTIAL_TEXT,
    LogModel,
    LogTotals,
)

# Before pytest-qt creates the QApplication (tests/conftest.py may also set it).
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

DISPLAY = Qt.ItemDataRole.DisplayRole


def ev(
    kind: Kind = Kind.RECEIVED,
    data: bytes = b"",
    message: str = "",
    *,
    size: int | None = None,
    peer: str = "127.0.0.1:9000",
    stamp: float = 1_700_000_000.123,
) -> LogEvent:
    return LogEvent(
        stamp, Source.TCP, kind, peer, data, message, len(data) if size is None else size
    )


def numbered(count: int, start: int = 0) -> list[LogEvent]:
    return [ev(Kind.SENT, f"#{i}".encode()) for i in range(start, start + count)]


def cell(model: LogModel, row: int, column: int, role: int = DISPLAY) -> object:
    return model.data(model.index(row, column), role)


@pytest.fixture
def model(qapp: object) -> LogModel:
    return LogModel()


def test_modeltester_on_populated_model(model: LogModel, qtmodeltester: ModelTester) -> None:
    model.append_events(
        [
            ev(Kind.SENT, b"GET / HTTP/1.1\r\n\r\n"),
            ev(Kind.RECEIVED, b"\x00\x01\xff" * 100),
            ev(Kind.INFO, message="Connected to 127.0.0.1:9000"),
            ev(Kind.ERROR, message="Connection refused\nretrying"),
        ]
    )
    model.append_events(numbered(20))
    qtmodeltester.check(model)


def test_one_insert_per_batch_with_inclusive_last(model: LogModel) -> None:
    inserted: list[tuple[int, int]] = []
    model.rowsInserted.connect(lambda _p, first, last: inserted.append((first, last)))
    totals: list[LogTotals] = []
    model.totals_changed.connect(totals.append)

    model.append_events(numbered(3))
    model.append_events(numbered(2, 3))
    model.append_events([])

    assert inserted == [(0, 2), (3, 4)]
    assert len(totals) == 2
    assert model.rowCount() == 5
    assert model.event_at(4).data == b"#4"


def test_totals_are_exact(model: LogModel) -> None:
    model.append_events(
        [
            ev(Kind.SENT, b"abc"),
            ev(Kind.SENT, b"", size=10),
            ev(Kind.RECEIVED, b"x" * 7),
            ev(Kind.INFO, message="hello"),
            ev(Kind.ERROR, message="boom"),
            ev(Kind.ERROR, message="bang"),
        ]
    )
    assert model.totals == LogTotals(
        events=6,
        sent_bytes=13,
        received_bytes=7,
        sent_events=2,
        received_events=1,
        errors=2,
        dropped_rows=0,
    )


def test_keeps_newest_rows_with_one_removal_and_exact_totals(qapp: object) -> None:
    model = LogModel(max_rows=5)
    removed: list[tuple[int, int]] = []
    model.rowsRemoved.connect(lambda _p, first, last: removed.append((first, last)))

    model.append_events(numbered(3))
    model.append_events(numbered(4, 3))

    assert removed == [(0, 1)]
    assert model.rowCount() == 5
    assert [model.event_at(r).data for r in range(5)] == [f"#{i}".encode() for i in range(2, 7)]
    assert model.totals.events == 7
    assert model.totals.sent_events == 7
    assert model.totals.sent_bytes == sum(len(f"#{i}") for i in range(7))
    assert model.totals.dropped_rows == 2


def test_batch_larger_than_max_rows_inserts_only_its_tail(qapp: object) -> None:
    model = LogModel(max_rows=5)
    model.append_events(numbered(3))
    removed: list[tuple[int, int]] = []
    inserted: list[tuple[int, int]] = []
    model.rowsRemoved.connect(lambda _p, first, last: removed.append((first, last)))
    model.rowsInserted.connect(lambda _p, first, last: inserted.append((first, last)))

    model.append_events(numbered(12, 3))

    assert removed == [(0, 2)]
    assert inserted == [(0, 4)]
    assert [model.event_at(r).data for r in range(5)] == [f"#{i}".encode() for i in range(10, 15)]
    assert model.totals.events == 15
    assert model.totals.dropped_rows == 10


def test_set_max_rows_drops_oldest_now(model: LogModel) -> None:
    model.append_events(numbered(10))
    totals: list[LogTotals] = []
    model.totals_changed.connect(totals.append)

    model.set_max_rows(4)

    assert model.max_rows == 4
    assert model.rowCount() == 4
    assert model.event_at(0).data == b"#6"
    assert totals[-1].dropped_rows == 6
    assert model.totals.events == 10
    with pytest.raises(ValueError):
        model.set_max_rows(0)


def test_long_payload_is_trimmed_but_keeps_its_size(model: LogModel) -> None:
    big = bytes(range(256)) * 40  # 10,240 bytes
    short = b"y" * DATA_KEEP
    model.append_events([ev(Kind.RECEIVED, big), ev(Kind.SENT, short)])

    kept = model.event_at(0)
    assert kept.data == big[:DATA_KEEP]
    assert kept.size == len(big)
    assert model.event_at(1).data == short
    assert model.totals.received_bytes == len(big)
    assert cell(model, 0, COL_BYTES) == "10,240"


def test_columns_show_time_source_event_peer_bytes(model: LogModel) -> None:
    model.append_events([ev(Kind.RECEIVED, b"z" * 1234), ev(Kind.INFO, message="Listening")])

    assert re.fullmatch(r"\d\d:\d\d:\d\d\.123", str(cell(model, 0, COL_TIME)))
    assert cell(model, 0, COL_SOURCE) == "TCP"
    assert cell(model, 0, COL_EVENT) == "received"
    assert cell(model, 0, COL_PEER) == "127.0.0.1:9000"
    assert cell(model, 0, COL_BYTES) == "1,234"
    assert cell(model, 1, COL_BYTES) == ""
    alignment = Qt.AlignmentFlag(
        cell(model, 0, COL_BYTES, Qt.ItemDataRole.TextAlignmentRole)  # type: ignore[arg-type]
    )
    assert alignment & Qt.AlignmentFlag.AlignRight
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(6)]
    assert headers == ["Time", "Source", "Event", "Peer", "Bytes", "Data"]


def test_data_column_shows_the_message_or_previews_data(model: LogModel) -> None:
    model.append_events(
        [
            ev(Kind.RECEIVED, b"GET / HTTP/1.1\r\n", message="GET / → 200, 152 B (0.4 ms)"),
            ev(Kind.ERROR, message="Connection refused"),
            ev(Kind.SENT, b"Hi\r\n"),
        ]
    )
    assert cell(model, 0, COL_DATA) == "GET / → 200, 152 B (0.4 ms)"
    assert cell(model, 0, COL_DATA, Qt.ItemDataRole.ToolTipRole) == "GET / → 200, 152 B (0.4 ms)"
    assert cell(model, 2, COL_DATA) == preview(b"Hi\r\n", PayloadFormat.TEXT)
    assert cell(model, 1, COL_DATA) == "Connection refused"
    assert cell(model, 1, COL_DATA, Qt.ItemDataRole.ToolTipRole) == "Connection refused"


def test_display_format_switch_changes_data_column_only(model: LogModel) -> None:
    model.append_events([ev(Kind.SENT, b"Hello"), ev(Kind.RECEIVED, b"World")])
    changed: list[tuple[QModelIndex, QModelIndex]] = []
    model.dataChanged.connect(lambda tl, br, _roles=(): changed.append((tl, br)))
    before = cell(model, 0, COL_DATA)

    model.set_display_format(PayloadFormat.HEX)

    assert model.display_format is PayloadFormat.HEX
    assert cell(model, 0, COL_DATA) == preview(b"Hello", PayloadFormat.HEX)
    assert cell(model, 0, COL_DATA) != before
    assert len(changed) == 1
    top_left, bottom_right = changed[0]
    assert (top_left.row(), top_left.column()) == (0, COL_DATA)
    assert (bottom_right.row(), bottom_right.column()) == (1, COL_DATA)

    model.set_display_format(PayloadFormat.HEX)  # unchanged: no signal
    assert len(changed) == 1


def test_event_column_colours_and_error_icon(model: LogModel) -> None:
    model.append_events([ev(Kind.SENT, b"a"), ev(Kind.RECEIVED, b"b"), ev(Kind.ERROR, message="x")])
    fg = Qt.ItemDataRole.ForegroundRole
    sent, received, error = (cell(model, r, COL_EVENT, fg) for r in range(3))
    assert isinstance(sent, QColor)
    assert isinstance(received, QColor)
    assert isinstance(error, QColor)
    assert len({sent.name(), received.name(), error.name()}) == 3
    assert error.red() > error.green()
    icon = cell(model, 2, COL_EVENT, Qt.ItemDataRole.DecorationRole)
    assert isinstance(icon, QIcon)
    assert not icon.isNull()
    assert cell(model, 0, COL_EVENT, Qt.ItemDataRole.DecorationRole) is None


def test_clear_resets_rows_and_totals(model: LogModel, qtbot: QtBot) -> None:
    model.set_max_rows(2)
    model.append_events(numbered(5))
    assert model.totals.dropped_rows == 3

    with qtbot.waitSignals([model.modelReset, model.totals_changed]):
        model.clear()

    assert model.rowCount() == 0
    assert model.totals == LogTotals()
    model.append_events(numbered(1))
    assert model.totals.events == 1


def test_a_partial_row_says_so_in_the_event_column_and_counts_as_received(
    model: LogModel,
) -> None:
    model.append_events([ev(data=b"354 go"), ev(data=b"on")._replace(partial=True)])
    assert cell(model, 0, COL_EVENT) == "received"
    assert cell(model, 1, COL_EVENT) == PARTIAL_TEXT == "partial"
    tip = cell(model, 1, COL_EVENT, Qt.ItemDataRole.ToolTipRole)
    assert isinstance(tip, str) and "incomplete message" in tip
    assert cell(model, 0, COL_EVENT, Qt.ItemDataRole.ToolTipRole) is None
    assert model.totals.received_events == 2 and model.totals.received_bytes == 8


def test_a_timed_reply_shows_its_round_trip_then_its_bytes(model: LogModel) -> None:
    model.append_events([ev(Kind.RECEIVED, b"seq=17", "RTT 0.21 ms"), ev(Kind.INFO, message="RTT")])
    assert cell(model, 0, COL_DATA) == "RTT 0.21 ms · seq=17"
    assert cell(model, 1, COL_DATA) == "RTT"
