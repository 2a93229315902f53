"""`hcTiming`: where the time of the last exchange went, phase by phase, as a waterfall.

DNS, connect, TLS, first byte and download are the last hop's phases, one after the
other; total is the whole exchange (redirects included). A phase that did not happen (DNS
for an IP address, connect and TLS on a reused connection) shows "—".
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QGridLayout, QLabel, QWidget

from app.net.http.client.result import Timing
from app.ui.widgets.response_body import NOT_MEASURED, format_ms

# (label, objectName suffix, Timing field, bar colour, what it measures)
PHASES = (
    ("DNS", "Dns", "dns_ms", "#6f9fd8", "Resolving the host name"),
    ("Connect", "Connect", "connect_ms", "#e0a000", "The TCP handshake"),
    ("TLS", "Tls", "tls_ms", "#a56cc1", "The TLS handshake"),
    ("First byte", "FirstByte", "first_byte_ms", "#2e9d4f", "Request written to first byte"),
    ("Download", "Download", "download_ms", "#4aa3a3", "First byte to the last body byte"),
)


class PhaseBar(QWidget):
    """One phase's span on the exchange's time line (a row of a waterfall)."""

    def __init__(self, colour: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._colour = QColor(colour)
        self._start = 0.0
        self._length = 0.0
        self.setMinimumWidth(30)

    def sizeHint(self) -> QSize:
        return QSize(120, 10)

    def set_span(self, start: float, length: float) -> None:
        """Fractions of the whole time line, 0..1."""
        self._start, self._length = start, length
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        width, height = self.width(), self.height()
        painter.fillRect(QRectF(0, height / 2 - 1, width, 2), QColor("#e4e4e4"))
        if self._length > 0:
            # At least two pixels: a 0.05 ms phase is still seen to have happened.
            span = max(2.0, self._length * width)
            painter.fillRect(QRectF(self._start * width, 1, span, height - 2), self._colour)
        painter.end()


class TimingView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("hcTiming")
        self.setToolTip("The last exchange's phases, in milliseconds")
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(2)
        self.values: dict[str, QLabel] = {}
        self.bars: dict[str, PhaseBar] = {}
        for row, (label, suffix, field, colour, tip) in enumerate(PHASES):
            name = QLabel(label)
            name.setToolTip(tip)
            value = self._value_label(f"hcTiming{suffix}", tip)
            bar = PhaseBar(colour)
            bar.setToolTip(tip)
            grid.addWidget(name, row, 0)
            grid.addWidget(value, row, 1)
            grid.addWidget(bar, row, 2)
            self.values[field] = value
            self.bars[field] = bar
        total_row = len(PHASES)
        total = QLabel("<b>Total</b>")
        self.values["total_ms"] = self._value_label(
            "hcTimingTotal", "The whole exchange, every redirect hop included"
        )
        grid.addWidget(total, total_row, 0)
        grid.addWidget(self.values["total_ms"], total_row, 1)
        grid.setColumnStretch(2, 1)
        grid.setRowStretch(total_row + 1, 1)  # the rows stay together at the top
        self.clear()

    @staticmethod
    def _value_label(name: str, tip: str) -> QLabel:
        label = QLabel(NOT_MEASURED)
        label.setObjectName(name)
        label.setToolTip(tip)
        label.setMinimumWidth(label.fontMetrics().horizontalAdvance("000.0 ms"))
        return label

    def clear(self) -> None:
        for label in self.values.values():
            label.setText(NOT_MEASURED)
        for bar in self.bars.values():
            bar.set_span(0.0, 0.0)
        self.setAccessibleName("No timing yet")

    def show_timing(self, timing: Timing) -> None:
        phases = [(field, getattr(timing, field)) for _l, _s, field, _c, _t in PHASES]
        line = sum(ms for _f, ms in phases if ms is not None) or 1.0
        start = 0.0
        for field, ms in phases:
            self.values[field].setText(format_ms(ms))
            length = (ms or 0.0) / line
            self.bars[field].set_span(start, length)
            start += length
        self.values["total_ms"].setText(format_ms(timing.total_ms))
        self.setAccessibleName(self.plain_text())

    def plain_text(self) -> str:
        """`DNS — · Connect 0.31 ms · … · Total 2.4 ms`: what automation reads."""
        labels = [label for label, *_ in PHASES] + ["Total"]
        fields = [field for _l, _s, field, _c, _t in PHASES] + ["total_ms"]
        return " · ".join(
            f"{label} {self.values[field].text()}"
            for label, field in zip(labels, fields, strict=True)
        )
