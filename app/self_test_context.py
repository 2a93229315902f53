"""What a self-test step may use of the run it is part of.

Steps for one tab live in modules of their own (`self_test_<tab>.py`); they type their
argument with this Protocol instead of importing `SelfTest`, which imports them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from PySide6.QtWidgets import QMainWindow

from app.net.events import LogEvent, Source
from app.self_test_peers import LoopbackPeers


class StepContext(Protocol):
    window: QMainWindow
    peers: LoopbackPeers
    # What the passed steps put on the wire; "log totals" checks the log against them.
    expected_sent: int
    expected_received: int

    def wait(self, condition: Callable[[], bool], what: str, state: Callable[[], str]) -> None:
        """Return once `condition()` holds; raise StepFailed naming `what` otherwise."""

    def click(self, name: str) -> None:
        """Click the enabled button `name`, or raise StepFailed."""

    def events(self, source: Source) -> list[LogEvent]:
        """The rows the log shows for `source`."""

    def errors(self, source: Source) -> str:
        """The last error rows of `source`, as one phrase for a failure message."""
