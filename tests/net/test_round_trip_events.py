"""Received events stamped with their round trip."""

from __future__ import annotations

from app.net.events import Kind, Source
from app.net.reactor import Reactor
from app.net.round_trip_events import answered_events, rtt_note
from app.net.round_trips import RoundTripRecorder


def test_each_message_answers_one_send_in_order(reactor: Reactor) -> None:
    recorder = RoundTripRecorder(reactor, reply_timeout=None)
    recorder.sent(4, 1_000_000, 3)
    events = answered_events(
        recorder, 4, 1_210_000, [b"abc", b"extra"], Source.TCP, "127.0.0.1:7", "127.0.0.1:9"
    )
    assert [e.message for e in events] == ["RTT 0.21 ms", ""]
    assert [e.size for e in events] == [3, 5]
    assert all(e.kind is Kind.RECEIVED and e.local == "127.0.0.1:9" for e in events)
    assert recorder.snapshot().unmatched == 1


def test_rtt_note() -> None:
    assert rtt_note(None) == ""
    assert rtt_note(20_100_000) == "RTT 20.1 ms"
