"""Plain-text export: one aligned line per event, the columns of the log table."""

from __future__ import annotations

from collections.abc import Sequence

from app.export.timestamps import IsoTimeFormatter
from app.net.events import Kind, LogEvent
from app.payload import escape_bytes

# Wide enough for "255.255.255.255:65535"; longer peers (IPv6, names) push the rest of
# their line right rather than being cut.
PEER_WIDTH = 21
BYTES_WIDTH = 11
_HEADER = ("Time", "Source", "Event", "Peer", "Bytes", "Data / message")


def _line(time: str, source: str, kind: str, peer: str, size: str, text: str) -> str:
    return (
        f"{time:<23}  {source:<6}  {kind:<8}  {peer:<{PEER_WIDTH}}  {size:>{BYTES_WIDTH}}  {text}"
    ).rstrip() + "\n"


def event_text(event: LogEvent) -> str:
    """The last column: the data as escaped text (always one line), else the message."""
    if event.data:
        text = escape_bytes(event.data)
        if len(event.data) < event.size:
            text += f"  [{len(event.data):,} of {event.size:,} bytes kept]"
        return text
    message = event.message
    return message.replace("\r", " ").replace("\n", " ") if "\n" in message else message


class TextEncoder:
    """Lines like the table, with the date, so a file spanning midnight stays in order."""

    def __init__(self) -> None:
        self._time = IsoTimeFormatter(separator=" ", offset=False)

    def header(self) -> bytes:
        return _line(*_HEADER).encode("utf-8")

    def encode(self, events: Sequence[LogEvent]) -> bytes:
        time = self._time
        lines = []
        for event in events:
            size = (
                f"{event.size:,}" if event.size or event.kind in (Kind.SENT, Kind.RECEIVED) else ""
            )
            lines.append(
                _line(
                    time(event.time),
                    event.source.value,
                    event.kind.value,
                    event.peer,
                    size,
                    event_text(event),
                )
            )
        return "".join(lines).encode("utf-8", "surrogateescape")
