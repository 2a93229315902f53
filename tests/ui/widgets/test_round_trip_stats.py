"""The round-trip view on its own: the summary sentence, the histogram's axis range and
painting, Reset without a worker, and the objectNames a prefix gives."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QPushButton, QSpinBox
from pytestqt.qtbot import QtBot

from app.net.round_trips import RoundTripSnapshot
from app.ui.widgets.round_trip_histogram_view import RoundTripHistogramView
from app.ui.widgets.round_trip_stats import RoundTripStats, summary_text

MS = 1_000_000


def snapshot(**fields: object) -> RoundTripSnapshot:
    base = dict.fromkeys(RoundTripSnapshot._fields, 0)
    base.update(mean_ns=0.0, jitter_ns=0.0, histogram=(0,) * 37)
    base.update(fields)
    return RoundTripSnapshot(**base)  # type: ignore[arg-type]


def test_summary_names_every_figure_in_the_issue_order() -> None:
    snap = snapshot(
        replies=1000,
        min_ns=int(0.0312 * MS),
        median_ns=int(0.21 * MS),
        p95_ns=int(1.5 * MS),
        p99_ns=20 * MS,
        max_ns=250 * MS,
        jitter_ns=0.05 * MS,
        lost=3,
        out_of_order=1,
    )
    assert summary_text(snap) == (
        "1,000 replies · min 0.0312 ms · median 0.21 ms · p95 1.5 ms · p99 20 ms · "
        "max 250 ms · jitter 0.05 ms · 3 lost · 1 out of order"
    )


def test_summary_without_replies_and_with_sends_waiting() -> None:
    assert summary_text(snapshot(lost=2, pending=5, unmatched=1)) == (
        "0 replies · 2 lost · 1 unmatched · 5 waiting"
    )
    assert summary_text(snapshot(replies=1, min_ns=MS, median_ns=MS, max_ns=MS)).startswith(
        "1 reply · min 1 ms"
    )


def test_object_names_follow_the_prefix(qtbot: QtBot) -> None:
    view = RoundTripStats("hc", "idle")
    qtbot.addWidget(view)
    view.add_control("Lost after", QSpinBox())
    assert view.objectName() == "hcStats"
    assert view.findChild(QLabel, "hcStatsSummary") is view.summary
    for name in ("hcStatsShow", "hcStatsReset", "hcStatsExport"):
        assert view.findChild(QPushButton, name) is not None
    assert view.findChild(RoundTripHistogramView, "hcStatsHistogram") is view.histogram


def test_a_snapshot_shows_and_reset_clears_without_a_worker(qtbot: QtBot) -> None:
    view = RoundTripStats("tcp", "No round trips yet")
    qtbot.addWidget(view)
    view.show_snapshot(snapshot(replies=2, min_ns=MS, median_ns=MS, max_ns=2 * MS, records=2))
    assert view.summary.text().startswith("2 replies")
    assert view.export_button.isEnabled()
    view.reset()
    assert view.summary.text() == "No round trips yet"
    assert not view.export_button.isEnabled()


def test_the_axis_spans_the_decades_with_data_and_paints(qtbot: QtBot) -> None:
    view = RoundTripHistogramView("tcp")
    qtbot.addWidget(view)
    view.resize(600, 180)
    assert view.visible_decades() == (1, 3)  # empty: 10 µs to 1 ms
    counts = [0] * 37
    counts[7] = 900  # 15.8-25.1 µs: decade 1
    counts[21] = 100  # 10-15.8 ms: decade 4
    view.show_snapshot(
        snapshot(replies=1000, histogram=tuple(counts), median_ns=20_000, p99_ns=12 * MS)
    )
    assert view.visible_decades() == (1, 5)
    only_fast = [0] * 37
    only_fast[36] = 1  # 10 s and more: the axis ends at 10 s, two decades wide
    view.show_snapshot(snapshot(replies=1, histogram=tuple(only_fast)))
    assert view.visible_decades() == (5, 7.2)
    assert not view.grab().isNull()
