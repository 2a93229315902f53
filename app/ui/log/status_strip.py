"""The strip under the log: exact counters per source, the dropped-rows note, the graph."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from app.ui.log.counters import format_dropped, format_source_counters, format_source_counters_tip
from app.ui.log.model import LogModel
from app.ui.log.traffic_graph import TrafficGraph


def let_shrink(label: QLabel) -> None:
    """A long counter line must not widen the window: it is cut, its tooltip has it all."""
    label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
    label.setMinimumWidth(0)


class LogStatusStrip(QWidget):
    """Counters above the dropped-rows note, the traffic graph beside both."""

    def __init__(self, model: LogModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._model = model
        self.counters = QLabel(self)
        self.counters.setObjectName("logCounters")
        self.counters.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        let_shrink(self.counters)
        self.dropped = QLabel(self)
        self.dropped.setObjectName("logDropped")
        self.dropped.setStyleSheet("QLabel { color: #b36b00; }")
        self.dropped.hide()
        let_shrink(self.dropped)
        self.graph = TrafficGraph(self._byte_totals, self)
        model.totals_changed.connect(self.graph.wake)

        lines = QVBoxLayout()
        lines.setSpacing(2)
        lines.addWidget(self.counters)
        lines.addWidget(self.dropped)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(12)
        layout.addLayout(lines, 1)
        layout.addWidget(self.graph)

    def _byte_totals(self) -> tuple[int, int]:
        totals = self._model.totals
        return totals.received_bytes, totals.sent_bytes

    def show_counts(self, record_path: str | None, dropped_before_record: int) -> None:
        """Redraw from the model's exact counters (called at most ten times a second)."""
        by_source = self._model.source_totals()
        self.counters.setText(format_source_counters(by_source))
        self.counters.setToolTip(format_source_counters_tip(by_source))
        note = format_dropped(
            self._model.totals.dropped_rows,
            self._model.max_rows,
            record_path,
            dropped_before_record,
        )
        self.dropped.setText(note)
        self.dropped.setToolTip(note)
        self.dropped.setVisible(bool(note))
