"""LogEvent and make_event: the record every layer reports through."""

from __future__ import annotations

import time

import pytest

from app.net.events import Kind, LogEvent, Source, make_event


def test_make_event_stamps_now_and_sizes_from_data() -> None:
    before = time.time()
    event = make_event(Source.TCP, Kind.RECEIVED, peer="127.0.0.1:80", data=b"hello")
    assert before <= event.time <= time.time()
    assert (event.source, event.kind, event.peer, event.data) == (
        Source.TCP,
        Kind.RECEIVED,
        "127.0.0.1:80",
        b"hello",
    )
    assert event.size == 5
    assert event.message == "" and event.detail == ""


def test_an_explicit_size_wins_over_the_data_kept() -> None:
    event = make_event(Source.UDP, Kind.SENT, "datagram", data=b"abc", size=65_507)
    assert event.size == 65_507
    assert event.message == "datagram"


def test_events_are_immutable_and_copied_with_replace() -> None:
    event = LogEvent(1.0, Source.APP, Kind.INFO, message="start")
    with pytest.raises(AttributeError):
        event.message = "changed"  # type: ignore[misc]
    copy = event._replace(data=b"x")
    assert copy.data == b"x" and event.data == b""
    assert copy[:3] == (1.0, Source.APP, Kind.INFO)


def test_field_order_is_what_the_log_model_reads_by_position() -> None:
    # app/ui/log/totals.py reads fields with itemgetter(1..6): the order is a contract.
    assert LogEvent._fields == (
        "time",
        "source",
        "kind",
        "peer",
        "data",
        "message",
        "size",
        "detail",
        "local",
        "partial",
    )


def test_kind_and_source_values_are_the_words_the_log_shows() -> None:
    assert [k.value for k in Kind] == ["sent", "received", "info", "error"]
    assert Source.APP.value == "App"
