"""The UDP Listener tab: be the other end of a UDP sender, see who sent what, answer."""

from __future__ import annotations

import time

from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.net.address import AddressError, is_loopback
from app.net.udp.listener_status import ListenerState, ReplyMode, UdpListenerStatus
from app.payload import PayloadError, PayloadFormat, encode_payload
from app.ui.tabs.http_server import parse_bind
from app.ui.tabs.tool_tab import ToolTab
from app.ui.widgets.field_feedback import error_label, mark_invalid
from app.ui.widgets.payload_editor import PayloadEditor
from app.ui.widgets.peer_table import PeerColumn, PeerTableView
from app.ui.widgets.status_label import StatusLabel, Tone
from app.units import format_bytes, plural
from app.workers.reactor_worker import ReactorWorker
from app.workers.udp_listener_worker import UdpListenerWorker

_WARNING_STYLE = (
    "QLabel { color: #7a4b00; background: #fff4d6; border: 1px solid #e0a000;"
    " border-radius: 3px; padding: 3px 6px; }"
)


def _clock(seconds: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(seconds)) + f".{int(seconds * 1000) % 1000:03d}"


PEER_COLUMNS = (
    PeerColumn("Address", lambda p: p.address),
    PeerColumn("Datagrams", lambda p: p.datagrams, lambda v: f"{v:,}", numeric=True),
    PeerColumn("Bytes", lambda p: p.bytes, lambda v: f"{v:,}", numeric=True),
    PeerColumn("Last seen", lambda p: p.last_seen, _clock),
)


