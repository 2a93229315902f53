"""Round trips as CSV: one row per exchange, in send order, answered or lost.

Times are local ISO 8601 with microseconds; `rtt_ms` has nanosecond digits. Written like
every export (file_export.export_events): under a temporary name, renamed when complete,
so a cancelled or failed export leaves no partial file.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable, Sequence

from app.export.file_export import ExportCancelled, ExportError, describe_write_error
from app.export.timestamps import IsoTimeFormatter
from app.net.round_trip_records import LOST, ExchangeRecords

ROUND_TRIP_COLUMNS = (
    "number",
    "connection",
    "sent_at",
    "received_at",
    "rtt_ms",
    "bytes_sent",
    "bytes_received",
    "outcome",
)
CHUNK = 20_000


def write_round_trips(
    path: str,
    records: ExchangeRecords,
    *,
    progress: Callable[[int, int], None] | None = None,
    is_cancelled: Callable[[], bool] | None = None,
) -> int:
    """Write `records` to `path`; returns the rows written. Raises ExportCancelled or
    ExportError (never OSError)."""
    total = records.rows
    # Rows are kept in the order exchanges ended (a lost one ends at its timeout).
    order = sorted(range(total), key=records.number.__getitem__)
    partial = path + ".part"
    try:
        with open(partial, "wb") as file:
            file.write(_encode([ROUND_TRIP_COLUMNS]))
            for start in range(0, total, CHUNK):
                if is_cancelled is not None and is_cancelled():
                    raise ExportCancelled
                file.write(_encode(_rows(records, order[start : start + CHUNK])))
                if progress is not None:
                    progress(min(start + CHUNK, total), total)
        os.replace(partial, path)
    except OSError as exc:
        _remove(partial)
        raise ExportError(describe_write_error(exc, path)) from None
    except BaseException:
        _remove(partial)
        raise
    return total


_time = IsoTimeFormatter(digits=6)


def _rows(records: ExchangeRecords, indexes: list[int]) -> list[tuple[object, ...]]:
    number, conn, sent_ns, rtt_ns = records.number, records.conn, records.sent_ns, records.rtt_ns
    sent_size, received_size = records.sent_size, records.received_size
    offset = records.wall_offset_ns
    rows: list[tuple[object, ...]] = []
    for i in indexes:
        sent_at = (sent_ns[i] + offset) / 1e9
        rtt = rtt_ns[i]
        if rtt == LOST:
            rows.append((number[i], conn[i], _time(sent_at), "", "", sent_size[i], "", "lost"))
            continue
        rows.append(
            (
                number[i],
                conn[i],
                _time(sent_at),
                _time(sent_at + rtt / 1e9),
                f"{rtt / 1e6:.6f}",
                sent_size[i],
                received_size[i],
                "answered",
            )
        )
    return rows


def _encode(rows: Sequence[Sequence[object]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _remove(path: str) -> None:
    try:
        os.remove(path)
    except OSError:
        pass
