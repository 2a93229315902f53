"""CSV export: a header row, then one row per event, data as escaped text and as hex."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from app.export.timestamps import IsoTimeFormatter
from app.net.events import LogEvent
from app.payload import escape_bytes

CSV_COLUMNS = ("time", "source", "kind", "peer", "bytes", "data_text", "data_hex", "message")

# A spreadsheet runs a cell that starts with one of these as a formula. The data comes
# from the network, so its first character is written as an escape instead: the cell
# still reads back to the same bytes through app.payload.parse_text.
_FORMULA_STARTS = {"=": "\\x3d", "+": "\\x2b", "-": "\\x2d", "@": "\\x40"}


def data_cell(data: bytes) -> str:
    text = escape_bytes(data)
    if text and text[0] in _FORMULA_STARTS:
        return _FORMULA_STARTS[text[0]] + text[1:]
    return text


class CsvEncoder:
    """RFC 4180 rows (CRLF, quotes as needed) in UTF-8; `bytes` is the true size."""

    def __init__(self) -> None:
        self._time = IsoTimeFormatter()
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer, lineterminator="\r\n")

    def _take(self) -> bytes:
        text = self._buffer.getvalue()
        self._buffer.seek(0)
        self._buffer.truncate()
        return text.encode("utf-8", "surrogateescape")

    def header(self) -> bytes:
        self._writer.writerow(CSV_COLUMNS)
        return self._take()

    def encode(self, events: Sequence[LogEvent]) -> bytes:
        time = self._time
        self._writer.writerows(
            (
                time(event.time),
                event.source.value,
                event.kind.value,
                event.peer,
                event.size,
                data_cell(event.data),
                event.data.hex(),
                event.message,
            )
            for event in events
        )
        return self._take()
