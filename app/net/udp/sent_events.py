"""The sent rows of a UDP run, built in C (map, zip, repeat: no Python per datagram), and
the send times of the datagrams of one sendmmsg call."""

from __future__ import annotations

from collections.abc import Iterable
from itertools import repeat

from app.net.events import Kind, LogEvent, Source

_NEW_TUPLE = tuple.__new__


def sent_events(stamps: list[float], peer: str, data: bytes, message: str) -> list[LogEvent]:
    """One sent event per stamp, all of the same datagram."""
    return list(
        map(
            _NEW_TUPLE,
            repeat(LogEvent),
            zip(
                stamps,
                repeat(Source.UDP),
                repeat(Kind.SENT),
                repeat(peer),
                repeat(data),
                repeat(message),
                repeat(len(data)),
                repeat(""),
                repeat(""),
                repeat(False),
            ),
        )
    )


def rendered_sent_events(
    stamps: Iterable[float], peer: str, payloads: list[bytes]
) -> list[LogEvent]:
    """One sent event per datagram that differs (zip stops at the shorter)."""
    return list(
        map(
            _NEW_TUPLE,
            repeat(LogEvent),
            zip(
                stamps,
                repeat(Source.UDP),
                repeat(Kind.SENT),
                repeat(peer),
                payloads,
                repeat(""),
                map(len, payloads),
                repeat(""),
                repeat(""),
                repeat(False),
            ),
        )
    )


def spread_stamps(stamps: list[int], before: int, after: int, count: int) -> None:
    """The send times of `count` datagrams of one call made between `before` and `after`.

    The first is stamped `before`, not `after`: the call returns through the GIL, which
    another thread may hold for milliseconds, and a stamp taken then would make a round
    trip look shorter than it was (20 ms through a 20 ms peer measured 19.81 ms)."""
    span = after - before
    stamps.extend(before + span * i // count for i in range(count))
