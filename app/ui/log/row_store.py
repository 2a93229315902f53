"""The log's rows in a form the garbage collector never scans; no Qt.

A LogEvent holds two enum members (source, kind), and enum members are objects the
collector tracks, so each of 100,000 rows stays tracked: every full collection walked
them all while holding the GIL (9 ms quiet, 36-56 ms wall under a WebSocket flood, 150 ms
at a million rows), and a log that keeps trimming triggers one every quarter of its size
in new rows. Here a row is a plain tuple of the other fields (floats, strings, bytes,
ints: the collector untracks such a tuple the first time it sees it), and source and
kind sit in two lists of their own, which a collection walks in one C loop each.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from operator import itemgetter
from typing import Any, overload

from app.net.events import Kind, LogEvent, Source

# A row: LogEvent without its source and kind, in LogEvent's order otherwise.
_PLAIN = itemgetter(0, 3, 4, 5, 6, 7, 8, 9)
ROW_TIME = itemgetter(0)
ROW_PEER = itemgetter(1)
ROW_DATA = itemgetter(2)
ROW_MESSAGE = itemgetter(3)

PlainRow = tuple[Any, ...]


def _event(source: Source, kind: Kind, row: PlainRow) -> LogEvent:
    return LogEvent(row[0], source, kind, *row[1:])


class RowStore:
    """Rows oldest first as three parallel lists: plain rows, sources, kinds."""

    def __init__(self) -> None:
        self.plain: list[PlainRow] = []
        self.sources: list[Source] = []
        self.kinds: list[Kind] = []

    def __len__(self) -> int:
        return len(self.plain)

    def extend(self, events: Sequence[LogEvent], sources: list[Source], kinds: list[Kind]) -> None:
        """Append `events`, whose sources and kinds the caller has already listed."""
        self.plain.extend(map(_PLAIN, events))
        self.sources.extend(sources)
        self.kinds.extend(kinds)

    def drop_oldest(self, count: int) -> None:
        del self.plain[:count]
        del self.sources[:count]
        del self.kinds[:count]

    def clear(self) -> None:
        self.plain = []
        self.sources = []
        self.kinds = []

    def time(self, row: int) -> float:
        return float(self.plain[row][0])

    def event(self, row: int) -> LogEvent:
        return _event(self.sources[row], self.kinds[row], self.plain[row])

    def events(self, lo: int = 0, hi: int | None = None) -> list[LogEvent]:
        """Rows lo..hi as new LogEvent tuples (one Python call per row: for exports)."""
        return list(map(_event, self.sources[lo:hi], self.kinds[lo:hi], self.plain[lo:hi]))

    def snapshot(self, rows: Sequence[int] | None = None) -> RowsSnapshot:
        """A frozen copy of all rows, or of `rows`, that builds its LogEvents as it is read.

        Copying three lists runs in C (1 ms per 100,000 rows); building the events costs
        0.7 µs each, so an export pays that in its own thread, not the GUI's.
        """
        if rows is None:
            return RowsSnapshot(self.plain[:], self.sources[:], self.kinds[:])
        return RowsSnapshot(
            list(map(self.plain.__getitem__, rows)),
            list(map(self.sources.__getitem__, rows)),
            list(map(self.kinds.__getitem__, rows)),
        )

    @classmethod
    def of(cls, events: Sequence[LogEvent]) -> RowStore:
        """A store holding `events` (for tests and tools that start from events)."""
        store = cls()
        store.extend(events, [e.source for e in events], [e.kind for e in events])
        return store


class RowsSnapshot(Sequence[LogEvent]):
    """Rows as LogEvents, read from copies the log no longer changes."""

    def __init__(self, plain: list[PlainRow], sources: list[Source], kinds: list[Kind]) -> None:
        self._plain = plain
        self._sources = sources
        self._kinds = kinds

    def __len__(self) -> int:
        return len(self._plain)

    @overload
    def __getitem__(self, index: int) -> LogEvent: ...
    @overload
    def __getitem__(self, index: slice) -> list[LogEvent]: ...
    def __getitem__(self, index: int | slice) -> LogEvent | list[LogEvent]:
        if isinstance(index, slice):
            return list(map(_event, self._sources[index], self._kinds[index], self._plain[index]))
        return _event(self._sources[index], self._kinds[index], self._plain[index])

    def __iter__(self) -> Iterator[LogEvent]:
        return map(_event, self._sources, self._kinds, self._plain)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence):
            return len(self) == len(other) and all(map(tuple.__eq__, self, other))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]
