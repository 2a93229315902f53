"""TrafficGraph: per-second buckets from running totals, a minute of history, clears."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from app.ui.log.traffic_graph import TrafficGraph, TrafficHistory
from app.units import format_rate

pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints")


def test_history_buckets_per_second_and_forgets_after_a_minute() -> None:
    history = TrafficHistory(seconds=60)
    history.add(1000, 10, 1)
    history.add(1000, 5, 0)
    history.add(1001, 0, 7)
    series = history.series(1001)
    assert len(series) == 60
    assert series[-2:] == [(15, 1), (0, 7)]
    assert sum(r for r, _s in series) == 15
    # 60 seconds later the slot of second 1000 is reused and its old bytes are gone.
    history.add(1060, 3, 3)
    assert history.series(1060)[-1] == (3, 3)
    assert (15, 1) not in history.series(1060)
    assert history.series(1200) == [(0, 0)] * 60


def test_graph_samples_totals_into_the_current_second(qtbot: QtBot) -> None:
    totals = [0, 0]
    now = [500.0]
    graph = TrafficGraph(lambda: (totals[0], totals[1]), clock=lambda: now[0])
    qtbot.addWidget(graph)
    assert graph.objectName() == "logTrafficGraph"

    totals[:] = [1_000, 200]
    graph.sample()
    now[0] = 500.6
    totals[:] = [1_500, 200]
    graph.sample()
    now[0] = 501.2
    totals[:] = [1_600, 900]
    graph.sample()
    assert graph.history.series(501)[-2:] == [(1_500, 200), (100, 700)]
    now[0] = 502.0
    assert graph.rates() == (100, 700)

    # A clear makes the totals go down: a new baseline, nothing negative is added.
    totals[:] = [0, 0]
    graph.sample()
    totals[:] = [50, 0]
    graph.sample()
    assert graph.history.series(502)[-1] == (50, 0)

    graph.resize(graph.sizeHint())
    graph.show()
    qtbot.waitExposed(graph)
    graph.grab()  # paints without error


def test_format_rate() -> None:
    assert format_rate(0) == "0 B/s"
    assert format_rate(999) == "999 B/s"
    assert format_rate(12_345) == "12.3 kB/s"
    assert format_rate(25_600_000) == "25.6 MB/s"


def test_graph_stops_sampling_after_a_flat_history_and_wakes_on_traffic(qtbot: QtBot) -> None:
    totals = [0, 0]
    now = [500.0]
    graph = TrafficGraph(lambda: (totals[0], totals[1]), clock=lambda: now[0], history_seconds=3)
    qtbot.addWidget(graph)
    assert graph.sampling
    graph.sample()  # nothing has ever arrived: the history is flat already
    assert not graph.sampling

    totals[:] = [400, 40]
    graph.wake()
    assert graph.sampling
    graph.sample()
    assert graph.history.series(500)[-1] == (400, 40)
    for second in (501.0, 502.0):
        now[0] = second
        graph.sample()
        assert graph.sampling, "bytes of second 500 are still on the graph"
    now[0] = 503.0
    graph.sample()
    assert graph.history.series(503) == [(0, 0)] * 3
    assert not graph.sampling

    # Woken again: bytes counted while it slept are not lost, a second wake is a no-op.
    totals[:] = [1_000, 40]
    graph.wake()
    graph.wake()
    graph.sample()
    assert graph.history.series(503)[-1] == (600, 0)
    assert graph.sampling


def test_graph_timer_stops_by_itself_when_idle(qtbot: QtBot) -> None:
    graph = TrafficGraph(lambda: (0, 0), history_seconds=1)
    qtbot.addWidget(graph)
    qtbot.waitUntil(lambda: not graph.sampling, timeout=3000)


def test_cleared_while_asleep_counts_from_zero(qtbot: QtBot) -> None:
    totals = [5_000, 0]
    now = [10.0]
    graph = TrafficGraph(lambda: (totals[0], totals[1]), clock=lambda: now[0], history_seconds=2)
    qtbot.addWidget(graph)
    graph.sample()
    assert not graph.sampling
    totals[:] = [70, 0]  # the log was cleared, then 70 bytes arrived
    graph.wake()
    graph.sample()
    assert graph.history.series(10)[-1] == (70, 0)
