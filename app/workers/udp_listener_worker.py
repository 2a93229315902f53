"""The UDP Listener tab's worker: a UdpListener on its own Reactor thread."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from app.net.events import LogEvent, Source
from app.net.udp.listener import UdpListener
from app.net.udp.listener_status import ListenerState, ReplyMode, UdpListenerStatus
from app.workers.reactor_worker import ReactorWorker


class UdpListenerWorker(ReactorWorker):
    status_changed = Signal(object)  # UdpListenerStatus, at most a few a second

    source = Source.UDP_LISTENER

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._state = ListenerState.STOPPED
        self._listener = UdpListener(
            self.reactor, self.sink, self._status, sink_many=self.sink_many
        )

    # -- any thread ------------------------------------------------------------------

    def start_listening(self, bind: str, port: int, multicast: str = "") -> None:
        self.post(self._listener.start, bind, port, multicast)

    def stop_listening(self) -> None:
        self.post(self._listener.stop)

    def set_reply(self, mode: ReplyMode, data: bytes = b"") -> None:
        self._listener.set_reply(mode, data)  # a reference swap, safe from any thread

    def send_to(self, peers: list[str], data: bytes) -> None:
        self.post(self._listener.send_to, list(peers), data)

    # -- loop thread -----------------------------------------------------------------

    def sink_many(self, events: list[LogEvent]) -> None:
        """A whole batch of datagrams at once: one lock and one list extend."""
        self._batcher.extend(events)

    def shutdown(self) -> None:
        self._listener.close()

    def _status(self, status: UdpListenerStatus) -> None:
        if status.state is not self._state:
            # Log lines that led to a state change arrive before the change itself; the
            # periodic peer snapshots wait for the batcher's own pace.
            self._state = status.state
            self.flush_events()
        elif status.error:
            self.flush_events()
        self.status_changed.emit(status)
