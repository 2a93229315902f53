"""How the app writes counts, byte sizes, rates and durations: one policy for every tab.

Sizes and rates use decimal SI units (1 kB = 1,000 B), as network tools and link speeds
do, so a rate of "12.5 MB/s" and a counter of "12.5 MB" read the same way. Below 1,000
the exact figure is shown. Counts always carry thousands separators.
"""

from __future__ import annotations

_SIZE_UNITS = ("kB", "MB", "GB", "TB")


def plural(count: int, word: str, many: str | None = None) -> str:
    """`1 client`, `3 clients`, `1,000 replies` (with `many="replies"`)."""
    return f"{count:,} {word if count == 1 else (many or word + 's')}"


def format_bytes(count: float) -> str:
    """`512 B`, `12.3 kB`, `4.1 GB`."""
    if count < 1000:
        return f"{count:,.0f} B"
    value = float(count)
    for unit in _SIZE_UNITS:
        value /= 1000
        if value < 1000 or unit == _SIZE_UNITS[-1]:
            return f"{value:,.1f} {unit}"
    raise AssertionError("unreachable")  # pragma: no cover


def format_rate(bytes_per_s: float) -> str:
    """`850 B/s`, `12.3 kB/s`, `25.6 MB/s`."""
    return f"{format_bytes(bytes_per_s)}/s"


def format_duration(seconds: float) -> str:
    """`0.21 ms`, `850 ms`, `12.4 s`, `3 min 05 s`, `2 h 03 min`."""
    if seconds < 0.001:
        return f"{seconds * 1000:.2f} ms"
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def format_latency(seconds: float) -> str:
    """A round trip to three significant digits: `0.0312 ms`, `0.21 ms`, `20.1 ms`,
    `250 ms`, `1.25 s` (format_duration keeps whole milliseconds, too coarse for this)."""
    ms = seconds * 1000
    if ms == 0:
        return "0 ms"  # e.g. the jitter of a single round trip
    if ms < 0.001:
        return f"{ms:.4f} ms"
    if ms < 100:
        return f"{ms:.3g} ms"
    if ms < 1000:
        return f"{ms:.0f} ms"
    if seconds < 100:
        return f"{seconds:.3g} s"
    return format_duration(seconds)
