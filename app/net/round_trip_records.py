"""One row per exchange (answered or lost), kept in typed arrays for the CSV export.

Arrays of machine integers rather than a list of tuples: a million exchanges cost 40 MB
here and ~200 MB as tuples of Python ints. The first `limit` exchanges are kept; the
rest are counted in `dropped` (the statistics still cover them).
"""

from __future__ import annotations

from array import array
from typing import NamedTuple

__all__ = ["RECORD_LIMIT", "ExchangeRecords", "RecordBook"]

RECORD_LIMIT = 1_000_000
LOST = -1  # the rtt of an exchange that got no reply


class ExchangeRecords(NamedTuple):
    """A frozen copy of the records, safe to read from another thread.

    Row i: send number `number[i]` (1 = the first send since the recorder started) on
    connection `conn[i]`, sent at `sent_ns[i]` on the perf_counter clock (add
    `wall_offset_ns` for Unix time in ns), `rtt_ns[i]` later answered (LOST: never),
    with `sent_size[i]` bytes out and `received_size[i]` bytes back.
    """

    number: array[int]
    conn: array[int]
    sent_ns: array[int]
    rtt_ns: array[int]
    sent_size: array[int]
    received_size: array[int]
    wall_offset_ns: int
    dropped: int

    @property
    def rows(self) -> int:
        return len(self.number)


class RecordBook:
    """Appends exchanges up to `limit`; loop thread only."""

    __slots__ = (
        "_conn",
        "_number",
        "_received_size",
        "_rtt",
        "_sent_ns",
        "_sent_size",
        "dropped",
        "limit",
    )

    def __init__(self, limit: int = RECORD_LIMIT) -> None:
        self.limit = limit
        self.clear()

    def clear(self) -> None:
        self._number = array("q")
        self._conn = array("q")
        self._sent_ns = array("q")
        self._rtt = array("q")
        self._sent_size = array("q")
        self._received_size = array("q")
        self.dropped = 0

    def __len__(self) -> int:
        return len(self._number)

    def add(
        self, number: int, conn: int, sent_ns: int, rtt_ns: int, sent: int, received: int
    ) -> None:
        if len(self._number) >= self.limit:
            self.dropped += 1
            return
        self._number.append(number)
        self._conn.append(conn)
        self._sent_ns.append(sent_ns)
        self._rtt.append(rtt_ns)
        self._sent_size.append(sent)
        self._received_size.append(received)

    def copy(self, wall_offset_ns: int) -> ExchangeRecords:
        """A copy (one memcpy per column, milliseconds for a million rows)."""
        return ExchangeRecords(
            array("q", self._number),
            array("q", self._conn),
            array("q", self._sent_ns),
            array("q", self._rtt),
            array("q", self._sent_size),
            array("q", self._received_size),
            wall_offset_ns,
            self.dropped,
        )
