"""The UDP relay: one listening socket, one target socket per client address.

A datagram from a new client address opens a socket connected to the target for that
client, so the target's answers come back on it and are sent on to that client alone.
A client silent (both ways) for `idle_timeout` seconds loses its socket, with one line.
Each datagram is planned like a TCP chunk (`FaultScheduler` with `datagram=True`: the
drop fault applies, close-after does not) and delivered in order when due.

While the log is behind (`backlog()`), no socket is read for `BACKLOG_RETRY`: the kernel's
receive buffers fill and drop, and those drops are the kernel's, not ours.
"""

from __future__ import annotations

import selectors
import socket
import time
from collections.abc import Callable, Iterable

from app.net.address import format_sockaddr
from app.net.errors import describe
from app.net.events import EventSink, Kind, Source, make_event
from app.net.reactor import Reactor, Timer
from app.net.relay.delivery import PieceQueue
from app.net.relay.faults import Direction, RelayFaults
from app.net.relay.legs import leg_detail, with_note
from app.net.relay.schedule import FaultScheduler, Piece
from app.net.relay.status import RelayRow
from app.net.resolver import AddrInfo
from app.net.stream import BACKLOG_RETRY
from app.net.udp.listener_socket import open_listening_socket
from app.units import plural

SOURCE = Source.RELAY
IDLE_TIMEOUT = 60.0
READ_BATCH = 64
MAX_DATAGRAM = 65_535

_CLIENT_IN = leg_detail(True, True, Direction.CLIENT_TO_TARGET)
_TARGET_OUT = leg_detail(True, False, Direction.CLIENT_TO_TARGET)
_TARGET_IN = leg_detail(True, False, Direction.TARGET_TO_CLIENT)
_CLIENT_OUT = leg_detail(True, True, Direction.TARGET_TO_CLIENT)


class UdpSession:
    """One client address: its socket to the target and a lane each way."""

    def __init__(self, relay: UdpRelay, address: tuple[object, ...], sock: socket.socket) -> None:
        self.address = address
        self.client = format_sockaddr(address)
        self.sock = sock
        self.local = format_sockaddr(sock.getsockname())
        self.since = self.last_active = time.monotonic()
        self.to_target_bytes = 0
        self.to_client_bytes = 0
        self.to_target_datagrams = 0
        self.to_client_datagrams = 0
        self.refused = False  # "no listener at the target" was said for this client
        self.up = FaultScheduler(Direction.CLIENT_TO_TARGET)
        self.down = FaultScheduler(Direction.TARGET_TO_CLIENT)
        self.up_queue = PieceQueue(relay.reactor, lambda p: relay.send_to_target(self, p), _nothing)
        self.down_queue = PieceQueue(
            relay.reactor, lambda p: relay.send_to_client(self, p), _nothing
        )

    def row(self) -> RelayRow:
        state = (
            f"{plural(self.to_target_datagrams, 'datagram')} to the target, "
            f"{self.to_client_datagrams:,} back"
        )
        return RelayRow(self.client, self.since, self.to_target_bytes, self.to_client_bytes, state)

    def close(self) -> None:
        self.up_queue.clear()
        self.down_queue.clear()
        self.sock.close()


