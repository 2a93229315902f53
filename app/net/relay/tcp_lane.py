"""The parts of a relayed TCP connection: a lane per direction, a protocol per stream."""

from __future__ import annotations

from typing import Protocol

from app.net.outgoing import BytesMessage, Outgoing, StreamFailure
from app.net.reactor import Reactor
from app.net.relay.delivery import PieceQueue
from app.net.relay.faults import Direction
from app.net.relay.legs import leg_detail
from app.net.relay.schedule import FaultScheduler, Piece
from app.net.stream import Stream


class RelayConnection(Protocol):
    """What the lanes and stream sides need of their connection (tcp_connection.py)."""

    reactor: Reactor

    def from_client(self, data: bytes) -> None: ...

    def from_target(self, data: bytes) -> None: ...

    def finished(self, from_client: bool) -> None: ...

    def sent(self, to_target: bool, item: Outgoing) -> None: ...

    def lost(self, from_client: bool, failure: StreamFailure) -> None: ...

    def lane_moved(self) -> None: ...


class RelayMessage(BytesMessage):
    """Bytes written to one side, with what the faults did to them (for the log)."""

    __slots__ = ("note",)

    def __init__(self, data: bytes, note: str = "") -> None:
        super().__init__(data)
        self.note = note


class Lane:
    """One direction: from `source` to `dest`, planned and paced by the faults."""

    def __init__(self, connection: RelayConnection, direction: Direction) -> None:
        self.direction = direction
        self.scheduler = FaultScheduler(direction)
        self.queue = PieceQueue(connection.reactor, self._deliver, connection.lane_moved)
        self.source: Stream | None = None
        self.dest: Stream | None = None
        self.paused = False  # reading of the source stopped by this lane's back-pressure
        self.finished = False  # the source ended its stream
        self.passed_on = False  # ... and the end was passed on to the destination
        to_target = direction is Direction.CLIENT_TO_TARGET
        self.received_detail = leg_detail(False, to_target, direction)
        self.sent_detail = leg_detail(False, not to_target, direction)

    def waiting(self) -> int:
        dest = self.dest
        return self.queue.pending + (dest.queued if dest is not None else 0)

    def _deliver(self, piece: Piece) -> None:
        dest = self.dest
        if dest is None or dest.closed:
            return
        dest.write(RelayMessage(piece.data, piece.note))
        dest.flush()


class StreamSide:
    """The StreamProtocol of one stream; tells the connection which side spoke."""

    __slots__ = ("_connection", "_from_client", "received")

    def __init__(self, connection: RelayConnection, from_client: bool) -> None:
        self._connection = connection
        self._from_client = from_client
        self.received = connection.from_client if from_client else connection.from_target

    def data_received(self, data: bytes) -> None:
        self.received(data)

    def eof_received(self) -> None:
        self._connection.finished(self._from_client)

    def progress(self, item: Outgoing) -> None:
        self._connection.lane_moved()

    def sent(self, item: Outgoing) -> None:
        self._connection.sent(not self._from_client, item)

    def drained(self) -> None:
        self._connection.lane_moved()

    def connection_lost(self, failure: StreamFailure) -> None:
        self._connection.lost(self._from_client, failure)
