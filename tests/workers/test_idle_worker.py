"""An idle ReactorWorker sleeps, yet events sunk from the GUI thread still arrive.

The wake-ups are the worker thread's voluntary context switches over a fixed window (see
tests/net/test_reactor_idle.py for why the window is a `threading.Event().wait`); the
old worker woke about 33 times a second with nothing to do.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from app.net.events import Kind, LogEvent, Source, make_event
from app.workers.reactor_worker import ReactorWorker
from tests.thread_switches import needs_task_status, voluntary_switches

WINDOW = 1.0
MAX_IDLE_SWITCHES = 5


def _event(text: str) -> LogEvent:
    return make_event(Source.APP, Kind.INFO, text)


class Received:
    def __init__(self, worker: ReactorWorker) -> None:
        self.messages: list[str] = []
        self.batches = 0
        worker.events.connect(self._take)

    def _take(self, batch: list[LogEvent]) -> None:
        self.batches += 1
        self.messages.extend(e.message for e in batch)


@pytest.fixture
def worker(qtbot: QtBot) -> Iterator[tuple[ReactorWorker, int]]:
    """A started worker and its loop thread's native id."""
    running = ReactorWorker()
    native: list[int] = []
    ran = threading.Event()
    running.start()
    running.post(lambda: (native.append(threading.get_native_id()), ran.set()))
    assert ran.wait(5), "the worker's loop never ran its first command"
    yield running, native[0]
    assert running.stop()


def _switches_over(native_id: int, window: float) -> int:
    before = voluntary_switches(native_id)
    started = time.monotonic()
    threading.Event().wait(window)  # the observation window itself, not a wait for a state
    assert time.monotonic() - started >= window * 0.9
    return voluntary_switches(native_id) - before


@needs_task_status
def test_an_idle_worker_does_not_wake(worker: tuple[ReactorWorker, int]) -> None:
    _, native_id = worker
    assert _switches_over(native_id, WINDOW) <= MAX_IDLE_SWITCHES


def test_an_event_sunk_from_the_gui_thread_arrives(
    qtbot: QtBot, worker: tuple[ReactorWorker, int]
) -> None:
    running, _ = worker
    received = Received(running)
    with qtbot.waitSignal(running.events, timeout=1000):
        running.sink(_event("from the GUI thread"))
    assert received.messages == ["from the GUI thread"]


@needs_task_status
def test_events_waiting_for_the_ack_go_out_when_it_comes(
    qtbot: QtBot, worker: tuple[ReactorWorker, int]
) -> None:
    running, native_id = worker
    received = Received(running)
    running.sink(_event("first"))
    # A command posted by a command runs a loop turn later, after the turn whose hooks
    # flushed "first": once it ran, "first" is in flight.
    in_flight = threading.Event()
    running.post(lambda: running.post(in_flight.set))
    assert in_flight.wait(5)
    # The GUI thread is held in the window: the first batch is delivered to its queue
    # but not taken in, so not acknowledged. Events sunk meanwhile from another thread
    # wait for the ack, and the loop sleeps instead of polling for it.
    late = threading.Thread(target=running.sink, args=(_event("second"),))
    before = voluntary_switches(native_id)
    late.start()
    started = time.monotonic()
    threading.Event().wait(WINDOW)  # the observation window (see the module docstring)
    assert time.monotonic() - started >= WINDOW * 0.9
    late.join(5)
    assert voluntary_switches(native_id) - before <= MAX_IDLE_SWITCHES
    assert received.messages == []
    # Taking the first batch in acknowledges it; the ack wakes the loop for the second.
    qtbot.waitUntil(lambda: received.messages == ["first", "second"], timeout=1000)
    assert received.batches == 2


def test_stop_ends_an_idle_worker_at_once(worker: tuple[ReactorWorker, int]) -> None:
    running, _ = worker
    started = time.monotonic()
    assert running.stop()
    assert time.monotonic() - started < 0.5
