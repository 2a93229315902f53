"""The TCP Client tab: connect, send typed or loaded payloads, see per-connection counts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QDoubleSpinBox,
    QGroupBox,
    QHBoxLayout,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.net.events import LogEvent
from app.net.framing import FramingSpec
from app.net.tcp.load_status import LoadPhase, TcpLoadProgress
from app.net.tcp.status import PROGRESS_MIN_BYTES, TcpState, TcpStatus
from app.ui.log.totals import EVENT_KIND, EVENT_SIZE, count_kinds
from app.ui.tabs.tool_tab import ToolTab
from app.ui.widgets.framing_picker import FramingPicker
from app.ui.widgets.load_fields import LoadFields
from app.ui.widgets.payload_editor import PayloadEditor
from app.ui.widgets.round_trip_stats import RoundTripStats
from app.ui.widgets.status_footer import StatusFooter
from app.ui.widgets.status_label import Tone
from app.ui.widgets.target_row import TargetRow
from app.ui.widgets.tls_fields import ClientTlsFields
from app.units import format_bytes, plural

if TYPE_CHECKING:
    from app.workers.tcp_client_worker import TcpClientWorker


def _make_worker(tab: ToolTab) -> TcpClientWorker:
    from app.workers.tcp_client_worker import TcpClientWorker  # on first use: start-up counts

    return TcpClientWorker(tab)


class TcpClientTab(ToolTab):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._worker = self.worker_slot(_make_worker, self._wire)
        self._state = TcpState.DISCONNECTED
        self._sent = 0
        self._received = 0

        self.target, self.host = TargetRow.for_peer("tcp", "A name, an IPv4 or IPv6 address")
        self.port = self.target.port
        self.timeout = QDoubleSpinBox()
        self.timeout.setObjectName("tcpTimeout")
        self.timeout.setRange(0.1, 300.0)
        self.timeout.setValue(5.0)
        self.timeout.setSuffix(" s")
        self.timeout.setToolTip("How long a connection attempt may take")
        self.half_close = QCheckBox("Keep sending after the peer finishes (half-close)")
        self.half_close.setObjectName("tcpHalfClose")
        self.half_close.setToolTip(
            "When the server ends its side, stay connected so you can still send; for "
            "protocols that read the whole request before answering. Off: the connection "
            "closes when the peer closes it."
        )
        self.framing = FramingPicker("tcp")
        self.tls = ClientTlsFields("tcp")
        self._tls_in_use = False
        self.connect_button = QPushButton("Connect")
        self.connect_button.setObjectName("tcpConnect")
        self.connect_button.setDefault(False)

        self.editor = PayloadEditor("tcp", "Hello, server!")
        self.send_button = QPushButton("Send")
        self.send_button.setObjectName("tcpSend")
        self.send_button.setEnabled(False)
        self.footer = StatusFooter("tcp", "Disconnected")
        self.status = self.footer.status
        self.progress = self.footer.add_progress("tcpSendProgress")
        self.progress.setFormat("Sending %p%")
        self._load_running = False
        self.load = LoadFields("tcp")
        self.stop_button = self.load.stop_button
        self.counters = self.footer.add_counters()
        self.stats = RoundTripStats("tcp", "No round trips yet: each reply is timed to its send")

        self._build_layout()
        self._update_counters()

        self.connect_button.clicked.connect(self._toggle_connection)
        self.host.returnPressed.connect(self._toggle_connection)
        self.send_button.clicked.connect(self._send)
        self.editor.submitted.connect(self._send)
        self.editor.validity_changed.connect(self._update_buttons)
        self.framing.framing_changed.connect(self._apply_framing)
        self.stop_button.clicked.connect(self._stop_load)
        self.load.mode_changed.connect(self._update_buttons)

    def _build_layout(self) -> None:
        self.target.add(self.timeout, "Timeout")
        self.target.add(self.connect_button)
        target = QGroupBox("Server")
        column = QVBoxLayout(target)
        column.addWidget(self.target)
        column.addWidget(self.half_close)
        column.addWidget(self.framing)
        column.addWidget(self.tls)

        message = QGroupBox("Message")
        row = QHBoxLayout()
        row.addWidget(self.editor, 1)
        row.addWidget(self.send_button)
        column = QVBoxLayout(message)
        column.addLayout(row)
        column.addWidget(self.load)

        round_trips = QGroupBox("Round trips")
        QVBoxLayout(round_trips).addWidget(self.stats)

        layout = QVBoxLayout(self)
        layout.addWidget(target)
        layout.addWidget(message)
        layout.addWidget(round_trips)
        layout.addWidget(self.footer)
        layout.addStretch(1)

    @property
    def worker(self) -> TcpClientWorker:
        return self._worker.get()

    def _wire(self, worker: TcpClientWorker) -> None:
        worker.status_changed.connect(self._on_status)
        worker.events.connect(self._count)
        worker.send_progress.connect(self._on_progress)
        worker.load_progress.connect(self._on_load_progress)
        self.stats.attach(worker)
        worker.set_framing(self.framing.current())

    # -- ToolTab -----------------------------------------------------------------------

    def input_widgets(self) -> list[QWidget]:
        return [
            self.host,
            self.port,
            self.timeout,
            self.half_close,
            *self.framing.input_widgets(),
            *self.tls.input_widgets(),
            *self.editor.input_widgets(),
            *self.load.input_widgets(),
        ]

    # -- fields ------------------------------------------------------------------------

    @Slot(object)
    def _apply_framing(self, spec: FramingSpec) -> None:
        # Without a worker nothing is connected yet; `_wire` hands it the framing in use.
        worker = self._worker.existing()
        if worker is not None:
            worker.set_framing(spec)

    def payload_editor(self) -> PayloadEditor:
        return self.editor

    def send_payload(self) -> bool:
        if self._is_load_run():
            return self._start_load()
        message = self.editor.message()
        if self._state is not TcpState.CONNECTED or message is None:
            return False
        if len(message.static or b"") >= PROGRESS_MIN_BYTES:
            self.progress.setRange(0, 1000)
            self.progress.setValue(0)
            self.progress.show()
        self.worker.send(message)
        self.editor.mark_sent()
        return True

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
        tls = self.tls.options()
        self._tls_in_use = tls is not None
        self._show_status(TcpStatus(TcpState.CONNECTING))
        self.worker.open_connection(
            host, self.port.value(), self.timeout.value(), self.half_close.isChecked(), tls
        )

    @Slot()
    def _send(self) -> None:
        self.send_payload()

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
            if self._tls_in_use:
                text += " over TLS"
            if status.peer_finished:
                text += " — peer finished sending"
            self.status.show_state(text, Tone.GOOD)
            self.connect_button.setText("Disconnect")
        elif status.state is TcpState.CONNECTING:
            self.status.show_state(
                "Connecting (TLS)…" if self._tls_in_use else "Connecting…", Tone.BUSY
            )
            self.connect_button.setText("Cancel")
        else:
            self.status.show_state("Disconnected", Tone.IDLE)
            self.connect_button.setText("Connect")
        editable = status.state is TcpState.DISCONNECTED and not self._load_running
        for widget in (self.host, self.port, self.timeout, self.half_close):
            widget.setEnabled(editable)
        self.connect_button.setEnabled(not self._load_running)
        self.tls.set_editable(editable)
        self._update_buttons()

    @Slot(object, object)
    def _on_progress(self, sent: int, total: int) -> None:
        if total >= PROGRESS_MIN_BYTES:
            self.progress.setValue(int(sent * 1000 / total))
            self.progress.setToolTip(f"{sent:,} of {total:,} bytes")
            self.progress.setVisible(sent < total)

    @Slot(object)
    def _count(self, events: list[LogEvent]) -> None:
        # In C, as the log's totals: with framing a batch can hold 100,000 small messages.
        counts = count_kinds(list(map(EVENT_KIND, events)), list(map(EVENT_SIZE, events)))
        self._sent += counts[2]
        self._received += counts[4]
        self._update_counters()

    @Slot()
    def _update_buttons(self) -> None:
        if self._is_load_run():
            ready = not self._load_running
            self.send_button.setText("Run")
            self.send_button.setToolTip(
                "Open the connections, send the messages on each, then close them "
                "(a run of its own, beside the connection above)"
            )
        else:
            ready = self._state is TcpState.CONNECTED
            self.send_button.setText("Send")
            self.send_button.setToolTip("")
        self.send_button.setEnabled(ready and self.editor.is_valid())
        self.stop_button.setEnabled(self._load_running)

    def _update_counters(self) -> None:
        self.counters.setText(
            f"Sent {format_bytes(self._sent)} · Received {format_bytes(self._received)}"
        )
        tip = f"Sent {self._sent:,} bytes, received {self._received:,} bytes"
        if self._tls_in_use:
            tip += (
                "\nWith TLS these are the plaintext bytes the application sent and received; "
                "the records on the wire are larger (headers, handshake)"
            )
        self.counters.setToolTip(tip)

    # -- load runs: a count of messages on each of N connections (widgets/load_fields) ----

    def _is_load_run(self) -> bool:
        """More than one message or connection: Send becomes a run of its own connections."""
        return self.load.is_run()

    def _start_load(self) -> bool:
        message = self.editor.message()
        if self._load_running or message is None:
            return False
        if self.tls.enabled.isChecked():
            # A run's connections are plain TCP (app/net/tcp/load_run.py): say so rather
            # than send in the clear what the person meant to encrypt.
            self.status.show_state(
                "Runs of several messages or connections do not speak TLS yet: untick TLS, "
                "or set Count and Connections to 1",
                Tone.BAD,
            )
            return False
        host = self.host.take_host(self.port)
        if host is None:
            return False
        job = self.load.job(
            host,
            self.port.value(),
            message.static if message.static is not None else message,
            self.timeout.value(),
            self.framing.current(),
        )
        self._set_load_running(True)
        self.load.started(job)
        self.status.show_state(
            f"Run: connecting {plural(job.connections, 'connection')}…", Tone.BUSY
        )
        self.worker.start_load(job)
        self.editor.mark_sent()
        return True

    @Slot()
    def _stop_load(self) -> None:
        if self._load_running:
            self.worker.stop_load()

    def _set_load_running(self, running: bool) -> None:
        self._load_running = running
        self.load.set_running(running)
        editable = self._state is TcpState.DISCONNECTED and not running
        for widget in (self.host, self.port, self.timeout, self.half_close):
            widget.setEnabled(editable)
        self.tls.set_editable(editable)
        self.connect_button.setEnabled(not running)
        self._update_buttons()

    @Slot(object)
    def _on_load_progress(self, progress: TcpLoadProgress) -> None:
        text, tone = self.load.show_progress(progress)
        if progress.phase is LoadPhase.DONE:
            self._set_load_running(False)
        self.status.show_state(text, tone)
