"""PayloadHistory: order, the draft, duplicates, the cap and the settings text."""

from __future__ import annotations

from app.messages.history import (
    HISTORY_LIMIT,
    MAX_ENTRY_CHARS,
    PayloadHistory,
    TypedPayload,
)
from app.payload import LineEnding, PayloadFormat

HEX = PayloadFormat.HEX
DRAFT = TypedPayload("half typed")


def sent(*texts: str) -> PayloadHistory:
    history = PayloadHistory()
    for text in texts:
        history.record(TypedPayload(text))
    return history


def test_up_walks_back_from_the_newest_and_stops_at_the_oldest() -> None:
    history = sent("one", "two", "three")
    assert history.older(DRAFT) == TypedPayload("three")
    assert history.older(TypedPayload("three")) == TypedPayload("two")
    assert history.older(TypedPayload("two")) == TypedPayload("one")
    assert history.older(TypedPayload("one")) is None
    assert history.browsing


def test_down_past_the_newest_gives_back_the_draft_and_ends_browsing() -> None:
    history = sent("one", "two")
    history.older(DRAFT)
    history.older(TypedPayload("two"))
    assert history.newer() == TypedPayload("two")
    assert history.newer() == DRAFT
    assert not history.browsing
    assert history.newer() is None


def test_down_without_browsing_and_up_on_an_empty_history_do_nothing() -> None:
    assert PayloadHistory().older(DRAFT) is None
    assert not PayloadHistory().browsing
    assert sent("one").newer() is None


def test_format_and_line_ending_are_part_of_an_entry() -> None:
    history = PayloadHistory()
    history.record(TypedPayload("01 02", HEX, LineEnding.NONE))
    history.record(TypedPayload("GET", PayloadFormat.TEXT, LineEnding.CRLF))
    assert history.older(DRAFT) == TypedPayload("GET", PayloadFormat.TEXT, LineEnding.CRLF)
    assert history.older(DRAFT) == TypedPayload("01 02", HEX, LineEnding.NONE)


def test_consecutive_duplicates_collapse_but_a_repeat_later_is_kept() -> None:
    history = PayloadHistory()
    assert history.record(TypedPayload("ping"))
    assert not history.record(TypedPayload("ping"))
    assert history.record(TypedPayload("ping", HEX)), "another format is another payload"
    assert history.record(TypedPayload("pong"))
    assert history.record(TypedPayload("ping"))
    assert [e.text for e in history.entries()] == ["ping", "ping", "pong", "ping"]


def test_recording_ends_browsing() -> None:
    history = sent("one", "two")
    history.older(DRAFT)
    history.record(TypedPayload("three"))
    assert not history.browsing
    assert history.older(DRAFT) == TypedPayload("three")


def test_only_the_last_hundred_are_kept() -> None:
    history = sent(*(f"message {i}" for i in range(HISTORY_LIMIT + 30)))
    entries = history.entries()
    assert len(entries) == HISTORY_LIMIT == 100
    assert entries[0].text == "message 30"
    assert entries[-1].text == f"message {HISTORY_LIMIT + 29}"


def test_an_oversized_payload_is_not_kept() -> None:
    history = sent("small")
    assert not history.record(TypedPayload("x" * (MAX_ENTRY_CHARS + 1)))
    assert [e.text for e in history.entries()] == ["small"]


def test_the_settings_text_round_trips() -> None:
    history = PayloadHistory()
    history.record(TypedPayload("héllo\\r\\n", PayloadFormat.TEXT, LineEnding.LF))
    history.record(TypedPayload("de ad", HEX, LineEnding.CRLF))
    assert PayloadHistory.from_json(history.to_json()).entries() == history.entries()


def test_unreadable_settings_text_costs_only_the_bad_entries() -> None:
    assert PayloadHistory.from_json("{not json").entries() == []
    assert PayloadHistory.from_json('{"a": 1}').entries() == []
    text = (
        '[{"payload": "kept", "format": "Hex"}, {"payload": 5}, '
        '{"payload": "x", "format": "Morse"}, "junk", {"payload": "also kept"}]'
    )
    assert PayloadHistory.from_json(text).entries() == [
        TypedPayload("kept", HEX),
        TypedPayload("also kept"),
    ]


def test_a_smaller_limit_keeps_the_newest_of_a_restored_history() -> None:
    text = sent("a", "b", "c").to_json()
    assert [e.text for e in PayloadHistory.from_json(text, limit=2).entries()] == ["b", "c"]
