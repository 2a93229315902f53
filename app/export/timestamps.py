"""Event times as ISO-8601 local time with milliseconds, fast enough for a million rows."""

from __future__ import annotations

import time
from datetime import datetime


class IsoTimeFormatter:
    """`2024-05-01T12:00:00.123+02:00` for epoch seconds, with the offset of that moment.

    Formatting through datetime costs ~2 µs a row; rows of one second share the prefix,
    so it is built once per second and a row pays only for its milliseconds.
    """

    def __init__(self, separator: str = "T", offset: bool = True, digits: int = 3) -> None:
        self._separator = separator
        self._offset = offset
        self._digits = digits  # of the fraction: 3 (ms), 6 (µs) for round trips
        self._scale = 10**digits
        self._second: int | None = None
        self._prefix = ""
        self._suffix = ""

    def __call__(self, stamp: float) -> str:
        second, fraction = divmod(int(stamp * self._scale), self._scale)
        if second != self._second:
            self._second = second
            moment = datetime.fromtimestamp(second).astimezone()
            self._prefix = moment.strftime(f"%Y-%m-%d{self._separator}%H:%M:%S")
            self._suffix = moment.isoformat()[19:] if self._offset else ""
        return f"{self._prefix}.{fraction:0{self._digits}d}{self._suffix}"


def local_time_text(stamp: float) -> str:
    """One-off `2024-05-01 12:00:00.123` (file headers, messages)."""
    millis = int(stamp * 1000) % 1000
    return f"{time.strftime('%Y-%m-%d %H:%M:%S', time.localtime(stamp))}.{millis:03d}"
