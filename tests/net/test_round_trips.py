"""The recorder's pairing rules and statistics, fed stamps directly (no sockets here:
tests/net/tcp/test_client_round_trips.py and tests/net/udp/test_sender_round_trips.py
feed it from real echo servers)."""

from __future__ import annotations

import time

from app.net.reactor import Reactor
from app.net.round_trip_records import LOST
from app.net.round_trips import RoundTripRecorder, RoundTripSnapshot

MS = 1_000_000
GUARD_S = 5.0


def recorder(reactor: Reactor, **kwargs: object) -> RoundTripRecorder:
    return RoundTripRecorder(reactor, **kwargs)  # type: ignore[arg-type]


def test_fifo_pairs_each_reply_with_the_oldest_send_per_connection(reactor: Reactor) -> None:
    rec = recorder(reactor, reply_timeout=None)
    rec.sent(1, 0, 10)
    rec.sent(2, 1 * MS, 10)
    rec.sent(1, 2 * MS, 10)
    assert rec.received(1, 5 * MS, 10) == 5 * MS
    assert rec.received(2, 5 * MS, 10) == 4 * MS
    assert rec.received(1, 6 * MS, 10) == 4 * MS
    assert rec.received(1, 7 * MS, 10) is None  # nothing outstanding
    snap = rec.snapshot()
    assert (snap.replies, snap.unmatched, snap.out_of_order, snap.pending) == (3, 1, 0, 0)
    assert (snap.min_ns, snap.max_ns, snap.median_ns) == (4 * MS, 5 * MS, 4 * MS)


def test_counter_keys_match_replies_out_of_order(reactor: Reactor) -> None:
    rec = recorder(reactor)
    for number in range(1, 5):
        rec.sent(0, number * MS, 8, key=b"%04d" % number)
    assert rec.received(0, 10 * MS, 8, b"ping 0003") == 7 * MS
    assert rec.received(0, 11 * MS, 8, b"ping 1") == 10 * MS  # no leading zeros: same
    assert rec.received(0, 12 * MS, 8, b"ping 0004") == 8 * MS
    assert rec.received(0, 13 * MS, 8, b"ping 0002") == 11 * MS
    snap = rec.snapshot()
    assert snap.replies == 4
    assert snap.out_of_order == 2  # 1 after 3, 2 after 4


def test_a_numbered_reply_to_nothing_outstanding_is_unmatched_not_paired(
    reactor: Reactor,
) -> None:
    rec = recorder(reactor)
    rec.sent(0, 0, 8, key=b"1")
    rec.sent(0, 0, 8, key=b"2")
    assert rec.received(0, MS, 8, b"ping 7") is None
    assert rec.received(0, MS, 8, b"ping 12345678901234567890123") is None  # not a counter
    assert rec.snapshot().unmatched == 2
    assert rec.received(0, 2 * MS, 2, b"OK") == 2 * MS  # no number: the oldest send


def test_a_closed_connection_loses_its_outstanding_sends(reactor: Reactor) -> None:
    rec = recorder(reactor, reply_timeout=None)
    rec.sent(3, 0, 10)
    rec.sent(3, MS, 10)
    rec.received(3, 2 * MS, 10)
    rec.closed(3)
    snap = rec.snapshot()
    assert (snap.replies, snap.lost, snap.pending) == (1, 1, 0)
    records = rec.records()
    assert list(records.number) == [1, 2]
    assert list(records.rtt_ns) == [2 * MS, LOST]


def test_jitter_is_the_mean_absolute_difference_of_consecutive_round_trips(
    reactor: Reactor,
) -> None:
    rec = recorder(reactor, reply_timeout=None)
    for rtt in (10, 14, 11, 11):
        rec.sent(0, 0, 1)
        rec.received(0, rtt * MS, 1)
    snap = rec.snapshot()
    assert snap.jitter_ns == (4 + 3 + 0) / 3 * MS
    assert snap.mean_ns == 11.5 * MS


def test_burst_of_numbered_sends(reactor: Reactor) -> None:
    rec = recorder(reactor)
    rec.sent_many(0, [1 * MS, 2 * MS, 3 * MS], [5, 5, 5], first_key=41)
    assert rec.received(0, 9 * MS, 5, b"n=42") == 7 * MS
    assert rec.snapshot().pending == 2


