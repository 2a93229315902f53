"""ReactorWorker: batched events, status after its events, one backlog, stop in time."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from app.net.events import Kind, LogEvent, Source, make_event
from app.workers.reactor_worker import EVENT_COST, ReactorWorker

WORKERS = Path(__file__).resolve().parents[2] / "app" / "workers"


def received(data: bytes) -> LogEvent:
    return make_event(Source.TCP, Kind.RECEIVED, peer="127.0.0.1:9", data=data)


@pytest.fixture
def worker(qtbot: QtBot) -> Iterator[ReactorWorker[str]]:
    running: ReactorWorker[str] = ReactorWorker()
    running.start()
    yield running
    assert running.stop(1000)


def test_status_arrives_after_the_events_that_led_to_it(
    qtbot: QtBot, worker: ReactorWorker[str]
) -> None:
    seen: list[object] = []
    worker.events.connect(lambda batch: seen.extend(e.data for e in batch))
    worker.status_changed.connect(seen.append)

    def on_loop() -> None:
        worker.sink(received(b"one"))
        worker.sink_many([received(b"two"), received(b"three")])
        worker.report_status("done")

    with qtbot.waitSignal(worker.status_changed, timeout=2000):
        worker.post(on_loop)
    assert seen == [b"one", b"two", b"three", "done"]


def test_backlog_counts_payload_and_a_cost_per_event_until_the_gui_takes_them(
    qtbot: QtBot,
) -> None:
    idle: ReactorWorker[str] = ReactorWorker()  # not started: this thread plays the loop
    batches: list[list[LogEvent]] = []
    idle.events.connect(batches.append)
    assert idle.backlog() == 0
    idle.sink(received(b"x" * 1000))
    idle.sink_many([received(b""), received(b"yz")])
    assert idle.backlog() == 1002 + 3 * EVENT_COST
    idle.report_status("flush")  # hands the batch to the GUI thread (queued)
    qtbot.waitUntil(lambda: len(batches) == 1)
    assert idle.backlog() == 0
    assert idle.stop()


def test_a_bug_in_a_command_is_one_error_event_and_the_loop_goes_on(
    qtbot: QtBot, worker: ReactorWorker[str]
) -> None:
    errors: list[LogEvent] = []
    worker.events.connect(lambda batch: errors.extend(e for e in batch if e.kind is Kind.ERROR))

    def broken() -> None:
        raise RuntimeError("boom")

    worker.post(broken)
    qtbot.waitUntil(lambda: len(errors) == 1, timeout=2000)
    assert errors[0].message.startswith("Internal error: RuntimeError: boom")
    assert "Traceback" in errors[0].detail
    with qtbot.waitSignal(worker.status_changed, timeout=2000):
        worker.post(worker.report_status, "still running")


def test_stop_ends_the_thread_within_a_second(qtbot: QtBot) -> None:
    running: ReactorWorker[str] = ReactorWorker()
    running.start()
    qtbot.waitUntil(running.isRunning)
    assert running.stop(1000)
    assert running.isFinished()


def test_a_worker_never_started_stops_at_once_and_releases_its_loop() -> None:
    idle: ReactorWorker[str] = ReactorWorker()
    assert idle.stop(0)
    assert not idle.isRunning()


def _base_privates() -> set[str]:
    tree = ast.parse((WORKERS / "reactor_worker.py").read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if node.value.id == "self" and node.attr.startswith("_"):
                names.add(node.attr)
        elif isinstance(node, ast.FunctionDef) and node.name.startswith("_"):
            names.add(node.name)
    return {n for n in names if not n.startswith("__")}


TAB_WORKERS = sorted(
    p.name
    for p in WORKERS.glob("*_worker.py")
    if p.name != "reactor_worker.py"
    and any(base in p.read_text() for base in ("(ReactorWorker[", "(RoundTripWorker["))
)


def test_the_tab_workers_are_found() -> None:
    assert {"tcp_client_worker.py", "udp_sender_worker.py"} <= set(TAB_WORKERS)


@pytest.mark.parametrize("module", TAB_WORKERS)
def test_no_worker_touches_a_private_of_the_base(module: str) -> None:
    privates = _base_privates()
    assert "_batcher" in privates  # the parse above sees the base's internals
    tree = ast.parse((WORKERS / module).read_text())
    touched = {
        node.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr in privates
    }
    assert not touched, f"{module} uses ReactorWorker internals {sorted(touched)}"
