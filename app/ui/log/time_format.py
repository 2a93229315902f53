"""How the log's Time column reads: wall clock, or time since the first or previous row."""

from __future__ import annotations

import enum
import time


class TimeMode(enum.Enum):
    """What the Time column measures; the values are the combo box texts."""

    CLOCK = "Clock"
    SINCE_FIRST = "Since first"
    SINCE_PREVIOUS = "Since previous"


TIME_MODE_TIPS = {
    TimeMode.CLOCK: "Local wall-clock time with milliseconds",
    TimeMode.SINCE_FIRST: "Seconds since the first event after the log was last cleared",
    TimeMode.SINCE_PREVIOUS: "Seconds since the row above: measures round trips",
}


def format_time(stamp: float) -> str:
    """HH:MM:SS.mmm in local time."""
    millis = int(stamp * 1000) % 1000
    return f"{time.strftime('%H:%M:%S', time.localtime(stamp))}.{millis:03d}"


def format_elapsed(seconds: float) -> str:
    """A signed span with milliseconds: +0.250, +1:02.003, +2:00:00.000.

    Signed because rows from two workers can arrive slightly out of order, and a round
    trip read as negative says so rather than hiding it.
    """
    sign = "-" if seconds < 0 else "+"
    millis_total = round(abs(seconds) * 1000)
    whole, millis = divmod(millis_total, 1000)
    if whole < 60:
        return f"{sign}{whole}.{millis:03d}"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{sign}{minutes}:{secs:02d}.{millis:03d}"
    hours, minutes = divmod(minutes, 60)
    return f"{sign}{hours}:{minutes:02d}:{secs:02d}.{millis:03d}"


def time_text(mode: TimeMode, stamp: float, reference: float | None) -> str:
    """The Time cell: `reference` is the first or previous row's time (None: unknown)."""
    if mode is TimeMode.CLOCK:
        return format_time(stamp)
    if reference is None:
        return ""
    return format_elapsed(stamp - reference)
