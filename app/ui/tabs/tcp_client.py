"""The TCP Client tab: connect, send typed or loaded payloads, see per-connection counts."""

from __future__ import annotations

from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.net.events import Kind, LogEvent
from app.net.tcp.status import TcpState, TcpStatus
from app.ui.tabs.tool_tab import ToolTab
from app.ui.widgets.host_field import HostField
from app.ui.widgets.payload_editor import PayloadEditor
from app.ui.widgets.status_label import StatusLabel, Tone
from app.workers.reactor_worker import ReactorWorker
from app.workers.tcp_client_worker import TcpClientWorker

# Only sends at least this large show a progress bar; small ones finish at once.
_PROGRESS_THRESHOLD = 256 * 1024


def format_bytes(count: int) -> str:
    if count < 1024:
        return f"{count:,} B"
    for unit in ("KiB", "MiB", "GiB"):
        count_f = count / 1024
        if count_f < 1024 or unit == "GiB":
            return f"{count_f:,.1f} {unit}"
        count = int(count_f)
    return f"{count:,} B"


class TcpClientTab(ToolTab):
    title = "TCP Client"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("tcpTab")
        self.worker = TcpClientWorker(self)
        self._state = TcpState.DISCONNECTED
        self._sent = 0
        self._received = 0

        self.host = HostField("tcp", "A name, an IPv4 or IPv6 address")
        self.port = QSpinBox()
        self.port.setObjectName("tcpPort")
        self.port.setRange(1, 65535)
        self.port.setValue(8000)
        self.timeout = QDoubleSpinBox()
        self.timeout.setObjectName("tcpTimeout")
        self.timeout.setRange(0.1, 300.0)
        self.timeout.setValue(5.0)
        self.timeout.setSuffix(" s")
        self.timeout.setToolTip("How long a connection attempt may take")
        self.connect_button = QPushButton("Connect")
        self.connect_button.setObjectName("tcpConnect")
        self.connect_button.setDefault(False)
        self.status = StatusLabel("Disconnected")
        self.status.setObjectName("tcpStatus")

        self.editor = PayloadEditor("tcp", "Hello, server!")
        self.send_button = QPushButton("Send")
        self.send_button.setObjectName("tcpSend")
        self.send_button.setEnabled(False)
        self.counters = QLabel()
        self.counters.setObjectName("tcpCounters")
        self.progress = QProgressBar()
        self.progress.setObjectName("tcpSendProgress")
        self.progress.setFormat("Sending %p%")
        self.progress.hide()

        self._build_layout()
        self._update_counters()

        self.connect_button.clicked.connect(self._toggle_connection)
        self.host.returnPressed.connect(self._toggle_connection)
        self.send_button.clicked.connect(self._send)
        self.editor.submitted.connect(self._send)
        self.editor.validity_changed.connect(self._update_buttons)
        self.worker.status_changed.connect(self._on_status)
        self.worker.events.connect(self._count)
        self.worker.send_progress.connect(self._on_progress)

    def _build_layout(self) -> None:
        target = QGroupBox("Server")
        grid = QGridLayout(target)
        grid.addWidget(QLabel("Host"), 0, 0)
        grid.addWidget(self.host, 0, 1)
        grid.addWidget(QLabel("Port"), 0, 2)
        grid.addWidget(self.port, 0, 3)
        grid.addWidget(QLabel("Timeout"), 0, 4)
        grid.addWidget(self.timeout, 0, 5)
        grid.addWidget(self.connect_button, 0, 6)
        grid.addWidget(self.host.error_label, 1, 1, 1, 6)
        grid.setColumnStretch(1, 1)

        message = QGroupBox("Message")
        row = QHBoxLayout()
        row.addWidget(self.editor, 1)
        row.addWidget(self.send_button)
        column = QVBoxLayout(message)
        column.addLayout(row)

        footer = QHBoxLayout()
        footer.addWidget(self.status, 1)
        footer.addWidget(self.progress)
        footer.addWidget(self.counters)

        layout = QVBoxLayout(self)
        layout.addWidget(target)
        layout.addWidget(message)
        layout.addLayout(footer)
        layout.addStretch(1)

    # -- ToolTab -----------------------------------------------------------------------

    def workers(self) -> list[ReactorWorker]:
        return [self.worker]

    def input_widgets(self) -> list[QWidget]:
        return [self.host, self.port, self.timeout, *self.editor.input_widgets()]

    # -- actions -----------------------------------------------------------------------

    @Slot()
    def _toggle_connection(self) -> None:
        if self._state is not TcpState.DISCONNECTED:
            self.worker.close_connection()
            return
        host = self.host.take_host(self.port)
        if host is None:
            return
        self._state = TcpState.CONNECTING
        self._show_status(TcpStatus(TcpState.CONNECTING))
        self.worker.open_connection(host, self.port.value(), self.timeout.value())

    @Slot()
    def _send(self) -> None:
        data = self.editor.payload()
        if self._state is not TcpState.CONNECTED or data is None:
            return
        if len(data) >= _PROGRESS_THRESHOLD:
            self.progress.setRange(0, 1000)
            self.progress.setValue(0)
            self.progress.show()
        self.worker.send(data)

    # -- worker reports --------------------------------------------------------------

    @Slot(object)
    def _on_status(self, status: TcpStatus) -> None:
        if status.state is TcpState.CONNECTING and self._state is TcpState.DISCONNECTED:
            self._sent = self._received = 0
        self._state = status.state
        if status.state is not TcpState.CONNECTED:
            self.progress.hide()
        self._show_status(status)
        self._update_counters()

    def _show_status(self, status: TcpStatus) -> None:
        if status.state is TcpState.CONNECTED:
            text = f"Connected to {status.peer}"
            if status.peer_finished:
                text += " — peer finished sending"
            self.status.show_state(text, Tone.GOOD)
            self.connect_button.setText("Disconnect")
        elif status.state is TcpState.CONNECTING:
            self.status.show_state("Connecting…", Tone.BUSY)
            self.connect_button.setText("Cancel")
        else:
            self.status.show_state("Disconnected", Tone.IDLE)
            self.connect_button.setText("Connect")
        editable = status.state is TcpState.DISCONNECTED
        for widget in (self.host, self.port, self.timeout):
            widget.setEnabled(editable)
        self._update_buttons()

    @Slot(object, object)
    def _on_progress(self, sent: int, total: int) -> None:
        if total >= _PROGRESS_THRESHOLD:
            self.progress.setValue(int(sent * 1000 / total))
            self.progress.setToolTip(f"{sent:,} of {total:,} bytes")
            self.progress.setVisible(sent < total)

    @Slot(object)
    def _count(self, events: list[LogEvent]) -> None:
        for event in events:
            if event.kind is Kind.SENT:
                self._sent += event.size
            elif event.kind is Kind.RECEIVED:
                self._received += event.size
        self._update_counters()

    @Slot()
    def _update_buttons(self) -> None:
        self.send_button.setEnabled(self._state is TcpState.CONNECTED and self.editor.is_valid())

    def _update_counters(self) -> None:
        self.counters.setText(
            f"Sent {format_bytes(self._sent)} · Received {format_bytes(self._received)}"
        )
        self.counters.setToolTip(f"Sent {self._sent:,} bytes, received {self._received:,} bytes")
