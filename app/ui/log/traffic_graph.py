"""A small live graph of bytes per second in and out over the last minute."""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, QTimer, Slot
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPaintEvent, QPen, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QWidget

from app.ui.log.model import RECEIVED_COLOR, SENT_COLOR
from app.units import format_rate

HISTORY_S = 60
# At most ten redraws a second, however fast batches arrive.
SAMPLE_INTERVAL_MS = 100


class TrafficHistory:
    """Bytes received and sent per whole second, for the last `seconds` seconds.

    A ring of buckets indexed by second: adding is O(1) whatever the traffic, and a
    bucket left over from a minute ago reads as zero.
    """

    def __init__(self, seconds: int = HISTORY_S) -> None:
        self._size = seconds
        self._second = [-1] * seconds
        self._received = [0] * seconds
        self._sent = [0] * seconds

    def add(self, second: int, received: int, sent: int) -> None:
        slot = second % self._size
        if self._second[slot] != second:
            self._second[slot] = second
            self._received[slot] = 0
            self._sent[slot] = 0
        self._received[slot] += received
        self._sent[slot] += sent

    def series(self, now: int) -> list[tuple[int, int]]:
        """(received, sent) per second, oldest first, the last one being second `now`."""
        out = []
        for second in range(now - self._size + 1, now + 1):
            slot = second % self._size
            if self._second[slot] == second:
                out.append((self._received[slot], self._sent[slot]))
            else:
                out.append((0, 0))
        return out

    def clear(self) -> None:
        self._second = [-1] * self._size


class TrafficGraph(QWidget):
    """Samples running byte totals ten times a second and draws the last minute.

    `read_totals` returns (received bytes, sent bytes) since the last clear; a total that
    goes down means the log was cleared and starts a new baseline. Once the graph has
    drawn a flat history (no byte in the last `history_seconds`) it stops sampling, so
    an idle window does not wake up ten times a second; `wake()` (connected to the
    model's totals_changed by the status strip) starts it again.
    """

    def __init__(
        self,
        read_totals: Callable[[], tuple[int, int]],
        parent: QWidget | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        history_seconds: int = HISTORY_S,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("logTrafficGraph")
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.history = TrafficHistory(history_seconds)
        self._history_seconds = history_seconds
        self._read_totals = read_totals
        self._clock = clock
        self._last = read_totals()
        self._shown_second = -1
        # No traffic yet: the first sample finds the history flat and stops the timer.
        self._last_traffic_second = -history_seconds
        self._timer = QTimer(self)
        self._timer.setInterval(SAMPLE_INTERVAL_MS)
        self._timer.timeout.connect(self.sample)
        self._timer.start()
        self.setToolTip("Bytes per second received (green) and sent (blue), last 60 s")

    def sizeHint(self) -> QSize:
        return QSize(260, 34)

    @property
    def sampling(self) -> bool:
        """Whether the sample timer runs (False once a flat history has been drawn)."""
        return self._timer.isActive()

    @Slot()
    def wake(self) -> None:
        """Sample again (the log's totals changed); a no-op while sampling."""
        if not self._timer.isActive():
            received, sent = self._read_totals()
            if received < self._last[0] or sent < self._last[1]:
                # Cleared while asleep: everything counted since the clear is new.
                self._last = (0, 0)
            self._timer.start()

    @Slot()
    def sample(self) -> None:
        """Add what arrived since the last sample to the current second and redraw."""
        received, sent = self._read_totals()
        last_received, last_sent = self._last
        self._last = (received, sent)
        second = int(self._clock())
        if received < last_received or sent < last_sent:
            return  # the log was cleared: new baseline, nothing to add
        delta_received = received - last_received
        delta_sent = sent - last_sent
        if delta_received or delta_sent:
            self.history.add(second, delta_received, delta_sent)
            self._last_traffic_second = second
        elif second - self._last_traffic_second >= self._history_seconds:
            # The last byte has scrolled out of the graph: draw it flat once and sleep.
            self._timer.stop()
        elif second == self._shown_second:
            return
        self._shown_second = second
        if self.isVisible():
            self.update()

    def rates(self) -> tuple[int, int]:
        """(received, sent) bytes in the last complete second."""
        return self.history.series(int(self._clock()) - 1)[-1]

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
        palette = self.palette()
        painter.fillRect(rect, palette.base())
        painter.setPen(QPen(palette.mid().color(), 1))
        painter.drawRect(rect)

        series = self.history.series(int(self._clock()))
        real_peak = max(max(r, s) for r, s in series)
        peak = max(1, real_peak)
        plot = rect.adjusted(1, 12, -1, -1)
        step = plot.width() / (len(series) - 1)

        def point(i: int, value: int) -> QPointF:
            return QPointF(plot.left() + i * step, plot.bottom() - value / peak * plot.height())

        received = QPolygonF([point(i, r) for i, (r, _s) in enumerate(series)])
        area = QPainterPath()
        area.moveTo(plot.left(), plot.bottom())
        area.addPolygon(received)
        area.lineTo(plot.right(), plot.bottom())
        area.closeSubpath()
        fill = QColor(RECEIVED_COLOR)
        fill.setAlpha(90)
        painter.fillPath(area, fill)
        painter.setPen(QPen(RECEIVED_COLOR, 1.2))
        painter.drawPolyline(received)
        painter.setPen(QPen(SENT_COLOR, 1.6))
        painter.drawPolyline(QPolygonF([point(i, s) for i, (_r, s) in enumerate(series)]))

        in_rate, out_rate = self.rates()
        font = painter.font()
        font.setPointSizeF(max(6.0, font.pointSizeF() * 0.8))
        painter.setFont(font)
        painter.setPen(palette.text().color())
        painter.drawText(
            rect.adjusted(4, 0, -4, 0),
            Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft,
            f"in {format_rate(in_rate)} · out {format_rate(out_rate)}"
            f" · peak {format_rate(real_peak)}",
        )
        painter.end()
