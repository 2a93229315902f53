"""What every tab of the main window offers the window: workers, remembered fields, shutdown."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

if TYPE_CHECKING:
    # Only for annotations: start-up imports no worker (nor the Reactor) until first use.
    from app.ui.widgets.payload_editor import PayloadEditor
    from app.workers.reactor_worker import ReactorWorker

WorkerT = TypeVar("WorkerT", bound="ReactorWorker[Any]")


class ToolTab(QWidget):
    """A tab backed by ReactorWorkers whose events feed the shared log.

    Its widgets are built at once (automation finds them by objectName as soon as the
    window is shown); its workers are made on first use through `worker_slot`, so a tab
    nobody touches costs no thread, no Reactor and no import of its net/ code.
    """

    # A worker was just made (GUI thread), before its first command: the window wires it
    # to the log here.
    worker_created = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._slots: list[WorkerSlot[Any]] = []
        self._running = False  # the window is shown: workers start as they are made
        self._stopping = False

    def worker_slot(
        self, make: Callable[[ToolTab], WorkerT], wire: Callable[[WorkerT], None]
    ) -> WorkerSlot[WorkerT]:
        """A worker made by `make(self)` on first `get()`; `wire` connects its signals."""
        slot = WorkerSlot(self, make, wire)
        self._slots.append(slot)
        return slot

    def workers(self) -> list[ReactorWorker[Any]]:
        """The workers made so far."""
        return [w for slot in self._slots if (w := slot.existing()) is not None]

    def make_all_workers(self) -> list[ReactorWorker[Any]]:
        """Every worker of the tab, made now if not yet (the idle benchmark measures them
        all idling); a person's use never needs this."""
        return [slot.get() for slot in self._slots]

    def input_widgets(self) -> list[QWidget]:
        """Widgets whose values are restored on the next start."""
        return []

    def payload_editor(self) -> PayloadEditor | None:
        """The editor of what the tab sends (the Messages panel loads into it, its history
        is remembered); None for a tab that sends nothing typed."""
        return None

    def send_payload(self) -> bool:
        """Send what `payload_editor()` holds, as the tab's Send button does; True when it
        was handed to the worker, False when the tab cannot send now."""
        return False

    def start_workers(self) -> None:
        self._running = True
        for worker in self.workers():
            worker.start()

    def request_stop(self) -> None:
        """Ask every worker to stop without waiting (the window waits for all at once)."""
        self._stopping = True
        for worker in self.workers():
            worker.reactor.stop()

    def _adopt(self, worker: ReactorWorker[Any]) -> None:
        self.worker_created.emit(worker)
        if self._running and not self._stopping:
            worker.start()


class WorkerSlot(Generic[WorkerT]):
    """One worker of a tab, made (and its thread started) the first time it is needed."""

    def __init__(
        self, tab: ToolTab, make: Callable[[ToolTab], WorkerT], wire: Callable[[WorkerT], None]
    ) -> None:
        self._tab = tab
        self._make = make
        self._wire = wire
        self._worker: WorkerT | None = None

    def get(self) -> WorkerT:
        if self._worker is None:
            worker = self._make(self._tab)
            self._worker = worker
            self._wire(worker)
            self._tab._adopt(worker)
        return self._worker

    def existing(self) -> WorkerT | None:
        """The worker if it was made; None means there is nothing to tell it yet."""
        return self._worker
