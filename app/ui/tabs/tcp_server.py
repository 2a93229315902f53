"""The TCP Server tab: be the other end of a TCP client, see every client, answer or send."""

from __future__ import annotations

import time

from PySide6.QtCore import QTimer, Slot
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
from app.net.tcp.server_status import (
    ClientRow,
    ReplyConfig,
    ReplyMode,
    ServerState,
    TcpServerStatus,
)
from app.payload import PayloadError, PayloadFormat, encode_payload
from app.ui.tabs.http_server import parse_bind
from app.ui.tabs.tool_tab import ToolTab
from app.ui.widgets.field_feedback import error_label, mark_invalid
from app.ui.widgets.payload_editor import PayloadEditor
from app.ui.widgets.peer_table import PeerColumn, PeerTableView
from app.ui.widgets.status_label import StatusLabel, Tone
from app.units import format_bytes, format_duration, plural
from app.workers.reactor_worker import ReactorWorker
from app.workers.tcp_server_worker import TcpServerWorker

_WARNING_STYLE = (
    "QLabel { color: #7a4b00; background: #fff4d6; border: 1px solid #e0a000;"
    " border-radius: 3px; padding: 3px 6px; }"
)
# "Connected for" is redrawn this often while clients are connected (and only then).
_AGE_REFRESH_MS = 1000


def _connected_for(since: float) -> str:
    return format_duration(max(0.0, time.monotonic() - since))


CLIENT_COLUMNS = (
    PeerColumn("Address", lambda c: c.peer),
    # Sorted by -since: a click on the header puts the longest-connected first.
    PeerColumn("Connected for", lambda c: -c.since, lambda v: _connected_for(-v), numeric=True),
    PeerColumn("Bytes in", lambda c: c.bytes_in, lambda v: f"{v:,}", numeric=True),
    PeerColumn("Bytes out", lambda c: c.bytes_out, lambda v: f"{v:,}", numeric=True),
)


