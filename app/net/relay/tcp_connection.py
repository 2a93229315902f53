"""One relayed TCP connection: the client's Stream, the target's Stream, a lane each way.

The target is connected without blocking when the client is accepted; until it answers,
the client's socket is not read (its bytes wait in the kernel). A refused, unreachable or
silent target closes the client with one line.

Each direction is a `Lane`: the chunks one stream reads are logged, planned by the
lane's `FaultScheduler`, held in its `PieceQueue` until due, and written to the other
stream. Back-pressure: while more than `HIGH_WATER` bytes wait in a lane (queued for
their due time or in the destination's outbox), the source is not read, so a slow
reader slows the fast writer through TCP flow control and memory stays bounded; reading
resumes below `LOW_WATER`. An end of stream is passed on (half-close) once the lane has
delivered everything before it; the connection ends when both directions have ended.

`from_client` and `from_target` are the one place each direction's received bytes pass
through. With framing (app/net/framing.py) each direction has a FramedReceiver there, and
what is logged, faulted and forwarded is one message at a time; the bytes of an
unfinished message are held until it completes, and go on as one partial row when that
side ends.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable

from app.net.address import format_sockaddr
from app.net.connector import Connector
from app.net.events import EventSink, Kind, Source, make_event
from app.net.framing import AS_RECEIVED, FramingSpec
from app.net.outgoing import Outgoing, StreamFailure
from app.net.reactor import Reactor, Timer
from app.net.receive_framing import FramedReceiver
from app.net.relay.faults import Direction, RelayFaults
from app.net.relay.legs import leg_detail, with_note
from app.net.relay.status import RelayRow
from app.net.relay.tcp_lane import Lane, RelayMessage, StreamSide
from app.net.resolver import AddrInfo
from app.net.stream import Stream
from app.units import format_bytes, format_duration

SOURCE = Source.RELAY
RECV_SIZE = 64 * 1024
MAX_RECV_SIZE = 1024 * 1024
HIGH_WATER = 4 * 1024 * 1024
LOW_WATER = 1024 * 1024
CONNECT_TIMEOUT = 5.0


class RelayConnection:
    """Lives in the reactor's thread. `on_closed(self)` runs once, when it is gone."""

    def __init__(
        self,
        reactor: Reactor,
        client_sock: socket.socket,
        client: str,
        target: str,
        target_addresses: list[AddrInfo],
        sink: EventSink,
        faults: Callable[[], RelayFaults],
        on_closed: Callable[[RelayConnection], None],
        on_changed: Callable[[], None],
        backlog: Callable[[], bool] | None = None,
        connect_timeout: float = CONNECT_TIMEOUT,
        framing: FramingSpec = AS_RECEIVED,
    ) -> None:
        self.reactor = reactor
        self.client = client
        self.target = target
        self.since = time.monotonic()
        self._client_sock: socket.socket | None = client_sock
        self._client_local = format_sockaddr(client_sock.getsockname())
        self._target_local = ""
        self._connector: Connector | None = None
        self._connect_timeout = connect_timeout
        self._deadline: Timer | None = reactor.call_later(connect_timeout, self._timed_out)
        self._sink = sink
        self._faults = faults
        self._on_closed: Callable[[RelayConnection], None] | None = on_closed
        self._on_changed = on_changed
        self._backlog = backlog
        self._client_stream: Stream | None = None
        self._target_stream: Stream | None = None
        self.to_target = Lane(self, Direction.CLIENT_TO_TARGET)
        self.to_client = Lane(self, Direction.TARGET_TO_CLIENT)
        self._client_leg = leg_detail(False, True)
        self._fault_bytes = 0  # forwarded in the faulted directions, for close-after
        self._cut_lane: Lane | None = None  # the lane that reached the close-after limit
        self._client_frames = FramedReceiver(
            reactor,
            lambda messages: self._forward_all(self.to_target, messages),
            self._notice,
            framing,
        )
        self._target_frames = FramedReceiver(
            reactor,
            lambda messages: self._forward_all(self.to_client, messages),
            self._notice,
            framing,
        )
        connector = Connector(reactor, target_addresses, self._target_connected, self._give_up)
        if not self.closed:
            self._connector = connector  # unless every address failed at once

    # -- reporting ---------------------------------------------------------------------

    @property
    def closed(self) -> bool:
        return self._on_closed is None

    @property
    def open(self) -> bool:
        return self._client_stream is not None and self._on_closed is not None

    def row(self) -> RelayRow:
        client, target = self._client_stream, self._target_stream
        if client is None or target is None:
            return RelayRow(self.client, self.since, 0, 0, "Connecting to target…")
        state = "Open"
        if self.to_target.passed_on or self.to_client.passed_on:
            state = "Half closed"
        return RelayRow(self.client, self.since, target.bytes_sent, client.bytes_sent, state)

    # -- commands ----------------------------------------------------------------------

    def inject(self, data: bytes, to_target: bool) -> bool:
        """Write `data` to one side now, past the faults; False when it cannot be sent."""
        lane = self.to_target if to_target else self.to_client
        dest = lane.dest
        if dest is None or dest.closed or lane.passed_on:
            return False
        dest.write(RelayMessage(data, "injected"))
        dest.flush()
        return True

    def set_framing(self, spec: FramingSpec) -> None:
        """Frame what arrives from now on with `spec`; held bytes are framed with it first."""
        self._client_frames.reframe(spec)
        self._target_frames.reframe(spec)

    def disconnect(self) -> None:
        self._end(f"Disconnected {self.client}", Kind.INFO)

    def close(self) -> None:
        """Release both sockets silently (the relay stops or the worker ends)."""
        self._on_closed = None
        self._release()

    # -- connecting to the target ------------------------------------------------------

    def _target_connected(self, sock: socket.socket) -> None:
        self._connector = None
        self._cancel_deadline()
        self._opened(sock)

    def _timed_out(self) -> None:
        self._deadline = None
        self._give_up(f"No answer within {self._connect_timeout:g} s")

    def _give_up(self, reason: str) -> None:
        self._end(f"Target {self.target}: {reason}; closed the client's connection", Kind.ERROR)

    def _opened(self, target_sock: socket.socket) -> None:
        client_sock = self._client_sock
        assert client_sock is not None
        self._client_sock = None
        target_sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._target_local = format_sockaddr(target_sock.getsockname())
        self._client_stream = self._stream(client_sock, from_client=True)
        self._target_stream = self._stream(target_sock, from_client=False)
        self.to_target.source = self.to_client.dest = self._client_stream
        self.to_client.source = self.to_target.dest = self._target_stream
        self._sink(
            make_event(
                SOURCE,
                Kind.INFO,
                f"{self.client} connected; relaying to {self.target}",
                peer=self.client,
                local=self._client_local,
                detail=leg_detail(False, True),
            )
        )
        self._sink(
            make_event(
                SOURCE,
                Kind.INFO,
                f"Connected to the target {self.target} from {self._target_local}",
                peer=self.target,
                local=self._target_local,
                detail=leg_detail(False, False),
            )
        )
        self._on_changed()

    def _stream(self, sock: socket.socket, from_client: bool) -> Stream:
        return Stream(
            self.reactor,
            sock,
            StreamSide(self, from_client),
            recv_size=RECV_SIZE,
            max_recv_size=MAX_RECV_SIZE,
            backlog=self._backlog,
        )

    # -- the two directions ------------------------------------------------------------

    def from_client(self, data: bytes) -> None:
        """Bytes the client sent: the one entry of the client-to-target direction."""
        self._client_frames.feed(data)

    def from_target(self, data: bytes) -> None:
        """Bytes the target sent: the one entry of the target-to-client direction."""
        self._target_frames.feed(data)

    def _forward_all(self, lane: Lane, messages: list[bytes]) -> None:
        for message in messages:
            self._forward(lane, message)

    def _notice(self, text: str) -> None:
        self._sink(make_event(SOURCE, Kind.ERROR, f"{self.client}: {text}", peer=self.client))

    def _forward(self, lane: Lane, data: bytes, partial: bool = False) -> None:
        if lane is self.to_target:
            peer, local = self.client, self._client_local
        else:
            peer, local = self.target, self._target_local
        self._sink(
            make_event(
                SOURCE,
                Kind.RECEIVED,
                peer=peer,
                data=data,
                local=local,
                detail=lane.received_detail,
                partial=partial,
            )
        )
        if self._cut_lane is not None:
            return  # the connection is being cut: nothing more goes through
        faults = self._faults()
        plan = lane.scheduler.plan(data, time.monotonic(), faults, forwarded=self._fault_bytes)
        if faults.applies_to(lane.direction):
            self._fault_bytes += sum(len(piece.data) for piece in plan.pieces)
        if plan.close:
            self._cut_lane = lane
            for other in (self.to_target, self.to_client):
                if other.source is not None:
                    other.source.pause_reading()
        lane.queue.add(plan.pieces)
        self.lane_moved()

    def lane_moved(self) -> None:
        """A lane delivered, or an outbox moved: back-pressure, ends, the cut."""
        if not self.open:
            return
        for lane in (self.to_target, self.to_client):
            source, dest = lane.source, lane.dest
            if source is None or dest is None:
                continue
            waiting = lane.waiting()
            if not lane.paused and waiting > HIGH_WATER:
                lane.paused = True
                source.pause_reading()
            elif lane.paused and waiting <= LOW_WATER:
                lane.paused = False
                if self._cut_lane is None:
                    source.resume_reading()
            if lane.finished and not lane.passed_on and lane.queue.empty:
                lane.passed_on = True
                dest.shutdown_write()
        if self._cut_lane is not None:
            # Once the last bytes under the limit left, whatever waits the other way
            # (a delay, a slow reader) is dropped with the connection.
            if self._cut_lane.waiting() == 0:
                limit = self._faults().close_after
                self._end(
                    f"Cut {self.client} at the close-after limit of {limit:,} bytes"
                    f"{self._totals()}",
                    Kind.INFO,
                )
            return
        done = self.to_target.passed_on and self.to_client.passed_on
        if done and self.to_target.waiting() == 0 and self.to_client.waiting() == 0:
            self._end(f"{self.client} and {self.target} both finished{self._totals()}", Kind.INFO)
            return
        self._on_changed()

    def finished(self, from_client: bool) -> None:
        lane = self.to_target if from_client else self.to_client
        held = (self._client_frames if from_client else self._target_frames).finish()
        if held:  # an unfinished message: it still goes on, marked partial
            self._forward(lane, held, partial=True)
        lane.finished = True
        who = self.client if from_client else self.target
        side = "client" if from_client else "target"
        self._info(f"The {side} {who} finished sending; passing the end on", lane)
        self.lane_moved()

    def sent(self, to_target: bool, item: Outgoing) -> None:
        assert isinstance(item, RelayMessage)
        lane = self.to_target if to_target else self.to_client
        if to_target:
            peer, local = self.target, self._target_local
        else:
            peer, local = self.client, self._client_local
        self._sink(
            make_event(
                SOURCE,
                Kind.SENT,
                peer=peer,
                data=item.data,
                local=local,
                detail=with_note(lane.sent_detail, item.note),
            )
        )

    def lost(self, from_client: bool, failure: StreamFailure) -> None:
        to_target = not from_client
        prefix = failure.sent_prefix()
        if prefix:
            self.sent(to_target, RelayMessage(prefix))
        side = f"the client {self.client}" if from_client else f"the target {self.target}"
        message = f"{failure.reason} on the side of {side}"
        if failure.partial is not None:
            message += f" — {failure.unsent_text()}"
        other = "the target" if from_client else "the client"
        self._end(f"{message}; closed {other} too{self._totals()}", Kind.ERROR)

    # -- teardown ----------------------------------------------------------------------

    def _end(self, message: str, kind: Kind) -> None:
        on_closed = self._on_closed
        if on_closed is None:
            return
        self._on_closed = None
        self._release()
        # No `local` on the rows that are not a connection's start: an export reads a row
        # with both ends as the start of a new flow.
        self._sink(make_event(SOURCE, kind, message, peer=self.client, detail=self._client_leg))
        on_closed(self)

    def _release(self) -> None:
        self._cancel_deadline()
        self._client_frames.close()
        self._target_frames.close()
        for lane in (self.to_target, self.to_client):
            lane.queue.clear()
        if self._connector is not None:
            self._connector.cancel()
            self._connector = None
        if self._client_sock is not None:
            self._client_sock.close()
            self._client_sock = None
        for stream in (self._client_stream, self._target_stream):
            if stream is not None:
                stream.close()

    def _cancel_deadline(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _totals(self) -> str:
        client, target = self._client_stream, self._target_stream
        if client is None or target is None:
            return ""
        age = format_duration(time.monotonic() - self.since)
        return (
            f" (to the target {format_bytes(target.bytes_sent)}, to the client "
            f"{format_bytes(client.bytes_sent)}, after {age})"
        )

    def _info(self, message: str, lane: Lane) -> None:
        peer = self.client if lane.direction is Direction.CLIENT_TO_TARGET else self.target
        self._sink(make_event(SOURCE, Kind.INFO, message, peer=peer, detail=lane.received_detail))
