"""FaultScheduler without sockets: made-up clocks, seeded randomness."""

from __future__ import annotations

import random

import pytest

from app.net.relay.faults import Direction, FaultDirection, RelayFaults
from app.net.relay.schedule import RATE_SLICE, FaultScheduler, Piece

UP = Direction.CLIENT_TO_TARGET
DOWN = Direction.TARGET_TO_CLIENT


def scheduler(direction: Direction = UP, seed: int = 1) -> FaultScheduler:
    return FaultScheduler(direction, random.Random(seed))


def test_no_faults_forwards_the_chunk_whole_and_at_once() -> None:
    plan = scheduler().plan(b"hello", 10.0, RelayFaults())
    assert plan.pieces == [Piece(10.0, b"hello")]
    assert not plan.dropped and not plan.close and plan.note == ""


def test_delay_holds_each_chunk_by_that_much() -> None:
    plan = scheduler().plan(b"abc", 10.0, RelayFaults(delay_ms=300))
    assert [p.due for p in plan.pieces] == [pytest.approx(10.3)]
    assert plan.pieces[0].note == "held 300 ms"


def test_jitter_varies_the_delay_but_never_reorders_a_direction() -> None:
    s = scheduler(seed=7)
    faults = RelayFaults(delay_ms=100, jitter_ms=80)
    dues = []
    for n in range(500):
        now = 10.0 + n * 0.001  # chunks 1 ms apart, jitter of ± 80 ms
        dues += [p.due for p in s.plan(bytes([n % 256]), now, faults).pieces]
    assert dues == sorted(dues)
    assert max(dues[i] - (10.0 + i * 0.001) for i in range(500)) > 0.15  # jitter added
    assert min(dues[i] - (10.0 + i * 0.001) for i in range(500)) >= 0.02


def test_jitter_never_makes_a_chunk_due_in_the_past() -> None:
    s = scheduler(seed=3)
    plans = [s.plan(b"x", 5.0, RelayFaults(jitter_ms=50)) for _ in range(200)]
    assert all(p.pieces[0].due >= 5.0 for p in plans)


def test_rate_paces_pieces_back_to_back() -> None:
    s = scheduler()
    plan = s.plan(b"x" * 2000, 0.0, RelayFaults(rate_kbps=10))  # 10,000 B/s
    slice_size = int(10_000 * RATE_SLICE)
    assert [len(p.data) for p in plan.pieces] == [slice_size] * (2000 // slice_size)
    dues = [p.due for p in plan.pieces]
    assert dues == pytest.approx([i * RATE_SLICE for i in range(len(dues))])
    # The next chunk waits for the line: 2,000 B at 10 kB/s take 0.2 s.
    assert s.plan(b"y", 0.0, RelayFaults(rate_kbps=10)).pieces[0].due == pytest.approx(0.2)


def test_rate_spaces_datagrams_without_splitting_them() -> None:
    s = scheduler()
    faults = RelayFaults(rate_kbps=1)  # 1,000 B/s
    first = s.plan(b"a" * 500, 0.0, faults, datagram=True).pieces
    second = s.plan(b"b" * 500, 0.0, faults, datagram=True).pieces
    assert [len(p.data) for p in first + second] == [500, 500]
    assert second[0].due == pytest.approx(0.5)


def test_chunk_size_splits_what_was_received() -> None:
    plan = scheduler().plan(b"abcdefghij", 1.0, RelayFaults(chunk_size=3))
    assert [p.data for p in plan.pieces] == [b"abc", b"def", b"ghi", b"j"]
    assert {p.due for p in plan.pieces} == {1.0}


def test_corrupt_flips_exactly_one_byte() -> None:
    data = bytes(range(200))
    plan = scheduler(seed=11).plan(data, 0.0, RelayFaults(corrupt_percent=100))
    out = plan.pieces[0].data
    differ = [i for i in range(len(data)) if data[i] != out[i]]
    assert len(differ) == 1 and out[differ[0]] == data[differ[0]] ^ 0xFF
    assert f"byte {differ[0] + 1} of 200 flipped" in plan.note


def test_corrupt_at_zero_percent_leaves_everything() -> None:
    s = scheduler()
    assert all(
        s.plan(b"payload", 0.0, RelayFaults(corrupt_percent=0)).pieces[0].data == b"payload"
        for _ in range(100)
    )


def test_corrupt_percent_is_a_proportion_of_chunks() -> None:
    s = scheduler(seed=5)
    faults = RelayFaults(corrupt_percent=30)
    corrupted = sum(s.plan(b"abcd", 0.0, faults).pieces[0].data != b"abcd" for _ in range(2000))
    assert 450 < corrupted < 750


@pytest.mark.parametrize(("percent", "kept"), [(0, 100), (100, 0)])
def test_drop_applies_to_datagrams(percent: float, kept: int) -> None:
    s = scheduler()
    plans = [
        s.plan(b"d", 0.0, RelayFaults(drop_percent=percent), datagram=True) for _ in range(100)
    ]
    assert sum(not p.dropped for p in plans) == kept
    assert all(p.pieces == [] for p in plans if p.dropped)


def test_drop_never_applies_to_a_stream() -> None:
    plan = scheduler().plan(b"tcp", 0.0, RelayFaults(drop_percent=100))
    assert not plan.dropped and plan.pieces[0].data == b"tcp"


def test_an_empty_datagram_is_forwarded() -> None:
    plan = scheduler().plan(b"", 0.0, RelayFaults(delay_ms=5), datagram=True)
    assert [p.data for p in plan.pieces] == [b""]


def test_close_after_cuts_at_the_limit() -> None:
    s = scheduler()
    faults = RelayFaults(close_after=10)
    first = s.plan(b"12345678", 0.0, faults, forwarded=0)
    assert [p.data for p in first.pieces] == [b"12345678"] and not first.close
    second = s.plan(b"abcdef", 0.0, faults, forwarded=8)
    assert [p.data for p in second.pieces] == [b"ab"] and second.close


def test_close_after_ignores_datagrams() -> None:
    plan = scheduler().plan(b"x" * 50, 0.0, RelayFaults(close_after=10), datagram=True)
    assert not plan.close and plan.pieces[0].data == b"x" * 50


def test_faults_skip_the_direction_they_do_not_cover() -> None:
    faults = RelayFaults(
        delay_ms=500, corrupt_percent=100, direction=FaultDirection.CLIENT_TO_TARGET
    )
    down = scheduler(DOWN).plan(b"abc", 1.0, faults)
    assert down.pieces == [Piece(1.0, b"abc")]
    up = scheduler(UP).plan(b"abc", 1.0, faults)
    assert up.pieces[0].due == pytest.approx(1.5) and up.pieces[0].data != b"abc"


def test_order_survives_a_delay_being_removed() -> None:
    s = scheduler()
    held = s.plan(b"first", 0.0, RelayFaults(delay_ms=1000)).pieces[0]
    after = s.plan(b"second", 0.1, RelayFaults()).pieces[0]
    assert after.due >= held.due
