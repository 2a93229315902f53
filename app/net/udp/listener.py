"""A UDP listener on a Reactor: every datagram logged with its source, replies, kernel drops."""

from __future__ import annotations

import selectors
import time
from collections.abc import Callable
from functools import partial

from app.net.errors import describe
from app.net.events import EventSink, EventsSink, Kind, LogEvent, Source, make_event, one_by_one
from app.net.reactor import Reactor
from app.net.reply import ReplyMode
from app.net.rules.responder import Responder
from app.net.throttle import Throttle
from app.net.udp.datagram import max_payload
from app.net.udp.listener_drops import (
    ANCILLARY_SPACE,
    HAS_DROP_COUNTER,
    drops_from_ancillary,
    drops_from_proc,
)
from app.net.udp.listener_endpoints import Endpoint, open_endpoints
from app.net.udp.listener_peers import MAX_PEERS, Address, PeerTable
from app.net.udp.listener_rules import ANSWERED, ListenerRules
from app.net.udp.listener_socket import BindFailed, check_group, leave_group
from app.net.udp.listener_status import (
    LISTENING_PREFIX,
    ListenerState,
    UdpListenerStatus,
)
from app.payload import Message, MessageCounter, render_message
from app.units import plural

# recvfrom calls per readiness: enough that a flood costs few selector turns, few enough
# that two sockets (localhost) and posted commands (Stop) take turns within a millisecond.
READ_BATCH = 256
RECV_SIZE = 65_535  # the largest datagram arrives whole (IPv6: 65,527 bytes of payload)
STATUS_INTERVAL = 0.25  # the peer table and counters reach the GUI at most 4 times a second
DROPS_LOG_INTERVAL = 1.0
SOURCE = Source.UDP_LISTENER

StatusCallback = Callable[[UdpListenerStatus], None]


