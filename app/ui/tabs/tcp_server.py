"""The TCP Server tab: be the other end of a TCP client, see every client, answer or send."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.net.framing import FramingSpec
from app.net.reply import ReplyMode
from app.net.tcp.server_status import ClientRow, ServerState, TcpServerStatus
from app.payload import Message
from app.ui.tabs.tool_tab import ToolTab
from app.ui.widgets.bind_field import BindField
from app.ui.widgets.framing_picker import FramingPicker
from app.ui.widgets.payload_editor import PayloadEditor
from app.ui.widgets.peer_table import AGE_REDRAW_MS, PeerColumn, PeerTableView
from app.ui.widgets.reply_editor import ReplyEditor
from app.ui.widgets.server_switch import ServerSwitch
from app.ui.widgets.status_footer import StatusFooter
from app.ui.widgets.tls_fields import ServerTlsFields, fingerprint_note, fingerprint_tooltip
from app.units import format_bytes, format_duration, plural

if TYPE_CHECKING:
    from app.net.rules.responder import Responder
    from app.workers.tcp_server_worker import TcpServerWorker

# "Connected for" is redrawn this often while clients are connected (and only then).


def _connected_for(since: float) -> str:
    return format_duration(max(0.0, time.monotonic() - since))


def _exposure(host: str, port: int) -> str:
    return (
        f"listening on {host} lets anyone who can reach this machine on TCP port {port} "
        "connect to this server."
    )


def _make_worker(tab: ToolTab) -> TcpServerWorker:
    from app.workers.tcp_server_worker import TcpServerWorker  # on first use

    return TcpServerWorker(tab)


CLIENT_COLUMNS = (
    PeerColumn("Address", lambda c: c.peer),
    # Sorted by -since: a click on the header puts the longest-connected first.
    PeerColumn("Connected for", lambda c: -c.since, lambda v: _connected_for(-v), numeric=True),
    PeerColumn("Bytes in", lambda c: c.bytes_in, lambda v: f"{v:,}", numeric=True),
    PeerColumn("Bytes out", lambda c: c.bytes_out, lambda v: f"{v:,}", numeric=True),
)


class TcpServerTab(ToolTab):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._worker = self.worker_slot(_make_worker, self._wire)
        self._rows: list[ClientRow] = []

        self.bind = BindField("tcps", _exposure)
        self.target = self.bind.row
        self.port = self.bind.port
        self.warning = self.bind.warning
        self.max_clients = QSpinBox()
        self.max_clients.setObjectName("tcpsMaxClients")
        self.max_clients.setRange(1, 10_000)
        self.max_clients.setValue(1000)
        self.max_clients.setGroupSeparatorShown(True)
        self.max_clients.setToolTip(
            "Past this many clients a new connection is accepted and closed at once"
        )
        self.footer = StatusFooter("tcps", "Stopped")
        self.status = self.footer.status
        self.tls = ServerTlsFields("tcps", "TLS")
        self.start_button = ServerSwitch(
            "tcps", self.status, (self.bind, self.port, self.max_clients, self.tls)
        )
        self.replies = ReplyEditor("tcps", "Hello, client!", "tcp")
        self.framing = FramingPicker("tcps")

        self.clients = PeerTableView(CLIENT_COLUMNS, redraw_ms=AGE_REDRAW_MS)
        self.clients.setObjectName("tcpsClients")
        self.clients.setToolTip("Every connected client; select rows to send to or disconnect")
        self.editor = PayloadEditor("tcps", "Hello, client!")
        self.send_button = QPushButton("Send to selected")
        self.send_button.setObjectName("tcpsSend")
        self.send_all_button = QPushButton("Send to all")
        self.send_all_button.setObjectName("tcpsSendAll")
        self.disconnect_button = QPushButton("Disconnect selected")
        self.disconnect_button.setObjectName("tcpsDisconnect")
        self.counters = self.footer.add_counters()

        self._build_layout()
        self.start_button.start_requested.connect(self._start)
        self.start_button.stop_requested.connect(self._stop)
        self.replies.reply_changed.connect(self._apply_reply)
        self.framing.framing_changed.connect(self._apply_framing)
        self.send_button.clicked.connect(self._send)
        self.send_all_button.clicked.connect(self._send_all)
        self.disconnect_button.clicked.connect(self._disconnect)
        self.editor.submitted.connect(self._send)
        self.editor.validity_changed.connect(self._update_buttons)
        self.clients.selection_changed.connect(self._update_buttons)
        self._show_counters([])
        self._update_buttons()

    def _build_layout(self) -> None:
        self.target.add(self.max_clients, "Max clients")
        self.target.add(self.start_button)
        server = QGroupBox("Server")
        server_column = QVBoxLayout(server)
        server_column.addWidget(self.target)
        server_column.addWidget(self.tls)
        server_column.addWidget(self.warning)
        server_column.addWidget(self.framing)

        replies = QGroupBox("Replies")
        QVBoxLayout(replies).addWidget(self.replies)

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
        layout.addWidget(self.footer)
        # The rules table shares the height with the table below while it is shown.
        self.replies.rules_shown.connect(
            lambda shown: layout.setStretchFactor(replies, 1 if shown else 0)
        )

    @property
    def worker(self) -> TcpServerWorker:
        return self._worker.get()

    def _wire(self, worker: TcpServerWorker) -> None:
        worker.status_changed.connect(self._on_status)
        worker.clients_changed.connect(self._on_clients)
        worker.set_reply(*self.replies.current())
        worker.set_framing(self.framing.current())

    # -- ToolTab -----------------------------------------------------------------------

    def input_widgets(self) -> list[QWidget]:
        return [
            self.bind,
            self.port,
            self.max_clients,
            *self.framing.input_widgets(),
            *self.tls.input_widgets(),
            *self.replies.input_widgets(),
            *self.editor.input_widgets(),
        ]

    @property
    def listening(self) -> bool:
        return self.start_button.running

    # -- fields ------------------------------------------------------------------------

    @Slot(object, object, object)
    def _apply_reply(self, mode: ReplyMode, data: Message, responder: Responder | None) -> None:
        # Without a worker nothing listens yet; `_wire` hands it the reply in use.
        worker = self._worker.existing()
        if worker is not None:
            worker.set_reply(mode, data, responder)

    @Slot(object)
    def _apply_framing(self, spec: FramingSpec) -> None:
        worker = self._worker.existing()
        if worker is not None:
            worker.set_framing(spec)

    # -- actions -----------------------------------------------------------------------

    @Slot()
    def _start(self) -> None:
        host = self.bind.take_bind()
        if host is None:
            return
        self.start_button.begin_start()
        self.worker.start_server(
            host, self.port.value(), self.max_clients.value(), self.tls.options()
        )

    @Slot()
    def _stop(self) -> None:
        self.worker.stop_server()

    def payload_editor(self) -> PayloadEditor:
        return self.editor

    def send_payload(self) -> bool:
        """To the selected clients, or to all of them when none is selected."""
        if self.clients.selected_keys():
            return self._send_selected()
        return self._send_to_all() if self._rows else False

    @Slot()
    def _send(self) -> None:
        self._send_selected()

    def _send_selected(self) -> bool:
        data = self.editor.message()
        peers = self.clients.selected_keys()
        if data is None or not peers or not self.listening:
            return False
        self.worker.send(peers, data)
        self.editor.mark_sent()
        return True

    @Slot()
    def _send_all(self) -> None:
        self._send_to_all()

    def _send_to_all(self) -> bool:
        data = self.editor.message()
        if data is None or not self.listening:
            return False
        self.worker.send_all(data)
        self.editor.mark_sent()
        return True

    @Slot()
    def _disconnect(self) -> None:
        peers = self.clients.selected_keys()
        if peers and self.listening:
            self.worker.disconnect_clients(peers)

    # -- worker reports ----------------------------------------------------------------

    @Slot(object)
    def _on_status(self, status: TcpServerStatus) -> None:
        if status.state is ServerState.LISTENING:
            self.start_button.show_running(
                f"Listening on {status.bound} · {plural(status.clients, 'client')}"
                + fingerprint_note(status.tls_fingerprint)
            )
            self.status.setToolTip(fingerprint_tooltip(status.tls_fingerprint))
        else:
            self.start_button.show_stopped(status.error)
            self._on_clients([])
        self._update_buttons()

    @Slot(object)
    def _on_clients(self, rows: list[ClientRow]) -> None:
        self._rows = rows
        self.clients.update_rows(rows)
        self._show_counters(rows)
        self._update_buttons()

    def _show_counters(self, rows: list[ClientRow]) -> None:
        self.counters.setText(
            f"{plural(len(rows), 'client')} · in "
            f"{format_bytes(sum(r.bytes_in for r in rows))} · out "
            f"{format_bytes(sum(r.bytes_out for r in rows))}"
        )

    @Slot()
    def _update_buttons(self) -> None:
        listening = self.listening
        valid = self.editor.is_valid()
        selected = bool(self.clients.selected_keys())
        self.send_button.setEnabled(listening and valid and selected)
        self.send_all_button.setEnabled(listening and valid and bool(self._rows))
        self.disconnect_button.setEnabled(listening and selected)
