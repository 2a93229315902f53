"""Measures how long the GUI event loop goes without running: the largest gap between
ticks of a 5 ms timer in the GUI thread."""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, QTimer, Slot


class StallMeter(QObject):
    INTERVAL_MS = 5

    def __init__(self) -> None:
        super().__init__()
        self._timer = QTimer(self)
        self._timer.setInterval(self.INTERVAL_MS)
        self._timer.timeout.connect(self._tick)
        self._last = 0.0
        self.worst_ms = 0.0
        self.ticks = 0

    def start(self) -> None:
        self._last = time.perf_counter()
        self.worst_ms = 0.0
        self.ticks = 0
        self._timer.start()

    def stop(self) -> float:
        self._timer.stop()
        self._tick()
        return self.worst_ms

    @Slot()
    def _tick(self) -> None:
        now = time.perf_counter()
        self.worst_ms = max(self.worst_ms, (now - self._last) * 1000)
        self._last = now
        self.ticks += 1
