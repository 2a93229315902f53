"""Round trips of the text, CSV and JSON Lines exports."""

from __future__ import annotations

import base64
import csv
import json
from datetime import datetime
from pathlib import Path

import pytest

from app.export import ExportFormat, export_events, format_for_path, read_jsonl
from app.export.csv_format import CSV_COLUMNS
from app.export.jsonl_format import JsonlFormatError
from app.export.timestamps import IsoTimeFormatter
from app.net.events import Kind, LogEvent, Source
from app.payload import escape_bytes, parse_text
from tests.export.sample_events import sample_events


def test_format_follows_the_extension() -> None:
    assert format_for_path("/tmp/a.TXT") is ExportFormat.TEXT
    assert format_for_path("a.csv") is ExportFormat.CSV
    assert format_for_path("a.b.jsonl") is ExportFormat.JSONL
    assert format_for_path("x.pcapng") is ExportFormat.PCAPNG
    assert format_for_path("x.pcap") is None
    assert format_for_path("jsonl") is None


def test_iso_time_has_milliseconds_and_offset() -> None:
    fmt = IsoTimeFormatter()
    for stamp in (1_700_000_000.25, 1_700_000_000.999, 1_700_000_001.0, 1_720_000_000.5):
        text = fmt(stamp)
        parsed = datetime.fromisoformat(text)
        assert abs(parsed.timestamp() - stamp) < 0.001
        assert text[19] == "." and len(text[20:23]) == 3


def test_jsonl_round_trip_is_exact(tmp_path: Path) -> None:
    events = sample_events()
    path = str(tmp_path / "log.jsonl")
    assert export_events(path, events, ExportFormat.JSONL) == len(events)
    assert list(read_jsonl(path)) == events
    lines = Path(path).read_text("ascii").splitlines()
    assert len(lines) == len(events)
    for line, event in zip(lines, events, strict=True):
        record = json.loads(line)
        assert set(record) == {
            "time",
            "time_iso",
            "source",
            "kind",
            "peer",
            "size",
            "message",
            "detail",
            "local",
            "data_base64",
            "data_text",
        }
        assert record["time"] == event.time
        assert abs(datetime.fromisoformat(record["time_iso"]).timestamp() - event.time) < 0.001
        assert base64.b64decode(record["data_base64"]) == event.data
        assert record["data_text"] == escape_bytes(event.data)
        assert record["size"] == event.size
        assert record["local"] == event.local


def test_jsonl_reader_skips_only_a_cut_off_last_line(tmp_path: Path) -> None:
    events = sample_events()
    path = tmp_path / "log.jsonl"
    export_events(str(path), events, ExportFormat.JSONL)
    whole = path.read_bytes()
    path.write_bytes(whole[:-25])  # a crash in the middle of the last line
    assert list(read_jsonl(str(path))) == events[:-1]
    path.write_bytes(b"not json\n" + whole)
    with pytest.raises(JsonlFormatError, match="line 1"):
        list(read_jsonl(str(path)))


def test_jsonl_reader_skips_the_command_lines_summary_record(tmp_path: Path) -> None:
    events = sample_events()
    path = tmp_path / "send.jsonl"
    export_events(str(path), events, ExportFormat.JSONL)
    path.write_bytes(path.read_bytes() + b'{"summary":{"sent":1,"exit_code":0}}\n')
    assert list(read_jsonl(str(path))) == events


def test_csv_round_trip(tmp_path: Path) -> None:
    events = sample_events()
    path = str(tmp_path / "log.csv")
    export_events(path, events, ExportFormat.CSV)
    # The 100 KB event's hex is longer than the csv module reads by default.
    old_limit = csv.field_size_limit(1 << 24)
    try:
        with open(path, newline="", encoding="utf-8") as file:
            rows = list(csv.reader(file))
    finally:
        csv.field_size_limit(old_limit)
    assert tuple(rows[0]) == CSV_COLUMNS
    assert len(rows) == len(events) + 1
    for row, event in zip(rows[1:], events, strict=True):
        record = dict(zip(CSV_COLUMNS, row, strict=True))
        assert abs(datetime.fromisoformat(record["time"]).timestamp() - event.time) < 0.001
        assert record["time"][19:23] == f".{int(event.time * 1000) % 1000:03d}"
        assert record["source"] == event.source.value
        assert record["kind"] == event.kind.value
        assert record["peer"] == event.peer
        assert int(record["bytes"]) == event.size
        assert bytes.fromhex(record["data_hex"]) == event.data
        assert parse_text(record["data_text"]) == event.data
        assert record["message"] == event.message
        # Nothing a spreadsheet would run as a formula.
        assert record["data_text"][:1] not in ("=", "+", "-", "@")


def test_text_export_has_one_aligned_line_per_event(tmp_path: Path) -> None:
    events = sample_events()
    path = tmp_path / "log.txt"
    export_events(str(path), events, ExportFormat.TEXT)
    lines = path.read_text("utf-8").splitlines()
    assert len(lines) == len(events) + 1  # plus the header
    assert lines[0].split() == ["Time", "Source", "Event", "Peer", "Bytes", "Data", "/", "message"]
    hello = next(line for line in lines if "Hello, server!" in line)
    assert hello.startswith(IsoTimeFormatter(" ", offset=False)(events[2].time))
    assert " TCP " in hello and " sent " in hello and "127.0.0.1:8000" in hello
    # The data column starts at the same place on every line with a short peer.
    starts = {line.index("Hello") for line in lines if "Hello" in line}
    assert len(starts) == 1
    assert "[4,096 of 70,000 bytes kept]" in lines[7]
    assert "Connection reset by peer: 127.0.0.1:8000 second line" in lines[13]


def test_empty_export_writes_just_the_header(tmp_path: Path) -> None:
    for fmt in ExportFormat:
        path = tmp_path / f"empty{fmt.suffix}"
        assert export_events(str(path), [], fmt) == 0
        assert path.exists()
    assert (tmp_path / "empty.jsonl").read_bytes() == b""
    assert (tmp_path / "empty.csv").read_text().splitlines() == [",".join(CSV_COLUMNS)]


def test_many_rows_count(tmp_path: Path) -> None:
    event = LogEvent(1_700_000_000.0, Source.UDP, Kind.RECEIVED, "127.0.0.1:9", b"x\n", "", 2)
    events = [event._replace(time=event.time + i / 1000) for i in range(12_345)]
    for fmt in (ExportFormat.TEXT, ExportFormat.JSONL):
        path = tmp_path / f"many{fmt.suffix}"
        export_events(str(path), events, fmt)
        lines = path.read_bytes().count(b"\n")
        assert lines == len(events) + (1 if fmt is ExportFormat.TEXT else 0)


def test_jsonl_keeps_a_partial_row_partial(tmp_path: Path) -> None:
    whole = LogEvent(1.5, Source.TCP, Kind.RECEIVED, "127.0.0.1:9", b"a\n", "", 2)
    partial = whole._replace(data=b"b", size=1, partial=True)
    path = str(tmp_path / "log.jsonl")
    export_events(path, [whole, partial], ExportFormat.JSONL)
    lines = Path(path).read_text("ascii").splitlines()
    assert "partial" not in json.loads(lines[0])
    assert json.loads(lines[1])["partial"] is True
    assert list(read_jsonl(path)) == [whole, partial]
