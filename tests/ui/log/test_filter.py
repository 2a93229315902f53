"""LogFilterModel: the same rows as a plain Python filter, through appends, trims, clears."""

from __future__ import annotations

import random

import pytest
from PySide6.QtCore import Qt
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from app.net.events import Kind, LogEvent, Source
from app.payload import PayloadFormat
from app.ui.log.filter import SCAN_CHUNK, LogFilter, LogFilterModel, RowMatcher
from app.ui.log.model import COL_DATA, COL_PEER, COL_TIME, LogModel
from app.ui.log.time_format import TimeMode

PEERS = ["127.0.0.1:9000", "[::1]:8080", "10.0.0.7:5353", "Example.org:443"]
MESSAGES = ["", "", "", "Connected to 127.0.0.1:9000", "No listener at 10.0.0.7:5353"]


def random_events(count: int, seed: int, start: int = 0) -> list[LogEvent]:
    rng = random.Random(seed)
    sources = list(Source)
    kinds = list(Kind)
    events = []
    for i in range(start, start + count):
        data = b"" if rng.random() < 0.1 else (b"Packet %d " % i) + bytes([rng.randrange(256)])
        events.append(
            LogEvent(
                1_700_000_000 + i / 1000,
                rng.choice(sources),
                rng.choice(kinds),
                rng.choice(PEERS),
                data,
                rng.choice(MESSAGES),
                len(data),
            )
        )
    return events


def reference(events: list[LogEvent], spec: LogFilter) -> list[LogEvent]:
    """The obvious per-row filter the fast one must agree with."""
    needle = spec.text.lower()
    return [
        e
        for e in events
        if e.source in spec.sources
        and e.kind in spec.kinds
        and (
            not needle
            or needle in e.peer.lower()
            or needle in e.message.lower()
            or needle.encode() in e.data.lower()
        )
    ]


def shown(model: LogFilterModel) -> list[LogEvent]:
    return [model.event_at(row) for row in range(model.rowCount())]


SPECS = [
    LogFilter(kinds=frozenset({Kind.ERROR})),
    LogFilter(sources=frozenset({Source.UDP, Source.HTTP})),
    LogFilter(text="10.0.0.7"),
    LogFilter(text="EXAMPLE"),
    LogFilter(text="connected"),
    LogFilter(text="packet 4"),
    LogFilter(text="listener", kinds=frozenset({Kind.INFO, Kind.ERROR})),
    LogFilter(text="9000", sources=frozenset({Source.TCP}), kinds=frozenset({Kind.SENT})),
    LogFilter(sources=frozenset(), kinds=frozenset({Kind.SENT})),
    LogFilter(text="no such text anywhere"),
]


@pytest.fixture
def source(qapp: object) -> LogModel:
    return LogModel(max_rows=200_000)


def test_filter_matches_plain_python_on_100k_rows(source: LogModel) -> None:
    events = random_events(100_000, seed=1)
    source.append_events(events)
    filtered = LogFilterModel(source)
    for spec in SPECS:
        filtered.set_filter(spec)
        filtered.finish()
        assert not filtered.scanning
        assert shown(filtered) == reference(events, spec), spec
        assert filtered.matching_events() == reference(events, spec)


def test_a_new_filter_answers_in_slices_then_completes(source: LogModel, qtbot: QtBot) -> None:
    events = random_events(8 * SCAN_CHUNK, seed=2)
    source.append_events(events)
    filtered = LogFilterModel(source)
    spec = LogFilter(text="packet")
    filtered.set_filter(spec)
    # More arrives while older rows are still being scanned.
    more = random_events(3_000, seed=3, start=len(events))
    source.append_events(more)
    qtbot.waitUntil(lambda: not filtered.scanning, timeout=30_000)
    assert shown(filtered) == reference(events + more, spec)
    assert filtered.scanned_fraction() == 1.0


def test_filter_follows_appends_and_trims(qapp: object, qtbot: QtBot) -> None:
    source = LogModel(max_rows=5_000)
    filtered = LogFilterModel(source)
    spec = LogFilter(text="10.0.0.7", kinds=frozenset({Kind.SENT, Kind.RECEIVED, Kind.ERROR}))
    filtered.set_filter(spec)
    everything: list[LogEvent] = []
    rng = random.Random(4)
    for seed in range(40):
        batch = random_events(rng.choice([1, 50, 700, 3_000, 6_000, 40_000]), seed, len(everything))
        everything += batch
        source.append_events(batch)
        qtbot.waitUntil(lambda: not filtered.scanning, timeout=30_000)
        assert shown(filtered) == reference(everything[-5_000:], spec)
    source.set_max_rows(1_000)
    assert shown(filtered) == reference(everything[-1_000:], spec)
    source.clear()
    assert filtered.rowCount() == 0
    batch = random_events(300, seed=99, start=len(everything))
    source.append_events(batch)
    assert shown(filtered) == reference(batch, spec)


def test_modeltester_on_filtered_model(qapp: object, qtmodeltester: ModelTester) -> None:
    source = LogModel(max_rows=2_000)
    source.append_events(random_events(1_500, seed=5))
    filtered = LogFilterModel(source)
    filtered.set_filter(LogFilter(kinds=frozenset({Kind.SENT, Kind.ERROR})))
    filtered.finish()
    qtmodeltester.check(filtered)
    # The tester stays connected and checks every insert and removal that follows.
    for seed in range(6):
        source.append_events(random_events(700, seed=10 + seed, start=2_000 + 700 * seed))
    filtered.set_filter(LogFilter(text="example"))
    filtered.finish()
    source.clear()
    source.append_events(random_events(10, seed=20))
    qtmodeltester.check(filtered)


def test_cells_come_from_the_source_rows(source: LogModel) -> None:
    events = random_events(200, seed=6)
    source.append_events(events)
    filtered = LogFilterModel(source)
    filtered.set_filter(LogFilter(kinds=frozenset({Kind.RECEIVED})))
    expected = reference(events, filtered.spec)
    for row in (0, len(expected) - 1):
        index = filtered.index(row, COL_PEER)
        assert filtered.data(index) == expected[row].peer
        assert filtered.source_row(row) == events.index(expected[row])
        assert filtered.row_of_source(filtered.source_row(row)) == row
    assert filtered.headerData(COL_DATA, Qt.Orientation.Horizontal) == "Data"

    # Since previous: the row above in the filtered view, not in the whole log.
    source.set_time_mode(TimeMode.SINCE_PREVIOUS)
    gap = expected[1].time - expected[0].time
    assert filtered.data(filtered.index(1, COL_TIME)) == f"+{gap:.3f}"
    assert filtered.data(filtered.index(0, COL_TIME)) == ""


def test_hex_needle_finds_bytes_when_data_is_shown_as_hex(qapp: object) -> None:
    rows = [
        LogEvent(1.0, Source.UDP, Kind.RECEIVED, "p", b"\x00\xde\xad\xbe\xef\x01", "", 6),
        LogEvent(2.0, Source.UDP, Kind.RECEIVED, "p", b"dead beef", "", 9),
    ]
    spec = LogFilter(text="DE AD be ef")
    as_hex = RowMatcher(spec, PayloadFormat.HEX).numbers(rows, 0, 2, 100)
    as_text = RowMatcher(spec, PayloadFormat.TEXT).numbers(rows, 0, 2, 100)
    assert as_hex == [100]
    assert as_text == []
    assert RowMatcher(LogFilter(text="Dead"), PayloadFormat.TEXT).numbers(rows, 0, 2, 0) == [1]
