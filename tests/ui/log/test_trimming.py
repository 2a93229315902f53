"""A full log that keeps trimming: exactly Keep rows, the newest, exact counters, rows the
garbage collector does not scan, and selection and filter that follow the trimming."""

from __future__ import annotations

import gc
import os

import pytest
from PySide6.QtCore import QItemSelectionModel
from pytestqt.qtbot import QtBot

from app.net.events import Kind, LogEvent, Source
from app.ui.log.filter import LogFilter
from app.ui.log.model import LogModel
from app.ui.log.pane import LogPane

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints")


def flood(start: int, count: int) -> list[LogEvent]:
    """Numbered rows; every 7th is an error, the rest alternate sent and received."""
    events = []
    for i in range(start, start + count):
        kind = Kind.ERROR if i % 7 == 0 else (Kind.SENT if i % 2 else Kind.RECEIVED)
        source = Source.UDP if i % 3 else Source.TCP
        events.append(LogEvent(1000.0 + i, source, kind, "127.0.0.1:9", b"#%d" % i, "", 4))
    return events


def numbers_in(model: LogModel) -> list[int]:
    return [int(model.event_at(row).data[1:]) for row in range(model.rowCount())]


def test_many_batches_keep_exactly_the_newest_rows_and_count_all(qapp: object) -> None:
    model = LogModel(max_rows=1000)
    sent = 0
    for size in (300, 700, 1, 999, 1000, 2500, 17, 640):
        model.append_events(flood(sent, size))
        sent += size
        kept = min(sent, 1000)
        assert numbers_in(model) == list(range(sent - kept, sent))
        assert model.base == sent - kept
        assert model.totals.events == sent
        assert model.totals.dropped_rows == sent - kept
    everything = flood(0, sent)
    assert model.totals.errors == sum(e.kind is Kind.ERROR for e in everything)
    assert model.totals.sent_events == sum(e.kind is Kind.SENT for e in everything)
    assert model.rows == everything[-1000:]
    by_source = model.source_totals()
    assert by_source[Source.TCP].events == sum(e.source is Source.TCP for e in everything)


def test_rows_keep_every_field_and_times_across_the_trim(qapp: object) -> None:
    model = LogModel(max_rows=3)
    event = LogEvent(5.0, Source.RELAY, Kind.SENT, "a", b"x", "m", 1, "d", "l:1", True)
    model.append_events([*flood(0, 4), event])
    assert model.event_at(2) == event
    assert type(model.event_at(2)) is LogEvent
    # The row before row 0 was trimmed, yet its time is still known.
    assert model.previous_time(0) == 1001.0
    assert model.previous_time(1) == 1002.0


def test_rows_in_memory_are_not_scanned_by_the_garbage_collector(qapp: object) -> None:
    model = LogModel(max_rows=500)
    for start in range(0, 2000, 400):
        model.append_events(flood(start, 400))
    gc.collect()
    store = model.store
    assert not any(map(gc.is_tracked, store.plain))
    # What a full collection still walks for the rows: the store's three lists.
    row_objects = set(map(id, store.plain))
    assert not row_objects.intersection(map(id, gc.get_objects()))


def test_selection_follows_its_row_until_that_row_is_trimmed(qtbot: QtBot) -> None:
    pane = LogPane(model=LogModel(max_rows=100))
    qtbot.addWidget(pane)
    pane.resize(900, 500)
    pane.show()
    qtbot.waitExposed(pane)
    pane.add_events(flood(0, 100))
    selection = pane.view.selectionModel()
    flags = QItemSelectionModel.SelectionFlag.ClearAndSelect
    flags |= QItemSelectionModel.SelectionFlag.Rows
    selection.setCurrentIndex(pane.model.index(40, 0), flags)
    assert "#40" in pane.detail.toPlainText()

    pane.add_events(flood(100, 30))
    current = pane.view.currentIndex()
    assert current.row() == 10
    assert pane.model.event_at(current.row()).data == b"#40"
    assert [index.row() for index in selection.selectedRows()] == [10]
    assert "#40" in pane.detail.toPlainText()

    pane.add_events(flood(130, 30))
    assert not any(index.isValid() for index in selection.selectedRows())


def test_filter_shows_exactly_the_kept_matches_while_trimming(qtbot: QtBot) -> None:
    pane = LogPane(model=LogModel(max_rows=1000))
    qtbot.addWidget(pane)
    pane.add_events(flood(0, 600))
    errors_from_tcp = LogFilter(sources=frozenset({Source.TCP}), kinds=frozenset({Kind.ERROR}))
    pane.set_filter(errors_from_tcp)
    sent = 600
    for size in (500, 1200, 333):
        pane.add_events(flood(sent, size))
        sent += size
        pane.filter_model.finish()
        expected = [
            e for e in flood(sent - 1000, 1000) if e.kind is Kind.ERROR and e.source is Source.TCP
        ]
        assert pane.filter_model.matching_events() == expected
        assert pane.filter_model.rowCount() == len(expected)
        assert pane.snapshot(filtered=True) == expected
    assert pane.snapshot(filtered=False) == flood(sent - 1000, 1000)


def test_snapshot_is_a_frozen_copy_that_builds_events_as_read(qapp: object) -> None:
    model = LogModel(max_rows=10)
    model.append_events(flood(0, 10))
    snapshot = model.store.snapshot()
    picked = model.store.snapshot([8, 2])
    model.append_events(flood(10, 5))
    model.clear()
    assert list(snapshot) == flood(0, 10)
    assert snapshot[3] == flood(3, 1)[0]
    assert snapshot[-2:] == flood(8, 2)
    assert len(snapshot) == 10
    assert list(picked) == [*flood(8, 1), *flood(2, 1)]
    assert type(next(iter(picked))) is LogEvent
