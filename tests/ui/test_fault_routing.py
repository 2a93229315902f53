"""Unexpected exceptions become error rows with the traceback, and the worker lives on."""

from __future__ import annotations

import sys
import threading

from pytestqt.qtbot import QtBot

from app.net.events import Kind, LogEvent, Source
from app.ui.fault_routing import FaultRouter
from app.workers.reactor_worker import ReactorWorker


def collect(signal_owner: FaultRouter | ReactorWorker) -> list[LogEvent]:
    rows: list[LogEvent] = []
    signal_owner.events.connect(rows.extend)
    return rows


def test_exception_in_a_reactor_callback_is_a_row_and_the_loop_goes_on(qtbot: QtBot) -> None:
    worker = ReactorWorker()
    rows = collect(worker)
    worker.start()
    try:

        def broken() -> None:
            raise ZeroDivisionError("boom")

        ran_after: list[bool] = []
        worker.post(broken)
        worker.post(lambda: ran_after.append(True))
        qtbot.waitUntil(lambda: bool(rows) and bool(ran_after), timeout=5000)
        [row] = rows
        assert row.kind is Kind.ERROR
        assert "ZeroDivisionError: boom" in row.message
        assert "Traceback" in row.detail and "in broken" in row.detail
        assert worker.isRunning()
    finally:
        assert worker.stop(2000)


def test_thread_and_excepthook_faults_reach_the_log(qtbot: QtBot) -> None:
    router = FaultRouter()
    rows = collect(router)
    previous = (sys.excepthook, threading.excepthook)
    router.install()
    try:

        def crash() -> None:
            raise RuntimeError("in a thread")

        thread = threading.Thread(target=crash, name="crasher")
        thread.start()
        thread.join(5)
        try:
            raise KeyError("in a slot")
        except KeyError:
            sys.excepthook(*sys.exc_info())  # type: ignore[arg-type]
        qtbot.waitUntil(lambda: len(rows) == 2, timeout=5000)
    finally:
        router.uninstall()
    assert (sys.excepthook, threading.excepthook) == previous
    by_message = sorted(r.message for r in rows)
    assert "thread 'crasher'" in by_message[1] and "RuntimeError" in by_message[1]
    assert "KeyError" in by_message[0]
    assert all(r.source is Source.APP and "Traceback" in r.detail for r in rows)
