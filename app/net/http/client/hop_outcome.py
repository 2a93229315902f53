"""What a hop ends with: its response (or failure), and the timing of its phases."""

from __future__ import annotations

from typing import NamedTuple

from app.net.http.client.decoding import BodyCollector
from app.net.http.client.opener import OpenTiming, elapsed_ms
from app.net.http.client.result import Failure, Phase, Timing
from app.net.http.head import ResponseHead

ACTIVITY = {  # what the status says while a hop is in these phases
    Phase.SEND: "Sending the request…",
    Phase.WAIT: "Waiting for the response…",
    Phase.BODY: "Reading the body…",
}
REUSED = OpenTiming(None, None, None)  # no DNS, connect or TLS on a reused connection
_NEW_TUPLE = tuple.__new__  # a NamedTuple from C, every field given: one per exchange


class HopResponse(NamedTuple):
    head: ResponseHead
    body: bytes  # decoded, its first part when it was spooled
    body_truncated: bool
    wire_size: int
    content_encoding: str
    body_file: str  # the whole body, when it is larger than what `body` keeps
    body_size: int  # the whole body's size, decoded


class HopOutcome(NamedTuple):
    response: HopResponse | None
    failure: Failure | None
    timing: Timing
    reused: bool
    local: str = ""  # the connection's local address, when there was one


def hop_timing(
    opened: OpenTiming, start_ns: int, written_ns: int, first_ns: int, now_ns: int, *, done: bool
) -> Timing:
    """The hop's phases in ms: the opening's (None on a reused connection), the wait from
    the request written (or, unseen, the first byte) to the first byte, the download
    once the response is whole, and the hop's total."""
    written = written_ns or first_ns
    return _NEW_TUPLE(
        Timing,
        (
            *opened,
            elapsed_ms(written, first_ns) if first_ns and written else None,
            elapsed_ms(first_ns, now_ns) if first_ns and done else None,
            elapsed_ms(start_ns, now_ns),
        ),
    )


def response_of(head: ResponseHead, body: bytes, collector: BodyCollector) -> HopResponse:
    """The response of a hop whose body `collector` has finished (giving `body`)."""
    fields = (head, body, collector.truncated, collector.wire_size, collector.encoding)
    return _NEW_TUPLE(HopResponse, (*fields, collector.body_file, collector.size))
