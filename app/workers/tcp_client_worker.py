"""The TCP Client tab's worker: a TcpClient on its own Reactor thread."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from app.net.events import Source
from app.net.framing import FramingSpec
from app.net.round_trips import RoundTripRecorder
from app.net.tcp.client import TcpClient
from app.net.tcp.load_run import TcpLoadRun
from app.net.tcp.load_status import TcpLoadJob
from app.net.tcp.status import TcpStatus
from app.net.tls.options import ClientTlsOptions
from app.payload import Message
from app.workers.round_trip_worker import RoundTripWorker

LOAD_CONN_BASE = 1_000_000  # more than a run's connections (1,000) and any reconnects


class TcpClientWorker(RoundTripWorker[TcpStatus]):
    send_progress = Signal(object, object)  # bytes sent, bytes in the message being sent
    load_progress = Signal(object)  # TcpLoadProgress, at most 10 a second; phase DONE last

    source = Source.TCP

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._client = TcpClient(
            self.reactor,
            self.sink,
            self.report_status,
            on_progress=self.send_progress.emit,
            backlog=self.backlog,
            sink_many=self.sink_many,
            on_round_trips=self.round_trips.emit,
        )
        self._load: TcpLoadRun | None = None
        self._load_runs = 0

    def open_connection(
        self,
        host: str,
        port: int,
        timeout: float = 5.0,
        half_close: bool = False,
        tls: ClientTlsOptions | None = None,
    ) -> None:
        """half_close: keep the connection (and Send) open after the peer finishes;
        tls: speak TLS (connected once the handshake is done)."""
        self.post(self._connect, host, port, timeout, half_close, tls)

    def send(self, data: Message) -> None:
        self.post(self._client.send, data)

    def set_framing(self, spec: FramingSpec) -> None:
        """Received data is framed with `spec` from now on (this connection and the next)."""
        self.post(self._client.set_framing, spec)

    def close_connection(self) -> None:
        self.post(self._client.disconnect)

    @property
    def _round_trips(self) -> RoundTripRecorder:
        return self._client.round_trips

    def shutdown(self) -> None:
        if self._load is not None:
            self._load.close()  # before the client: its recorder serves the run too
        self._client.close()

    # -- load runs (app/net/tcp/load_run.py): connections of their own ---------------------

    def start_load(self, job: TcpLoadJob) -> None:
        self.post(self._start_load, job)

    def stop_load(self) -> None:
        self.post(self._stop_load)

    def _start_load(self, job: TcpLoadJob) -> None:
        if self._load is not None:
            return
        self._load_runs += 1
        self._load = TcpLoadRun(
            self.reactor,
            job,
            sink=self.sink,
            sink_many=self.sink_many,
            counter=self._client.counter,  # the tab's one {{counter}}
            backlog=self.backlog,
            on_progress=self.load_progress.emit,
            on_end=self._load_ended,
            # One recorder for the tab: the statistics cover every connection of the run.
            # Run k's connections are k,000,001 up, apart from the single connection's.
            round_trips=self._client.round_trips,
            conn_base=LOAD_CONN_BASE * self._load_runs,
        )
        self._load.start()

    def _stop_load(self) -> None:
        if self._load is not None:
            self._load.stop()

    def _load_ended(self) -> None:
        self._load = None

    def _connect(
        self, host: str, port: int, timeout: float, half_close: bool, tls: ClientTlsOptions | None
    ) -> None:
        self._client.connect(host, port, timeout=timeout, half_close=half_close, tls=tls)
