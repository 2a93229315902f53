"""The round-trip histogram, painted: log-scale time axis, bars per bucket, median and p99.

Bucket k of a snapshot's histogram (round_trip_histogram.DISPLAY_EDGES_NS) spans
[edge k-1, edge k), five per decade from 1 µs; the axis shows the decades that hold data
(at least two), so a loopback run does not shrink into two pixels of a 1 µs to 10 s axis.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from app.net.round_trip_histogram import DISPLAY_PER_DECADE
from app.net.round_trips import RoundTripSnapshot
from app.units import format_latency

_DECADE_LABELS = ("1 µs", "10 µs", "100 µs", "1 ms", "10 ms", "100 ms", "1 s", "10 s")
_MIN_DECADES = 2
_MARGIN_LEFT, _MARGIN_RIGHT, _MARGIN_TOP, _MARGIN_BOTTOM = 56, 16, 18, 22


def _span(bucket: int) -> tuple[float, float]:
    """Where bucket `bucket` lies, in decades above 1 µs (the first and last are open)."""
    step = 1 / DISPLAY_PER_DECADE
    return (bucket - 1) * step, bucket * step


def _decade_of(ns: float) -> float:
    return math.log10(max(ns, 1.0) / 1000)


class RoundTripHistogramView(QWidget):
    def __init__(self, prefix: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"{prefix}StatsHistogram")
        self.setMinimumHeight(150)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self._counts: tuple[int, ...] = ()
        self._median = self._p99 = 0
        self.setToolTip("Round-trip times, five buckets per decade (log scale)")

    @property
    def counts(self) -> tuple[int, ...]:
        return self._counts

    def show_snapshot(self, snapshot: RoundTripSnapshot) -> None:
        self._counts = snapshot.histogram
        self._median, self._p99 = snapshot.median_ns, snapshot.p99_ns
        self.update()

    def visible_decades(self) -> tuple[float, float]:
        """The axis range in decades above 1 µs: whole decades, plus the open bucket
        below 1 µs or above 10 s when it holds anything."""
        used = [k for k, count in enumerate(self._counts) if count]
        if not used:
            return 1, 1 + _MIN_DECADES  # 10 µs to 1 ms: where local answers land
        first, last = _span(used[0])[0], _span(used[-1])[1]
        top = len(_DECADE_LABELS) - 1
        lo = float(math.floor(first)) if first >= 0 else first
        hi = float(math.ceil(last)) if last <= top else last
        while hi - lo < _MIN_DECADES:
            hi, lo = (hi + 1, lo) if hi < top else (hi, lo - 1)
        return lo, hi

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        palette = self.palette()
        painter.fillRect(self.rect(), palette.color(QPalette.ColorRole.Base))
        plot = QRectF(
            _MARGIN_LEFT,
            _MARGIN_TOP,
            max(1.0, self.width() - _MARGIN_LEFT - _MARGIN_RIGHT),
            max(1.0, self.height() - _MARGIN_TOP - _MARGIN_BOTTOM),
        )
        text = palette.color(QPalette.ColorRole.Text)
        lo, hi = self.visible_decades()

        def x_of(decade: float) -> float:
            return plot.left() + (decade - lo) / (hi - lo) * plot.width()

        tallest = max(self._counts, default=0)
        if tallest:
            bar = palette.color(QPalette.ColorRole.Highlight)
            for bucket, count in enumerate(self._counts):
                if not count:
                    continue
                start, end = _span(bucket)
                left, right = x_of(max(start, lo)), x_of(min(end, hi))
                height = count / tallest * plot.height()
                painter.fillRect(
                    QRectF(left + 1, plot.bottom() - height, max(1.0, right - left - 2), height),
                    bar,
                )
            self._mark(painter, x_of, plot, self._median, "median", QColor(0, 140, 70))
            self._mark(painter, x_of, plot, self._p99, "p99", QColor(200, 90, 0))
        painter.setPen(QPen(text))
        painter.drawLine(plot.bottomLeft(), plot.bottomRight())
        painter.drawLine(plot.bottomLeft(), plot.topLeft())
        metrics = painter.fontMetrics()
        for decade in range(max(0, math.ceil(lo)), min(len(_DECADE_LABELS), math.floor(hi) + 1)):
            x = x_of(decade)
            painter.drawLine(QPointF(x, plot.bottom()), QPointF(x, plot.bottom() + 4))
            label = _DECADE_LABELS[decade]
            width = metrics.horizontalAdvance(label)
            left = min(max(x - width / 2, 0.0), self.width() - width - 1.0)
            painter.drawText(QPointF(left, plot.bottom() + 4 + metrics.ascent()), label)
        count_label = f"{tallest:,}" if tallest else "no replies"
        painter.drawText(
            QRectF(0, plot.top() - metrics.height() / 2, _MARGIN_LEFT - 6, metrics.height()),
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
            count_label,
        )
        painter.drawText(
            QRectF(0, plot.bottom() - metrics.height(), _MARGIN_LEFT - 6, metrics.height()),
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
            "0",
        )
        painter.end()

    def _mark(
        self,
        painter: QPainter,
        x_of: Callable[[float], float],
        plot: QRectF,
        ns: int,
        name: str,
        color: QColor,
    ) -> None:
        if ns <= 0:
            return
        x = x_of(_decade_of(ns))
        if not plot.left() <= x <= plot.right():
            return
        pen = QPen(color)
        pen.setStyle(Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.drawLine(QPointF(x, plot.top()), QPointF(x, plot.bottom()))
        label = f"{name} {format_latency(ns / 1e9)}"
        metrics = painter.fontMetrics()
        width = metrics.horizontalAdvance(label)
        left = x + 3 if x + 3 + width <= self.width() else x - 3 - width
        top = plot.top() - 4 if name == "median" else plot.top() + metrics.ascent()
        painter.drawText(QPointF(left, max(top, metrics.ascent())), label)