class UdpListener:
    """Lives in the reactor's thread; only `set_reply` may be called from another."""

    def __init__(
        self,
        reactor: Reactor,
        sink: EventSink,
        on_status: StatusCallback,
        *,
        sink_many: EventsSink | None = None,
    ) -> None:
        self._reactor = reactor
        self._sink = sink
        self._sink_many = sink_many if sink_many is not None else one_by_one(sink)
        self._on_status = on_status
        self._endpoints: list[Endpoint] = []
        self._reply: tuple[ReplyMode, Message, Responder | None] = (ReplyMode.ECHO, b"", None)
        self.counter = MessageCounter()  # the tab's {{counter}}: sends and replies count
        self._rules = ListenerRules(reactor, sink, self._route, self._count_sent)
        self._peers = PeerTable(self._forgot)
        self._group = ""
        self._error = ""
        self._drops_logged = 0
        self._final_drops = 0  # the count when the sockets closed, shown until next Start
        self._reply_failures = 0
        self._status = Throttle(reactor, STATUS_INTERVAL, self._emit_status)
        self._drops_report = Throttle(reactor, DROPS_LOG_INTERVAL, self._log_drops)
        self.received = self.received_bytes = self.sent = self.sent_bytes = 0

    @property
    def state(self) -> ListenerState:
        return ListenerState.LISTENING if self._endpoints else ListenerState.STOPPED

    # -- any thread --------------------------------------------------------------------

    def set_reply(
        self, mode: ReplyMode, data: Message = b"", responder: Responder | None = None
    ) -> None:
        # One reference swap (atomic under the GIL): the next datagram uses the new reply.
        if responder is not None:
            responder.counter = self.counter  # rule replies count as the tab's sends
        self._reply = (mode, data, responder)

    # -- commands (loop thread) --------------------------------------------------------

    def start(self, host: str, port: int, multicast: str = "") -> None:
        if self._endpoints:
            self._log(Kind.INFO, "Already listening; stop first")
            return
        self._error = ""
        try:
            group = check_group(multicast)
            self._endpoints = open_endpoints(host.strip(), port, group)
        except BindFailed as exc:
            self._error = str(exc)
            self._log(Kind.ERROR, self._error)
            self._status.flush()
            return
        self._group = group
        self._peers.clear()
        self._drops_logged = self._final_drops = self._reply_failures = 0
        self.received = self.received_bytes = self.sent = self.sent_bytes = 0
        for endpoint in self._endpoints:
            self._reactor.register(
                endpoint.sock, selectors.EVENT_READ, partial(self._ready, endpoint)
            )
        where = ", ".join(e.name for e in self._endpoints if not e.group_only)
        message = LISTENING_PREFIX + where
        if self._group:
            message += f"; joined multicast group {self._group}"
        self._log(Kind.INFO, message)
        self._status.flush()

    def stop(self) -> None:
        if not self._endpoints:
            self._status.flush()
            return
        self._refresh_drops()
        where = ", ".join(e.name for e in self._endpoints)
        group = self._group
        if self._drops_logged < self._total_drops():
            self._log_drops()
        self._close_endpoints()
        message = (
            f"Stopped listening on {where}: received {plural(self.received, 'datagram')} "
            f"({plural(self.received_bytes, 'byte')}) from {plural(len(self._peers), 'peer')}"
        )
        if group:
            message += f"; left multicast group {group}"
        self._log(Kind.INFO, message)
        self._status.flush()

    def send_to(self, peers: list[str], message: Message) -> None:
        """Send `message` to each listed peer (as the table names them), from its socket;
        each copy is a message of its own, its macros rendered anew."""
        if not self._endpoints:
            self._log(Kind.ERROR, "Not listening: start the listener to send to its peers")
            return
        stamp = time.time()
        events: list[LogEvent] = []
        for name in peers:
            record = self._peers.named(name)
            if record is None:
                events.append(_error(f"{name} is not a peer of this listener; nothing sent", name))
                continue
            endpoint = record.endpoint
            data = render_message(message, self.counter)
            limit = max_payload(endpoint.sock.family)
            if len(data) > limit:
                events.append(
                    _error(
                        f"Payload of {len(data):,} bytes is too large for one datagram "
                        f"(max {limit:,} bytes); nothing sent to {name}",
                        name,
                    )
                )
                self.counter.sent -= 1  # not sent: the number goes to the next message
                continue
            try:
                endpoint.sock.sendto(data, record.address)
            except OSError as exc:
                events.append(_error(f"{describe(exc)}: nothing sent to {name}", name))
                self.counter.sent -= 1
                continue
            self.sent += 1
            self.sent_bytes += len(data)
            events.append(
                LogEvent(stamp, SOURCE, Kind.SENT, name, data, "", len(data), "", endpoint.name)
            )
        self._sink_many(events)
        self._status.request()

    def close(self) -> None:
        """Release everything at shutdown without a sentence per object."""
        self._status.cancel()
        self._drops_report.cancel()
        self._close_endpoints()

    # -- sockets (loop thread) ---------------------------------------------------------

    def _close_endpoints(self) -> None:
        self._final_drops = self._total_drops()
        for endpoint in self._endpoints:
            self._reactor.unregister(endpoint.sock)
            if endpoint.group:
                leave_group(endpoint.sock, endpoint.group, endpoint.membership)
            endpoint.sock.close()
        self._endpoints = []
        self._group = ""
        self._rules.clear()

    def _route(self, address: tuple[object, ...]) -> Endpoint | None:
        record = self._peers.by_address.get(address) if self._endpoints else None  # a peer
        return record.endpoint if record is not None else None

    def _count_sent(self, size: int) -> None:
        self.sent, self.sent_bytes = self.sent + 1, self.sent_bytes + size
        self._status.request()

    # -- datagrams (loop thread) -------------------------------------------------------

    def _ready(self, endpoint: Endpoint, _mask: int) -> None:
        sock = endpoint.sock
        recvfrom = sock.recvfrom
        sendto = sock.sendto
        setting = self._reply
        mode, reply, responder = setting
        render = None if type(reply) is bytes else reply.render_number  # type: ignore[union-attr]
        numbered = self.counter.sent  # replies of this batch so far are added to it
        echo, fixed, rules = ReplyMode.ECHO, ReplyMode.FIXED, ReplyMode.RULES
        peers = self._peers.by_address
        now = time.time
        new = tuple.__new__
        received, sent = Kind.RECEIVED, Kind.SENT
        events: list[LogEvent] = []
        append = events.append
        count = size_in = replies = size_out = failed = ruled = 0
        counting = endpoint.counts_drops
        local = endpoint.name
        failure: OSError | None = None
        for turn in range(READ_BATCH):
            try:
                if turn or not counting:
                    data, address = recvfrom(RECV_SIZE)
                else:
                    # One recvmsg per batch carries the kernel's drop counter.
                    data, ancillary, _flags, address = sock.recvmsg(RECV_SIZE, ANCILLARY_SPACE)
                    if ancillary:
                        drops = drops_from_ancillary(ancillary)
                        if drops is not None and drops > endpoint.drops:
                            endpoint.drops = drops
                            self._drops_report.request()
            except (BlockingIOError, InterruptedError):
                break
            except (ConnectionRefusedError, ConnectionResetError):
                continue  # Windows reports an ICMP error for an earlier reply here
            except OSError as exc:
                failure = exc
                break
            stamp = now()
            record = peers.get(address)
            if record is None:
                record = self._peers.add(address, endpoint)
            size = len(data)
            record.datagrams += 1
            record.bytes += size
            record.last_seen = stamp
            record.endpoint = endpoint
            peer = record.name
            append(
                new(
                    LogEvent,
                    (
                        stamp,
                        SOURCE,
                        received,
                        peer,
                        data,
                        "" if size else "0-byte datagram",
                        size,
                        "",
                        local,
                        False,
                    ),
                )
            )
            count += 1
            size_in += size
            if self._reply is not setting:  # changed from the GUI thread: this datagram on
                setting = self._reply
                mode, reply, responder = setting
                render = None if type(reply) is bytes else reply.render_number  # type: ignore[union-attr]
            if mode is echo:  # `detail` says which rule answered, in Rules mode
                out, out_size, detail = data, size, ""
            elif mode is fixed:
                out = reply if render is None else render(numbered + replies + 1)  # type: ignore[assignment]
                out_size, detail = len(out), ""
            elif mode is rules and responder is not None:
                answer = self._rules.answer(responder, address, peer, data)
                events += self._rules.take_notes()
                if answer is None or not answer.reply:  # an empty reply sends nothing
                    continue
                out, out_size, detail = answer.reply, len(answer.reply), ANSWERED + answer.label
            else:
                continue
            try:
                sendto(out, address)
            except OSError:
                failed += 1  # a full send buffer: counted and logged once a second
                continue
            append(
                new(LogEvent, (stamp, SOURCE, sent, peer, out, "", out_size, detail, local, False))
            )
            replies += 1
            size_out += out_size
            if detail:
                ruled += 1  # the responder counted it for {{counter}} already
        if events:
            self.received += count
            self.received_bytes += size_in
            self.sent += replies
            self.sent_bytes += size_out
            self.counter.sent += replies - ruled
            self._sink_many(events)
            self._status.request()
        if failed:
            self._reply_failures += failed
            self._drops_report.request()
        if failure is not None:
            self._log(Kind.ERROR, f"{describe(failure)} while reading on {endpoint.name}")

    def _forgot(self, address: Address, count: int) -> None:
        self._rules.forget(address)
        if count == 1:
            self._log(
                Kind.INFO,
                f"More than {MAX_PEERS:,} peers: the table forgets the earliest seen "
                "(their datagrams stay in the log)",
            )

    # -- reporting (loop thread) -------------------------------------------------------

    def _total_drops(self) -> int:
        return sum(e.drops for e in self._endpoints) if self._endpoints else self._final_drops

    def _refresh_drops(self) -> None:
        for endpoint in self._endpoints:
            drops = drops_from_proc(endpoint.sock)
            if drops is not None and drops > endpoint.drops:
                endpoint.drops = drops
                self._drops_report.request()

    def _log_drops(self) -> None:
        total = self._total_drops()
        if total > self._drops_logged:
            self._log(
                Kind.ERROR,
                f"The kernel dropped {total - self._drops_logged:,} datagrams (receive queue "
                f"full; {total:,} since Start): they never reached the listener",
            )
            self._drops_logged = total
        if self._reply_failures:
            self._log(
                Kind.ERROR,
                f"{self._reply_failures:,} replies could not be sent (send buffer full)",
            )
            self._reply_failures = 0

    def _emit_status(self) -> None:
        self._refresh_drops()
        peers = self._peers.stats()
        self._on_status(
            UdpListenerStatus(
                self.state,
                tuple(e.name for e in self._endpoints),
                peers,
                self._total_drops(),
                self.received,
                self.received_bytes,
                self.sent,
                self.sent_bytes,
                self._error,
                self._group,
                HAS_DROP_COUNTER,
            )
        )

    def _log(self, kind: Kind, message: str) -> None:
        self._sink(make_event(SOURCE, kind, message))


def _error(message: str, peer: str) -> LogEvent:
    return make_event(SOURCE, Kind.ERROR, message, peer=peer)
