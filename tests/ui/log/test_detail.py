"""The detail view's text of one event."""

from __future__ import annotations

from app.net.events import Kind, LogEvent, Source
from app.ui.log.detail import format_detail


def test_a_partial_message_says_it_is_incomplete_in_its_header() -> None:
    event = LogEvent(1.0, Source.TCP, Kind.RECEIVED, "127.0.0.1:9", b"354 go", "", 6)
    assert "partial" not in format_detail(event)
    header = format_detail(event._replace(partial=True)).splitlines()[0]
    assert header.endswith("6 B · partial: the connection ended before this message was complete")
