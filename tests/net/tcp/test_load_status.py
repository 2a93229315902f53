"""The load run's records and its closing line."""

from __future__ import annotations

from collections import Counter

from app.net.tcp.load_status import (
    LoadPhase,
    TcpLoadJob,
    TcpLoadProgress,
    describe_outcome,
    describe_reasons,
)


def test_job_totals_and_requested_rate_cover_every_connection() -> None:
    job = TcpLoadJob("h", 1, b"x", count=100, interval=0.01, connections=10)
    assert job.total == 1000 and job.requested == 1000.0
    assert TcpLoadJob("h", 1, b"x", interval=0.0).requested is None


def test_reasons_are_counted_most_common_first() -> None:
    reasons = Counter({"Timed out after 5 s": 2, "Connection refused": 48})
    assert describe_reasons(reasons) == "Connection refused (48), Timed out after 5 s (2)"


def test_outcome_says_what_went_the_rates_and_what_failed() -> None:
    progress = TcpLoadProgress(
        LoadPhase.DONE, 10, 9, 1, 0, 850, 850, 840, 8500, 8400, 1000.0, 999.84
    )
    line = describe_outcome(
        "Load run to h:1 stopped",
        progress,
        0.85,
        Counter({"Connection refused": 1}),
        Counter({"Connection reset by peer": 2}),
        50,
    )
    assert line == (
        "Load run to h:1 stopped: 9 connections · sent 850 of 900 messages (8.5 kB) · "
        "received 840 messages (8.4 kB) in 0.85 s; requested 1,000/s · achieved 999.8/s"
        "; 1 failed to connect: Connection refused (1)"
        "; 2 ended early: Connection reset by peer (2); 50 messages not sent"
    )


def test_outcome_without_a_sending_phase_is_the_failures_alone() -> None:
    progress = TcpLoadProgress(LoadPhase.DONE, 3, failed=3)
    assert describe_outcome(
        "Run failed", progress, None, Counter({"No route": 3}), Counter(), 0
    ) == ("Run failed; 3 failed to connect: No route (3)")
