"""One client of the TCP server: a Stream protocol that logs each message and answers it.

Received bytes go through a FramedReceiver (app/net/receive_framing.py): with framing
"As received" a message is a chunk, otherwise one framed message; `_message_received`
runs once per message and is where it is logged and answered.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from app.net.events import EventSink, Kind, Source, make_event
from app.net.framing import AS_RECEIVED, FramingSpec
from app.net.outgoing import BytesMessage, Outgoing, StreamFailure
from app.net.reactor import Reactor
from app.net.receive_framing import FramedReceiver
from app.net.reply import ReplyMode
from app.net.rules.conversation import RuleConversation
from app.net.rules.responder import Answer
from app.net.stream import Stream
from app.net.tcp.server_status import ClientRow, ReplyConfig
from app.payload import Message, MessageCounter, render_message
from app.units import format_bytes, format_duration, plural

if TYPE_CHECKING:
    from app.net.tls.server_tls import ServerTls
    from app.net.tls.transport import TlsTransport

SOURCE = Source.TCP_SERVER
# Reads start at RECV_SIZE (cheap for the small chunks of many clients) and grow to
# MAX_RECV_SIZE while a client pours data (fewer reads and log rows per byte).
RECV_SIZE = 64 * 1024
MAX_RECV_SIZE = 1024 * 1024
# A client that sends but never reads its echo: stop reading it while this much waits
# to be sent to it, so its replies are bounded by TCP flow control too.
OUTBOX_HIGH_WATER = 4 * 1024 * 1024


class RuleReply(BytesMessage):
    """A reply a rule gave: its log row names the rule."""

    __slots__ = ("answer",)

    def __init__(self, answer: Answer) -> None:
        super().__init__(answer.reply)
        self.answer = answer


class ServerClient:
    """Lives in the reactor's thread. `on_closed(self)` runs once, when it is gone."""

    def __init__(
        self,
        reactor: Reactor,
        sock: socket.socket,
        peer: str,
        local: str,
        sink: EventSink,
        reply: Callable[[], ReplyConfig],
        on_closed: Callable[[ServerClient], None],
        on_changed: Callable[[], None],
        backlog: Callable[[], bool] | None = None,
        framing: FramingSpec = AS_RECEIVED,
        counter: MessageCounter | None = None,
        tls: ServerTls | None = None,
    ) -> None:
        self.peer = peer
        self._counter = counter or MessageCounter()  # the server's: shared by its clients
        self.local = local
        self.since = time.monotonic()
        self._sink = sink
        self._reply = reply
        self._on_closed = on_closed
        self._on_changed = on_changed
        self._leaving = False  # the client finished sending: close once the outbox is empty
        self._receiver = FramedReceiver(reactor, self._messages_received, self._notice, framing)
        self._tls = None if tls is None else tls.transport(sock, self._tls_done)
        self._reactor = reactor
        self._rules: RuleConversation | None = None  # made by the first message in Rules mode
        self._closing_rule: Answer | None = None  # a Close rule answered: close once sent
        self._stream = Stream(
            reactor,
            sock,
            self,
            recv_size=RECV_SIZE,
            max_recv_size=MAX_RECV_SIZE,
            high_water=OUTBOX_HIGH_WATER,
            backlog=backlog,
            transport=self._tls,
        )

    def row(self) -> ClientRow:
        stream = self._stream
        return ClientRow(self.peer, self.since, stream.bytes_received, stream.bytes_sent)

    @property
    def closed(self) -> bool:
        return self._stream.closed

    # -- commands ----------------------------------------------------------------------

    def send(self, message: Message) -> None:
        """Send `message` (echo, reply or a Send), its macros rendered now; it counts."""
        stream = self._stream
        if stream.closed:
            return
        if type(message) is bytes:  # echo and static replies: no render call per chunk
            self._counter.sent += 1
        else:
            message = render_message(message, self._counter)
        stream.write(BytesMessage(message))
        stream.flush()

    def set_framing(self, spec: FramingSpec) -> int:
        """Frame what arrives from now on with `spec`; returns the bytes held then, which
        are framed with it first (FramedReceiver.reframe)."""
        if self._stream.closed or self._receiver.spec == spec:
            return 0
        return self._receiver.reframe(spec)

    def disconnect(self) -> None:
        self._end(f"Disconnected {self.peer}", Kind.INFO)

    def close(self) -> None:
        """Release the socket silently (the server stops or the worker ends)."""
        self._receiver.close()
        if self._rules is not None:
            self._rules.cancel()
        self._stream.close()

    # -- StreamProtocol ----------------------------------------------------------------

    def data_received(self, data: bytes) -> None:
        if self._receiver.framing:
            self._receiver.feed(data)
        else:  # "As received": one chunk, one message, without a list in between
            self._message_received(data)

    def _messages_received(self, messages: list[bytes]) -> None:
        for message in messages:
            self._message_received(message)

    def _message_received(self, data: bytes) -> None:
        reply = self._reply()  # read first: the reply in force when the message arrived
        self._sink(make_event(SOURCE, Kind.RECEIVED, peer=self.peer, data=data, local=self.local))
        self._answer(data, reply)
        self._on_changed()

    def _answer(self, message: bytes, reply: ReplyConfig) -> None:
        """One message arrived (a chunk, or a frame once framing exists): answer it."""
        mode = reply.mode
        if mode is ReplyMode.ECHO:
            self.send(message)
        elif mode is ReplyMode.FIXED and reply.data:
            self.send(reply.data)
        elif mode is ReplyMode.RULES and reply.responder is not None:
            rules = self._rules
            if rules is None:
                rules = self._rules = RuleConversation(
                    self._reactor, self._send_answer, self._say, self.peer
                )
            answer = rules.take(reply.responder, message)
            if answer is not None:
                self._send_answer(answer)

    def _send_answer(self, answer: Answer) -> None:
        stream = self._stream
        if stream.closed:
            return
        if answer.close:
            self._closing_rule = answer
        if answer.reply:
            stream.write(RuleReply(answer))
        stream.flush()  # calls `drained` once the outbox is empty, which closes for Close
        self._on_changed()

    def _say(self, message: str) -> None:
        self._sink(make_event(SOURCE, Kind.INFO, message, peer=self.peer, local=self.local))

    def eof_received(self) -> None:
        if self._tls is not None and self._tls.truncated:
            from app.net.tls.server_tls import TRUNCATED

            self._sink(make_event(SOURCE, Kind.INFO, f"{self.peer} {TRUNCATED}", peer=self.peer))
        if self._stream.outbox_empty and not self._held():
            self._left()
        else:
            self._leaving = True  # what is queued or held still goes out, then it closes

    def progress(self, item: Outgoing) -> None:
        self._on_changed()

    def sent(self, item: Outgoing) -> None:
        assert isinstance(item, BytesMessage)
        detail = f"Answered by {item.answer.label}" if isinstance(item, RuleReply) else ""
        self._sink(
            make_event(
                SOURCE, Kind.SENT, peer=self.peer, data=item.data, local=self.local, detail=detail
            )
        )

    def drained(self) -> None:
        closing = self._closing_rule
        if closing is not None:
            self._end(f"Closed {self.peer} after the reply of {closing.label}", Kind.INFO)
        elif self._leaving and not self._held():
            self._left()

    def _held(self) -> int:
        return self._rules.held if self._rules is not None else 0

    def connection_lost(self, failure: StreamFailure) -> None:
        message = f"{failure.reason}: {self.peer} after {self._stay()}"
        if self._tls is not None and not self._tls.handshake_done:
            message = f"TLS handshake with {self.peer} failed: {failure.reason}"
        prefix = failure.sent_prefix()
        if prefix:
            self._sink(make_event(SOURCE, Kind.SENT, peer=self.peer, data=prefix, local=self.local))
        if failure.partial is not None:
            message += f" — {failure.unsent_text()}"
        self._end(message, Kind.ERROR)

    def _tls_done(self, transport: TlsTransport) -> None:
        from app.net.tls.server_tls import handshake_line

        message, detail = handshake_line(transport)
        self._sink(
            make_event(SOURCE, Kind.INFO, message, peer=self.peer, detail=detail, local=self.local)
        )

    # -- leaving -----------------------------------------------------------------------

    def _left(self) -> None:
        self._end(f"{self.peer} left after {self._stay()}", Kind.INFO)

    def _end(self, message: str, kind: Kind) -> None:
        stream = self._stream
        if self._on_closed is _gone:
            return
        unsent = stream.unsent()
        if unsent and kind is Kind.INFO:
            message += f"; {unsent:,} queued bytes were not sent"
        held = self._rules.cancel() if self._rules is not None else 0
        if held:
            message += f"; {plural(held, 'delayed reply', 'delayed replies')} not sent"
        message += (
            f" (in {format_bytes(stream.bytes_received)}, out {format_bytes(stream.bytes_sent)})"
        )
        leftover = self._receiver.finish()
        if leftover:
            self._sink(
                make_event(
                    SOURCE,
                    Kind.RECEIVED,
                    peer=self.peer,
                    data=leftover,
                    local=self.local,
                    partial=True,
                )
            )
        stream.close()
        self._sink(make_event(SOURCE, kind, message, peer=self.peer, local=self.local))
        on_closed, self._on_closed = self._on_closed, _gone
        on_closed(self)

    def _notice(self, text: str) -> None:
        self._sink(make_event(SOURCE, Kind.ERROR, text, peer=self.peer, local=self.local))

    def _stay(self) -> str:
        return format_duration(time.monotonic() - self.since)


def _gone(_client: ServerClient) -> None:
    """The `on_closed` of a client that already ended: ending twice does nothing."""
