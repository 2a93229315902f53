"""Honest pacing: message k is due at start + k * interval, and the rate is measured.

Sans-IO (the caller passes the clock). A run asks `due(now)` how many messages may go on
this loop turn and `delay(now)` how long it may sleep; the schedule is absolute, so a late
turn (a busy machine, the GIL held by the GUI) is caught up instead of stretching the run:
it never drifts. Catching up is bounded: one turn sends at most BURST_WINDOW of the
schedule (at least one message), so after a stall the backlog leaves over successive turns
instead of in one burst. The rate is what went: `achieved(now)` counts sent messages over
the span they cover, `requested` is 1 / interval (None: as fast as the peer takes them).
"""

from __future__ import annotations

import math

__all__ = ["BURST_WINDOW", "Pacer", "describe_rates", "format_count_rate"]

# The most of the schedule one loop turn may send when it is behind: 5 ms of messages.
BURST_WINDOW = 0.005


class Pacer:
    """The schedule of one run of `total` messages, `interval` seconds apart (0: no pacing).

    `burst_max` bounds a turn at full speed (interval 0), where the turn's size is what
    keeps the loop responsive rather than the clock.
    """

    __slots__ = ("burst", "ended", "interval", "sent", "started", "total")

    def __init__(self, total: int, interval: float, burst_max: int) -> None:
        self.total = total
        self.interval = interval
        self.burst = burst_max if interval <= 0 else max(1, math.ceil(BURST_WINDOW / interval))
        self.burst = min(self.burst, burst_max)
        self.sent = 0
        self.started = 0.0
        self.ended: float | None = None  # when the last message went

    @property
    def requested(self) -> float | None:
        """Messages per second asked for; None when the run goes as fast as it can."""
        return 1.0 / self.interval if self.interval > 0 else None

    @property
    def finished(self) -> bool:
        return self.sent >= self.total

    def start(self, now: float) -> None:
        self.started = now
        self.sent = 0
        self.ended = None

    def due(self, now: float) -> int:
        """How many messages may go now (0: wait `delay(now)`)."""
        left = self.total - self.sent
        if self.interval > 0:
            # +1: message 0 is due at the start itself. A tiny epsilon keeps a turn woken
            # exactly at a deadline from reading the clock a hair before it.
            scheduled = int((now - self.started) / self.interval + 1e-9) + 1
            left = min(left, scheduled - self.sent)
        return max(0, min(left, self.burst))

    def took(self, count: int, now: float) -> None:
        """`count` messages went at `now`."""
        if count > 0:
            self.sent += count
            if self.sent >= self.total:
                self.ended = now

    def delay(self, now: float) -> float:
        """Seconds until the next message is due (0 when one is due now)."""
        if self.interval <= 0:
            return 0.0
        return max(0.0, self.started + self.sent * self.interval - now)

    def achieved(self, now: float) -> float:
        """Messages per second so far: `sent` over the time they cover.

        Paced, n messages cover n intervals (the last one's interval included), so a run
        on schedule reads exactly the requested rate, during the run and at its end.
        """
        if self.sent == 0:
            return 0.0
        end = self.ended if self.ended is not None else now
        span = end - self.started + self.interval
        return self.sent / span if span > 0 else 0.0


def format_count_rate(per_second: float) -> str:
    """`999.8/s`, `48,210/s`: a tenth shows below 10,000, where 1% is worth reading."""
    return f"{per_second:,.1f}/s" if per_second < 10_000 else f"{per_second:,.0f}/s"


def describe_rates(requested: float | None, achieved: float) -> str:
    """`requested 1,000/s · achieved 999.8/s`, or `as fast as possible · achieved …`."""
    asked = "as fast as possible" if requested is None else f"requested {requested:,.6g}/s"
    if requested is not None and requested >= 1_000_000:
        asked = f"requested {requested:,.0f}/s"
    return f"{asked} · achieved {format_count_rate(achieved)}"
