"""ExportWorker: a 200k-row export in its thread, throttled progress, cancel, failure."""

from __future__ import annotations

import os
import time
from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.export import ExportFormat, read_jsonl
from app.net.events import Kind, LogEvent, Source
from app.workers.export_worker import ExportWorker

ROWS = 200_000


def rows(count: int = ROWS) -> list[LogEvent]:
    payload = b"datagram number 0123456789 with a line ending and some padding.\r\n"
    base = LogEvent(1_700_000_000.0, Source.UDP, Kind.RECEIVED, "127.0.0.1:9", payload, "", 66)
    return [base._replace(time=base.time + i / 1000) for i in range(count)]


def test_export_of_200k_rows_reports_throttled_progress(tmp_path: Path, qtbot: QtBot) -> None:
    path = str(tmp_path / "big.jsonl")
    events = rows()
    worker = ExportWorker(path, events, ExportFormat.JSONL)
    seen: list[tuple[int, int]] = []
    worker.progress.connect(lambda done, total: seen.append((done, total)))
    started = time.monotonic()
    with qtbot.waitSignal(worker.succeeded, timeout=120_000) as blocker:
        worker.start()
    elapsed = time.monotonic() - started
    qtbot.waitUntil(worker.isFinished, timeout=10_000)
    assert blocker.args == [path, ROWS]
    assert seen[-1] == (ROWS, ROWS)
    # At most one progress signal per 50 ms (plus the final one).
    assert worker.progress_emits <= elapsed / 0.05 + 2
    assert len(seen) == worker.progress_emits
    assert sum(1 for _ in read_jsonl(path)) == ROWS


def test_cancel_removes_the_partial_file(tmp_path: Path, qtbot: QtBot) -> None:
    path = tmp_path / "big.pcapng"
    worker = ExportWorker(str(path), rows(), ExportFormat.PCAPNG)
    # Cancel from the worker thread at the first progress: deterministic, however fast
    # the machine is.
    worker.progress.connect(worker.cancel, Qt.ConnectionType.DirectConnection)
    finished = []
    worker.succeeded.connect(lambda *_: finished.append("succeeded"))
    with qtbot.waitSignal(worker.cancelled, timeout=60_000):
        worker.start()
    qtbot.waitUntil(worker.isFinished, timeout=10_000)
    assert finished == []
    assert os.listdir(tmp_path) == []


def test_unwritable_path_fails_with_one_sentence(tmp_path: Path, qtbot: QtBot) -> None:
    blocker_file = tmp_path / "file"
    blocker_file.write_text("")
    worker = ExportWorker(str(blocker_file / "x.csv"), rows(10), ExportFormat.CSV)
    with qtbot.waitSignal(worker.failed, timeout=30_000) as blocker:
        worker.start()
    qtbot.waitUntil(worker.isFinished, timeout=10_000)
    (message,) = blocker.args
    assert message.startswith("Cannot write x.csv: ") and "\n" not in message
    assert worker.error_detail == ""
