"""The relay's fault settings and the two directions traffic takes (no sockets, no Qt).

`RelayFaults` is one immutable record: the worker replaces it whole at any time (a
reference swap) and every chunk is planned with the record in force when it arrived.
"""

from __future__ import annotations

import enum
from typing import NamedTuple


class Direction(enum.Enum):
    """Which way a chunk travels through the relay."""

    CLIENT_TO_TARGET = "Client to target"
    TARGET_TO_CLIENT = "Target to client"


class FaultDirection(enum.Enum):
    """Which directions the faults apply to (the `relayDirection` choices)."""

    BOTH = "Both"
    CLIENT_TO_TARGET = "Client to target"
    TARGET_TO_CLIENT = "Target to client"

    def covers(self, direction: Direction) -> bool:
        return self is FaultDirection.BOTH or self.value == direction.value


class RelayFaults(NamedTuple):
    """What the relay does to the traffic; the defaults forward it untouched.

    `rate_kbps` is in kB/s (1 kB = 1,000 B, the unit policy of app/units.py) and applies
    to each direction on its own. `drop_percent` applies to UDP datagrams only (dropping
    part of a TCP stream would just corrupt it silently); `close_after` to TCP only, and
    counts the bytes forwarded in the directions the faults cover.
    """

    delay_ms: int = 0
    jitter_ms: int = 0
    rate_kbps: int = 0
    drop_percent: float = 0.0
    corrupt_percent: float = 0.0
    chunk_size: int = 0
    close_after: int = 0
    direction: FaultDirection = FaultDirection.BOTH

    def applies_to(self, direction: Direction) -> bool:
        return self.direction.covers(direction)

    @property
    def active(self) -> bool:
        """Whether anything at all is changed (the fast path forwards at once otherwise)."""
        return self._replace(direction=FaultDirection.BOTH) != NO_FAULTS

    def describe(self) -> str:
        """`delay 300 ms ± 20 ms, 10 kB/s, …, client to target`, or "no faults"."""
        parts = []
        if self.delay_ms or self.jitter_ms:
            jitter = f" ± {self.jitter_ms} ms" if self.jitter_ms else ""
            parts.append(f"delay {self.delay_ms} ms{jitter}")
        if self.rate_kbps:
            parts.append(f"rate {self.rate_kbps:,} kB/s")
        if self.drop_percent:
            parts.append(f"drop {self.drop_percent:g}%")
        if self.corrupt_percent:
            parts.append(f"corrupt {self.corrupt_percent:g}%")
        if self.chunk_size:
            parts.append(f"chunks of {self.chunk_size:,} B")
        if self.close_after:
            parts.append(f"close after {self.close_after:,} B")
        if not parts:
            return "no faults"
        return ", ".join(parts) + f" ({self.direction.value.lower()})"


NO_FAULTS = RelayFaults()
