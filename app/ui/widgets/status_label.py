"""A label that shows a state with a coloured dot: idle, busy, good, bad."""

from __future__ import annotations

import enum

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget


class Tone(enum.Enum):
    IDLE = "#8a8a8a"
    BUSY = "#e0a000"
    GOOD = "#2e9d4f"
    BAD = "#d9534f"


class StatusLabel(QLabel):
    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.show_state(text, Tone.IDLE)

    def show_state(self, text: str, tone: Tone) -> None:
        self._plain = text
        escaped = text.replace("&", "&amp;").replace("<", "&lt;")
        self.setText(f'<span style="color:{tone.value}">●</span>&nbsp;{escaped}')
        self.setAccessibleName(text)

    def plain_text(self) -> str:
        """The state without markup (what tests and assistive tools read)."""
        return self._plain
