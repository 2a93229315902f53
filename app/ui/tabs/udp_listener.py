"""The UDP Listener tab: be the other end of a UDP sender, see who sent what, answer."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.net.reply import ReplyMode
from app.net.udp.listener_status import ListenerState, UdpListenerStatus
from app.payload import Message
from app.ui.tabs.tool_tab import ToolTab
from app.ui.widgets.bind_field import BindField
from app.ui.widgets.payload_editor import PayloadEditor
from app.ui.widgets.peer_table import PeerColumn, PeerTableView
from app.ui.widgets.reply_editor import ReplyEditor
from app.ui.widgets.server_switch import ServerSwitch
from app.ui.widgets.status_footer import StatusFooter
from app.ui.widgets.status_label import Tone
from app.units import format_bytes, plural

if TYPE_CHECKING:
    from app.net.rules.responder import Responder
    from app.workers.udp_listener_worker import UdpListenerWorker


def _clock(seconds: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(seconds)) + f".{int(seconds * 1000) % 1000:03d}"


def _exposure(host: str, port: int) -> str:
    return (
        f"listening on {host} lets anyone who can reach this machine on UDP port {port} "
        "send to this listener and get its replies."
    )


def _make_worker(tab: ToolTab) -> UdpListenerWorker:
    from app.workers.udp_listener_worker import UdpListenerWorker  # on first use

    return UdpListenerWorker(tab)


PEER_COLUMNS = (
    PeerColumn("Address", lambda p: p.address),
    PeerColumn("Datagrams", lambda p: p.datagrams, lambda v: f"{v:,}", numeric=True),
    PeerColumn("Bytes", lambda p: p.bytes, lambda v: f"{v:,}", numeric=True),
    PeerColumn("Last seen", lambda p: p.last_seen, _clock),
)


class UdpListenerTab(ToolTab):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._worker = self.worker_slot(_make_worker, self._wire)

        self.bind = BindField("udpl", _exposure)
        self.target = self.bind.row
        self.port = self.bind.port
        self.warning = self.bind.warning
        self.multicast = QLineEdit()
        self.multicast.setObjectName("udplMulticast")
        self.multicast.setPlaceholderText("none")
        self.multicast.setToolTip(
            "A multicast group to join on the bind address's interface (IPv4 224.0.0.0/4 or "
            "IPv6 ff00::/8); empty = none. It is left on Stop."
        )
        self.footer = StatusFooter("udpl", "Stopped")
        self.status = self.footer.status
        self.start_button = ServerSwitch(
            "udpl", self.status, (self.bind, self.port, self.multicast)
        )
        self.replies = ReplyEditor("udpl", "Hello, client!", "udp")

        self.peers = PeerTableView(PEER_COLUMNS)
        self.peers.setObjectName("udplPeers")
        self.peers.setToolTip("Every source address seen since Start; select rows to send to")
        self.editor = PayloadEditor("udpl", "Hello, client!")
        self.send_button = QPushButton("Send to selected")
        self.send_button.setObjectName("udplSend")
        self.send_button.setToolTip("Send the payload to every selected peer")
        self.counters = self.footer.add_counters()

        self._build_layout()
        self.start_button.start_requested.connect(self._start)
        self.start_button.stop_requested.connect(self._stop)
        self.replies.reply_changed.connect(self._apply_reply)
        self.send_button.clicked.connect(self._send)
        self.editor.submitted.connect(self._send)
        self.editor.validity_changed.connect(self._update_buttons)
        self.peers.selection_changed.connect(self._update_buttons)
        self._show_counters(UdpListenerStatus(ListenerState.STOPPED))
        self._update_buttons()

    def _build_layout(self) -> None:
        self.target.add(self.multicast, "Multicast group")
        self.target.add(self.start_button)
        listener = QGroupBox("Listener")
        listener_column = QVBoxLayout(listener)
        listener_column.addWidget(self.target)
        listener_column.addWidget(self.warning)

        replies = QGroupBox("Replies")
        QVBoxLayout(replies).addWidget(self.replies)

        peers = QGroupBox("Peers")
        send_row = QHBoxLayout()
        send_row.addWidget(self.editor, 1)
        send_row.addWidget(self.send_button)
        peers_column = QVBoxLayout(peers)
        peers_column.addWidget(self.peers, 1)
        peers_column.addLayout(send_row)

        layout = QVBoxLayout(self)
        layout.addWidget(listener)
        layout.addWidget(replies)
        layout.addWidget(peers, 1)
        layout.addWidget(self.footer)
        # The rules table shares the height with the table below while it is shown.
        self.replies.rules_shown.connect(
            lambda shown: layout.setStretchFactor(replies, 1 if shown else 0)
        )

    @property
    def worker(self) -> UdpListenerWorker:
        return self._worker.get()

    def _wire(self, worker: UdpListenerWorker) -> None:
        worker.status_changed.connect(self._on_status)
        worker.set_reply(*self.replies.current())

    # -- ToolTab -----------------------------------------------------------------------

    def input_widgets(self) -> list[QWidget]:
        return [
            self.bind,
            self.port,
            self.multicast,
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

    # -- actions -----------------------------------------------------------------------

    @Slot()
    def _start(self) -> None:
        host = self.bind.take_bind()
        if host is None:
            return
        self.start_button.begin_start()
        self.worker.start_listening(host, self.port.value(), self.multicast.text().strip())

    @Slot()
    def _stop(self) -> None:
        self.worker.stop_listening()

    def payload_editor(self) -> PayloadEditor:
        return self.editor

    def send_payload(self) -> bool:
        """To the selected peers, as the Send button does."""
        data = self.editor.message()
        peers = self.peers.selected_keys()
        if data is None or not peers or not self.listening:
            return False
        self.worker.send_to(peers, data)
        self.editor.mark_sent()
        return True

    @Slot()
    def _send(self) -> None:
        self.send_payload()

    # -- worker reports ----------------------------------------------------------------

    @Slot(object)
    def _on_status(self, status: UdpListenerStatus) -> None:
        listening = status.state is ListenerState.LISTENING
        if listening is not self.listening or self.start_button.busy:
            self._show_state(status)
        elif listening:
            # Only the text: a Stop in flight keeps its button disabled.
            self.status.show_state(self._listening_text(status), Tone.GOOD)
        self.peers.update_rows(status.peers)
        self._show_counters(status)
        self._update_buttons()

    def _show_state(self, status: UdpListenerStatus) -> None:
        if status.state is ListenerState.LISTENING:
            self.start_button.show_running(self._listening_text(status))
        else:
            self.start_button.show_stopped(status.error)

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
