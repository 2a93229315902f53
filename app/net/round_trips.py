"""Pairs each reply with its request and keeps the round-trip statistics of a tab.

The recorder lives in the Reactor thread and is fed `time.perf_counter_ns()` stamps taken
there, at the send and at the receive, never in the GUI thread. Pairing:

- Every send is outstanding until a reply answers it, its connection closes (`closed`)
  or, with a reply timeout, the timeout passes: the last two count it as lost.
- A send with a `key` (the decimal text of its `{{counter}}` number) is answered by the
  first reply that contains that number, as decimal text with or without leading zeros,
  as a whole run of digits: replies out of order are matched and counted as such.
- Otherwise a reply answers the connection's oldest outstanding send (FIFO, the TCP
  case: each message or chunk, as framed, answers the oldest send), unless that send has
  a key and the reply holds numbers (a late reply to a send already counted lost, or
  someone else's): that reply is counted as unmatched. A device that answers numbered
  datagrams with a fixed "OK" is thus paired in order.

Out of order: a reply to a send older than one already answered on the same connection.
Jitter: the mean absolute difference of consecutive round trips in the order the replies
arrived (RFC 3550's |D(i-1, i)| averaged plainly, not its 1/16 running estimate; the
plain mean is RFC 5481's mean IPDV magnitude).
Snapshots go to `on_snapshot` at most every `snapshot_interval` seconds while things
change, never per message.
"""

from __future__ import annotations

import re
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from itertools import repeat
from typing import NamedTuple

from app.net.reactor import Reactor, Timer
from app.net.round_trip_histogram import RoundTripHistogram
from app.net.round_trip_records import LOST, RECORD_LIMIT, ExchangeRecords, RecordBook
from app.net.throttle import Throttle

__all__ = ["DEFAULT_REPLY_TIMEOUT", "RoundTripRecorder", "RoundTripSnapshot"]

DEFAULT_REPLY_TIMEOUT = 1.0
SNAPSHOT_INTERVAL = 0.2  # at most 5 snapshots a second
_EXPIRY_GRANULARITY = 0.02  # lost sends are swept in batches, not one timer per send
# A whole run of 1-20 digits (the counter macro's widest): longer runs are not numbers
# the tab sent, and int() of thousands of digits is slow (and refused past 4,300).
_NUMBER = re.compile(rb"(?<![0-9])[0-9]{1,20}(?![0-9])")
_DIGIT = re.compile(rb"[0-9]")
_NEW_TUPLE = tuple.__new__  # a NamedTuple from C, without its Python __new__
_TOGETHER_MAX = 1024  # sends one chunk may answer at once (bounds the scan)


class RoundTripSnapshot(NamedTuple):
    """The statistics at one moment; times in ns (0 while there are no replies)."""

    replies: int  # replies paired with their send
    min_ns: int
    median_ns: int
    p95_ns: int
    p99_ns: int
    max_ns: int
    mean_ns: float
    jitter_ns: float
    lost: int  # no reply within the timeout, or before the connection closed
    out_of_order: int
    unmatched: int  # replies that answered no outstanding send
    pending: int  # sends still waiting for their reply
    histogram: tuple[int, ...]  # per round_trip_histogram.DISPLAY_EDGES_NS bucket
    records: int  # exchanges kept for export
    records_dropped: int  # exchanges past the record limit (counted, not kept)
    generation: int  # increases with every reset


class _Pending(NamedTuple):
    conn: int
    number: int  # the send's own sequence number, 1 up
    sent_ns: int
    size: int
    key: int  # the {{counter}} number the reply must contain, -1 for FIFO


class _Connection:
    __slots__ = ("fifo", "highest", "keys")

    def __init__(self) -> None:
        self.fifo: deque[int] = deque()  # outstanding send numbers, oldest first
        self.keys: dict[int, int] = {}  # counter number -> send number
        self.highest = 0  # the newest send number answered


