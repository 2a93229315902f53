"""Export and Record buttons: real clicks, dialogs replaced, files read back."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from app.export import read_jsonl
from app.net.events import Kind, LogEvent, Source
from app.ui.log.export_controls import LogExportControls

pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints")


class FakePane(QWidget):
    """The LogPane hooks the controls use, and nothing else."""

    events_arrived = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.toolbar = QHBoxLayout(self)
        self.rows: list[LogEvent] = []
        self.matching: list[LogEvent] | None = None
        self.recording_calls: list[str | None] = []

    def add_events(self, events: list[LogEvent]) -> None:
        self.events_arrived.emit(events)
        self.rows.extend(events)

    def snapshot(self, filtered: bool) -> list[LogEvent]:
        if filtered and self.matching is not None:
            return list(self.matching)
        return list(self.rows)

    def set_recording(self, path: str | None) -> None:
        self.recording_calls.append(path)

    def messages(self, kind: Kind) -> list[str]:
        return [e.message for e in self.rows if e.source is Source.APP and e.kind is kind]


def events(count: int, start: int = 0) -> list[LogEvent]:
    return [
        LogEvent(
            1_700_000_000.0 + i / 1000,
            Source.UDP,
            Kind.RECEIVED if i % 2 else Kind.SENT,
            "127.0.0.1:9000",
            b"packet %d\x00\xff" % i,
            "",
            len(b"packet %d\x00\xff" % i),
        )
        for i in range(start, start + count)
    ]


@pytest.fixture
def pane(qtbot: QtBot) -> FakePane:
    widget = FakePane()
    qtbot.addWidget(widget)
    return widget


@pytest.fixture
def controls(pane: FakePane, qtbot: QtBot):  # type: ignore[no-untyped-def]
    widget = LogExportControls(pane)
    pane.show()
    qtbot.waitExposed(pane)
    yield widget
    widget.shutdown()


def button(pane: QWidget, name: str) -> QPushButton:
    found = pane.findChild(QPushButton, name)
    assert found is not None, name
    return found


def test_sits_in_the_toolbar(pane: FakePane, controls: LogExportControls) -> None:
    assert pane.toolbar.indexOf(controls) >= 0
    assert button(pane, "logExport").isVisible()
    record = button(pane, "logRecord")
    assert record.isVisible() and record.isCheckable() and not record.isChecked()
    assert not pane.findChild(QProgressBar, "logExportProgress").isVisible()
    assert not button(pane, "logExportCancel").isVisible()


def test_export_writes_the_chosen_format(
    pane: FakePane, controls: LogExportControls, qtbot: QtBot, tmp_path: Path
) -> None:
    pane.add_events(events(500))
    target = tmp_path / "log.csv"
    suggestions: list[str] = []

    def choose(_parent: QWidget, suggested: str) -> str:
        suggestions.append(suggested)
        return str(target)

    controls.choose_export_path = choose
    with qtbot.waitSignal(controls.export_done, timeout=60_000) as done:
        qtbot.mouseClick(button(pane, "logExport"), Qt.MouseButton.LeftButton)
    assert done.args == ["succeeded"]
    assert suggestions[0].endswith(".txt")
    with open(target, newline="", encoding="utf-8") as file:
        assert len(list(csv.reader(file))) == 501
    assert pane.messages(Kind.INFO) == [f"Exported 500 rows to {target}"]
    qtbot.waitUntil(lambda: button(pane, "logExport").isEnabled(), timeout=10_000)
    assert not pane.findChild(QProgressBar, "logExportProgress").isVisible()
    # The next export suggests the same folder and format.
    controls.choose_export_path = choose
    controls.choose_rows = lambda *_: pytest.fail("no filter is active")
    with qtbot.waitSignal(controls.export_done, timeout=60_000):
        qtbot.mouseClick(button(pane, "logExport"), Qt.MouseButton.LeftButton)
    assert suggestions[1].startswith(str(tmp_path)) and suggestions[1].endswith(".csv")


def test_asks_all_or_filtered_only_when_a_filter_hides_rows(
    pane: FakePane, controls: LogExportControls, qtbot: QtBot, tmp_path: Path
) -> None:
    pane.add_events(events(100))
    pane.matching = [e for e in pane.rows if e.kind is Kind.SENT]
    asked: list[tuple[int, int]] = []
    answer: list[bool | None] = [None]

    def choose_rows(_parent: QWidget, filtered: int, total: int) -> bool | None:
        asked.append((filtered, total))
        return answer[0]

    controls.choose_rows = choose_rows
    controls.choose_export_path = lambda *_: str(tmp_path / "f.jsonl")
    qtbot.mouseClick(button(pane, "logExport"), Qt.MouseButton.LeftButton)
    assert asked == [(50, 100)] and not controls.is_exporting()  # cancelled: nothing
    answer[0] = True
    with qtbot.waitSignal(controls.export_done, timeout=60_000):
        qtbot.mouseClick(button(pane, "logExport"), Qt.MouseButton.LeftButton)
    exported = list(read_jsonl(str(tmp_path / "f.jsonl")))
    assert exported == pane.matching
    answer[0] = False
    with qtbot.waitSignal(controls.export_done, timeout=60_000):
        qtbot.mouseClick(button(pane, "logExport"), Qt.MouseButton.LeftButton)
    assert len(list(read_jsonl(str(tmp_path / "f.jsonl")))) == len(pane.rows) - 1


def test_progress_and_cancel_of_a_million_rows(
    pane: FakePane, controls: LogExportControls, qtbot: QtBot, tmp_path: Path
) -> None:
    one = events(1)[0]
    pane.rows = [one] * 1_000_000
    target = tmp_path / "million.pcapng"
    controls.choose_export_path = lambda *_: str(target)
    qtbot.mouseClick(button(pane, "logExport"), Qt.MouseButton.LeftButton)
    bar = pane.findChild(QProgressBar, "logExportProgress")
    cancel = button(pane, "logExportCancel")
    assert bar.isVisible() and cancel.isVisible() and not button(pane, "logExport").isVisible()
    qtbot.waitUntil(lambda: bar.value() > 0, timeout=60_000)
    assert bar.maximum() == 1_000_000
    with qtbot.waitSignal(controls.export_done, timeout=60_000) as done:
        qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
    assert done.args == ["cancelled"]
    qtbot.waitUntil(lambda: not controls.is_exporting(), timeout=10_000)
    assert os.listdir(tmp_path) == []
    assert not bar.isVisible() and not cancel.isVisible()
    assert button(pane, "logExport").isVisible()
    assert pane.messages(Kind.INFO)[-1] == f"Export to {target} cancelled; no file written"


def test_write_error_is_one_log_line(
    pane: FakePane, controls: LogExportControls, qtbot: QtBot, tmp_path: Path
) -> None:
    pane.add_events(events(10))
    (tmp_path / "file").write_text("")
    controls.choose_export_path = lambda *_: str(tmp_path / "file" / "log.txt")
    status: list[str] = []
    controls.status_message.connect(status.append)
    with qtbot.waitSignal(controls.export_done, timeout=60_000) as done:
        qtbot.mouseClick(button(pane, "logExport"), Qt.MouseButton.LeftButton)
    assert done.args == ["failed"]
    (error,) = pane.messages(Kind.ERROR)
    assert error.startswith("Cannot write log.txt: ") and "\n" not in error
    assert status[-1] == error


def test_record_to_file(
    pane: FakePane, controls: LogExportControls, qtbot: QtBot, tmp_path: Path
) -> None:
    target = tmp_path / "session.jsonl"
    controls.choose_record_path = lambda *_: str(target)
    record = button(pane, "logRecord")
    pane.add_events(events(5))  # before recording: not in the file
    qtbot.mouseClick(record, Qt.MouseButton.LeftButton)
    assert record.isChecked()
    assert pane.recording_calls == [str(target)]
    label = pane.findChild(QLabel, "logRecordStatus")
    assert label.isVisible() and "session.jsonl" in label.toolTip()
    sent: list[LogEvent] = []
    for n in range(20):
        batch = events(500, start=n * 500)
        sent.extend(batch)
        pane.add_events(batch)
    qtbot.waitUntil(lambda: label.text() == "● 10,001", timeout=10_000)
    assert str(target) in record.toolTip() and "10,001 events recorded" in record.toolTip()
    qtbot.mouseClick(record, Qt.MouseButton.LeftButton)
    assert not record.isChecked() and pane.recording_calls == [str(target), None]
    assert not label.isVisible()
    recorder = controls._finishing[-1]
    assert recorder.wait(30)
    recorded = list(read_jsonl(str(target)))
    assert recorded[0].message == f"Recording every event to {target}"
    assert recorded[1:] == sent
    assert pane.messages(Kind.INFO)[-1] == f"Recording stopped: 10,001 events in {target}"
    pane.add_events(events(3))  # after: not recorded
    assert len(list(read_jsonl(str(target)))) == 10_001


def test_record_dialog_cancelled(pane: FakePane, controls: LogExportControls, qtbot: QtBot) -> None:
    controls.choose_record_path = lambda *_: ""
    record = button(pane, "logRecord")
    qtbot.mouseClick(record, Qt.MouseButton.LeftButton)
    assert not record.isChecked() and controls.recorder is None
    assert pane.recording_calls == [] and pane.rows == []


def test_recording_failure_unchecks_and_says_why(
    pane: FakePane, controls: LogExportControls, qtbot: QtBot, tmp_path: Path
) -> None:
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full")
    link = tmp_path / "full.jsonl"
    link.symlink_to("/dev/full")
    controls.choose_record_path = lambda *_: str(link)
    record = button(pane, "logRecord")
    qtbot.mouseClick(record, Qt.MouseButton.LeftButton)
    assert record.isChecked()
    pane.add_events(events(2000))
    qtbot.waitUntil(lambda: not record.isChecked(), timeout=10_000)
    assert pane.messages(Kind.ERROR) == [
        f"Recording stopped: Cannot write full.jsonl: the disk is full ({tmp_path})"
    ]
    assert pane.recording_calls == [str(link), None]
    # Cannot even open: refused at once.
    controls.choose_record_path = lambda *_: str(tmp_path / "missing" / "r.jsonl")
    qtbot.mouseClick(record, Qt.MouseButton.LeftButton)
    assert not record.isChecked()
    assert pane.messages(Kind.ERROR)[-1].startswith("Cannot record: Cannot write r.jsonl")


def test_works_with_the_real_log_pane(qtbot: QtBot, tmp_path: Path, fresh_settings: str) -> None:
    from app.ui.log.pane import LogPane

    real = LogPane()
    qtbot.addWidget(real)
    controls = LogExportControls(real)
    try:
        controls.choose_record_path = lambda *_: str(tmp_path / "r.jsonl")
        controls.choose_export_path = lambda *_: str(tmp_path / "e.txt")
        qtbot.mouseClick(button(real, "logRecord"), Qt.MouseButton.LeftButton)
        real.add_events(events(50))
        with qtbot.waitSignal(controls.export_done, timeout=60_000):
            qtbot.mouseClick(button(real, "logExport"), Qt.MouseButton.LeftButton)
        qtbot.mouseClick(button(real, "logRecord"), Qt.MouseButton.LeftButton)
        assert controls._finishing[-1].wait(30)
        # The start line, 50 events, the export line.
        assert len(list(read_jsonl(str(tmp_path / "r.jsonl")))) == 52
        assert (tmp_path / "e.txt").read_text().count("\n") == 1 + 51
    finally:
        controls.shutdown()
