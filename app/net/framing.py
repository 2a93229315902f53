"""Framing on receive: a byte stream cut into messages, sans-IO (bytes in, messages out).

A `FramingSpec` says how (`parse_framing` builds one from what a person typed); a `Framer`
applies it to one connection: `feed(chunk)` returns the complete messages, with their
exact bytes (delimiter or length prefix included, so byte counts add up), and holds the
rest; `finish()` hands back what it holds when the connection ends. "Idle gap" ends a
message by time: `due_in()` says when the held bytes become one and `tick()` takes them
(the caller arms a timer; `receive_framing.FramedReceiver` does that on a Reactor).

Speed: a chunk is cut with `bytes.split` / `find` / slicing in C, never byte by byte;
a message spanning chunks is kept as a list of pieces joined once when it completes, and
only the new chunk (plus the few bytes a delimiter can straddle) is searched, so a long
message received in many small chunks costs linear, not quadratic, time.

A message past `MAX_MESSAGE` (a length prefix announcing more, or a message growing past
it without its delimiter or gap) makes the framer give up: it sets `notice` once, hands
back everything it held as one message and from then on passes chunks through as received.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from app.payload import PayloadError, escape_bytes, parse_text
from app.units import format_bytes

__all__ = [
    "AS_RECEIVED",
    "MAX_GAP_MS",
    "MAX_MESSAGE",
    "Framer",
    "FramingError",
    "FramingKind",
    "FramingSpec",
    "parse_framing",
]

# 16 MB as the app counts (app/units.py: decimal SI), the largest message held for framing.
MAX_MESSAGE = 16_000_000
MAX_GAP_MS = 60_000


class FramingKind(enum.Enum):
    AS_RECEIVED = "As received"
    LINES_LF = "Lines (LF)"
    LINES_CRLF = "Lines (CRLF)"
    DELIMITER = "Delimiter"
    LENGTH_PREFIX = "Length prefix"
    FIXED_SIZE = "Fixed size"
    IDLE_GAP = "Idle gap"

    @property
    def takes_argument(self) -> bool:
        return self in _WITH_ARGUMENT


_WITH_ARGUMENT = frozenset(
    {FramingKind.DELIMITER, FramingKind.LENGTH_PREFIX, FramingKind.FIXED_SIZE, FramingKind.IDLE_GAP}
)

_PREFIXES: dict[str, tuple[int, Literal["big", "little"]]] = {
    "1": (1, "big"),
    "2": (2, "big"),
    "4": (4, "big"),
    "2le": (2, "little"),
    "4le": (4, "little"),
}


class FramingError(ValueError):
    """An argument that does not fit its kind; the message is written for the person."""


@dataclass(frozen=True)
class FramingSpec:
    """How to cut a stream. Only the field of `kind` matters: `delimiter` for the line
    and delimiter kinds, `prefix_size`/`byte_order` for "Length prefix", `size` for
    "Fixed size", `gap` (seconds) for "Idle gap"."""

    kind: FramingKind = FramingKind.AS_RECEIVED
    delimiter: bytes = b""
    prefix_size: int = 0
    byte_order: Literal["big", "little"] = "big"
    size: int = 0
    gap: float = 0.0

    def describe(self) -> str:
        """The kind with its argument, as the log says it: `Delimiter "\\x03"`."""
        kind = self.kind
        if kind is FramingKind.DELIMITER:
            return f'Delimiter "{escape_bytes(self.delimiter)}"'
        if kind is FramingKind.LENGTH_PREFIX:
            order = ", low byte first" if self.byte_order == "little" else ""
            return f"Length prefix ({self.prefix_size}-byte{order})"
        if kind is FramingKind.FIXED_SIZE:
            return f"Fixed size ({self.size:,} B)"
        if kind is FramingKind.IDLE_GAP:
            return f"Idle gap ({self.gap * 1000:g} ms)"
        return str(kind.value)


AS_RECEIVED = FramingSpec()


def parse_framing(kind: FramingKind | str, argument: str) -> FramingSpec:
    """The spec for `kind` with its typed `argument`; raises FramingError saying what is
    wrong. Kinds without an argument ignore it."""
    kind = FramingKind(kind)
    text = argument.strip()
    if kind is FramingKind.LINES_LF:
        return FramingSpec(kind, delimiter=b"\n")
    if kind is FramingKind.LINES_CRLF:
        return FramingSpec(kind, delimiter=b"\r\n")
    if kind is FramingKind.DELIMITER:
        if not argument:
            raise FramingError("Type the delimiter (text with escapes, e.g. \\x03 or \\r\\n)")
        try:
            delimiter = parse_text(argument)  # unstripped: a space may be the delimiter
        except PayloadError as exc:
            raise FramingError(f"Delimiter: {exc}") from None
        if len(delimiter) > 256:
            raise FramingError("A delimiter of more than 256 bytes is not supported")
        return FramingSpec(kind, delimiter=delimiter)
    if kind is FramingKind.LENGTH_PREFIX:
        found = _PREFIXES.get(text.lower())
        if found is None:
            raise FramingError(
                "Length prefix: 1, 2 or 4 bytes, high byte first (2le, 4le: low byte first)"
            )
        return FramingSpec(kind, prefix_size=found[0], byte_order=found[1])
    if kind is FramingKind.FIXED_SIZE:
        size = _whole_number(text, "Fixed size", "bytes")
        if not 1 <= size <= MAX_MESSAGE:
            raise FramingError(f"Fixed size: from 1 to {MAX_MESSAGE:,} bytes")
        return FramingSpec(kind, size=size)
    if kind is FramingKind.IDLE_GAP:
        gap = _whole_number(text, "Idle gap", "milliseconds")
        if not 1 <= gap <= MAX_GAP_MS:
            raise FramingError(f"Idle gap: from 1 to {MAX_GAP_MS:,} ms")
        return FramingSpec(kind, gap=gap / 1000)
    return AS_RECEIVED


def _whole_number(text: str, what: str, unit: str) -> int:
    digits = text.replace(",", "").replace("_", "")
    if not digits.isdigit():
        raise FramingError(f"{what}: type a whole number of {unit}")
    return int(digits)


class Framer:
    """Cuts one connection's byte stream into messages per `spec` (see the module doc)."""

    def __init__(
        self,
        spec: FramingSpec,
        *,
        limit: int = MAX_MESSAGE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.spec = spec
        self.notice = ""  # set once, when the framer gave up (see the module doc)
        self._limit = limit
        self._clock = clock
        self._kind = spec.kind
        self._held: list[bytes] = []
        self._held_size = 0
        # Delimited kinds: the last len(delimiter)-1 bytes held, where a delimiter split
        # between two chunks begins.
        self._seam = b""
        # Sized kinds: the length of the message being held (prefix included), 0 while
        # its prefix is still incomplete.
        self._need = 0
        self._last_arrival = 0.0

    @property
    def held(self) -> int:
        """Bytes received that are not yet part of a complete message."""
        return self._held_size

    @property
    def passing_through(self) -> bool:
        """True for "As received", and after giving up at the limit."""
        return self._kind is FramingKind.AS_RECEIVED

    def feed(self, data: bytes) -> list[bytes]:
        """The messages `data` completes, oldest first; the rest is held."""
        if not data:
            return []
        kind = self._kind
        if kind is FramingKind.AS_RECEIVED:
            return [data]
        if kind is FramingKind.LENGTH_PREFIX or kind is FramingKind.FIXED_SIZE:
            return self._feed_sized(data)
        if kind is FramingKind.IDLE_GAP:
            return self._feed_idle(data)
        return self._feed_delimited(data)

    def due_in(self) -> float | None:
        """Seconds until the held bytes end a message by the idle gap; None if nothing can."""
        if self._kind is not FramingKind.IDLE_GAP or not self._held:
            return None
        return max(0.0, self._last_arrival + self.spec.gap - self._clock())

    def tick(self) -> list[bytes]:
        """The held message if its idle gap has passed (else nothing yet)."""
        if self.due_in() != 0.0:
            return []
        return [self._take_held()]

    def finish(self) -> bytes:
        """What is held (an incomplete message: the stream ended), and hold nothing more."""
        return self._take_held() if self._held else b""

    # -- the kinds ---------------------------------------------------------------------

    def _feed_delimited(self, data: bytes) -> list[bytes]:
        delimiter = self.spec.delimiter
        width = len(delimiter)
        messages: list[bytes] = []
        if self._held:
            end = -1
            if width > 1:
                seam = self._seam + data[: width - 1]
                at = seam.find(delimiter)
                if at >= 0:
                    end = at + width - len(self._seam)
            if end < 0:
                at = data.find(delimiter)
                if at < 0:
                    return self._hold_delimited(data, messages)
                end = at + width
            messages.append(self._take_held(data[:end]))
            data = data[end:]
        if width == 1 and delimiter == b"\n" and b"\r" not in data:
            # splitlines keeps the line ends and is twice as fast as split-and-append;
            # it is exact for LF only when there is no "\r" to split at as well.
            parts = data.splitlines(keepends=True)
            tail = parts.pop() if parts and not parts[-1].endswith(b"\n") else b""
        else:
            parts = data.split(delimiter)
            tail = parts.pop()
            parts = [part + delimiter for part in parts]
        if messages:
            messages.extend(parts)
        else:
            messages = parts
        if tail:
            return self._hold_delimited(tail, messages)
        return messages

    def _hold_delimited(self, data: bytes, messages: list[bytes]) -> list[bytes]:
        width = len(self.spec.delimiter)
        if width > 1:
            seam = data if len(data) >= width - 1 else self._seam + data
            self._seam = seam[1 - width :]
        self._hold(data)
        if self._held_size > self._limit:
            messages.append(
                self._give_up(f"no {self._delimiter_name()} within {self._limit_text()}")
            )
        return messages

    def _feed_sized(self, data: bytes) -> list[bytes]:
        messages: list[bytes] = []
        if self._held:
            if not self._need:  # the prefix is incomplete: it is at most 3 bytes held
                data = self._take_held(data)
            else:
                missing = self._need - self._held_size
                if len(data) < missing:
                    self._hold(data)
                    return messages
                messages.append(self._take_held(data[:missing]))
                data = data[missing:]
        if self._kind is FramingKind.FIXED_SIZE:
            size = self.spec.size
            whole = len(data) - len(data) % size
            messages.extend(data[at : at + size] for at in range(0, whole, size))
            if whole < len(data):
                self._need = size
                self._hold(data[whole:])
            return messages
        width = self.spec.prefix_size
        order = self.spec.byte_order
        at = 0
        total = len(data)
        while total - at >= width:
            length = int.from_bytes(data[at : at + width], order)
            if length > self._limit:
                self._hold(data[at:])
                limit = self._limit_text()
                reason = f"a length prefix announced {length:,} bytes, over the {limit} limit"
                messages.append(self._give_up(reason))
                return messages
            end = at + width + length
            if end > total:
                self._need = width + length
                break
            messages.append(data[at:end])
            at = end
        if at < total:
            self._hold(data[at:] if at else data)
        return messages

    def _feed_idle(self, data: bytes) -> list[bytes]:
        self._last_arrival = self._clock()
        self._hold(data)
        if self._held_size > self._limit:
            return [self._give_up(f"no idle gap within {self._limit_text()}")]
        return []

    # -- holding -----------------------------------------------------------------------

    def _hold(self, data: bytes) -> None:
        self._held.append(data)
        self._held_size += len(data)

    def _take_held(self, more: bytes = b"") -> bytes:
        """The held bytes followed by `more`, as one message; nothing is held after."""
        held = self._held
        message = held[0] + more if len(held) == 1 else b"".join([*held, more])
        self._held = []
        self._held_size = 0
        self._seam = b""
        self._need = 0
        return message

    def _give_up(self, reason: str) -> bytes:
        self.notice = (
            f"{self.spec.describe()} framing stopped for this connection: {reason}; "
            "what it held and everything after is logged as received"
        )
        self._kind = FramingKind.AS_RECEIVED
        return self._take_held()

    def _delimiter_name(self) -> str:
        kind = self._kind
        if kind is FramingKind.LINES_LF:
            return "LF"
        if kind is FramingKind.LINES_CRLF:
            return "CRLF"
        return f'delimiter "{escape_bytes(self.spec.delimiter)}"'

    def _limit_text(self) -> str:
        return format_bytes(self._limit)
