"""The Relay tab: sit between a client and a real server, watch both ways, break the link."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QComboBox,
    QDoubleSpinBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.net.framing import FramingSpec
from app.net.relay.faults import FaultDirection, RelayFaults
from app.net.relay.status import RelayProtocol, RelayRow, RelayState, RelayStatus
from app.payload import MessageCounter, render_message
from app.ui.tabs.tool_tab import ToolTab
from app.ui.widgets.bind_field import BindField
from app.ui.widgets.framing_picker import FramingPicker
from app.ui.widgets.host_field import HostField
from app.ui.widgets.payload_editor import PayloadEditor
from app.ui.widgets.peer_table import AGE_REDRAW_MS, PeerColumn, PeerTableView
from app.ui.widgets.server_switch import ServerSwitch
from app.ui.widgets.status_footer import StatusFooter
from app.ui.widgets.target_row import TargetRow
from app.units import format_bytes, format_duration, plural

if TYPE_CHECKING:
    from app.workers.relay_worker import RelayWorker

LISTEN_PORT = 9000


def _make_worker(tab: ToolTab) -> RelayWorker:
    from app.workers.relay_worker import RelayWorker  # on first use

    return RelayWorker(tab)


def _exposure(host: str, port: int) -> str:
    return (
        f"listening on {host} lets anyone who can reach this machine on port {port} "
        "reach the target through this relay."
    )


def _age(since: float) -> str:
    return format_duration(max(0.0, time.monotonic() - since))


CONNECTION_COLUMNS = (
    PeerColumn("Client", lambda r: r.client),
    PeerColumn("Age", lambda r: -r.since, lambda v: _age(-v), numeric=True),
    PeerColumn("To target", lambda r: r.to_target, lambda v: f"{v:,}", numeric=True),
    PeerColumn("To client", lambda r: r.to_client, lambda v: f"{v:,}", numeric=True),
    PeerColumn("State", lambda r: r.state),
)


def _spin(name: str, maximum: int, suffix: str, tip: str, zero: str = "") -> QSpinBox:
    spin = QSpinBox()
    spin.setObjectName(name)
    spin.setRange(0, maximum)
    spin.setSuffix(suffix)
    spin.setGroupSeparatorShown(True)
    spin.setToolTip(tip)
    spin.setAccelerated(True)
    if zero:
        spin.setSpecialValueText(zero)
    return spin


def _percent(name: str, tip: str) -> QDoubleSpinBox:
    spin = QDoubleSpinBox()
    spin.setObjectName(name)
    spin.setRange(0.0, 100.0)
    spin.setDecimals(1)
    spin.setSuffix(" %")
    spin.setToolTip(tip)
    return spin


class RelayTab(ToolTab):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._worker = self.worker_slot(_make_worker, self._wire)
        self._rows: list[RelayRow] = []
        self._counter = MessageCounter()  # {{counter}} of the injected messages

        self.protocol = QComboBox()
        self.protocol.setObjectName("relayProtocol")
        for protocol in RelayProtocol:
            self.protocol.addItem(protocol.value, protocol)
        self.protocol.setToolTip("Relay a TCP stream, or UDP datagrams (one target socket each)")
        self.listen = BindField("relayListen", _exposure, host_label="Listen")
        self.listen.setObjectName("relayListenHost")
        self.listen.error.setObjectName("relayListenHostError")
        self.listen_row = self.listen.row
        self.listen_port = self.listen.port
        self.listen_port.setValue(LISTEN_PORT)
        self.target_host = HostField(
            "relayTarget", "The real server or device the relay forwards to"
        )
        self.target = TargetRow(
            "relayTarget", self.target_host, self.target_host.error_label, host_label="Target"
        )
        self.target_port = self.target.port
        self.footer = StatusFooter("relay", "Stopped")
        self.status = self.footer.status
        self.start_button = ServerSwitch(
            "relay",
            self.status,
            (self.protocol, self.listen, self.listen_port, self.target_host, self.target_port),
        )
        self._build_faults()
        self.framing = FramingPicker("relay")
        self.framing.setToolTip(
            "TCP: log, fault and forward whole messages instead of chunks as they arrive"
        )
        self.framing.framing_changed.connect(self._apply_framing)

        self.connections = PeerTableView(CONNECTION_COLUMNS, redraw_ms=AGE_REDRAW_MS)
        self.connections.setObjectName("relayConnections")
        self.connections.setToolTip(
            "Every client of the relay; select rows to inject into them (none = all)"
        )
        self.editor = PayloadEditor("relay", "Hello from the relay")
        self.inject_target = QPushButton("Inject to target")
        self.inject_target.setObjectName("relayInjectToTarget")
        self.inject_target.setToolTip("Send these bytes to the target of the selected clients")
        self.inject_client = QPushButton("Inject to client")
        self.inject_client.setObjectName("relayInjectToClient")
        self.inject_client.setToolTip("Send these bytes to the selected clients")
        self.counters = self.footer.add_counters()

        self._build_layout()
        self.start_button.start_requested.connect(self._start)
        self.start_button.stop_requested.connect(self._stop)
        self.protocol.currentIndexChanged.connect(self._protocol_changed)
        self.inject_target.clicked.connect(self._inject_to_target)
        self.inject_client.clicked.connect(self._inject_to_client)
        self.editor.validity_changed.connect(self._update_buttons)
        self.connections.selection_changed.connect(self._update_buttons)
        self._protocol_changed()
        self._show_counters([])
        self._update_buttons()

    def _build_faults(self) -> None:
        self.delay = _spin("relayDelay", 60_000, " ms", "Added to each chunk or datagram")
        self.jitter = _spin(
            "relayJitter", 10_000, " ms", "± this much at random; order is kept", "± 0 ms"
        )
        self.rate = _spin(
            "relayRate", 1_000_000, " kB/s", "Per direction (1 kB = 1,000 B)", "Unlimited"
        )
        self.drop = _percent("relayDrop", "Datagrams dropped at random (UDP only)")
        self.corrupt = _percent("relayCorrupt", "Chunks or datagrams with one byte inverted")
        self.chunk = _spin(
            "relayChunk", 1 << 20, " B", "Forward in pieces of this many bytes", "As received"
        )
        self.close_after = _spin(
            "relayCloseAfter",
            2**31 - 1,
            " B",
            "Close the connection once this many bytes went through (TCP only)",
            "Never",
        )
        self.direction = QComboBox()
        self.direction.setObjectName("relayDirection")
        for direction in FaultDirection:
            self.direction.addItem(direction.value, direction)
        self.direction.setToolTip("Which directions the faults apply to")
        self.fault_widgets: list[QWidget] = [
            self.delay,
            self.jitter,
            self.rate,
            self.drop,
            self.corrupt,
            self.chunk,
            self.close_after,
            self.direction,
        ]
        for widget in self.fault_widgets:
            if isinstance(widget, QAbstractSpinBox):
                widget.setKeyboardTracking(False)  # apply a typed value once, not per digit
                widget.valueChanged.connect(self._apply_faults)  # type: ignore[attr-defined]
        self.direction.currentIndexChanged.connect(self._apply_faults)

    def _build_layout(self) -> None:
        self.listen_row.add(self.protocol, "Protocol")
        self.target.add(self.start_button)
        relay = QGroupBox("Relay")
        relay_column = QVBoxLayout(relay)
        relay_column.addWidget(self.listen_row)
        relay_column.addWidget(self.target)
        relay_column.addWidget(self.listen.warning)
        relay_column.addWidget(self.framing)

        faults = QGroupBox("Faults (applied live)")
        grid = QGridLayout(faults)
        labels = (
            "Delay",
            "Jitter",
            "Rate",
            "Drop",
            "Corrupt",
            "Chunk",
            "Close after",
            "Apply to",
        )
        for n, (label, widget) in enumerate(zip(labels, self.fault_widgets, strict=True)):
            row, column = divmod(n, 4)
            grid.addWidget(QLabel(label), row, column * 2)
            grid.addWidget(widget, row, column * 2 + 1)
            grid.setColumnStretch(column * 2 + 1, 1)

        connections = QGroupBox("Connections")
        inject_row = QHBoxLayout()
        inject_row.addWidget(self.editor, 1)
        inject_row.addWidget(self.inject_target)
        inject_row.addWidget(self.inject_client)
        column = QVBoxLayout(connections)
        column.addWidget(self.connections, 1)
        column.addLayout(inject_row)

        layout = QVBoxLayout(self)
        layout.addWidget(relay)
        layout.addWidget(faults)
        layout.addWidget(connections, 1)
        layout.addWidget(self.footer)

    @property
    def worker(self) -> RelayWorker:
        return self._worker.get()

    def _wire(self, worker: RelayWorker) -> None:
        worker.status_changed.connect(self._on_status)
        worker.connections_changed.connect(self._on_rows)
        worker.set_faults(self.faults())
        worker.set_framing(self.framing.current())

    # -- ToolTab -----------------------------------------------------------------------

    def input_widgets(self) -> list[QWidget]:
        return [
            self.protocol,
            self.listen,
            self.listen_port,
            self.target_host,
            self.target_port,
            *self.fault_widgets,
            *self.framing.input_widgets(),
            *self.editor.input_widgets(),
        ]

    @property
    def running(self) -> bool:
        return self.start_button.running

    def faults(self) -> RelayFaults:
        """The fault settings as the fields show them."""
        return RelayFaults(
            delay_ms=self.delay.value(),
            jitter_ms=self.jitter.value(),
            rate_kbps=self.rate.value(),
            drop_percent=self.drop.value(),
            corrupt_percent=self.corrupt.value(),
            chunk_size=self.chunk.value(),
            close_after=self.close_after.value(),
            direction=self.direction.currentData(),
        )

    # -- fields ------------------------------------------------------------------------

    @Slot()
    def _apply_faults(self) -> None:
        worker = self._worker.existing()  # none yet: `_wire` hands it the faults in use
        if worker is not None:
            worker.set_faults(self.faults())

    @Slot(object)
    def _apply_framing(self, spec: FramingSpec) -> None:
        worker = self._worker.existing()
        if worker is not None:
            worker.set_framing(spec)

    @Slot()
    def _protocol_changed(self) -> None:
        udp = self.protocol.currentData() is RelayProtocol.UDP
        self.drop.setEnabled(udp)
        self.close_after.setEnabled(not udp)
        self.framing.setEnabled(not udp)  # a datagram is a message already

    # -- actions -----------------------------------------------------------------------

    @Slot()
    def _start(self) -> None:
        host = self.listen.take_bind()
        target = self.target_host.take_host(self.target_port)
        if host is None or target is None:
            return
        self.start_button.begin_start()
        self.worker.start_relay(
            self.protocol.currentData(),
            host,
            self.listen_port.value(),
            target,
            self.target_port.value(),
        )

    @Slot()
    def _stop(self) -> None:
        self.worker.stop_relay()

    @Slot()
    def _inject_to_target(self) -> None:
        self._inject(to_target=True)

    @Slot()
    def _inject_to_client(self) -> None:
        self._inject(to_target=False)

    def payload_editor(self) -> PayloadEditor:
        return self.editor

    def send_payload(self) -> bool:
        """The Messages panel's Send: injects to the target, as that button does."""
        return self._inject(to_target=True)

    def _inject(self, to_target: bool) -> bool:
        message = self.editor.message()
        if message is None or not self.running:
            return False
        # Rendered once per click: every selected connection gets the same bytes.
        data = render_message(message, self._counter)
        peers = self.connections.selected_keys()
        self.worker.inject(peers or None, data, to_target)
        self.editor.mark_sent()
        return True

    # -- worker reports ----------------------------------------------------------------

    @Slot(object)
    def _on_status(self, status: RelayStatus) -> None:
        if status.state is RelayState.RELAYING:
            noun = "connection" if status.protocol is RelayProtocol.TCP else "client"
            self.start_button.show_running(
                f"Relaying {status.protocol.value} {status.bound} → {status.target} · "
                f"{plural(status.connections, noun)}"
            )
        elif status.state is RelayState.STOPPED:
            self.start_button.show_stopped(status.error)
            self._on_rows([])
        self._update_buttons()

    @Slot(object)
    def _on_rows(self, rows: list[RelayRow]) -> None:
        self._rows = rows
        self.connections.update_rows(rows)
        self._show_counters(rows)
        self._update_buttons()

    def _show_counters(self, rows: list[RelayRow]) -> None:
        self.counters.setText(
            f"{plural(len(rows), 'client')} · to targets "
            f"{format_bytes(sum(r.to_target for r in rows))} · to clients "
            f"{format_bytes(sum(r.to_client for r in rows))}"
        )

    @Slot()
    def _update_buttons(self) -> None:
        can = self.running and self.editor.is_valid() and bool(self._rows)
        self.inject_target.setEnabled(can)
        self.inject_client.setEnabled(can)