class RoundTripRecorder:
    """Loop thread only. `reply_timeout` in seconds, None: a send waits for its reply
    until its connection closes (TCP)."""

    def __init__(
        self,
        reactor: Reactor,
        on_snapshot: Callable[[RoundTripSnapshot], None] | None = None,
        *,
        reply_timeout: float | None = DEFAULT_REPLY_TIMEOUT,
        record_limit: int = RECORD_LIMIT,
        snapshot_interval: float = SNAPSHOT_INTERVAL,
    ) -> None:
        self._reactor = reactor
        self._on_snapshot = on_snapshot
        self._throttle = Throttle(reactor, snapshot_interval, self._emit)
        self._reply_timeout_ns = _to_ns(reply_timeout)
        self._records = RecordBook(record_limit)
        self._pending: dict[int, _Pending] = {}
        self._order: deque[int] = deque()  # send numbers in send order, for the timeout
        self._conns: dict[int, _Connection] = {}
        self._expiry: Timer | None = None
        self._sends = 0
        self._generation = 0
        self._dirty = False
        self._histogram = RoundTripHistogram()
        self._previous_rtt = -1
        self._jitter_total = 0
        self._lost = self._out_of_order = self._unmatched = 0
        self._wall_offset_ns = 0
        self._clear_statistics()

    # -- feeding -----------------------------------------------------------------------

    def sent(self, conn: int, t_ns: int, size: int, key: bytes | None = None) -> None:
        """A message of `size` bytes went out on connection `conn` at `t_ns`."""
        number = -1
        if key is not None:
            try:
                number = int(key)
            except ValueError:
                number = -1
        self._add(conn, t_ns, size, number)
        self._changed()

    def sent_many(
        self, conn: int, stamps_ns: Sequence[int], sizes: Iterable[int], first_key: int | None
    ) -> None:
        """A burst: send i at `stamps_ns[i]` of `sizes[i]` bytes, with the counter number
        `first_key + i` (None: no counter, FIFO). Built in C (map, zip, repeat): a repeat
        run feeds every datagram through here."""
        count = len(stamps_ns)
        if not count:
            return
        state = self._conns.get(conn)
        if state is None:
            state = self._conns[conn] = _Connection()
        numbers = range(self._sends + 1, self._sends + count + 1)
        self._sends += count
        keys = repeat(-1) if first_key is None else range(first_key, first_key + count)
        fields = zip(repeat(conn), numbers, stamps_ns, sizes, keys)
        self._pending.update(zip(numbers, map(_NEW_TUPLE, repeat(_Pending), fields), strict=True))
        state.fifo.extend(numbers)
        if first_key is not None:
            state.keys.update(zip(range(first_key, first_key + count), numbers, strict=True))
        if self._reply_timeout_ns is not None:
            self._order.extend(numbers)
            if self._expiry is None:
                self._schedule_expiry()
        self._changed()

    def received(self, conn: int, t_ns: int, size: int, data: bytes = b"") -> int | None:
        """A reply of `size` bytes (`data`: its bytes, for the counter) came in at `t_ns`
        on connection `conn`; returns its round trip in ns when it answered a send."""
        state = self._conns.get(conn)
        if state is None or not state.fifo:
            self._unmatched += 1
            self._changed()
            return None
        pending = self._pending
        number = 0
        together: list[int] = []
        numbered = False  # the reply holds digits: it answers their send or none
        if state.keys and data:
            keys = state.keys
            for match in _NUMBER.finditer(data):
                found = keys.pop(int(match.group()), None)
                if found is not None:
                    number = found
                    break
            else:
                numbered = _DIGIT.search(data) is not None
        fifo = state.fifo
        if not number:
            while fifo and fifo[0] not in pending:
                fifo.popleft()
            if not fifo or (numbered and pending[fifo[0]].key >= 0):
                self._unmatched += 1
                self._changed()
                return None
            number = fifo.popleft()
            if size > pending[number].size:
                together = self._together(state, number, size)
        send = pending.pop(number)
        if t_ns < send.sent_ns:  # a stale wake time (a read outside a select): now
            t_ns = time.perf_counter_ns()
        rtt = t_ns - send.sent_ns
        self._record(state, number, send, rtt, send.size if together else size)
        for other in together:
            answered = pending.pop(other)
            self._record(state, other, answered, t_ns - answered.sent_ns, answered.size)
        while fifo and fifo[0] not in pending:
            fifo.popleft()  # keyed replies leave answered numbers at the front
        return rtt

    def _together(self, state: _Connection, first: int, size: int) -> list[int]:
        """The sends after `first` that a reply of `size` bytes answers with it: when it is
        exactly as long as the oldest unanswered sends together, it answers all of them.
        Sends that left together (two writes in one loop turn) come back as one chunk
        from an echo or a fixed-size answer; pairing that chunk with one send only would
        pair every later reply with the send before its own."""
        pending = self._pending
        total = pending[first].size
        together: list[int] = []
        for number in state.fifo:
            send = pending.get(number)
            if send is None:
                continue
            if send.key >= 0 or total + send.size > size or len(together) >= _TOGETHER_MAX:
                return []
            total += send.size
            together.append(number)
            if total == size:
                return together
        return []

    def _record(self, state: _Connection, number: int, send: _Pending, rtt: int, size: int) -> None:
        if number < state.highest:
            self._out_of_order += 1
        else:
            state.highest = number
        self._histogram.record(rtt)
        if self._previous_rtt >= 0:
            self._jitter_total += abs(rtt - self._previous_rtt)
        self._previous_rtt = rtt
        self._records.add(number, send.conn, send.sent_ns, rtt, send.size, size)
        self._changed()

    def closed(self, conn: int) -> None:
        """Connection `conn` ended: its outstanding sends are lost."""
        state = self._conns.pop(conn, None)
        if state is None:
            return
        pending = self._pending
        for number in state.fifo:
            send = pending.pop(number, None)
            if send is not None:
                self._lose(number, send)
        self._changed()

    # -- commands ----------------------------------------------------------------------

    def reset(self) -> None:
        """Start the statistics and records anew; sends in flight stay paired."""
        self._generation += 1
        self._clear_statistics()
        for state in self._conns.values():
            state.highest = 0
        self._changed()

    def set_reply_timeout(self, seconds: float | None) -> None:
        self._reply_timeout_ns = _to_ns(seconds)
        if self._expiry is not None:
            self._expiry.cancel()
            self._expiry = None
        if self._reply_timeout_ns is None:
            self._order.clear()
        else:
            self._order = deque(self._pending)
            self._schedule_expiry()

    @property
    def reply_timeout(self) -> float | None:
        timeout = self._reply_timeout_ns
        return None if timeout is None else timeout / 1e9

    def snapshot(self) -> RoundTripSnapshot:
        histogram = self._histogram
        median, p95, p99 = histogram.percentiles(0.5, 0.95, 0.99)
        count = histogram.count
        return RoundTripSnapshot(
            count,
            histogram.min_ns,
            median,
            p95,
            p99,
            histogram.max_ns,
            histogram.mean_ns,
            self._jitter_total / (count - 1) if count > 1 else 0.0,
            self._lost,
            self._out_of_order,
            self._unmatched,
            len(self._pending),
            histogram.display_counts(),
            len(self._records),
            self._records.dropped,
            self._generation,
        )

    def records(self) -> ExchangeRecords:
        """A copy of the exchanges kept, for an export in another thread."""
        return self._records.copy(self._wall_offset_ns)

    def flush(self) -> None:
        """Send the snapshot now if anything changed (a run's end)."""
        if self._dirty:
            self._throttle.flush()

    def close(self) -> None:
        self._throttle.cancel()
        if self._expiry is not None:
            self._expiry.cancel()
            self._expiry = None

    # -- internals ---------------------------------------------------------------------

    def _clear_statistics(self) -> None:
        self._histogram = RoundTripHistogram()
        self._records.clear()
        self._previous_rtt = -1
        self._jitter_total = 0
        self._lost = self._out_of_order = self._unmatched = 0
        # Unix time = perf_counter + this, for the export's wall-clock columns.
        self._wall_offset_ns = time.time_ns() - time.perf_counter_ns()

    def _add(self, conn: int, t_ns: int, size: int, key: int) -> None:
        self._sends += 1
        number = self._sends
        state = self._conns.get(conn)
        if state is None:
            state = self._conns[conn] = _Connection()
        self._pending[number] = _Pending(conn, number, t_ns, size, key)
        state.fifo.append(number)
        if key >= 0:
            state.keys[key] = number  # a repeated number: the older send will time out
        if self._reply_timeout_ns is not None:
            self._order.append(number)
            if self._expiry is None:
                self._schedule_expiry()

    def _lose(self, number: int, send: _Pending) -> None:
        self._lost += 1
        self._records.add(number, send.conn, send.sent_ns, LOST, send.size, 0)

    def _schedule_expiry(self) -> None:
        timeout = self._reply_timeout_ns
        order = self._order
        pending = self._pending
        while order and order[0] not in pending:
            order.popleft()
        if timeout is None or not order:
            return
        due = pending[order[0]].sent_ns + timeout - time.perf_counter_ns()
        delay = max(due / 1e9, 0.0) + _EXPIRY_GRANULARITY
        self._expiry = self._reactor.call_later(delay, self._expire)

    def _expire(self) -> None:
        self._expiry = None
        timeout = self._reply_timeout_ns
        if timeout is None:
            return
        limit = time.perf_counter_ns() - timeout
        order, pending, conns = self._order, self._pending, self._conns
        lost = 0
        while order:
            number = order[0]
            send = pending.get(number)
            if send is None:
                order.popleft()
                continue
            if send.sent_ns > limit:
                break
            order.popleft()
            del pending[number]
            state = conns.get(send.conn)
            if state is not None:
                if send.key >= 0 and state.keys.get(send.key) == number:
                    del state.keys[send.key]
                fifo = state.fifo
                while fifo and fifo[0] not in pending:
                    fifo.popleft()
            self._lose(number, send)
            lost += 1
        if lost:
            self._changed()
        self._schedule_expiry()

    def _changed(self) -> None:
        if not self._dirty and self._on_snapshot is not None:
            self._dirty = True
            self._throttle.request()

    def _emit(self) -> None:
        self._dirty = False
        if self._on_snapshot is not None:
            self._on_snapshot(self.snapshot())


def _to_ns(seconds: float | None) -> int | None:
    return None if seconds is None else int(seconds * 1e9)
