"""A TCP server on a Reactor: many clients, echo / fixed reply / silence, sends to chosen clients.

Every chunk a client sends is one received event with that client as the peer; every reply
or send is one sent event once the kernel took all of it. A client that finishes sending
(half-close) still gets what is queued for it, then the server closes its side.
"""

from __future__ import annotations

import errno
import selectors
import socket
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial

from app.net.address import format_sockaddr
from app.net.errors import describe
from app.net.events import EventSink, Kind, Source, make_event
from app.net.http.server import _bind_failure, _listen
from app.net.http.status import bind_addresses
from app.net.reactor import Reactor, Timer
from app.net.tcp.server_status import (
    ClientRow,
    ClientsCallback,
    ReplyConfig,
    ReplyMode,
    ServerState,
    StateCallback,
    TcpServerStatus,
)
from app.units import format_bytes, format_duration, plural

SOURCE = Source.TCP_SERVER
RECV_SIZE = 256 * 1024
# Stop reading every client while this many received bytes wait for the log: a client
# pouring data is then slowed down by TCP flow control instead of filling memory.
BACKLOG_LIMIT = 64 * 1024 * 1024
# A client that sends but never reads its echo: stop reading it once this much waits to
# be sent to it, so its replies cannot grow without bound either.
OUTBOX_LIMIT = 4 * 1024 * 1024
RESUME_DELAY = 0.01
ACCEPT_BATCH = 64
LISTEN_BACKLOG = 1024
# Out of file descriptors: accepting again at once would spin on the same error.
EMFILE_PAUSE = 0.25
_OUT_OF_DESCRIPTORS = (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM)
# Refusals over the limit and EMFILE pauses are logged at most this often, with a count.
NOTICE_INTERVAL = 1.0
# The client table is refreshed at most this often, and only when something changed.
SNAPSHOT_INTERVAL = 0.25


@dataclass(slots=True)
class _Outgoing:
    data: bytes
    view: memoryview
    sent: int = 0


class _Client:
    """One accepted connection: reads, an outbox of pending bytes, one interest mask."""

    __slots__ = (
        "bytes_in",
        "bytes_out",
        "finished",
        "mask",
        "outbox",
        "peer",
        "queued",
        "reading",
        "since",
        "sock",
    )

    def __init__(self, sock: socket.socket, peer: str) -> None:
        self.sock = sock
        self.peer = peer
        self.since = time.monotonic()
        self.bytes_in = 0
        self.bytes_out = 0
        self.outbox: deque[_Outgoing] = deque()
        self.queued = 0
        self.reading = True
        self.finished = False  # the client closed its sending side
        self.mask = 0


