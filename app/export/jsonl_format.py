"""JSON Lines: one object per event with the data as base64 and as escaped text; read back too."""

from __future__ import annotations

import base64
import binascii
import json
from base64 import b64encode
from collections.abc import Iterator, Sequence
from json.encoder import encode_basestring_ascii
from typing import Any

from app.export.timestamps import IsoTimeFormatter
from app.net.events import Kind, LogEvent, Source
from app.payload import escape_bytes

# Lines are assembled by hand rather than through json.dumps of a dict: 40% faster
# (6 µs instead of 10 µs a row), which is what lets a recording keep up with a flood. The
# output is the same compact JSON; strings go through the json module's own C escaper,
# which writes ASCII only, so every line is valid UTF-8 whatever the text.
_quote = encode_basestring_ascii


class JsonlEncoder:
    """Events to lines of JSON, each ending in "\\n".

    Keys: time (epoch seconds), time_iso, source, kind, peer, size (true length), message,
    detail, local (the connection's local host:port, or ""), data_base64 (the data, exact),
    data_text (escaped with app.payload.escape_bytes); and `"partial":true` on a received
    incomplete message (LogEvent.partial) only.
    With `text_limit`, data_text covers only that many leading bytes and such a record
    also has `"data_text_cut":true`: escaping runs at ~15 MB/s, too slow for a recording
    of a flood of 64 KiB chunks, while base64 keeps up.
    """

    def __init__(self, text_limit: int | None = None) -> None:
        self._time = IsoTimeFormatter()
        self._text_limit = text_limit

    def header(self) -> bytes:
        return b""

    def _line(self, event: LogEvent) -> str:
        data = event.data
        limit = self._text_limit
        cut = limit is not None and len(data) > limit
        text = escape_bytes(data[:limit] if cut else data)
        return (
            f'{{"time":{float(event.time)!r},"time_iso":"{self._time(event.time)}",'
            f'"source":{_quote(event.source.value)},"kind":{_quote(event.kind.value)},'
            f'"peer":{_quote(event.peer)},"size":{int(event.size)},'
            f'"message":{_quote(event.message)},"detail":{_quote(event.detail)},'
            f'"local":{_quote(event.local)},'
            f'"data_base64":"{b64encode(data).decode("ascii")}","data_text":{_quote(text)}'
            + (',"data_text_cut":true' if cut else "")
            + (',"partial":true}' if event.partial else "}")
        )

    def encode(self, events: Sequence[LogEvent]) -> bytes:
        if not events:
            return b""
        lines = list(map(self._line, events))
        lines.append("")
        return "\n".join(lines).encode("ascii")


class JsonlFormatError(ValueError):
    """A line that is not an event record; `line_number` counts from 1."""

    def __init__(self, message: str, line_number: int) -> None:
        super().__init__(f"line {line_number}: {message}")
        self.line_number = line_number


def event_from_record(record: dict[str, Any]) -> LogEvent:
    """The LogEvent of one JSON object written by JsonlEncoder."""
    data = base64.b64decode(record.get("data_base64", ""), validate=True)
    return LogEvent(
        float(record["time"]),
        Source(record["source"]),
        Kind(record["kind"]),
        str(record.get("peer", "")),
        data,
        str(record.get("message", "")),
        int(record.get("size", len(data))),
        str(record.get("detail", "")),
        str(record.get("local", "")),
        record.get("partial") is True,
    )


# The key of the record `socket-tester … --json` ends its output with (app/cli/output.py).
SUMMARY_KEY = "summary"


def read_jsonl(path: str, *, allow_truncated_end: bool = True) -> Iterator[LogEvent]:
    """Events of a JSON Lines file; a cut-off last line (a crash mid-write) is skipped,
    and so is the command line's closing `{"summary": {...}}` record (not an event).

    Any other bad line raises JsonlFormatError.
    """
    with open(path, "rb") as file:
        pending: tuple[int, bytes] | None = None
        for number, raw in enumerate(file, start=1):
            if pending is not None and (event := _parse_line(*pending)) is not None:
                yield event
            pending = (number, raw)
        if pending is not None:
            number, raw = pending
            try:
                event = _parse_line(number, raw)
            except JsonlFormatError:
                if raw.endswith(b"\n") or not allow_truncated_end:
                    raise
                return
            if event is not None:
                yield event


def _parse_line(number: int, raw: bytes) -> LogEvent | None:
    try:
        record = json.loads(raw)
        if not isinstance(record, dict):
            raise TypeError("not an object")
        if SUMMARY_KEY in record and "time" not in record:
            return None
        return event_from_record(record)
    except (ValueError, TypeError, KeyError, binascii.Error) as exc:
        raise JsonlFormatError(str(exc) or type(exc).__name__, number) from None
