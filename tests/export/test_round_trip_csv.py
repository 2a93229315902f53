"""Round-trip CSV: send order, answered and lost rows, microsecond times, the RTT column
equal to received minus sent, no partial file after a cancel or a failed write; and the
export worker writing 200,000 rows in its thread."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from app.export.file_export import ExportCancelled, ExportError
from app.export.round_trip_csv import ROUND_TRIP_COLUMNS, write_round_trips
from app.net.round_trip_records import LOST, ExchangeRecords, RecordBook
from app.workers.round_trip_export_worker import RoundTripExportWorker

WALL_OFFSET_NS = 1_700_000_000 * 10**9


def book(rows: int) -> ExchangeRecords:
    records = RecordBook()
    # Recorded in the order exchanges ended: the lost ones (every 7th) after the others.
    for number in range(1, rows + 1):
        if number % 7:
            records.add(number, number % 3, number * 1000, 25_000 + number, 10, 12)
    for number in range(7, rows + 1, 7):
        records.add(number, number % 3, number * 1000, LOST, 10, 0)
    return records.copy(WALL_OFFSET_NS)


def read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as file:
        reader = csv.DictReader(file)
        assert tuple(reader.fieldnames or ()) == ROUND_TRIP_COLUMNS
        return list(reader)


def test_rows_in_send_order_with_times_and_outcomes(tmp_path: Path) -> None:
    path = tmp_path / "rtt.csv"
    assert write_round_trips(str(path), book(20)) == 20
    rows = read(path)
    assert [int(r["number"]) for r in rows] == list(range(1, 21))
    lost = [r for r in rows if r["outcome"] == "lost"]
    assert [int(r["number"]) for r in lost] == [7, 14]
    assert all(r["received_at"] == r["rtt_ms"] == r["bytes_received"] == "" for r in lost)
    first = rows[0]
    assert (first["connection"], first["bytes_sent"], first["bytes_received"]) == ("1", "10", "12")
    assert first["rtt_ms"] == "0.025001"
    sent = datetime.fromisoformat(first["sent_at"])
    received = datetime.fromisoformat(first["received_at"])
    assert sent.timestamp() == pytest.approx(1_700_000_000.000001, abs=1e-6)
    assert (received - sent).total_seconds() == pytest.approx(25e-6, abs=1.5e-6)


def test_a_cancelled_export_leaves_no_file(tmp_path: Path) -> None:
    path = tmp_path / "rtt.csv"
    with pytest.raises(ExportCancelled):
        write_round_trips(str(path), book(10), is_cancelled=lambda: True)
    assert list(tmp_path.iterdir()) == []


def test_a_failed_write_is_one_sentence(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="the folder does not exist"):
        write_round_trips(str(tmp_path / "missing" / "rtt.csv"), book(3))


def test_the_worker_writes_200k_rows_in_its_thread(tmp_path: Path, qtbot: QtBot) -> None:
    path = tmp_path / "big.csv"
    worker = RoundTripExportWorker(str(path), book(200_000))
    seen: list[int] = []
    worker.progress.connect(lambda done, _total: seen.append(done))
    with qtbot.waitSignal(worker.succeeded, timeout=60_000) as done:
        worker.start()
    qtbot.waitUntil(worker.isFinished, timeout=10_000)
    assert done.args == [str(path), 200_000]
    assert seen[-1] == 200_000
    with path.open(encoding="utf-8") as file:
        assert sum(1 for _ in file) == 200_001
