"""A server tab's Start/Stop button (`<prefix>Start`) and the lifecycle it shows.

One click asks for a start or a stop; the tab answers a start request by checking its
fields and calling `begin_start()` (or not, when a field is refused), and reports what
the worker says with `show_running()` / `show_stopped()`. While a start or a stop is in
flight the button is disabled, so a second click cannot queue a second command; while
the server runs, the fields that say where it listens are disabled.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QPushButton, QWidget

from app.ui.widgets.status_label import StatusLabel, Tone


class ServerSwitch(QPushButton):
    start_requested = Signal()
    stop_requested = Signal()

    def __init__(
        self,
        prefix: str,
        status: StatusLabel,
        fields: Sequence[QWidget],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("Start", parent)
        self.setObjectName(f"{prefix}Start")
        self._status = status
        self._fields = tuple(fields)
        self._starting = False
        self._running = False
        self.clicked.connect(self._on_click)

    @property
    def running(self) -> bool:
        """The worker last said the server runs."""
        return self._running

    @property
    def busy(self) -> bool:
        """A start was asked for and the worker has not answered yet."""
        return self._starting

    def begin_start(self) -> None:
        self._starting = True
        self.setEnabled(False)
        self._status.show_state("Starting…", Tone.BUSY)

    def begin_stop(self) -> None:
        self.setEnabled(False)

    def show_running(self, text: str) -> None:
        self._settle(running=True)
        self._status.show_state(text, Tone.GOOD)

    def show_stopped(self, error: str = "") -> None:
        """Stopped, with why in red when it stopped (or failed to start) on an error."""
        if error:
            self.show_failed(f"Stopped · {error}")
        else:
            self._settle(running=False)
            self._status.show_state("Stopped", Tone.IDLE)

    def show_failed(self, text: str) -> None:
        """Stopped, showing `text` as it is, in red."""
        self._settle(running=False)
        self._status.show_state(text, Tone.BAD)

    def _settle(self, running: bool) -> None:
        self._starting = False
        self._running = running
        self.setEnabled(True)
        self.setText("Stop" if running else "Start")
        for field in self._fields:
            field.setEnabled(not running)

    @Slot()
    def _on_click(self) -> None:
        if self._starting:
            return
        if self._running:
            self.begin_stop()
            self.stop_requested.emit()
        else:
            self.start_requested.emit()
