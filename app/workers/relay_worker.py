"""The Relay tab's worker: a Relay on its own Reactor thread."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from app.net.events import Source
from app.net.framing import FramingSpec
from app.net.relay.faults import RelayFaults
from app.net.relay.relay import Relay
from app.net.relay.status import RelayProtocol, RelayRow, RelayStatus
from app.workers.reactor_worker import ReactorWorker


class RelayWorker(ReactorWorker[RelayStatus]):
    connections_changed = Signal(object)  # list[RelayRow], at most 4 a second

    source = Source.RELAY

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.relay = Relay(self.reactor, self.sink, self.report_status, self._rows, self.backlog)

    def start_relay(
        self, protocol: RelayProtocol, host: str, port: int, target_host: str, target_port: int
    ) -> None:
        self.post(self.relay.start, protocol, host, port, target_host, target_port)

    def stop_relay(self) -> None:
        self.post(self.relay.stop)

    def set_faults(self, faults: RelayFaults) -> None:
        """Safe from the GUI thread: the next chunk or datagram is planned with them."""
        self.relay.set_faults(faults)

    def set_framing(self, spec: FramingSpec) -> None:
        self.post(self.relay.set_framing, spec)

    def inject(self, peers: list[str] | None, data: bytes, to_target: bool) -> None:
        self.post(self.relay.inject, peers, data, to_target)

    def shutdown(self) -> None:
        self.relay.close()

    def _rows(self, rows: list[RelayRow]) -> None:
        self.connections_changed.emit(rows)
