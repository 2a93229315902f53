"""The main window: tool tabs above, the shared live log below, state kept between runs."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QByteArray, Qt, QTimer, Slot
from PySide6.QtGui import QAction, QCloseEvent, QIcon, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QMainWindow,
    QSplitter,
    QTabWidget,
    QToolButton,
    QWidget,
)

from app.messages.history import PayloadHistory
from app.messages.library import MessageLibrary
from app.net.events import Kind, Source, make_event
from app.resources import resource_path
from app.ui.log.export_controls import LogExportControls
from app.ui.log.pane import LogPane
from app.ui.messages_panel import MessagesPanel, library_path
from app.ui.settings_store import open_settings, restore_fields, save_fields
from app.ui.tabs.registry import TABS
from app.ui.tabs.tool_tab import ToolTab

if TYPE_CHECKING:
    from app.ui.widgets.payload_editor import PayloadEditor
    from app.workers.reactor_worker import ReactorWorker

# Closing must never hang: all workers together get this long to end.
STOP_BUDGET_S = 1.0
# Histories are written this long after a send (and at close), so a burst of sends is one
# write and a crash loses at most this much.
HISTORY_SAVE_DELAY_MS = 1000
MESSAGES_PANEL_WIDTH = 360


def app_icon() -> QIcon:
    return QIcon(str(resource_path("icon.png")))


class MainWindow(QMainWindow):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.setWindowTitle("Socket Tester")
        self.setWindowIcon(app_icon())
        self.resize(1240, 760)

        self.tabs = QTabWidget()
        self.tabs.setObjectName("tabs")
        self.tabs.setDocumentMode(True)
        self.log_pane = LogPane()
        self.export_controls = LogExportControls(self.log_pane)
        self.tool_tabs: list[ToolTab] = []
        for entry in TABS:
            tab = entry.build()
            tab.worker_created.connect(self._adopt_worker)
            self.tool_tabs.append(tab)
            self.tabs.addTab(tab, entry.title)

        self._build_messages_panel()
        self.top_splitter = QSplitter(Qt.Orientation.Horizontal)
        self.top_splitter.setObjectName("topSplitter")
        self.top_splitter.addWidget(self.tabs)
        self.top_splitter.addWidget(self.messages_panel)
        self.top_splitter.setStretchFactor(0, 1)
        self.top_splitter.setStretchFactor(1, 0)
        self.top_splitter.setChildrenCollapsible(False)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.addWidget(self.top_splitter)
        self.splitter.addWidget(self.log_pane)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setChildrenCollapsible(False)
        self.setCentralWidget(self.splitter)
        self.statusBar().setObjectName("statusBar")
        self.statusBar().showMessage("Ready")
        self._history_timer = QTimer(self)
        self._history_timer.setSingleShot(True)
        self._history_timer.setInterval(HISTORY_SAVE_DELAY_MS)
        self._history_timer.timeout.connect(self._save_histories)
        for editor in self._payload_editors():
            editor.history_changed.connect(self._history_timer.start)

        self._closed = False
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)
        self._started = False
        self._restore_state()

    def tab(self, tab_type: type[ToolTab]) -> ToolTab:
        return next(t for t in self.tool_tabs if isinstance(t, tab_type))

    @Slot(object)
    def _adopt_worker(self, worker: ReactorWorker[Any]) -> None:
        worker.events.connect(self.log_pane.add_events)

    def _build_messages_panel(self) -> None:
        self.library = MessageLibrary(library_path())
        problem = self.library.load()
        self.messages_panel = MessagesPanel(self.tabs, self.library)
        # Beside the tabs rather than a dock down the whole side: the log keeps its width.
        self.messages_toggle = QAction("Messages", self)
        self.messages_toggle.setCheckable(True)
        self.messages_toggle.setChecked(True)
        self.messages_toggle.setShortcut(QKeySequence("Ctrl+Shift+M"))
        self.messages_toggle.setToolTip("Show or hide the saved messages (Ctrl+Shift+M)")
        self.messages_toggle.toggled.connect(self._show_messages)
        self._messages_width = MESSAGES_PANEL_WIDTH
        self.addAction(self.messages_toggle)  # the shortcut works wherever the focus is
        button = QToolButton()
        button.setObjectName("messagesToggle")
        button.setDefaultAction(self.messages_toggle)
        button.setAutoRaise(True)
        self.tabs.setCornerWidget(button, Qt.Corner.TopRightCorner)
        if problem is not None:
            self.messages_panel.show_note(problem, error=True)
            self.log_pane.add_events([make_event(Source.APP, Kind.ERROR, problem)])

    def _panel_width(self) -> int:
        shown_width = self.top_splitter.sizes()[1]
        return (
            shown_width if self.messages_panel.isVisible() and shown_width else self._messages_width
        )

    @Slot(bool)
    def _show_messages(self, shown: bool) -> None:
        # A splitter gives a hidden widget 0 and a re-shown one its size hint: the panel's
        # width is kept here so it comes back as the person left it.
        if not shown:
            self._messages_width = self._panel_width()
            self.messages_panel.hide()
            return
        self.messages_panel.show()
        total = max(sum(self.top_splitter.sizes()), self.width())
        self.top_splitter.setSizes([total - self._messages_width, self._messages_width])

    def _payload_editors(self) -> list[PayloadEditor]:
        return [e for tab in self.tool_tabs if (e := tab.payload_editor()) is not None]

    # -- persistence -------------------------------------------------------------------

    def _input_widgets(self) -> list[QWidget]:
        return [w for tab in self.tool_tabs for w in tab.input_widgets()]

    def _restore_state(self) -> None:
        settings = open_settings()
        geometry = settings.value("window/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        try:
            self._messages_width = max(1, int(str(settings.value("window/messagesWidth"))))
        except ValueError:
            pass  # never saved: the default width
        self._show_messages(True)
        shown = settings.value("window/messagesShown")
        self.messages_toggle.setChecked(shown is None or str(shown).lower() in ("true", "1"))
        splitter = settings.value("window/splitter")
        if isinstance(splitter, QByteArray):
            self.splitter.restoreState(splitter)
        else:
            self.splitter.setSizes([280, 480])
        index = settings.value("window/tab")
        if index is not None:
            try:
                self.tabs.setCurrentIndex(int(str(index)))
            except ValueError:
                pass
        restore_fields(settings, self._input_widgets())
        for editor in self._payload_editors():
            saved = settings.value(_history_key(editor))
            if isinstance(saved, str):
                editor.history = PayloadHistory.from_json(saved)

    @Slot()
    def _save_histories(self) -> None:
        settings = open_settings()
        for editor in self._payload_editors():
            settings.setValue(_history_key(editor), editor.history.to_json())
        settings.sync()

    def save_state(self) -> None:
        self._history_timer.stop()
        self._save_histories()
        settings = open_settings()
        settings.setValue("window/geometry", self.saveGeometry())
        settings.setValue("window/messagesWidth", self._panel_width())
        settings.setValue("window/messagesShown", self.messages_toggle.isChecked())
        settings.setValue("window/splitter", self.splitter.saveState())
        settings.setValue("window/tab", self.tabs.currentIndex())
        save_fields(settings, self._input_widgets())
        settings.sync()

    # -- shutdown --------------------------------------------------------------------

    def stop_workers(self) -> bool:
        """Stop every worker within STOP_BUDGET_S in all; True when all ended."""
        workers = [w for tab in self.tool_tabs for w in tab.workers()]
        for tab in self.tool_tabs:
            tab.request_stop()
        deadline = time.monotonic() + STOP_BUDGET_S
        ended = True
        for worker in workers:
            remaining_ms = max(0, int((deadline - time.monotonic()) * 1000))
            ended = worker.stop(remaining_ms) and ended
        return ended

    def shutdown(self) -> None:
        """Save state and stop every worker; idempotent.

        Runs on close, and also when the application quits or a window that was never
        shown is discarded: a QThread destroyed while running aborts the process.
        """
        if not self._closed:
            self._closed = True
            self.save_state()
            self.stop_workers()
            self.export_controls.shutdown()

    def showEvent(self, event: QShowEvent) -> None:
        # Threads start with the first show: a window that is built but never shown (and
        # so never gets a close event) then has no running QThread to abort on deletion.
        if not self._started and not self._closed:
            self._started = True
            for tab in self.tool_tabs:
                tab.start_workers()
        super().showEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        event.accept()


def _history_key(editor: PayloadEditor) -> str:
    return f"history/{editor.field.objectName()}"