class UdpRelay:
    """Lives in the reactor's thread. `start` raises BindFailed (nothing stays open)."""

    def __init__(
        self,
        reactor: Reactor,
        sink: EventSink,
        faults: Callable[[], RelayFaults],
        on_changed: Callable[[], None],
        backlog: Callable[[], bool] | None = None,
        idle_timeout: float = IDLE_TIMEOUT,
    ) -> None:
        self.reactor = reactor
        self._sink = sink
        self._faults = faults
        self._on_changed = on_changed
        self._backlog = backlog
        self.idle_timeout = idle_timeout
        self._sock: socket.socket | None = None
        self._local = ""
        self._target = ""
        self._target_address: AddrInfo | None = None
        self._sessions: dict[str, UdpSession] = {}
        self._sweep: Timer | None = None
        self._retry: Timer | None = None

    def start(self, host: str, port: int, target: str, addresses: list[AddrInfo]) -> list[str]:
        datagram = [a for a in addresses if a[1] == socket.SOCK_DGRAM] or addresses
        # `localhost` is 127.0.0.1 here: a UDP relay answers from the one address it binds.
        bind = "127.0.0.1" if host.lower() == "localhost" else host
        self._sock = open_listening_socket(bind, port)
        self._local = format_sockaddr(self._sock.getsockname())
        self._target = target
        self._target_address = datagram[0]
        self.reactor.register(self._sock, selectors.EVENT_READ, self._from_clients)
        return [self._local]

    def stop(self) -> int:
        for timer in (self._sweep, self._retry):
            if timer is not None:
                timer.cancel()
        self._sweep = self._retry = None
        if self._sock is not None:
            self.reactor.unregister(self._sock)
            self._sock.close()
            self._sock = None
        sessions = list(self._sessions.values())
        self._sessions.clear()
        for session in sessions:
            self.reactor.unregister(session.sock)
            session.close()
        return len(sessions)

    def rows(self) -> list[RelayRow]:
        return [session.row() for session in self._sessions.values()]

    def connection_count(self) -> int:
        return len(self._sessions)

    def inject(self, peers: Iterable[str] | None, data: bytes, to_target: bool) -> list[str]:
        chosen = list(self._sessions) if peers is None else list(peers)
        missed = []
        for peer in chosen:
            session = self._sessions.get(peer)
            if session is None:
                missed.append(peer)
                continue
            piece = Piece(0.0, data, "injected")
            if to_target:
                self.send_to_target(session, piece)
            else:
                self.send_to_client(session, piece)
        self._on_changed()
        return missed

    def disconnect(self, peers: Iterable[str]) -> None:
        for peer in peers:
            session = self._sessions.pop(peer, None)
            if session is not None:
                self._drop(session, f"Forgot {peer}: its target socket is closed")
        self._on_changed()

    # -- reading -----------------------------------------------------------------------

    def _behind(self) -> bool:
        backlog = self._backlog
        if backlog is None or not backlog() or self._retry is not None:
            return self._retry is not None
        for sock in self._watched():
            self.reactor.unregister(sock)
        self._retry = self.reactor.call_later(BACKLOG_RETRY, self._rewatch)
        return True

    def _watched(self) -> list[socket.socket]:
        socks = [session.sock for session in self._sessions.values()]
        return [self._sock, *socks] if self._sock is not None else socks

    def _rewatch(self) -> None:
        self._retry = None
        if self._sock is not None:
            self.reactor.register(self._sock, selectors.EVENT_READ, self._from_clients)
        for session in self._sessions.values():
            self._watch_session(session)

    def _watch_session(self, session: UdpSession) -> None:
        self.reactor.register(
            session.sock, selectors.EVENT_READ, lambda _mask: self._from_target(session)
        )

    def _from_clients(self, _mask: int) -> None:
        sock = self._sock
        for _ in range(READ_BATCH):
            if sock is None or self._behind():
                return
            try:
                data, address = sock.recvfrom(MAX_DATAGRAM)
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:
                # ICMP from a client that went away arrives here on some systems: go on.
                self._log(Kind.ERROR, f"Receiving from clients: {describe(exc)}")
                return
            session = self._session(address)
            if session is None:
                return
            session.last_active = time.monotonic()
            self._relay(session, data, session.up, session.up_queue, session.client, self._local)

    def _from_target(self, session: UdpSession) -> None:
        for _ in range(READ_BATCH):
            if self._behind() or session.client not in self._sessions:
                return
            try:
                data = session.sock.recv(MAX_DATAGRAM)
            except (BlockingIOError, InterruptedError):
                return
            except ConnectionRefusedError:
                self._refused(session)
                continue
            except OSError as exc:
                self._log(Kind.ERROR, f"Receiving from {self._target}: {describe(exc)}")
                return
            session.last_active = time.monotonic()
            self._relay(
                session, data, session.down, session.down_queue, self._target, session.local
            )

    def _relay(
        self,
        session: UdpSession,
        data: bytes,
        scheduler: FaultScheduler,
        queue: PieceQueue,
        peer: str,
        local: str,
    ) -> None:
        plan = scheduler.plan(data, time.monotonic(), self._faults(), datagram=True)
        upward = scheduler is session.up
        detail = with_note(_CLIENT_IN if upward else _TARGET_IN, plan.note if plan.dropped else "")
        self._sink(
            make_event(SOURCE, Kind.RECEIVED, peer=peer, data=data, local=local, detail=detail)
        )
        queue.add(plan.pieces)
        self._on_changed()

    def _session(self, address: tuple[object, ...]) -> UdpSession | None:
        client = format_sockaddr(address)
        session = self._sessions.get(client)
        if session is not None:
            return session
        target = self._target_address
        assert target is not None
        family, _, _, _, target_address = target
        try:
            sock = socket.socket(family, socket.SOCK_DGRAM)
            sock.setblocking(False)
            sock.connect(target_address)
        except OSError as exc:
            self._log(Kind.ERROR, f"Cannot open a socket to {self._target}: {describe(exc)}")
            return None
        session = UdpSession(self, address, sock)
        self._sessions[client] = session
        self._watch_session(session)
        if self._sweep is None:
            self._arm_sweep()  # only while there are clients: an idle relay never wakes
        self._log(
            Kind.INFO,
            f"New client {client}: relaying its datagrams to {self._target} from {session.local}",
            peer=client,
        )
        return session

    # -- sending -----------------------------------------------------------------------

    def send_to_target(self, session: UdpSession, piece: Piece) -> None:
        try:
            session.sock.send(piece.data)
        except ConnectionRefusedError:
            self._refused(session)
            return
        except OSError as exc:
            self._log(Kind.ERROR, f"Not sent to {self._target}: {describe(exc)}", peer=self._target)
            return
        session.to_target_bytes += len(piece.data)
        session.to_target_datagrams += 1
        self._sink(
            make_event(
                SOURCE,
                Kind.SENT,
                peer=self._target,
                data=piece.data,
                local=session.local,
                detail=with_note(_TARGET_OUT, piece.note),
            )
        )

    def send_to_client(self, session: UdpSession, piece: Piece) -> None:
        sock = self._sock
        if sock is None:
            return
        try:
            sock.sendto(piece.data, session.address)
        except OSError as exc:
            self._log(Kind.ERROR, f"Not sent to {session.client}: {describe(exc)}")
            return
        session.to_client_bytes += len(piece.data)
        session.to_client_datagrams += 1
        self._sink(
            make_event(
                SOURCE,
                Kind.SENT,
                peer=session.client,
                data=piece.data,
                local=self._local,
                detail=with_note(_CLIENT_OUT, piece.note),
            )
        )

    def _refused(self, session: UdpSession) -> None:
        if not session.refused:
            session.refused = True
            self._log(
                Kind.ERROR,
                f"No listener at the target {self._target} (ICMP port unreachable) for the "
                f"datagrams of {session.client}",
                peer=self._target,
            )

    # -- idle clients ------------------------------------------------------------------

    def _arm_sweep(self) -> None:
        self._sweep = self.reactor.call_later(min(5.0, self.idle_timeout / 4), self._sweep_idle)

    def _sweep_idle(self) -> None:
        self._sweep = None
        cutoff = time.monotonic() - self.idle_timeout
        for client, session in list(self._sessions.items()):
            if session.last_active < cutoff and session.up_queue.empty:
                del self._sessions[client]
                self._drop(
                    session,
                    f"Closed the target socket of {client} after "
                    f"{self.idle_timeout:g} s without a datagram",
                )
                self._on_changed()
        if self._sessions:
            self._arm_sweep()

    def _drop(self, session: UdpSession, message: str) -> None:
        self.reactor.unregister(session.sock)
        session.close()
        self._log(Kind.INFO, message, peer=session.client)

    def _log(self, kind: Kind, message: str, peer: str = "") -> None:
        self._sink(make_event(SOURCE, kind, message, peer=peer, detail=leg_detail(True, True)))


def _nothing() -> None:
    """A UDP lane has nothing to do after a delivery: datagrams need no end of stream."""