def test_records_keep_the_wall_clock_and_sizes(reactor: Reactor) -> None:
    rec = recorder(reactor, reply_timeout=None)
    before = time.time_ns()
    t = time.perf_counter_ns()
    rec.sent(0, t, 100)
    rec.received(0, t + 3 * MS, 40)
    records = rec.records()
    wall = records.sent_ns[0] + records.wall_offset_ns
    assert before - MS <= wall <= time.time_ns() + MS
    assert (records.sent_size[0], records.received_size[0], records.rtt_ns[0]) == (
        100,
        40,
        3 * MS,
    )


def test_record_limit_drops_rows_but_not_statistics(reactor: Reactor) -> None:
    rec = recorder(reactor, reply_timeout=None, record_limit=2)
    for _ in range(5):
        rec.sent(0, 0, 1)
        rec.received(0, MS, 1)
    snap = rec.snapshot()
    assert (snap.replies, snap.records, snap.records_dropped) == (5, 2, 3)


def test_reset_clears_statistics_but_keeps_sends_in_flight(reactor: Reactor) -> None:
    rec = recorder(reactor, reply_timeout=None)
    rec.sent(0, 0, 1)
    rec.received(0, MS, 1)
    rec.sent(0, 2 * MS, 1)
    rec.reset()
    snap = rec.snapshot()
    assert (snap.replies, snap.records, snap.pending, snap.generation) == (0, 0, 1, 1)
    assert rec.received(0, 5 * MS, 1) == 3 * MS


def run_until(reactor: Reactor, done: object) -> None:
    def check() -> None:
        if done():  # type: ignore[operator]
            reactor.stop()
        else:
            reactor.call_later(0.005, check)

    guard = reactor.call_later(GUARD_S, reactor.stop)
    reactor.call_soon(check)
    reactor.run()
    guard.cancel()


def test_sends_without_a_reply_within_the_timeout_are_lost_and_snapshots_throttled(
    reactor: Reactor,
) -> None:
    snapshots: list[RoundTripSnapshot] = []
    rec = RoundTripRecorder(reactor, snapshots.append, reply_timeout=0.05)
    now = time.perf_counter_ns()
    for number in range(1, 101):
        rec.sent(0, now, 4, key=str(number).encode())
    for number in range(2, 101, 2):
        rec.received(0, now + MS, 4, str(number).encode())
    run_until(reactor, lambda: snapshots and snapshots[-1].lost == 50)
    last = snapshots[-1]
    assert (last.replies, last.lost, last.pending) == (50, 50, 0)
    assert len(snapshots) <= 3  # the first at once, then at most one per 0.2 s
    assert rec.received(0, now + 2 * MS, 4, b"1") is None  # late: already lost
    records = rec.records()
    assert sorted(records.number) == list(range(1, 101))
    assert sum(1 for rtt in records.rtt_ns if rtt == LOST) == 50


def test_changing_the_timeout_applies_to_sends_in_flight(reactor: Reactor) -> None:
    rec = RoundTripRecorder(reactor, reply_timeout=None)
    rec.sent(0, time.perf_counter_ns(), 4)
    rec.set_reply_timeout(0.02)
    assert rec.reply_timeout == 0.02
    run_until(reactor, lambda: rec.snapshot().lost == 1)
    assert rec.snapshot().lost == 1


def test_one_chunk_as_long_as_several_sends_answers_them_all(reactor: Reactor) -> None:
    rec = recorder(reactor, reply_timeout=None)
    rec.sent(0, 0, 4)  # "ping" three times in one loop turn
    rec.sent(0, 1 * MS, 4)
    rec.sent(0, 2 * MS, 4)
    assert rec.received(0, 5 * MS, 8) == 5 * MS  # the first two came back together
    assert rec.received(0, 6 * MS, 4) == 4 * MS  # the third on its own
    snap = rec.snapshot()
    assert (snap.replies, snap.pending, snap.out_of_order) == (3, 0, 0)
    assert list(rec.records().rtt_ns) == [5 * MS, 4 * MS, 4 * MS]
    assert list(rec.records().received_size) == [4, 4, 4]


def test_a_longer_reply_that_fits_no_run_of_sends_answers_the_oldest(reactor: Reactor) -> None:
    rec = recorder(reactor, reply_timeout=None)
    rec.sent(0, 0, 4)
    rec.sent(0, MS, 4)
    assert rec.received(0, 3 * MS, 6) == 3 * MS  # "200 OK"-like: one answer
    assert rec.snapshot().pending == 1
