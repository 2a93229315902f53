"""Shared set-up for benchmarks that drive the real window offscreen."""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault(
    "SOCKET_TESTER_SETTINGS", os.path.join(tempfile.mkdtemp(prefix="st-bench-"), "s.ini")
)

from PySide6.QtCore import QEventLoop, QTimer


def process_until(predicate: Callable[[], bool], timeout: float) -> bool:
    """Run the Qt event loop until the predicate holds or the timeout passes.

    A real QEventLoop that sleeps between checks: a processEvents() spin would burn the
    GUI thread and steal the GIL from the very workers being measured.
    """
    if predicate():
        return True
    loop = QEventLoop()
    deadline = time.monotonic() + timeout
    result = [False]

    def check() -> None:
        if predicate():
            result[0] = True
            loop.quit()
        elif time.monotonic() > deadline:
            loop.quit()

    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(check)
    timer.start()
    loop.exec()
    timer.stop()
    return result[0]


def figure(
    name: str, value: float, unit: str, baseline: float | None, target: str, ok: bool
) -> dict[str, object]:
    return {
        "figure": name,
        "value": round(value, 2),
        "unit": unit,
        "baseline": None if baseline is None else round(baseline, 2),
        "ratio": None if not baseline else round(value / baseline, 3),
        "target": target,
        "met": ok,
    }
