"""TrafficGraph: per-second buckets from running totals, a minute of history, clears."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from app.ui.log.traffic_graph import TrafficGraph, TrafficHistory, format_rate

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
