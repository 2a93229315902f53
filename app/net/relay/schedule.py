"""When and how each chunk leaves the relay: the sans-IO heart of the faults.

A `FaultScheduler` serves one direction. `plan(data, now, faults)` takes a chunk as it
was received and the time, and returns the pieces to forward with the time each is due.
It never sleeps and never touches a socket, so tests drive it with made-up clocks.

Order within a direction is kept whatever the delay and jitter: a piece is never due
before the one planned before it (a jittered chunk waits for a late predecessor rather
than overtaking it, as TCP would deliver it). The rate limit paces pieces back to back:
each starts when the previous one has "left" at the rate, and a chunk is cut into slices
of `RATE_SLICE` seconds' worth so a slow rate trickles instead of bursting.
"""

from __future__ import annotations

import random
from typing import NamedTuple

from app.net.relay.faults import Direction, RelayFaults

# Under a rate limit, a chunk leaves in slices of this many seconds' worth of bytes.
RATE_SLICE = 0.05


class Piece(NamedTuple):
    """Bytes to forward at `due` (a time.monotonic() value); `note` says what was done."""

    due: float
    data: bytes
    note: str = ""


class Plan(NamedTuple):
    pieces: list[Piece]
    dropped: bool = False  # a datagram the drop fault took
    close: bool = False  # the close-after limit is reached: close once the pieces left
    note: str = ""  # what the faults did to the chunk as a whole (corruption, delay)


class FaultScheduler:
    """One direction's timeline; `rng` is seeded in tests to make faults repeatable."""

    def __init__(self, direction: Direction, rng: random.Random | None = None) -> None:
        self.direction = direction
        self._rng = rng if rng is not None else random.Random()
        self._last_due = 0.0  # order: no piece is due before this
        self._line_free = 0.0  # rate: when the previous piece has left at the rate

    def plan(
        self,
        data: bytes,
        now: float,
        faults: RelayFaults,
        *,
        forwarded: int = 0,
        datagram: bool = False,
    ) -> Plan:
        """The pieces of `data`; `forwarded` is what already counts toward close-after."""
        if not faults.applies_to(self.direction):
            return Plan([self._piece(max(now, self._last_due), data)])
        rng = self._rng
        if datagram and faults.drop_percent and rng.random() * 100 < faults.drop_percent:
            return Plan([], dropped=True, note="dropped (drop fault)")
        notes = []
        if data and faults.corrupt_percent and rng.random() * 100 < faults.corrupt_percent:
            data, flipped = _flip_one_byte(data, rng)
            notes.append(flipped)
        close = False
        if faults.close_after and not datagram:
            room = max(0, faults.close_after - forwarded)
            if len(data) >= room:
                data = data[:room]
                close = True
        due = now + faults.delay_ms / 1000
        if faults.jitter_ms:
            due += rng.uniform(-faults.jitter_ms, faults.jitter_ms) / 1000
        due = max(due, now, self._last_due)
        if due > now:
            notes.append(f"held {(due - now) * 1000:.0f} ms")
        note = "; ".join(notes)
        rate = faults.rate_kbps * 1000
        size = faults.chunk_size
        if rate and datagram:
            size = 0  # a datagram stays whole: the rate only spaces datagrams apart
        elif rate:
            slice_size = max(1, int(rate * RATE_SLICE))
            size = min(size, slice_size) if size else slice_size
        pieces = []
        parts = _split(data, size) if data else ([data] if datagram else [])
        for part in parts:
            start = due
            if rate:
                start = max(due, self._line_free)
                self._line_free = start + len(part) / rate
            pieces.append(self._piece(start, part, note))
            note = ""  # said once, on the first piece of the chunk
        return Plan(pieces, close=close, note="; ".join(notes))

    def _piece(self, due: float, data: bytes, note: str = "") -> Piece:
        self._last_due = due
        return Piece(due, data, note)


def _split(data: bytes, size: int) -> list[bytes]:
    if not size or len(data) <= size:
        return [data] if data else []
    view = memoryview(data)
    return [bytes(view[i : i + size]) for i in range(0, len(data), size)]


def _flip_one_byte(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    """`data` with one byte inverted (every bit flipped), and a note saying which."""
    index = rng.randrange(len(data))
    changed = bytearray(data)
    old = changed[index]
    changed[index] = old ^ 0xFF
    note = f"byte {index + 1:,} of {len(data):,} flipped: 0x{old:02X} → 0x{old ^ 0xFF:02X}"
    return bytes(changed), note
