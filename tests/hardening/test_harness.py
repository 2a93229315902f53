"""Shared pieces of the hardening suite: the window, log reading, resource counts, gaps.

Holds no tests itself (like tests/net/http/test_harness.py); the other
tests/hardening/test_*.py modules import from it. Every window made here is checked when
it closes: no log row may be an "Internal error" row or carry a traceback, which is how
the suite proves that nothing it provokes ever shows a traceback to the user.
"""

from __future__ import annotations

import os
import resource
import threading
from collections.abc import Iterator

from PySide6.QtCore import QObject, QThread, Slot
from PySide6.QtWidgets import QPushButton, QWidget
from pytestqt.qtbot import QtBot

from app.net.events import LogEvent, Source
from app.ui.application import create_main_window
from app.ui.main_window import MainWindow
from tests.benchmarks.stall_meter import StallMeter
from tests.process_memory import rss_mb


def gui_window(qtbot: QtBot, tab: str = "tcpTab") -> Iterator[MainWindow]:
    """The body of each module's `window` fixture: shown, on `tab`, checked at the end."""
    win = create_main_window()
    qtbot.addWidget(win)
    win.show()
    win.tabs.setCurrentWidget(child(win, QWidget, tab))
    yield win
    assert_no_traceback_rows(all_events(win))


def child(window: QWidget, cls: type, name: str):  # type: ignore[no-untyped-def]
    widget = window.findChild(cls, name)
    assert widget is not None, f"no {cls.__name__} named {name}"
    return widget


def click(qtbot: QtBot, window: QWidget, name: str) -> None:
    from PySide6.QtCore import Qt

    qtbot.mouseClick(child(window, QPushButton, name), Qt.MouseButton.LeftButton)


def all_events(window: MainWindow) -> list[LogEvent]:
    model = window.log_pane.model
    return [model.event_at(row) for row in range(model.rowCount())]


def events_of(window: MainWindow, source: Source) -> list[LogEvent]:
    return [e for e in all_events(window) if e.source is source]


def assert_no_traceback_rows(events: list[LogEvent]) -> None:
    """The rule of the whole suite: a fault is one clear sentence, never a traceback."""
    bad = [
        e.message
        for e in events
        if e.message.startswith("Internal error") or "Traceback (most recent call last)" in e.detail
    ]
    assert not bad, f"rows that show a traceback to the user: {bad}"


# -- resources -------------------------------------------------------------------------


def open_fds() -> list[str]:
    """What each open file descriptor of this process points to (Linux /proc)."""
    targets = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            targets.append(os.readlink(f"/proc/self/fd/{fd}"))
        except OSError:
            pass  # the descriptor listdir itself used, closed by now
    return targets


def resource_counts(window: QObject | None = None) -> dict[str, int]:
    fds = open_fds()
    counts = {
        "threads": threading.active_count(),
        "fds": len(fds),
        "sockets": sum(t.startswith("socket:") for t in fds),
    }
    if window is not None:
        counts["qthreads"] = len(window.findChildren(QThread))
    return counts


def raise_fd_limit(wanted: int) -> int:
    """Raise the soft RLIMIT_NOFILE towards `wanted` (never above the hard limit)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < wanted:
        target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        soft = target
    return soft


class GapMeter(StallMeter):
    """The longest time the GUI thread went without running a 5 ms timer, and peak RSS."""

    def __init__(self) -> None:
        super().__init__()
        self.peak_rss_mb = 0.0

    def start(self) -> None:
        self.peak_rss_mb = rss_mb()
        super().start()

    @Slot()
    def _tick(self) -> None:
        super()._tick()
        if self.ticks % 10 == 0:  # /proc reads are cheap but not free
            self.peak_rss_mb = max(self.peak_rss_mb, rss_mb())
