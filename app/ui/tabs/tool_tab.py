"""What every tab of the main window offers the window: workers, remembered fields, shutdown."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from app.workers.reactor_worker import ReactorWorker


class ToolTab(QWidget):
    """A tab backed by one or more ReactorWorkers whose events feed the shared log."""

    title = ""

    def workers(self) -> list[ReactorWorker]:
        raise NotImplementedError

    def input_widgets(self) -> list[QWidget]:
        """Widgets whose values are restored on the next start."""
        return []

    def start_workers(self) -> None:
        for worker in self.workers():
            worker.start()

    def request_stop(self) -> None:
        """Ask every worker to stop without waiting (the window waits for all at once)."""
        for worker in self.workers():
            worker.reactor.stop()