class UdpListenerTab(ToolTab):
    title = "UDP Listener"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("udpListenerTab")
        self.worker = UdpListenerWorker(self)
        self._state = ListenerState.STOPPED
        self._starting = False

        self.bind = QLineEdit("127.0.0.1")
        self.bind.setObjectName("udplBind")
        self.bind.setToolTip(
            "Address to listen on: 127.0.0.1 or ::1 (this machine only), localhost (both),\n"
            "0.0.0.0 or :: (every network interface), or one address of this machine"
        )
        self.port = QSpinBox()
        self.port.setObjectName("udplPort")
        self.port.setRange(1, 65535)
        self.port.setValue(8000)
        self.multicast = QLineEdit()
        self.multicast.setObjectName("udplMulticast")
        self.multicast.setPlaceholderText("none")
        self.multicast.setToolTip(
            "A multicast group to join on the bind address's interface (IPv4 224.0.0.0/4 or "
            "IPv6 ff00::/8); empty = none. It is left on Stop."
        )
        self.start_button = QPushButton("Start")
        self.start_button.setObjectName("udplStart")
        self.status = StatusLabel("Stopped")
        self.status.setObjectName("udplStatus")
        self.bind_error = error_label("udplBindError")
        self.warning = QLabel()
        self.warning.setObjectName("udplWarning")
        self.warning.setStyleSheet(_WARNING_STYLE)
        self.warning.setWordWrap(True)
        self.warning.hide()

        self.reply_mode = QComboBox()
        self.reply_mode.setObjectName("udplReplyMode")
        self.reply_mode.addItems([mode.value for mode in ReplyMode])
        self.reply_mode.setToolTip(
            "Echo: the exact bytes back to the sender · Fixed reply: the bytes below, once "
            "per datagram · No reply: only listen"
        )
        self.reply = QLineEdit("Hello, client!")
        self.reply.setObjectName("udplReply")
        self.reply_format = QComboBox()
        self.reply_format.setObjectName("udplReplyFormat")
        self.reply_format.addItems([fmt.value for fmt in PayloadFormat])
        self.reply_error = error_label("udplReplyError")

        self.peers = PeerTableView(PEER_COLUMNS)
        self.peers.setObjectName("udplPeers")
        self.peers.setToolTip("Every source address seen since Start; select rows to send to")
        self.editor = PayloadEditor("udpl", "Hello, client!")
        self.send_button = QPushButton("Send to selected")
        self.send_button.setObjectName("udplSend")
        self.send_button.setToolTip("Send the payload to every selected peer")
        self.counters = QLabel()
        self.counters.setObjectName("udplCounters")

        self._build_layout()
        self.start_button.clicked.connect(self._toggle)
        self.bind.textChanged.connect(self._bind_changed)
        self.port.valueChanged.connect(self._bind_changed)
        self.reply_mode.currentIndexChanged.connect(self._apply_reply)
        self.reply.textChanged.connect(self._apply_reply)
        self.reply_format.currentIndexChanged.connect(self._apply_reply)
        self.send_button.clicked.connect(self._send)
        self.editor.submitted.connect(self._send)
        self.editor.validity_changed.connect(self._update_buttons)
        self.peers.selection_changed.connect(self._update_buttons)
        self.worker.status_changed.connect(self._on_status)
        self._bind_changed()
        self._apply_reply()
        self._show_counters(UdpListenerStatus(ListenerState.STOPPED))
        self._update_buttons()

    def _build_layout(self) -> None:
        listener = QGroupBox("Listener")
        grid = QGridLayout(listener)
        grid.addWidget(QLabel("Bind"), 0, 0)
        grid.addWidget(self.bind, 0, 1)
        grid.addWidget(QLabel("Port"), 0, 2)
        grid.addWidget(self.port, 0, 3)
        grid.addWidget(QLabel("Multicast group"), 0, 4)
        grid.addWidget(self.multicast, 0, 5)
        grid.addWidget(self.start_button, 0, 6)
        grid.addWidget(self.status, 1, 0, 1, 7)
        grid.addWidget(self.bind_error, 2, 0, 1, 7)
        grid.addWidget(self.warning, 3, 0, 1, 7)
        grid.setColumnStretch(1, 2)
        grid.setColumnStretch(5, 1)

        replies = QGroupBox("Replies")
        row = QHBoxLayout()
        row.addWidget(QLabel("Mode"))
        row.addWidget(self.reply_mode)
        row.addSpacing(12)
        row.addWidget(QLabel("Fixed reply"))
        row.addWidget(self.reply, 1)
        row.addWidget(self.reply_format)
        column = QVBoxLayout(replies)
        column.addLayout(row)
        column.addWidget(self.reply_error)

        peers = QGroupBox("Peers")
        send_row = QHBoxLayout()
        send_row.addWidget(self.editor, 1)
        send_row.addWidget(self.send_button)
        peers_column = QVBoxLayout(peers)
        peers_column.addWidget(self.peers, 1)
        peers_column.addLayout(send_row)
        peers_column.addWidget(self.counters)

        layout = QVBoxLayout(self)
        layout.addWidget(listener)
        layout.addWidget(replies)
        layout.addWidget(peers, 1)

    # -- ToolTab -----------------------------------------------------------------------

    def workers(self) -> list[ReactorWorker]:
        return [self.worker]

    def input_widgets(self) -> list[QWidget]:
        return [
            self.bind,
            self.port,
            self.multicast,
            self.reply_mode,
            self.reply,
            self.reply_format,
            *self.editor.input_widgets(),
        ]

    @property
    def listening(self) -> bool:
        return self._state is ListenerState.LISTENING

    # -- fields ------------------------------------------------------------------------

    @Slot()
    def _bind_changed(self) -> None:
        self.bind_error.hide()
        mark_invalid(self.bind, False)
        try:
            host = parse_bind(self.bind.text())
        except AddressError:
            self.warning.hide()  # the error is shown when Start is clicked
            return
        if is_loopback(host):
            self.warning.hide()
            return
        self.warning.setText(
            f"⚠ Reachable from the network: listening on {host} lets anyone who can reach "
            f"this machine on UDP port {self.port.value()} send to this listener and get "
            "its replies. Use 127.0.0.1 to keep it private."
        )
        self.warning.show()

    @Slot()
    def _apply_reply(self) -> None:
        mode = ReplyMode(self.reply_mode.currentText())
        fixed = mode is ReplyMode.FIXED
        self.reply.setEnabled(fixed)
        self.reply_format.setEnabled(fixed)
        data = b""
        if fixed:
            try:
                data = encode_payload(
                    self.reply.text(), PayloadFormat(self.reply_format.currentText())
                )
            except PayloadError as exc:
                self._show_reply_error(str(exc))
                return  # the last valid reply stays in use until this one is fixed
        self._show_reply_error("")
        self.worker.set_reply(mode, data)

    def _show_reply_error(self, message: str) -> None:
        mark_invalid(self.reply, bool(message))
        self.reply_error.setText(message)
        self.reply_error.setVisible(bool(message))

    # -- actions -----------------------------------------------------------------------

    @Slot()
    def _toggle(self) -> None:
        if self._starting:
            return
        if self.listening:
            self.start_button.setEnabled(False)
            self.worker.stop_listening()
            return
        try:
            host = parse_bind(self.bind.text())
        except AddressError as exc:
            self.bind_error.setText(str(exc))
            self.bind_error.show()
            mark_invalid(self.bind, True)
            self.bind.setFocus()
            return
        self._starting = True
        self.start_button.setEnabled(False)
        self.status.show_state("Starting…", Tone.BUSY)
        self.worker.start_listening(host, self.port.value(), self.multicast.text().strip())

    @Slot()
    def _send(self) -> None:
        data = self.editor.payload()
        peers = self.peers.selected_keys()
        if data is None or not peers or not self.listening:
            return
        self.worker.send_to(peers, data)

    # -- worker reports ----------------------------------------------------------------

    @Slot(object)
    def _on_status(self, status: UdpListenerStatus) -> None:
        if status.state is not self._state or self._starting:
            self._show_state(status)
        elif status.state is ListenerState.LISTENING:
            self.status.show_state(self._listening_text(status), Tone.GOOD)
        self.peers.update_rows(status.peers)
        self._show_counters(status)
        self._update_buttons()

    def _show_state(self, status: UdpListenerStatus) -> None:
        self._starting = False
        self._state = status.state
        listening = self.listening
        self.start_button.setEnabled(True)
        self.start_button.setText("Stop" if listening else "Start")
        for widget in (self.bind, self.port, self.multicast):
            widget.setEnabled(not listening)
        if listening:
            self.status.show_state(self._listening_text(status), Tone.GOOD)
        elif status.error:
            self.status.show_state(f"Stopped · {status.error}", Tone.BAD)
        else:
            self.status.show_state("Stopped", Tone.IDLE)

    @staticmethod
    def _listening_text(status: UdpListenerStatus) -> str:
        parts = [f"Listening on {', '.join(status.local)}"]
        if status.multicast:
            parts.append(f"group {status.multicast}")
        parts.append(plural(len(status.peers), "peer"))
        if status.drops_counted:
            parts.append(plural(status.kernel_drops, "kernel drop"))
        else:
            parts.append("kernel drops not reported by this OS")
        return " · ".join(parts)

    def _show_counters(self, status: UdpListenerStatus) -> None:
        received = f"{plural(status.received, 'datagram')} ({format_bytes(status.received_bytes)})"
        sent = f"{plural(status.sent, 'datagram')} ({format_bytes(status.sent_bytes)})"
        self.counters.setText(f"Received {received} · Sent {sent}")

    @Slot()
    def _update_buttons(self) -> None:
        self.send_button.setEnabled(
            self.listening and self.editor.is_valid() and bool(self.peers.selected_keys())
        )
