"""export_events: progress, cancel without leftovers, and one clear sentence on failure."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from app.export import ExportCancelled, ExportError, ExportFormat, export_events
from app.net.events import LogEvent
from tests.export.sample_events import sample_events


def small_events(count: int) -> list[LogEvent]:
    """Events without the 100 KB ones, so thousands of them export quickly."""
    small = [e for e in sample_events() if e.size < 1000]
    return (small * (count // len(small) + 1))[:count]


def test_progress_reaches_the_total(tmp_path: Path) -> None:
    events = small_events(23_456)
    seen: list[tuple[int, int]] = []

    def progress(done: int, total: int) -> None:
        seen.append((done, total))

    export_events(str(tmp_path / "a.jsonl"), events, ExportFormat.JSONL, progress=progress)
    assert seen[-1] == (len(events), len(events))
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


@pytest.mark.parametrize("fmt", list(ExportFormat))
def test_cancel_leaves_no_file_and_keeps_an_old_one(tmp_path: Path, fmt: ExportFormat) -> None:
    path = tmp_path / f"log{fmt.suffix}"
    path.write_bytes(b"old")
    calls = 0

    def cancelled() -> bool:
        nonlocal calls
        calls += 1
        return calls > 2

    with pytest.raises(ExportCancelled):
        export_events(str(path), small_events(30_000), fmt, is_cancelled=cancelled)
    assert path.read_bytes() == b"old"
    assert os.listdir(tmp_path) == [path.name]


def test_unwritable_folder_is_one_sentence(tmp_path: Path) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        if os.access(folder, os.W_OK):
            pytest.skip("running as a user who can write anywhere (root)")
        with pytest.raises(ExportError) as caught:
            export_events(str(folder / "log.csv"), sample_events(), ExportFormat.CSV)
    finally:
        folder.chmod(0o700)
    message = str(caught.value)
    assert message.startswith("Cannot write log.csv: permission denied")
    assert "\n" not in message and "Traceback" not in message


def test_path_through_a_file_is_one_sentence(tmp_path: Path) -> None:
    # Fails for root too: a regular file cannot hold a folder.
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(ExportError) as caught:
        export_events(str(blocker / "log.pcapng"), sample_events(), ExportFormat.PCAPNG)
    assert str(caught.value).startswith("Cannot write log.pcapng: ")
    assert "\n" not in str(caught.value)


def test_missing_folder_and_full_disk(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match=r"Cannot write log\.txt: the folder does not exist"):
        export_events(str(tmp_path / "nowhere" / "log.txt"), sample_events(), ExportFormat.TEXT)
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full")
    # /dev/full accepts the open and fails every write with ENOSPC; the ".part" name
    # cannot be created in /dev, so write to the device through a symlinked folder entry.
    link = tmp_path / "full.jsonl.part"
    link.symlink_to("/dev/full")
    with pytest.raises(ExportError, match="the disk is full"):
        export_events(str(tmp_path / "full.jsonl"), sample_events() * 100, ExportFormat.JSONL)
    assert not (tmp_path / "full.jsonl").exists()
