"""The one relay object a worker (or the command line) drives: TCP or UDP, faults, inject.

`start` resolves the target off the loop thread, then listens; the status says where it
listens and where it forwards. `set_faults` may be called from any thread: it swaps one
immutable record, and the next chunk or datagram is planned with it. The connection
table is reported a few times a second at most, only when something changed.
"""

from __future__ import annotations

import socket
from collections.abc import Callable

from app.net.address import format_peer
from app.net.events import EventSink, Kind, make_event
from app.net.framing import FramingSpec
from app.net.listener import ListenError
from app.net.reactor import Reactor, Timer
from app.net.relay.faults import NO_FAULTS, RelayFaults
from app.net.relay.legs import leg_detail
from app.net.relay.status import (
    RelayProtocol,
    RelayState,
    RelayStatus,
    RowsCallback,
    StateCallback,
)
from app.net.relay.tcp_connection import SOURCE
from app.net.relay.tcp_relay import TcpRelay
from app.net.relay.udp_relay import UdpRelay
from app.net.resolver import AddrInfo, resolve_async
from app.net.udp.listener_socket import BindFailed
from app.units import plural

# Stop reading while this many received bytes wait for the log (see TcpServer's).
BACKLOG_LIMIT = 128 * 1024 * 1024
SNAPSHOT_INTERVAL = 0.25


class Relay:
    """Lives in the reactor's thread; every method but `set_faults`/`faults` runs there."""

    def __init__(
        self,
        reactor: Reactor,
        sink: EventSink,
        on_state: StateCallback,
        on_rows: RowsCallback | None = None,
        backlog: Callable[[], int] | None = None,
    ) -> None:
        self._reactor = reactor
        self._sink = sink
        self._on_state = on_state
        self._on_rows = on_rows
        behind = None if backlog is None else (lambda: backlog() > BACKLOG_LIMIT)
        self._faults = NO_FAULTS
        self._tcp = TcpRelay(reactor, sink, self.faults, self._changed, behind)
        self._udp = UdpRelay(reactor, sink, self.faults, self._changed, behind)
        self._active: TcpRelay | UdpRelay | None = None
        self._protocol = RelayProtocol.TCP
        self._bound = ""
        self._target = ""
        self._attempt = 0
        self._refresh: Timer | None = None
        self._count = 0

    # -- any thread --------------------------------------------------------------------

    def set_faults(self, faults: RelayFaults) -> None:
        self._faults = faults  # one reference swap, atomic under the GIL

    def faults(self) -> RelayFaults:
        return self._faults

    def set_framing(self, spec: FramingSpec) -> None:
        """TCP only (a datagram is a message already); loop thread."""
        self._tcp.set_framing(spec)

    # -- commands ----------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._active is not None

    @property
    def tcp(self) -> TcpRelay:
        return self._tcp

    @property
    def udp(self) -> UdpRelay:
        return self._udp

    def start(
        self,
        protocol: RelayProtocol,
        listen_host: str,
        listen_port: int,
        target_host: str,
        target_port: int,
    ) -> None:
        if self._active is not None:
            self._log(Kind.INFO, "The relay is already running; stop it first")
            return
        self._attempt += 1
        attempt = self._attempt
        self._protocol = protocol
        self._target = format_peer(target_host, target_port)
        self._on_state(RelayStatus(RelayState.STARTING, protocol, target=self._target))
        kind = socket.SOCK_DGRAM if protocol is RelayProtocol.UDP else socket.SOCK_STREAM
        resolve_async(
            self._reactor,
            target_host,
            target_port,
            kind,
            lambda infos, reason: self._resolved(attempt, infos, reason, listen_host, listen_port),
        )

    def stop(self) -> None:
        self._attempt += 1
        if self._active is None:
            self._on_state(RelayStatus(RelayState.STOPPED, self._protocol))
            return
        closed = self._shut()
        message = "Relay stopped"
        if closed:
            noun = "connection" if self._protocol is RelayProtocol.TCP else "client"
            message += f"; {plural(closed, noun)} closed"
        self._log(Kind.INFO, message)
        self._publish()
        self._on_state(RelayStatus(RelayState.STOPPED, self._protocol))

    def close(self) -> None:
        """Release everything at shutdown, without log lines."""
        self._attempt += 1
        self._shut()

    def inject(self, peers: list[str] | None, data: bytes, to_target: bool) -> None:
        """`data` to the target (or the client) of `peers`, of every client for None."""
        active = self._active
        where = "target" if to_target else "client"
        if active is None or not active.connection_count():
            self._log(Kind.ERROR, f"Nothing injected to the {where}: no client is connected")
            return
        missed = active.inject(peers, data, to_target)
        if missed:
            self._log(
                Kind.ERROR,
                f"Not injected to the {where} of {', '.join(missed)}: "
                "no longer connected, or still connecting",
            )

    def disconnect(self, peers: list[str]) -> None:
        if self._active is not None:
            self._active.disconnect(peers)

    # -- internals ---------------------------------------------------------------------

    def _resolved(
        self,
        attempt: int,
        infos: list[AddrInfo] | None,
        reason: str,
        listen_host: str,
        listen_port: int,
    ) -> None:
        if attempt != self._attempt:
            return
        if not infos:
            self._fail(f"Cannot resolve the target {self._target}: {reason or 'no address'}")
            return
        relay = self._udp if self._protocol is RelayProtocol.UDP else self._tcp
        try:
            bound = relay.start(listen_host, listen_port, self._target, infos)
        except (ListenError, BindFailed) as exc:
            self._fail(str(exc))
            return
        self._active = relay
        self._bound = ", ".join(bound)
        self._count = 0
        udp = self._protocol is RelayProtocol.UDP
        for n, address in enumerate(bound):
            # `local` without `peer`: the export learns the relay's listening ends.
            message = (
                f"Relay ({self._protocol.value}) listening on {address}, forwarding to "
                f"{self._target}; faults: {self._faults.describe()}"
                if n == 0
                else f"Relay also listening on {address}"
            )
            self._sink(
                make_event(SOURCE, Kind.INFO, message, local=address, detail=leg_detail(udp, True))
            )
        self._report()

    def _fail(self, error: str) -> None:
        self._log(Kind.ERROR, error)
        self._on_state(RelayStatus(RelayState.STOPPED, self._protocol, error=error))

    def _shut(self) -> int:
        if self._refresh is not None:
            self._refresh.cancel()
            self._refresh = None
        active, self._active = self._active, None
        self._bound = ""
        return active.stop() if active is not None else 0

    def _changed(self) -> None:
        if self._refresh is None and self._active is not None:
            self._refresh = self._reactor.call_later(SNAPSHOT_INTERVAL, self._tick)

    def _tick(self) -> None:
        self._refresh = None
        active = self._active
        if active is None:
            return
        if active.connection_count() != self._count:
            self._report()
        self._publish()

    def _report(self) -> None:
        active = self._active
        self._count = active.connection_count() if active is not None else 0
        self._on_state(
            RelayStatus(RelayState.RELAYING, self._protocol, self._bound, self._target, self._count)
        )

    def _publish(self) -> None:
        if self._on_rows is not None:
            active = self._active
            self._on_rows(active.rows() if active is not None else [])

    def _log(self, kind: Kind, message: str) -> None:
        self._sink(make_event(SOURCE, kind, message))
