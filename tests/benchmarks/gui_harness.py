"""Shared set-up for benchmarks that drive the real window offscreen."""

from __future__ import annotations

import os
import tempfile
import time
from collections import Counter
from collections.abc import Callable

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault(
    "SOCKET_TESTER_SETTINGS", os.path.join(tempfile.mkdtemp(prefix="st-bench-"), "s.ini")
)

from PySide6.QtCore import QEventLoop, QMessageLogContext, QTimer, QtMsgType, qInstallMessageHandler

from app.units import plural


class QtMessageTally:
    """Counts Qt's messages by text instead of letting them reach the terminal.

    Offscreen, Qt warns on every window shown ("This plugin does not support
    propagateSizeHints()") and about fonts: hundreds of lines that would bury the
    benchmark's progress. They are counted here and reported in one line per benchmark.
    """

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    def __call__(self, _mode: QtMsgType, _context: QMessageLogContext, message: str) -> None:
        self.counts[message] += 1

    def install(self) -> QtMessageTally:
        qInstallMessageHandler(self)
        return self

    @staticmethod
    def uninstall() -> None:
        """Back to Qt's own handler (stderr), e.g. for what Qt says while exiting."""
        qInstallMessageHandler(None)


def summarize_counts(what: str, counts: dict[str, int], shown: int = 3) -> str:
    """`Qt said 312 messages: 300x 'This plugin …', 12x '…'` (the most frequent first)."""
    total = sum(counts.values())
    if not total:
        return ""
    common = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    parts = [f"{n}\u00d7 {_short(text)!r}" for text, n in common[:shown]]
    if len(common) > shown:
        parts.append(plural(len(common) - shown, "other text"))
    return f"{what} {plural(total, 'message')}: {', '.join(parts)}"


def _short(text: str, width: int = 70) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


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
