"""Record to file: every event lands in the JSON Lines file, flushed, even when killed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from app.export import EventRecorder, ExportError, read_jsonl
from app.net.events import Kind, LogEvent, Source
from tests.export.sample_events import BIG, sample_events

REPO = Path(__file__).resolve().parents[2]


def line_count(path: Path) -> int:
    return path.read_bytes().count(b"\n")


def test_records_every_event_exactly(tmp_path: Path) -> None:
    path = tmp_path / "rec.jsonl"
    recorder = EventRecorder(str(path))
    events = sample_events()
    for _ in range(3):
        recorder.append(events)
    recorder.append([])
    assert recorder.close()
    assert recorder.written == 3 * len(events) and recorder.pending == 0
    assert list(read_jsonl(str(path))) == events * 3
    # Full data is kept (base64); only the text form of a huge chunk is shortened.
    records = [json.loads(line) for line in path.read_text().splitlines()]
    big = next(r for r in records if r["size"] == len(BIG))
    assert big["data_text_cut"] is True
    assert "data_text_cut" not in records[2]
    recorder.append(events)  # after close: ignored, no error
    assert recorder.written == 3 * len(events)


def test_file_is_flushed_while_recording(tmp_path: Path, qtbot: QtBot) -> None:
    path = tmp_path / "rec.jsonl"
    recorder = EventRecorder(str(path))
    try:
        recorder.append(sample_events())
        # No close: the writer flushes by itself within FLUSH_INTERVAL_S.
        qtbot.waitUntil(lambda: line_count(path) == len(sample_events()), timeout=10_000)
    finally:
        recorder.close()


def test_appends_from_several_threads(tmp_path: Path) -> None:
    path = tmp_path / "rec.jsonl"
    recorder = EventRecorder(str(path))
    event = LogEvent(1.0, Source.UDP, Kind.RECEIVED, "127.0.0.1:9", b"x", "", 1)

    def feed() -> None:
        for _ in range(200):
            recorder.append([event] * 10)

    threads = [threading.Thread(target=feed) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert recorder.close()
    assert line_count(path) == 8000 == recorder.written


def test_cannot_open_is_an_export_error(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="folder does not exist"):
        EventRecorder(str(tmp_path / "missing" / "rec.jsonl"))


def test_disk_full_is_reported_once(tmp_path: Path, qtbot: QtBot) -> None:
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full")
    link = tmp_path / "rec.jsonl"
    link.symlink_to("/dev/full")
    messages: list[str] = []
    recorder = EventRecorder(str(link), on_error=messages.append)
    try:
        for _ in range(5):
            recorder.append(sample_events())
        qtbot.waitUntil(lambda: recorder.pending == 0 and bool(messages), timeout=10_000)
    finally:
        recorder.close()
    assert messages == [
        "Recording stopped: Cannot write rec.jsonl: the disk is full " + f"({tmp_path})"
    ]
    assert recorder.error == messages[0]
    assert recorder.lost > 0


# The "app": a recorder fed 20 events every 10 ms, saying after each batch how many it
# has appended and when. The test kills it without warning.
_CHILD = textwrap.dedent(
    """
    import sys, time
    sys.path.insert(0, {repo!r})
    from app.export import EventRecorder
    from app.net.events import Kind, LogEvent, Source

    recorder = EventRecorder({path!r})
    start = time.monotonic()
    n = 0
    while True:
        batch = []
        for _ in range(20):
            data = bytes([n % 256, 0, 0xFF]) + b"payload %d\\r\\n" % n
            batch.append(
                LogEvent(time.time(), Source.UDP, Kind.RECEIVED, "[::1]:5353", data,
                         "event %d" % n, len(data))
            )
            n += 1
        recorder.append(batch)
        print(n, time.monotonic() - start, flush=True)
        time.sleep(0.01)
    """
)


def test_recording_survives_the_app_being_killed(tmp_path: Path) -> None:
    path = tmp_path / "rec.jsonl"
    code = _CHILD.format(repo=str(REPO), path=str(path))
    progress: list[tuple[int, float]] = []
    with subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True) as child:
        try:
            assert child.stdout is not None
            for line in child.stdout:
                count, elapsed = line.split()
                progress.append((int(count), float(elapsed)))
                if float(elapsed) >= 2.5:
                    break
            os.kill(child.pid, signal.SIGKILL)
        finally:
            if child.poll() is None:
                child.kill()
            child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    assert progress, "the child never reported progress"
    # The kill came after the last report: whatever was appended a second before it
    # must be on disk.
    last_elapsed = progress[-1][1]
    must_have = max((c for c, t in progress if t <= last_elapsed - 1.0), default=0)
    assert must_have >= 100

    lines = path.read_bytes().split(b"\n")
    tail = lines.pop()  # b"" after a complete last line, else the cut-off line
    records = [json.loads(line) for line in lines]
    if tail:
        with pytest.raises(ValueError):
            json.loads(tail)
    assert len(records) >= must_have
    for n, record in enumerate(records):
        assert record["message"] == f"event {n}"
    event = next(e for e in read_jsonl(str(path)) if e.message == "event 300")
    assert event.data == bytes([300 % 256, 0, 0xFF]) + b"payload 300\r\n"
