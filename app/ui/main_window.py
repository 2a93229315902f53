"""The main window: tool tabs above, the shared live log below, state kept between runs."""

from __future__ import annotations

import time

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtGui import QCloseEvent, QIcon, QShowEvent
from PySide6.QtWidgets import QApplication, QMainWindow, QSplitter, QTabWidget, QWidget

from app.resources import resource_path
from app.ui.log.export_controls import LogExportControls
from app.ui.log.pane import LogPane
from app.ui.settings_store import open_settings, restore_fields, save_fields
from app.ui.tabs.http_server import HttpServerTab
from app.ui.tabs.tcp_client import TcpClientTab
from app.ui.tabs.tcp_server import TcpServerTab
from app.ui.tabs.tool_tab import ToolTab
from app.ui.tabs.udp_sender import UdpSenderTab

# Closing must never hang: all workers together get this long to end.
STOP_BUDGET_S = 1.0


def app_icon() -> QIcon:
    return QIcon(str(resource_path("icon.png")))


class MainWindow(QMainWindow):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.setWindowTitle("Socket Tester")
        self.setWindowIcon(app_icon())
        self.resize(1100, 760)

        self.tabs = QTabWidget()
        self.tabs.setObjectName("tabs")
        self.tabs.setDocumentMode(True)
        self.log_pane = LogPane()
        self.export_controls = LogExportControls(self.log_pane)
        self.tool_tabs: list[ToolTab] = [
            TcpClientTab(),
            TcpServerTab(),
            UdpSenderTab(),
            HttpServerTab(),
        ]
        for tab in self.tool_tabs:
            self.tabs.addTab(tab, tab.title)
            for worker in tab.workers():
                worker.events.connect(self.log_pane.add_events)

        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.addWidget(self.tabs)
        self.splitter.addWidget(self.log_pane)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setChildrenCollapsible(False)
        self.setCentralWidget(self.splitter)
        self.statusBar().setObjectName("statusBar")
        self.statusBar().showMessage("Ready")

        self._closed = False
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)
        self._started = False
        self._restore_state()

    def tab(self, tab_type: type[ToolTab]) -> ToolTab:
        return next(t for t in self.tool_tabs if isinstance(t, tab_type))

    # -- persistence -------------------------------------------------------------------

    def _input_widgets(self) -> list[QWidget]:
        return [w for tab in self.tool_tabs for w in tab.input_widgets()]

    def _restore_state(self) -> None:
        settings = open_settings()
        geometry = settings.value("window/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
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

    def save_state(self) -> None:
        settings = open_settings()
        settings.setValue("window/geometry", self.saveGeometry())
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
