"""Text forms of log events: the detail view of one event and the clipboard forms of rows."""

from __future__ import annotations

import re
from collections.abc import Iterable

from app.net.events import LogEvent
from app.payload import PayloadFormat, escape_bytes, hexdump, to_hex
from app.ui.log.time_format import format_time

# The hexdump shows at most this much; the model keeps no more than 4 KiB anyway, and
# a bigger dump would only slow the detail view down.
HEXDUMP_LIMIT = 4096

# Escaped text is one long line; breaking after each "\n" escape keeps line-based
# protocols readable. Matching "\\" too consumes escaped backslashes in pairs, so a
# literal backslash followed by "n" is not mistaken for a newline.
_ESCAPE_PAIR = re.compile(r"\\[\\n]")
_CONTROL = re.compile(r"[\t\r\n]+")


def _break_lines(escaped: str) -> str:
    return _ESCAPE_PAIR.sub(lambda m: m.group(0) + "\n" if m.group(0) == "\\n" else "\\\\", escaped)


def _hex_lines(data: bytes) -> str:
    return "\n".join(to_hex(data[i : i + 32]) for i in range(0, len(data), 32))


def format_detail(event: LogEvent) -> str:
    """Everything about one event: header line, detail text (HTTP request line, headers
    and body), then the data as text, as hex and as a hexdump."""
    header = [format_time(event.time), event.source.value, event.kind.value]
    if event.peer:
        header.append(event.peer)
    if event.size or event.data:
        header.append(f"{event.size:,} B")
    if event.message:
        header.append(event.message)
    if event.partial:
        header.append("partial: the connection ended before this message was complete")
    sections = [" · ".join(header)]
    if event.detail:
        sections.append(event.detail.rstrip("\n"))
    data = event.data
    if data:
        if len(data) < event.size:
            sections.append(f"(first {len(data):,} of {event.size:,} bytes shown)")
        sections.append("As text:\n" + _break_lines(escape_bytes(data)))
        sections.append("As hex:\n" + _hex_lines(data))
        dump = hexdump(data[:HEXDUMP_LIMIT]).rstrip("\n")
        if len(data) > HEXDUMP_LIMIT:
            dump += f"\n(hexdump stops after {HEXDUMP_LIMIT:,} bytes)"
        sections.append("Hexdump:\n" + dump)
    return "\n\n".join(sections)


def _one_line(text: str) -> str:
    return _CONTROL.sub(" ", text) if "\t" in text or "\n" in text or "\r" in text else text


def format_rows(events: Iterable[tuple[str, LogEvent]], fmt: PayloadFormat) -> str:
    """Tab-separated lines: time (as shown), source, kind, peer, bytes, message, data.

    The data is complete (not the preview) in the display format; escaped text never
    holds a tab or a line break, so every row stays one line.
    """
    lines = []
    for shown_time, event in events:
        if not event.data:
            data = ""
        elif fmt is PayloadFormat.HEX:
            data = to_hex(event.data)
        else:
            data = escape_bytes(event.data)
        lines.append(
            "\t".join(
                (
                    shown_time,
                    event.source.value,
                    event.kind.value,
                    event.peer,
                    str(event.size),
                    _one_line(event.message),
                    data,
                )
            )
        )
    return "\n".join(lines)


def format_data_hex(events: Iterable[LogEvent]) -> str:
    """The data of each event as hex pairs, one line per event (parse_hex reads it back)."""
    return "\n".join(to_hex(event.data) for event in events if event.data)


def format_data_text(events: Iterable[LogEvent]) -> str:
    """The data of each event as escaped text, one line per event (parse_text reads it
    back, so it can be pasted into a payload field and sent again)."""
    return "\n".join(escape_bytes(event.data) for event in events if event.data)