class TcpServer:
    """Lives in the reactor's thread; every public method but `set_reply` is called there."""

    def __init__(
        self,
        reactor: Reactor,
        sink: EventSink,
        on_state: StateCallback,
        on_clients: ClientsCallback | None = None,
        backlog: Callable[[], int] | None = None,
    ) -> None:
        self._reactor = reactor
        self._sink = sink
        self._on_state = on_state
        self._on_clients = on_clients
        self._backlog = backlog or (lambda: 0)
        self._reply = ReplyConfig()
        self._listeners: list[socket.socket] = []
        self._clients: dict[str, _Client] = {}
        self._bound = ""
        self.max_clients = 1000
        self._refused = 0
        self._last_refusal_notice = 0.0
        self._emfile_pauses = 0
        self._last_emfile_notice = 0.0
        self._accept_timer: Timer | None = None
        self._resume_timer: Timer | None = None
        self._snapshot_timer: Timer | None = None
        self._count_dirty = False

    # -- any thread --------------------------------------------------------------------

    def set_reply(self, reply: ReplyConfig) -> None:
        # One reference swap (atomic under the GIL): the next chunk is answered with it.
        self._reply = reply

    # -- commands (loop thread) --------------------------------------------------------

    @property
    def running(self) -> bool:
        return bool(self._listeners)

    def client_count(self) -> int:
        return len(self._clients)

    def start(self, host: str, port: int, max_clients: int = 1000) -> None:
        if self._listeners:
            self._info("The server is already listening; stop it first")
            return
        listeners: list[socket.socket] = []
        for address in bind_addresses(host):
            try:
                listeners.append(_listen(address, port))
            except OSError as exc:
                if host == "localhost" and address == "::1" and listeners:
                    continue
                for sock in listeners:
                    sock.close()
                message = _bind_failure(exc, address, port)
                self._sink(make_event(SOURCE, Kind.ERROR, message))
                self._on_state(TcpServerStatus(ServerState.STOPPED, error=message))
                return
            if port == 0:
                port = listeners[0].getsockname()[1]
        self.max_clients = max_clients
        self._listeners = listeners
        self._refused = self._emfile_pauses = 0
        self._watch_listeners(True)
        self._bound = ", ".join(format_sockaddr(s.getsockname()) for s in listeners)
        self._info(f"Listening on {self._bound} (at most {plural(max_clients, 'client')} at once)")
        self._report_state()

    def stop(self) -> None:
        if not self._listeners:
            self._on_state(TcpServerStatus(ServerState.STOPPED))
            return
        closed = self._shut_everything()
        message = "TCP server stopped"
        if closed:
            message += f"; {plural(closed, 'client')} disconnected"
        self._info(message)
        self._publish_clients()
        self._on_state(TcpServerStatus(ServerState.STOPPED))

    def close(self) -> None:
        """Release everything at shutdown (the worker is ending), without log lines."""
        self._shut_everything()

    def send(self, peers: Iterable[str], data: bytes) -> None:
        missing = []
        for peer in peers:
            client = self._clients.get(peer)
            if client is None:
                missing.append(peer)
            else:
                self._queue(client, data)
        if missing:
            self._error(f"Not sent to {', '.join(missing)}: no longer connected")

    def send_all(self, data: bytes) -> None:
        if not self._clients:
            self._error("No client is connected: nothing was sent")
            return
        for client in list(self._clients.values()):
            self._queue(client, data)

    def disconnect(self, peers: Iterable[str]) -> None:
        for peer in peers:
            client = self._clients.get(peer)
            if client is not None:
                self._drop(client, f"Disconnected {peer}", Kind.INFO)

    # -- accepting ---------------------------------------------------------------------

    def _watch_listeners(self, on: bool) -> None:
        for sock in self._listeners:
            if on:
                self._reactor.register(sock, selectors.EVENT_READ, partial(self._accept, sock))
            else:
                self._reactor.unregister(sock)

    def _accept(self, listener: socket.socket, _mask: int = 0) -> None:
        for _ in range(ACCEPT_BATCH):
            try:
                conn, address = listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:
                if exc.errno in _OUT_OF_DESCRIPTORS:
                    self._pause_accepting(exc)
                elif exc.errno != errno.ECONNABORTED:
                    self._error(f"Cannot accept a connection: {describe(exc)}")
                return
            peer = format_sockaddr(address)
            if len(self._clients) >= self.max_clients:
                self._refuse(conn, peer)
                continue
            conn.setblocking(False)
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            client = _Client(conn, peer)
            self._clients[peer] = client
            self._watch(client)
            self._info(f"{peer} connected", peer)
            self._changed(count=True)

    def _refuse(self, conn: socket.socket, peer: str) -> None:
        conn.close()
        self._refused += 1
        now = time.monotonic()
        if now - self._last_refusal_notice >= NOTICE_INTERVAL:
            self._last_refusal_notice = now
            self._sink(
                make_event(
                    SOURCE,
                    Kind.ERROR,
                    f"Closed a new connection at once: at the limit of "
                    f"{plural(self.max_clients, 'client')} "
                    f"({plural(self._refused, 'connection')} refused so far)",
                    peer=peer,
                )
            )

    def _pause_accepting(self, exc: OSError) -> None:
        """Stop watching the listeners a moment: the pending connection stays queued."""
        self._emfile_pauses += 1
        now = time.monotonic()
        if now - self._last_emfile_notice >= NOTICE_INTERVAL:
            self._last_emfile_notice = now
            self._error(
                f"Cannot accept a connection: {describe(exc)}; accepting resumes in "
                f"{format_duration(EMFILE_PAUSE)} ({plural(self._emfile_pauses, 'pause')} so far)"
            )
        self._watch_listeners(False)

        def resume() -> None:
            self._accept_timer = None
            if self._listeners:
                self._watch_listeners(True)

        self._accept_timer = self._reactor.call_later(EMFILE_PAUSE, resume)

    # -- one client --------------------------------------------------------------------

    def _watch(self, client: _Client) -> None:
        mask = (selectors.EVENT_READ if client.reading else 0) | (
            selectors.EVENT_WRITE if client.outbox else 0
        )
        client.mask = self._reactor.set_interest(
            client.sock, client.mask, mask, partial(self._ready, client)
        )

    def _ready(self, client: _Client, mask: int) -> None:
        if mask & selectors.EVENT_READ:
            self._read(client)
        if mask & selectors.EVENT_WRITE and client.peer in self._clients:
            self._flush(client)

    def _read(self, client: _Client) -> None:
        if self._backlog() > BACKLOG_LIMIT:
            self._pause_all_reading()
            return
        try:
            data = client.sock.recv(RECV_SIZE)
        except (BlockingIOError, InterruptedError):
            return
        except OSError as exc:
            self._fail(client, exc)
            return
        if not data:
            self._finished(client)
            return
        client.bytes_in += len(data)
        self._changed()
        self._sink(make_event(SOURCE, Kind.RECEIVED, peer=client.peer, data=data))
        reply = self._reply
        if reply.mode is ReplyMode.ECHO:
            self._queue(client, data)
        elif reply.mode is ReplyMode.FIXED and reply.data:
            self._queue(client, reply.data)

    def _finished(self, client: _Client) -> None:
        client.finished = True
        client.reading = False
        if client.outbox:
            self._watch(client)  # the queued bytes still go out; then it closes
        else:
            self._left(client)

    def _left(self, client: _Client) -> None:
        self._drop(client, f"{client.peer} left after {self._stay(client)}", Kind.INFO)

    def _queue(self, client: _Client, data: bytes) -> None:
        if client.outbox:
            client.outbox.append(_Outgoing(data, memoryview(data)))
            client.queued += len(data)
        else:
            # The common case: nothing waits, so try the kernel at once (no write event).
            try:
                n = client.sock.send(data)
            except (BlockingIOError, InterruptedError):
                n = 0
            except OSError as exc:
                client.outbox.append(_Outgoing(data, memoryview(data)))
                client.queued += len(data)
                self._fail(client, exc)
                return
            client.bytes_out += n
            self._changed()
            if n == len(data):
                self._sink(make_event(SOURCE, Kind.SENT, peer=client.peer, data=data))
                return
            client.outbox.append(_Outgoing(data, memoryview(data), n))
            client.queued += len(data) - n
        if client.queued > OUTBOX_LIMIT:
            client.reading = False
        self._watch(client)

    def _flush(self, client: _Client) -> None:
        outbox = client.outbox
        while outbox:
            item = outbox[0]
            try:
                n = client.sock.send(item.view[item.sent :])
            except (BlockingIOError, InterruptedError):
                break
            except OSError as exc:
                self._fail(client, exc)
                return
            client.bytes_out += n
            client.queued -= n
            self._changed()
            item.sent += n
            if item.sent < len(item.data):
                break
            outbox.popleft()
            self._sink(make_event(SOURCE, Kind.SENT, peer=client.peer, data=item.data))
        if client.finished and not outbox:
            self._left(client)
            return
        if not client.reading and not client.finished and client.queued <= OUTBOX_LIMIT // 2:
            client.reading = True
        self._watch(client)

    def _fail(self, client: _Client, exc: OSError) -> None:
        message = f"{describe(exc)}: {client.peer} after {self._stay(client)}"
        if client.outbox:
            item = client.outbox[0]
            data, sent = item.data, item.sent
            if sent:
                # Log exactly the prefix the kernel accepted, so the counts stay true.
                self._sink(make_event(SOURCE, Kind.SENT, peer=client.peer, data=data[:sent]))
            message += (
                f" — sent {sent:,} of {len(data):,} bytes of the last message; "
                f"{client.queued:,} bytes not sent"
            )
        self._drop(client, message, Kind.ERROR)

    def _drop(self, client: _Client, message: str, kind: Kind) -> None:
        if self._clients.pop(client.peer, None) is None:
            return
        if client.queued and kind is Kind.INFO:
            message += f"; {client.queued:,} queued bytes were not sent"
        message += f" (in {format_bytes(client.bytes_in)}, out {format_bytes(client.bytes_out)})"
        self._release(client)
        self._sink(make_event(SOURCE, kind, message, peer=client.peer))
        self._changed(count=True)

    def _release(self, client: _Client) -> None:
        self._reactor.unregister(client.sock)
        client.mask = 0
        client.sock.close()
        client.outbox.clear()

    def _pause_all_reading(self) -> None:
        """The log is behind: stop reading everyone a moment (TCP flow control does the rest)."""
        for client in self._clients.values():
            if client.reading:
                client.reading = False
                self._watch(client)
        if self._resume_timer is None:
            self._resume_timer = self._reactor.call_later(RESUME_DELAY, self._resume_reading)

    def _resume_reading(self) -> None:
        self._resume_timer = None
        if self._backlog() > BACKLOG_LIMIT:
            self._resume_timer = self._reactor.call_later(RESUME_DELAY, self._resume_reading)
            return
        for client in self._clients.values():
            if not client.reading and not client.finished and client.queued <= OUTBOX_LIMIT:
                client.reading = True
                self._watch(client)

    # -- teardown and reporting --------------------------------------------------------

    def _shut_everything(self) -> int:
        for timer in (self._accept_timer, self._resume_timer, self._snapshot_timer):
            if timer is not None:
                timer.cancel()
        self._accept_timer = self._resume_timer = self._snapshot_timer = None
        self._watch_listeners(False)
        for sock in self._listeners:
            sock.close()
        self._listeners = []
        clients = list(self._clients.values())
        self._clients.clear()
        for client in clients:
            self._release(client)
        self._bound = ""
        return len(clients)

    def _stay(self, client: _Client) -> str:
        return format_duration(time.monotonic() - client.since)

    def _changed(self, count: bool = False) -> None:
        """Something the table (or, with `count`, the status) shows changed.

        The refresh is a timer armed only then: an idle server never wakes its thread.
        """
        self._count_dirty = self._count_dirty or count
        if self._snapshot_timer is None and self._listeners:
            self._snapshot_timer = self._reactor.call_later(SNAPSHOT_INTERVAL, self._refresh)

    def _refresh(self) -> None:
        self._snapshot_timer = None
        if not self._listeners:
            return
        if self._count_dirty:
            self._count_dirty = False
            self._report_state()
        self._publish_clients()

    def _publish_clients(self) -> None:
        if self._on_clients is not None:
            self._on_clients(
                [
                    ClientRow(c.peer, c.since, c.bytes_in, c.bytes_out)
                    for c in self._clients.values()
                ]
            )

    def _report_state(self) -> None:
        self._on_state(TcpServerStatus(ServerState.LISTENING, self._bound, len(self._clients)))

    def _info(self, message: str, peer: str = "") -> None:
        self._sink(make_event(SOURCE, Kind.INFO, message, peer=peer))

    def _error(self, message: str) -> None:
        self._sink(make_event(SOURCE, Kind.ERROR, message))
