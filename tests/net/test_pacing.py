"""The pacing schedule without a socket: a simulated clock drives the run."""

from __future__ import annotations

import pytest

from app.net.pacing import BURST_WINDOW, Pacer, describe_rates, format_count_rate


def run_with_wakeups(pacer: Pacer, wakeups: list[float]) -> list[tuple[float, int]]:
    """What the run sends at each wake-up time: (time, count)."""
    sent = []
    for now in wakeups:
        due = pacer.due(now)
        pacer.took(due, now)
        sent.append((now, due))
    return sent


def test_the_first_message_is_due_at_the_start_and_the_next_one_interval_later() -> None:
    pacer = Pacer(10, 0.01, 4096)
    pacer.start(100.0)
    assert pacer.due(100.0) == 1
    pacer.took(1, 100.0)
    assert pacer.due(100.005) == 0
    assert pacer.delay(100.005) == pytest.approx(0.005)
    assert pacer.due(100.01) == 1  # exactly at the deadline, not a hair after


def test_a_late_turn_is_caught_up_in_bursts_no_larger_than_the_window() -> None:
    interval = 0.0001  # 10,000/s: 50 messages fit in the 5 ms window
    pacer = Pacer(100_000, interval, 4096)
    pacer.start(0.0)
    assert pacer.burst == round(BURST_WINDOW / interval)
    # The loop slept 100 ms (1,000 messages late); each following turn sends one window.
    late = [(now, due) for now, due in run_with_wakeups(pacer, [0.1, 0.1001, 0.1002])]
    assert [due for _, due in late] == [50, 50, 50]
    # Turns keep coming at once while behind: the schedule is met again, not shifted.
    now = 0.1002
    while pacer.due(now) == pacer.burst:
        pacer.took(pacer.burst, now)
        now += 0.0001
    assert pacer.sent == pytest.approx(now / interval, abs=pacer.burst + 1)


def test_a_slow_rate_never_bursts_more_than_one_message_a_turn() -> None:
    pacer = Pacer(1000, 0.01, 4096)
    pacer.start(0.0)
    pacer.took(pacer.due(0.0), 0.0)
    assert pacer.due(0.5) == 1  # 50 behind, but one a turn


def test_jittery_wakeups_do_not_drift() -> None:
    """Every wake-up is late by up to 0.9 interval: the n-th message still goes at n * interval
    or within one interval after, and the run ends on time."""
    interval = 0.001
    pacer = Pacer(1000, interval, 4096)
    pacer.start(0.0)
    now = 0.0
    lateness = [0.0, 0.0009, 0.0003, 0.0007, 0.0001]
    turn = 0
    while not pacer.finished:
        due = pacer.due(now)
        pacer.took(due, now)
        now += pacer.delay(now) + lateness[turn % len(lateness)]
        turn += 1
        assert now < 2.0
    assert pacer.ended is not None
    assert pacer.ended == pytest.approx(999 * interval, abs=interval)
    assert pacer.achieved(pacer.ended) == pytest.approx(1000.0, rel=0.002)


def test_achieved_reads_the_requested_rate_on_schedule_during_and_after_the_run() -> None:
    pacer = Pacer(100, 0.01, 4096)
    pacer.start(0.0)
    for k in range(100):
        pacer.took(pacer.due(k * 0.01), k * 0.01)
        assert pacer.achieved(k * 0.01) == pytest.approx(100.0)
    assert pacer.finished
    assert pacer.achieved(5.0) == pytest.approx(100.0)  # ended: later reads do not decay


def test_full_speed_has_no_deadline_and_bursts_of_burst_max() -> None:
    pacer = Pacer(10_000, 0.0, 512)
    pacer.start(0.0)
    assert pacer.requested is None
    assert pacer.due(0.0) == 512 and pacer.delay(0.0) == 0.0
    pacer.took(512, 0.001)
    assert pacer.achieved(0.002) == pytest.approx(256_000)


def test_due_never_exceeds_what_is_left() -> None:
    pacer = Pacer(3, 0.001, 4096)
    pacer.start(0.0)
    assert pacer.due(10.0) == 3


def test_rates_read_side_by_side() -> None:
    assert describe_rates(1000.0, 999.84) == "requested 1,000/s · achieved 999.8/s"
    assert describe_rates(None, 48_210.4) == "as fast as possible · achieved 48,210/s"
    assert describe_rates(2_000_000.0, 0.0) == "requested 2,000,000/s · achieved 0.0/s"
    assert format_count_rate(12.345) == "12.3/s"
