"""The UDP Sender tab: fire one datagram or a paced run, and hear the replies."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.net.pacing import describe_rates, format_count_rate
from app.net.udp.status import UdpJob, UdpProgress, UdpState, UdpStatus
from app.ui.tabs.tool_tab import ToolTab
from app.ui.widgets.payload_editor import PayloadEditor
from app.ui.widgets.round_trip_stats import RoundTripStats
from app.ui.widgets.status_footer import StatusFooter
from app.ui.widgets.status_label import Tone
from app.ui.widgets.target_row import TargetRow, port_spin_box
from app.units import format_bytes, plural

if TYPE_CHECKING:
    from app.workers.udp_sender_worker import UdpSenderWorker

MAX_COUNT = 10_000_000
MAX_INTERVAL_MS = 3_600_000
DEFAULT_REPLY_TIMEOUT_MS = 1_000
MAX_REPLY_TIMEOUT_MS = 600_000


def _make_worker(tab: ToolTab) -> UdpSenderWorker:
    from app.workers.udp_sender_worker import UdpSenderWorker  # on first use: start-up counts

    return UdpSenderWorker(tab)


class UdpSenderTab(ToolTab):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._worker = self.worker_slot(_make_worker, self._wire)
        self._state = UdpState.IDLE

        self.target, self.host = TargetRow.for_peer(
            "udp", "Where the datagrams go: a name, an IPv4 or IPv6 address"
        )
        self.port = self.target.port
        self.local_port = port_spin_box("udpLocalPort", value=0, minimum=0)
        self.local_port.setSpecialValueText("Any")
        self.local_port.setToolTip("The port to send from (and hear replies on); Any = 0")
        self.listen = QCheckBox("Listen for replies")
        self.listen.setObjectName("udpListen")
        self.listen.setToolTip(
            "Keep the socket open after sending and log every datagram that arrives on it, "
            "from the destination or any other address"
        )
        self.broadcast = QCheckBox("Allow broadcast")
        self.broadcast.setObjectName("udpBroadcast")
        self.broadcast.setToolTip("Needed to send to 255.255.255.255 or a subnet's .255 address")

        self.editor = PayloadEditor("udp", "Hello, server!")
        self.send_button = QPushButton("Send")
        self.send_button.setObjectName("udpSend")
        self.count = QSpinBox()
        self.count.setObjectName("udpCount")
        self.count.setRange(1, MAX_COUNT)
        self.count.setValue(1)
        self.count.setGroupSeparatorShown(True)
        self.count.setToolTip("How many datagrams one click of Send transmits")
        self.interval = QSpinBox()
        self.interval.setObjectName("udpInterval")
        self.interval.setRange(0, MAX_INTERVAL_MS)
        self.interval.setGroupSeparatorShown(True)
        self.interval.setSuffix(" ms")
        self.interval.setSpecialValueText("As fast as possible")
        self.interval.setToolTip("Time between datagrams; 0 = as fast as possible")
        self.stop_button = QPushButton("Stop")
        self.stop_button.setObjectName("udpStop")
        self.stop_button.setEnabled(False)

        self.footer = StatusFooter("udp", "Idle")
        self.status = self.footer.status
        self.progress = self.footer.add_progress("udpProgress")
        self.progress.setMinimumWidth(260)
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        # Requested and achieved side by side (app/net/pacing.py), beside the run's fields.
        self.rates = QLabel()
        self.rates.setObjectName("udpRates")
        self.rates.hide()
        self.counters = self.footer.add_counters()

        self.stats = RoundTripStats(
            "udp",
            "No round trips yet: tick Listen for replies; put {{counter}} in the datagram "
            "to match replies by number",
        )
        self.reply_timeout = QSpinBox()
        self.reply_timeout.setObjectName("udpReplyTimeout")
        self.reply_timeout.setRange(1, MAX_REPLY_TIMEOUT_MS)
        self.reply_timeout.setValue(DEFAULT_REPLY_TIMEOUT_MS)
        self.reply_timeout.setGroupSeparatorShown(True)
        self.reply_timeout.setSuffix(" ms")
        self.reply_timeout.setToolTip("A datagram without a reply after this long counts as lost")
        self.stats.add_control("Lost after", self.reply_timeout)

        self._build_layout()
        self._show_counters(UdpProgress())
        self._update_buttons()

        self.send_button.clicked.connect(self._send)
        self.editor.submitted.connect(self._send)
        self.host.returnPressed.connect(self._send)
        self.editor.validity_changed.connect(self._update_buttons)
        self.stop_button.clicked.connect(self._stop)
        self.listen.toggled.connect(self._listen_toggled)
        self.reply_timeout.valueChanged.connect(self._reply_timeout_changed)

    def _build_layout(self) -> None:
        self.target.add(self.local_port, "Local port")
        self.target.add(self.listen)
        self.target.add(self.broadcast)
        target = QGroupBox("Destination")
        QVBoxLayout(target).addWidget(self.target)

        message = QGroupBox("Datagram")
        row = QHBoxLayout()
        row.addWidget(self.editor, 1)
        row.addWidget(self.send_button)
        repeat = QHBoxLayout()
        repeat.addWidget(QLabel("Count"))
        repeat.addWidget(self.count)
        repeat.addSpacing(12)
        repeat.addWidget(QLabel("Interval"))
        repeat.addWidget(self.interval)
        repeat.addSpacing(12)
        repeat.addWidget(self.stop_button)
        repeat.addSpacing(12)
        repeat.addWidget(self.rates)
        repeat.addStretch(1)
        column = QVBoxLayout(message)
        column.addLayout(row)
        column.addLayout(repeat)

        round_trips = QGroupBox("Round trips")
        QVBoxLayout(round_trips).addWidget(self.stats)

        layout = QVBoxLayout(self)
        layout.addWidget(target)
        layout.addWidget(message)
        layout.addWidget(round_trips)
        layout.addWidget(self.footer)
        layout.addStretch(1)

    @property
    def worker(self) -> UdpSenderWorker:
        return self._worker.get()

    def _wire(self, worker: UdpSenderWorker) -> None:
        worker.status_changed.connect(self._on_status)
        worker.progress.connect(self._on_progress)
        worker.set_reply_timeout(self.reply_timeout.value())
        self.stats.attach(worker)

    # -- ToolTab -----------------------------------------------------------------------

    def input_widgets(self) -> list[QWidget]:
        return [
            self.host,
            self.port,
            *self.editor.input_widgets(),
            self.count,
            self.interval,
            self.local_port,
            self.listen,
            self.broadcast,
            self.reply_timeout,
        ]

    def payload_editor(self) -> PayloadEditor:
        return self.editor

    def send_payload(self) -> bool:
        message = self.editor.message()
        if self._state is UdpState.SENDING or message is None:
            return False
        host = self.host.take_host(self.port)
        if host is None:
            return False
        job = UdpJob(
            host=host,
            port=self.port.value(),
            data=message.static if message.static is not None else b"",
            count=self.count.value(),
            interval=self.interval.value() / 1000,
            local_port=self.local_port.value(),
            listen=self.listen.isChecked(),
            broadcast=self.broadcast.isChecked(),
            template=None if message.is_static else message,
        )
        self.progress.setRange(0, job.count)
        self.progress.setValue(0)
        self.progress.setFormat(f"0 / {job.count:,}")
        self.progress.setVisible(job.count > 1)
        self.rates.setText("")
        self.rates.setVisible(job.count > 1)
        self._show_status(UdpStatus(UdpState.SENDING, self.host.text()))
        self.worker.send(job)
        self.editor.mark_sent()
        return True

    # -- actions -----------------------------------------------------------------------

    @Slot()
    def _send(self) -> None:
        self.send_payload()

    @Slot()
    def _stop(self) -> None:
        if self._state is UdpState.SENDING:
            self.worker.stop_run()
        elif self._state is UdpState.LISTENING:
            self.worker.release()

    @Slot(bool)
    def _listen_toggled(self, listen: bool) -> None:
        # Without a worker there is no socket yet; the next job carries the choice.
        worker = self._worker.existing()
        if worker is not None:
            worker.set_listen(listen)

    @Slot(int)
    def _reply_timeout_changed(self, ms: int) -> None:
        worker = self._worker.existing()
        if worker is not None:
            worker.set_reply_timeout(ms)

    # -- worker reports --------------------------------------------------------------

    @Slot(object)
    def _on_status(self, status: UdpStatus) -> None:
        self._show_status(status)

    def _show_status(self, status: UdpStatus) -> None:
        self._state = status.state
        if status.state is UdpState.SENDING:
            text = f"Sending to {status.peer}"
            if status.listening and status.local:
                text += f" · listening on {status.local}"
            self.status.show_state(text, Tone.BUSY)
        elif status.state is UdpState.LISTENING:
            self.status.show_state(
                f"Listening on {status.local} for datagrams from anyone "
                f"(last sent to {status.peer})",
                Tone.GOOD,
            )
        else:
            self.status.show_state("Idle", Tone.IDLE)
        self.stop_button.setText("Close" if status.state is UdpState.LISTENING else "Stop")
        self.stop_button.setToolTip(
            "Close the socket and stop listening"
            if status.state is UdpState.LISTENING
            else "Stop the running datagrams"
        )
        sending = status.state is UdpState.SENDING
        for widget in (self.host, self.port, self.local_port, self.count, self.interval):
            widget.setEnabled(not sending)
        self.broadcast.setEnabled(not sending)
        self._update_buttons()

    @Slot(object)
    def _on_progress(self, progress: UdpProgress) -> None:
        if progress.run_total:
            self.progress.setRange(0, progress.run_total)
            self.progress.setValue(progress.run_sent)
            self.progress.setFormat(
                f"{progress.run_sent:,} / {progress.run_total:,} · "
                f"{format_count_rate(progress.rate)}"
            )
            self.progress.setToolTip(
                f"{progress.run_sent:,} of {progress.run_total:,} datagrams sent; "
                f"{describe_rates(progress.requested, progress.rate)}"
            )
            self.rates.setText(describe_rates(progress.requested, progress.rate))
        self._show_counters(progress)

    @Slot()
    def _update_buttons(self) -> None:
        self.send_button.setEnabled(self._state is not UdpState.SENDING and self.editor.is_valid())
        self.stop_button.setEnabled(self._state is not UdpState.IDLE)

    def _show_counters(self, progress: UdpProgress) -> None:
        self.counters.setText(
            f"Sent {plural(progress.sent, 'datagram')} ({format_bytes(progress.sent_bytes)}) · "
            f"Received {progress.received:,} ({format_bytes(progress.received_bytes)})"
        )
        self.counters.setToolTip(
            f"Sent {progress.sent:,} datagrams, {progress.sent_bytes:,} bytes; "
            f"received {progress.received:,} datagrams, {progress.received_bytes:,} bytes"
        )
