"""The last row of a tab: its state (`<prefix>Status`), then a progress bar and counters
for the tabs that have them."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QWidget

from app.ui.widgets.status_label import StatusLabel


class StatusFooter(QWidget):
    def __init__(self, prefix: str, idle_text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._prefix = prefix
        self.status = StatusLabel(idle_text)
        self.status.setObjectName(f"{prefix}Status")
        self._row = QHBoxLayout(self)
        self._row.setContentsMargins(0, 0, 0, 0)
        self._row.addWidget(self.status, 1)

    def add_progress(self, object_name: str) -> QProgressBar:
        """A progress bar, hidden until the tab shows it for a long operation."""
        bar = QProgressBar()
        bar.setObjectName(object_name)
        bar.hide()
        self._row.addWidget(bar)
        return bar

    def add_counters(self) -> QLabel:
        """`<prefix>Counters`: what the tab sent and received."""
        label = QLabel()
        label.setObjectName(f"{self._prefix}Counters")
        self._row.addWidget(label)
        return label
