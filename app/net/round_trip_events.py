"""Received log events stamped with the round trip of the send each one answers.

For any stream protocol that feeds a RoundTripRecorder (the TCP Client, a load run's
connections): the messages of one read share its time and its perf_counter stamp (0:
now, for messages a framer completes later, at an idle gap).
"""

from __future__ import annotations

import time

from app.net.events import Kind, LogEvent, Source
from app.net.round_trips import RoundTripRecorder
from app.units import format_latency

__all__ = ["answered_events", "rtt_note"]


def rtt_note(rtt_ns: int | None) -> str:
    """The received row's message: `RTT 0.21 ms`, or "" for a reply that answered nothing."""
    return "" if rtt_ns is None else f"RTT {format_latency(rtt_ns / 1e9)}"


def answered_events(
    recorder: RoundTripRecorder,
    conn: int,
    t_ns: int,
    messages: list[bytes],
    source: Source,
    peer: str,
    local: str,
) -> list[LogEvent]:
    """One received event per message, each fed to `recorder` as a reply at `t_ns`."""
    t_ns = t_ns or time.perf_counter_ns()
    now = time.time()
    received = recorder.received
    kind = Kind.RECEIVED
    return [
        LogEvent(
            now, source, kind, peer, m, rtt_note(received(conn, t_ns, len(m))), len(m), "", local
        )
        for m in messages
    ]
