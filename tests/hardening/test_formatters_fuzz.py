"""Every display formatter under hypothesis: any bytes and text in, never an exception.

tests/test_payload.py already fuzzes the payload parser and escape_bytes/to_hex/hexdump/
preview round trips; here the same bytes go through what the user actually sees: the log
model's cells (every column, role, time mode and data format), the detail view, and each
export format's encoder for single events, with the round trips each format promises.
"""

from __future__ import annotations

import csv
import io
import math
import os
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtCore import Qt

from app.export.csv_format import CSV_COLUMNS, CsvEncoder
from app.export.jsonl_format import JsonlEncoder, _parse_line
from app.export.pcapng_format import PcapngEncoder
from app.export.text_format import TextEncoder
from app.net.events import Kind, LogEvent, Source
from app.payload import PayloadFormat, escape_bytes, hexdump, parse_hex, parse_text, preview, to_hex
from app.ui.log.detail import format_data_hex, format_data_text, format_detail, format_rows
from app.ui.log.model import HEADERS, LogModel
from app.ui.log.time_format import TimeMode
from tests.export.pcapng_reader import decode, read_pcapng

# tests/benchmarks/bench_hardening.py sets this for its long run before importing us.
EXAMPLES = int(os.environ.get("SOCKET_TESTER_FUZZ_EXAMPLES", "150"))
ROLES = [
    Qt.ItemDataRole.DisplayRole,
    Qt.ItemDataRole.ToolTipRole,
    Qt.ItemDataRole.ForegroundRole,
    Qt.ItemDataRole.DecorationRole,
    Qt.ItemDataRole.TextAlignmentRole,
    Qt.ItemDataRole.EditRole,
]
PEERS = st.one_of(
    st.just(""),
    st.sampled_from(["127.0.0.1:80", "[::1]:8080", "[fe80::1%lo]:9", "name.example:1"]),
    # A peer is made by format_sockaddr or a checked host field: never a control character.
    st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=40),
)
# Times as the log meets them: now-ish, the epoch, far future, and read back from files.
TIMES = st.one_of(
    st.floats(min_value=0, max_value=4_102_444_800, allow_nan=False),  # up to 2100
    st.sampled_from([0.0, 1e-9, 1_700_000_000.0005]),
)


@st.composite
def events(draw: st.DrawFn) -> LogEvent:
    data = draw(st.binary(max_size=600))
    size = len(data) + draw(st.sampled_from([0, 0, 1, 10_000_000]))
    return LogEvent(
        draw(TIMES),
        draw(st.sampled_from(list(Source))),
        draw(st.sampled_from(list(Kind))),
        draw(PEERS),
        data,
        draw(st.text(max_size=80)),
        size,
        draw(st.text(max_size=200)),
    )


_PEER = re.compile(r"(\[[0-9A-Za-z:.%]+\]|[0-9A-Za-z_.-]+):([1-9][0-9]{0,3}|[1-5][0-9]{4})")

FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@FUZZ
@given(data=st.binary(max_size=2000))
def test_payload_formatters_take_any_bytes(data: bytes) -> None:
    assert parse_text(escape_bytes(data)) == data
    assert parse_hex(to_hex(data)) == data
    dump = hexdump(data)
    assert len(dump.splitlines()) == math.ceil(len(data) / 16)
    for fmt in PayloadFormat:
        for limit in (0, 1, 5, 200):
            shown = preview(data, fmt, limit)
            assert "\n" not in shown and "\r" not in shown


@FUZZ
@given(batch=st.lists(events(), min_size=1, max_size=8))
def test_log_model_cells_never_raise(qapp: object, batch: list[LogEvent]) -> None:
    model = LogModel(max_rows=5)  # small: trimming runs too
    model.append_events(batch)
    for fmt in PayloadFormat:
        model.set_display_format(fmt)
        for mode in TimeMode:
            model.set_time_mode(mode)
            for row in range(model.rowCount()):
                for column in range(len(HEADERS)):
                    index = model.index(row, column)
                    for role in ROLES:
                        value = model.data(index, role)
                        if role == Qt.ItemDataRole.DisplayRole and isinstance(value, str):
                            assert "\n" not in value, (column, value)
    assert model.totals.events == len(batch)
    assert model.totals.received_bytes == sum(e.size for e in batch if e.kind is Kind.RECEIVED)
    model.deleteLater()


@FUZZ
@given(event=events())
def test_detail_view_and_copy_forms_never_raise(event: LogEvent) -> None:
    detail = format_detail(event)
    if event.data:
        assert "Hexdump:" in detail
    format_rows([("12:00:00.000", event)], PayloadFormat.HEX)
    format_rows([("12:00:00.000", event)], PayloadFormat.TEXT)
    assert parse_hex(format_data_hex([event])) == event.data
    format_data_text([event])


@FUZZ
@given(event=events())
def test_jsonl_writes_one_line_that_reads_back_exactly(event: LogEvent) -> None:
    line = JsonlEncoder().encode([event])
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    assert _parse_line(1, line) == event


@FUZZ
@given(event=events())
def test_csv_row_reads_back_to_the_same_bytes(event: LogEvent) -> None:
    encoder = CsvEncoder()
    raw = encoder.header() + encoder.encode([event])
    text = raw.decode("utf-8", "surrogateescape")
    header, row = list(csv.reader(io.StringIO(text, newline="")))
    assert tuple(header) == CSV_COLUMNS
    cells = dict(zip(CSV_COLUMNS, row, strict=True))
    assert bytes.fromhex(cells["data_hex"]) == event.data
    shown = cells["data_text"]
    if shown.startswith(("\\x3d", "\\x2b", "\\x2d", "\\x40")):
        assert shown[0] == "\\"  # a formula start, written as an escape
    assert parse_text(shown) == event.data
    assert cells["message"] == event.message
    assert int(cells["bytes"]) == event.size


@FUZZ
@given(event=events())
def test_text_export_is_one_line_per_event(event: LogEvent) -> None:
    encoded = TextEncoder().encode([event])
    assert encoded.endswith(b"\n") and encoded.count(b"\n") == 1


@FUZZ
@given(batch=st.lists(events(), min_size=1, max_size=5))
def test_pcapng_of_any_events_is_readable(batch: list[LogEvent]) -> None:
    encoder = PcapngEncoder()
    _, packets = read_pcapng(encoder.header() + encoder.encode(batch))
    payload = b"".join(decode(p).payload for p in packets)
    for event in batch:
        traffic = event.kind in (Kind.SENT, Kind.RECEIVED) and event.source in (
            Source.TCP,
            Source.UDP,
        )
        # Only a peer of the form the app writes (host:port) can become a packet.
        if traffic and event.data and _PEER.fullmatch(event.peer):
            assert event.data[:64] in payload
