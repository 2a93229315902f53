"""A `Framer` on a Reactor, for any stream protocol: one call per message, idle-gap timer.

A protocol (TCP client, a TCP server's client, the relay) makes one `FramedReceiver` per
connection and passes every received chunk to `feed`; `on_messages(list[bytes])` then
runs with the complete messages it made (oldest first, never an empty list), so the
protocol logs (and answers, and matches rules against) messages, not chunks. A list
rather than a call per message: the messages of one read share one timestamp and go to
the log in one `sink_many`. "As received" is a pass-through: no framer, no copy.
"""

from __future__ import annotations

from collections.abc import Callable

from app.net.framing import AS_RECEIVED, Framer, FramingSpec
from app.net.reactor import Reactor, Timer

__all__ = ["FramedReceiver"]


class FramedReceiver:
    """Lives in the reactor's thread. `on_notice(text)` runs once if the framer gives up
    at its size limit (the connection is then framed "As received")."""

    def __init__(
        self,
        reactor: Reactor,
        on_messages: Callable[[list[bytes]], None],
        on_notice: Callable[[str], None],
        spec: FramingSpec = AS_RECEIVED,
    ) -> None:
        self._reactor = reactor
        self._on_messages = on_messages
        self._on_notice = on_notice
        self._framer: Framer | None = None
        self._timer: Timer | None = None
        self._use(spec)

    @property
    def spec(self) -> FramingSpec:
        return AS_RECEIVED if self._framer is None else self._framer.spec

    @property
    def framing(self) -> bool:
        """False while the bytes pass as received (no framer): callers may skip `feed`."""
        return self._framer is not None

    @property
    def held(self) -> int:
        """Bytes received that are not yet part of a complete message."""
        return 0 if self._framer is None else self._framer.held

    def feed(self, data: bytes) -> None:
        framer = self._framer
        if framer is None:
            self._on_messages([data])
            return
        self._deliver(framer, framer.feed(data))

    def reframe(self, spec: FramingSpec) -> int:
        """Frame what arrives from now on with `spec`. The bytes held (the start of a
        message under the old framing) are framed first with the new one, so nothing is
        lost or duplicated; returns how many there were."""
        held = self.finish()
        self._use(spec)
        if held:
            self.feed(held)
        return len(held)

    def finish(self) -> bytes:
        """The bytes held (an incomplete message: the stream ended), b"" if none."""
        self._cancel_timer()
        return b"" if self._framer is None else self._framer.finish()

    def close(self) -> None:
        self._cancel_timer()

    # -- internals ---------------------------------------------------------------------

    def _use(self, spec: FramingSpec) -> None:
        self._framer = None if spec == AS_RECEIVED else Framer(spec)

    def _deliver(self, framer: Framer, messages: list[bytes]) -> None:
        if messages:
            self._on_messages(messages)
        if framer.passing_through:  # it gave up at its limit: no framer from now on
            self._framer = None
            self._cancel_timer()
            if framer.notice:
                self._on_notice(framer.notice)
            return
        if self._timer is None:
            due = framer.due_in()
            if due is not None:
                self._timer = self._reactor.call_later(due, self._gap_timer)

    def _gap_timer(self) -> None:
        # Armed once per held message rather than per chunk: when it fires early because
        # more bytes came since, it is armed again for the rest of the gap.
        self._timer = None
        framer = self._framer
        if framer is not None:
            self._deliver(framer, framer.tick())

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
