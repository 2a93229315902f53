"""Words for the log's counters: the totals line, per-source counters, dropped rows."""

from __future__ import annotations

import os

from app.net.events import Source
from app.ui.log.totals import LogTotals, SourceTotals
from app.units import plural


def format_totals(totals: LogTotals) -> str:
    """One line for the totals label."""
    parts = [
        plural(totals.events, "event"),
        f"sent {totals.sent_bytes:,} B",
        f"received {totals.received_bytes:,} B",
        plural(totals.errors, "error"),
    ]
    if totals.dropped_rows:
        parts.append(f"{totals.dropped_rows:,} older rows dropped")
    return " · ".join(parts)


def format_source_counters(by_source: dict[Source, SourceTotals]) -> str:
    """One compact line: packets and bytes in and out, and errors, for each source."""
    if not by_source:
        return "No traffic yet"
    parts = []
    for source, t in by_source.items():
        part = (
            f"{source.value}  in {t.received_events:,} pkt / {t.received_bytes:,} B"
            f"  out {t.sent_events:,} pkt / {t.sent_bytes:,} B"
        )
        if t.errors:
            part += f"  {plural(t.errors, 'error')}"
        parts.append(part)
    return "   |   ".join(parts)


def format_source_counters_tip(by_source: dict[Source, SourceTotals]) -> str:
    """The same counters one source per line, for the tooltip."""
    lines = ["Exact counts since the log was last cleared, whatever it keeps in view."]
    for source, t in by_source.items():
        lines.append(
            f"{source.value}: received {plural(t.received_events, 'packet')} "
            f"({t.received_bytes:,} bytes), sent {plural(t.sent_events, 'packet')} "
            f"({t.sent_bytes:,} bytes), {plural(t.errors, 'error')}, "
            f"{plural(t.events, 'event')} in all"
        )
    return "\n".join(lines)


def format_dropped(
    dropped: int, max_rows: int, record_path: str | None, dropped_before_record: int
) -> str:
    """Says how many rows left the in-memory window, and where they are when recording."""
    if not dropped:
        return ""
    text = f"{plural(dropped, 'older row')} dropped from view (keeps the newest {max_rows:,})"
    if record_path:
        name = os.path.basename(record_path)
        recorded = dropped - dropped_before_record
        if not dropped_before_record:
            text += f"; the record file {name} has them all"
        elif recorded > 0:
            text += f"; {recorded:,} of them are in the record file {name}"
        else:
            text += f"; recording to {name} from now on"
    return text