class TcpServerTab(ToolTab):
    title = "TCP Server"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("tcpServerTab")
        self.worker = TcpServerWorker(self)
        self._state = ServerState.STOPPED
        self._starting = False
        self._rows: list[ClientRow] = []

        self.bind = QLineEdit("127.0.0.1")
        self.bind.setObjectName("tcpsBind")
        self.bind.setToolTip(
            "Address to listen on: 127.0.0.1 or ::1 (this machine only), localhost (both),\n"
            "0.0.0.0 or :: (every network interface), or one address of this machine"
        )
        self.port = QSpinBox()
        self.port.setObjectName("tcpsPort")
        self.port.setRange(1, 65535)
        self.port.setValue(8000)
        self.max_clients = QSpinBox()
        self.max_clients.setObjectName("tcpsMaxClients")
        self.max_clients.setRange(1, 10_000)
        self.max_clients.setValue(1000)
        self.max_clients.setGroupSeparatorShown(True)
        self.max_clients.setToolTip(
            "Past this many clients a new connection is accepted and closed at once"
        )
        self.start_button = QPushButton("Start")
        self.start_button.setObjectName("tcpsStart")
        self.status = StatusLabel("Stopped")
        self.status.setObjectName("tcpsStatus")
        self.bind_error = error_label("tcpsBindError")
        self.warning = QLabel()
        self.warning.setObjectName("tcpsWarning")
        self.warning.setStyleSheet(_WARNING_STYLE)
        self.warning.setWordWrap(True)
        self.warning.hide()

        self.reply_mode = QComboBox()
        self.reply_mode.setObjectName("tcpsReplyMode")
        self.reply_mode.addItems([mode.value for mode in ReplyMode])
        self.reply_mode.setToolTip(
            "Echo: the exact bytes back to the client · Fixed reply: the bytes below, once "
            "per chunk received · No reply: only listen"
        )
        self.reply = QLineEdit("Hello, client!")
        self.reply.setObjectName("tcpsReply")
        self.reply_format = QComboBox()
        self.reply_format.setObjectName("tcpsReplyFormat")
        self.reply_format.addItems([fmt.value for fmt in PayloadFormat])
        self.reply_error = error_label("tcpsReplyError")

        self.clients = PeerTableView(CLIENT_COLUMNS)
        self.clients.setObjectName("tcpsClients")
        self.clients.setToolTip("Every connected client; select rows to send to or disconnect")
        self.editor = PayloadEditor("tcps", "Hello, client!")
        self.send_button = QPushButton("Send to selected")
        self.send_button.setObjectName("tcpsSend")
        self.send_all_button = QPushButton("Send to all")
        self.send_all_button.setObjectName("tcpsSendAll")
        self.disconnect_button = QPushButton("Disconnect selected")
        self.disconnect_button.setObjectName("tcpsDisconnect")
        self._age_timer = QTimer(self)
        self._age_timer.setInterval(_AGE_REFRESH_MS)
        self._age_timer.timeout.connect(self._redraw_ages)

        self._build_layout()
        self.start_button.clicked.connect(self._toggle)
        self.bind.textChanged.connect(self._bind_changed)
        self.port.valueChanged.connect(self._bind_changed)
        self.reply_mode.currentIndexChanged.connect(self._apply_reply)
        self.reply.textChanged.connect(self._apply_reply)
        self.reply_format.currentIndexChanged.connect(self._apply_reply)
        self.send_button.clicked.connect(self._send)
        self.send_all_button.clicked.connect(self._send_all)
        self.disconnect_button.clicked.connect(self._disconnect)
        self.editor.submitted.connect(self._send)
        self.editor.validity_changed.connect(self._update_buttons)
        self.clients.selection_changed.connect(self._update_buttons)
        self.worker.status_changed.connect(self._on_status)
        self.worker.clients_changed.connect(self._on_clients)
        self._bind_changed()
        self._apply_reply()
        self._update_buttons()

    def _build_layout(self) -> None:
        server = QGroupBox("Server")
        grid = QGridLayout(server)
        grid.addWidget(QLabel("Bind"), 0, 0)
        grid.addWidget(self.bind, 0, 1)
        grid.addWidget(QLabel("Port"), 0, 2)
        grid.addWidget(self.port, 0, 3)
        grid.addWidget(QLabel("Max clients"), 0, 4)
        grid.addWidget(self.max_clients, 0, 5)
        grid.addWidget(self.start_button, 0, 6)
        grid.addWidget(self.status, 1, 0, 1, 7)
        grid.addWidget(self.bind_error, 2, 0, 1, 7)
        grid.addWidget(self.warning, 3, 0, 1, 7)
        grid.setColumnStretch(1, 2)

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

        clients = QGroupBox("Clients")
        send_row = QHBoxLayout()
        send_row.addWidget(self.editor, 1)
        send_row.addWidget(self.send_button)
        send_row.addWidget(self.send_all_button)
        send_row.addWidget(self.disconnect_button)
        clients_column = QVBoxLayout(clients)
        clients_column.addWidget(self.clients, 1)
        clients_column.addLayout(send_row)

        layout = QVBoxLayout(self)
        layout.addWidget(server)
        layout.addWidget(replies)
        layout.addWidget(clients, 1)

    # -- ToolTab -----------------------------------------------------------------------

    def workers(self) -> list[ReactorWorker]:
        return [self.worker]

    def input_widgets(self) -> list[QWidget]:
        return [
            self.bind,
            self.port,
            self.max_clients,
            self.reply_mode,
            self.reply,
            self.reply_format,
            *self.editor.input_widgets(),
        ]

    @property
    def listening(self) -> bool:
        return self._state is ServerState.LISTENING

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
            f"this machine on port {self.port.value()} use this server. "
            "Use 127.0.0.1 to keep it private."
        )
        self.warning.show()

    def reply_config(self) -> ReplyConfig | None:
        """The reply the fields describe, or None after showing why it cannot be used."""
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
                return None
        self._show_reply_error("")
        return ReplyConfig(mode, data)

    @Slot()
    def _apply_reply(self) -> None:
        reply = self.reply_config()
        if reply is not None:  # else the last valid reply stays in use until this is fixed
            self.worker.set_reply(reply)

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
            self.worker.stop_server()
            return
        try:
            host = parse_bind(self.bind.text())
        except AddressError as exc:
            self.bind_error.setText(str(exc))
            self.bind_error.show()
            mark_invalid(self.bind, True)
            self.bind.setFocus()
            return
        reply = self.reply_config() or ReplyConfig(ReplyMode.NONE)
        self._starting = True
        self.start_button.setEnabled(False)
        self.status.show_state("Starting…", Tone.BUSY)
        self.worker.start_server(host, self.port.value(), self.max_clients.value(), reply)

    @Slot()
    def _send(self) -> None:
        data = self.editor.payload()
        peers = self.clients.selected_keys()
        if data is not None and peers and self.listening:
            self.worker.send(peers, data)

    @Slot()
    def _send_all(self) -> None:
        data = self.editor.payload()
        if data is not None and self.listening:
            self.worker.send_all(data)

    @Slot()
    def _disconnect(self) -> None:
        peers = self.clients.selected_keys()
        if peers and self.listening:
            self.worker.disconnect_clients(peers)

    # -- worker reports ----------------------------------------------------------------

    @Slot(object)
    def _on_status(self, status: TcpServerStatus) -> None:
        self._starting = False
        self._state = status.state
        listening = self.listening
        self.start_button.setEnabled(True)
        self.start_button.setText("Stop" if listening else "Start")
        for widget in (self.bind, self.port, self.max_clients):
            widget.setEnabled(not listening)
        if listening:
            self.status.show_state(
                f"Listening on {status.bound} · {plural(status.clients, 'client')}", Tone.GOOD
            )
        elif status.error:
            self.status.show_state(f"Stopped · {status.error}", Tone.BAD)
        else:
            self.status.show_state("Stopped", Tone.IDLE)
        if not listening:
            self._on_clients([])
        self._update_buttons()

    @Slot(object)
    def _on_clients(self, rows: list[ClientRow]) -> None:
        self._rows = rows
        self.clients.update_rows(rows)
        if rows and not self._age_timer.isActive():
            self._age_timer.start()
        elif not rows:
            self._age_timer.stop()
        self.clients.setToolTip(
            f"{plural(len(rows), 'connected client')}: in "
            f"{format_bytes(sum(r.bytes_in for r in rows))}, out "
            f"{format_bytes(sum(r.bytes_out for r in rows))}; select rows to send to or "
            "disconnect"
        )
        self._update_buttons()

    @Slot()
    def _redraw_ages(self) -> None:
        self.clients.update_rows(self._rows)

    @Slot()
    def _update_buttons(self) -> None:
        listening = self.listening
        valid = self.editor.is_valid()
        selected = bool(self.clients.selected_keys())
        self.send_button.setEnabled(listening and valid and selected)
        self.send_all_button.setEnabled(listening and valid and bool(self._rows))
        self.disconnect_button.setEnabled(listening and selected)
