"""The UDP Listener tab's worker: a UdpListener on its own Reactor thread."""

from __future__ import annotations

from PySide6.QtCore import QObject

from app.net.events import Source
from app.net.reply import ReplyMode
from app.net.rules.responder import Responder
from app.net.udp.listener import UdpListener
from app.net.udp.listener_status import ListenerState, UdpListenerStatus
from app.payload import Message
from app.workers.reactor_worker import ReactorWorker


class UdpListenerWorker(ReactorWorker[UdpListenerStatus]):
    source = Source.UDP_LISTENER

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._state = ListenerState.STOPPED
        self._listener = UdpListener(
            self.reactor, self.sink, self._status, sink_many=self.sink_many
        )

    def start_listening(self, bind: str, port: int, multicast: str = "") -> None:
        self.post(self._listener.start, bind, port, multicast)

    def stop_listening(self) -> None:
        self.post(self._listener.stop)

    def set_reply(
        self, mode: ReplyMode, data: Message = b"", responder: Responder | None = None
    ) -> None:
        self._listener.set_reply(mode, data, responder)  # a reference swap, safe anywhere

    def send_to(self, peers: list[str], data: Message) -> None:
        self.post(self._listener.send_to, list(peers), data)

    def shutdown(self) -> None:
        self._listener.close()

    def _status(self, status: UdpListenerStatus) -> None:
        # A change of state or an error follows the log lines that led to it; the
        # periodic peer snapshots (a few a second) need not wait for a flush.
        if status.state is not self._state or status.error:
            self._state = status.state
            self.report_status(status)
        else:
            self.status_changed.emit(status)
