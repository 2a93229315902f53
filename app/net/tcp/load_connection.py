"""One connection of a TCP load run (app/net/tcp/load_run.py): its stream's protocol.

It counts what went and came back and hands everything else to the run, which logs it:
the connection knows when it is answered, the run decides what that means.
"""

from __future__ import annotations

import socket
import time
from typing import Protocol

from app.net.address import format_sockaddr
from app.net.events import Kind
from app.net.outgoing import BytesMessage, Outgoing, StreamFailure
from app.net.reactor import Reactor
from app.net.receive_framing import FramedReceiver
from app.net.stream import Stream
from app.net.tcp.load_status import TcpLoadJob

RECV_SIZE = 64 * 1024  # per recv: a thousand connections of small messages, not one flood


class LoadRunSide(Protocol):
    """What a connection tells its run (all in the loop thread)."""

    conn_base: int

    def reading_behind(self) -> bool: ...

    def messages_received(self, conn: LoadConnection, messages: list[bytes]) -> None: ...

    def message_sent(self, conn: LoadConnection, data: bytes) -> None: ...

    def drained(self, conn: LoadConnection) -> None: ...

    def ended(self, conn: LoadConnection, reason: str | None) -> None: ...

    def log(self, kind: Kind, message: str, local: str = "") -> None: ...


class LoadConnection:
    """One connection of the run: its stream's protocol, and its counts."""

    __slots__ = (
        "conn_id",
        "index",
        "left",
        "local",
        "received_bytes",
        "received_count",
        "received_ns",
        "receiver",
        "run",
        "sent_bytes",
        "sent_count",
        "stream",
    )

    def __init__(
        self, run: LoadRunSide, index: int, sock: socket.socket, reactor: Reactor, job: TcpLoadJob
    ) -> None:
        self.run = run
        self.index = index
        self.conn_id = run.conn_base + index + 1  # the round-trip recorder's connection
        self.received_ns = 0  # the perf_counter stamp of the read being framed
        self.local = format_sockaddr(sock.getsockname())
        self.left = job.count  # messages not written yet
        self.sent_count = self.sent_bytes = self.received_count = self.received_bytes = 0
        self.receiver = FramedReceiver(reactor, self._messages, self._notice, job.framing)
        self.stream = Stream(reactor, sock, self, recv_size=RECV_SIZE, backlog=run.reading_behind)

    @property
    def answered(self) -> bool:
        """Everything was written and the replies are in (echoed bytes, or framed messages)."""
        return (
            self.left == 0
            and self.stream.outbox_empty
            and (self.received_bytes >= self.sent_bytes or self.received_count >= self.sent_count)
        )

    def _messages(self, messages: list[bytes]) -> None:
        self.run.messages_received(self, messages)

    def _notice(self, text: str) -> None:
        self.run.log(Kind.INFO, text, self.local)

    # -- StreamProtocol ------------------------------------------------------------------

    def data_received(self, data: bytes) -> None:
        self.received_bytes += len(data)
        self.received_ns = time.perf_counter_ns()
        self.receiver.feed(data)
        self.received_ns = 0

    def eof_received(self) -> None:
        self.run.ended(self, None if self.answered else "Closed by the peer")

    def progress(self, item: Outgoing) -> None:
        pass

    def sent(self, item: Outgoing) -> None:
        assert isinstance(item, BytesMessage)
        self.run.message_sent(self, item.data)

    def drained(self) -> None:
        self.run.drained(self)

    def connection_lost(self, failure: StreamFailure) -> None:
        prefix = failure.sent_prefix()
        if prefix:
            self.run.message_sent(self, prefix)
        self.run.ended(self, failure.reason)
