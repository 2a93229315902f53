"""The self-test: its steps one by one against the real window, and the whole run."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QMainWindow
from pytestqt.qtbot import QtBot

from app.net.events import Kind, Source
from app.self_test import SelfTest, StepResult, summary
from app.self_test_peers import HttpFetch, LoopbackPeers, free_loopback_port
from app.self_test_widgets import StepFailed, wait_until
from app.ui.application import create_main_window
from app.ui.main_window import MainWindow

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def window(qtbot: QtBot, fresh_settings: str) -> MainWindow:
    win = create_main_window()
    qtbot.addWidget(win)
    win.show()
    return win


@pytest.fixture
def peers() -> Iterator[LoopbackPeers]:
    with LoopbackPeers() as running:
        yield running


def run_steps(test: SelfTest, *names: str) -> list[StepResult]:
    steps = dict([*test.steps, ("close window", test.close_window)])
    return [test.run_step(name, steps[name]) for name in names]


def assert_all_ok(results: list[StepResult]) -> None:
    assert all(r.ok for r in results), "\n".join(r.line() for r in results)


def test_step_lines_and_summary() -> None:
    ok = StepResult("tcp echo", True)
    failed = StepResult("udp send", False, "no QWidget named 'udpHost'")
    assert ok.line() == "ok    tcp echo"
    assert failed.line() == "FAIL  udp send: no QWidget named 'udpHost'"
    assert summary([ok]) == "self-test passed: 1 steps"
    assert summary([ok, failed]) == "self-test FAILED: 1 of 2 steps (udp send)"


def test_wait_until_runs_the_event_loop_while_it_waits(qtbot: QtBot) -> None:
    fired: list[bool] = []
    QTimer.singleShot(50, lambda: fired.append(True))
    wait_until(lambda: bool(fired), 10, "timer")
    assert fired


def test_wait_until_says_what_it_saw_when_it_gives_up(qtbot: QtBot) -> None:
    with pytest.raises(StepFailed, match=r"no green light within 0\.1 s; the light is red"):
        wait_until(lambda: False, 0.1, "green light", state=lambda: "the light is red")


def test_a_missing_tab_fails_its_step_naming_the_widget(qtbot: QtBot, peers: LoopbackPeers) -> None:
    bare = QMainWindow()
    qtbot.addWidget(bare)
    bare.show()
    test = SelfTest(bare, peers)
    udp, http = run_steps(test, "udp send", "http start")
    assert not udp.ok
    assert "udpHost" in udp.reason
    assert "UDP Sender tab" in udp.reason
    assert not http.ok
    assert "httpBind" in http.reason
    assert "HTTP Server tab" in http.reason
    # A later step says why instead of failing obscurely.
    (fetch,) = run_steps(test, "http fetch")
    assert not fetch.ok
    assert "did not start" in fetch.reason


def test_tcp_echo_step_drives_the_tcp_tab_and_finds_the_echo_in_the_log(
    window: MainWindow, peers: LoopbackPeers
) -> None:
    test = SelfTest(window, peers)
    assert_all_ok(run_steps(test, "open window", "tcp echo", "log totals"))
    model = window.log_pane.model
    events = [model.event_at(row) for row in range(model.rowCount())]
    payload = test.tcp_payload.encode()
    assert any(e.source is Source.TCP and e.kind is Kind.SENT and e.data == payload for e in events)
    received = b"".join(
        e.data for e in events if e.source is Source.TCP and e.kind is Kind.RECEIVED
    )
    assert payload in received
    assert peers.echoed_bytes >= len(payload)


def test_close_window_step_stops_every_worker(window: MainWindow, peers: LoopbackPeers) -> None:
    (result,) = run_steps(SelfTest(window, peers), "close window")
    assert result.ok, result.line()
    assert not window.isVisible()
    assert not any(w.isRunning() for tab in window.tool_tabs for w in tab.workers())


def test_steps_after_the_deadline_are_reported_not_run(
    window: MainWindow, peers: LoopbackPeers
) -> None:
    results = SelfTest(window, peers, deadline_s=0).run()
    assert [r.name for r in results][-1] == "close window"
    assert results[-1].ok
    assert all(not r.ok and r.reason.startswith("not run") for r in results[:-1])


def test_http_fetch_reports_a_refused_connection(qtbot: QtBot) -> None:
    fetch = HttpFetch(free_loopback_port(), "/").start()
    qtbot.waitUntil(lambda: fetch.result is not None, timeout=10_000)
    fetch.join()
    assert fetch.result is not None
    assert "Refused" in fetch.result.error


def test_udp_send_step(window: MainWindow, peers: LoopbackPeers) -> None:
    test = SelfTest(window, peers)
    assert_all_ok(run_steps(test, "open window", "udp send", "log totals"))
    assert peers.received_datagrams().count(test.udp_payload.encode()) >= 3


def test_http_start_fetch_stop_steps(window: MainWindow, peers: LoopbackPeers) -> None:
    test = SelfTest(window, peers)
    assert_all_ok(run_steps(test, "open window", "http start", "http fetch", "http stop"))


def test_full_run_passes_in_process(window: MainWindow, peers: LoopbackPeers) -> None:
    lines: list[str] = []
    test = SelfTest(window, peers)
    results = test.run(report=lambda r: lines.append(r.line()))
    assert_all_ok(results)
    assert len(lines) == len(results) == len(test.steps) + 1  # and "close window"
    names = {result.name for result in results}
    # Every tab has a step of its own.
    assert {"tcp echo", "tcp server", "udp send", "udp listener", "http fetch"} <= names


def test_self_test_command_exits_0(tmp_path: Path) -> None:
    env = dict(os.environ)
    env.pop("QT_QPA_PLATFORM", None)  # the command chooses offscreen by itself
    env["SOCKET_TESTER_SETTINGS"] = str(tmp_path / "must-not-be-used.ini")
    result = subprocess.run(
        [sys.executable, "-m", "app", "--self-test"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[-1].startswith("self-test passed")
    assert all(line.startswith("ok    ") for line in lines[:-1])
    assert not (tmp_path / "must-not-be-used.ini").exists()


def test_udp_listener_step_alone_and_without_its_tab(
    qtbot: QtBot, window: MainWindow, peers: LoopbackPeers
) -> None:
    test = SelfTest(window, peers)
    assert_all_ok(run_steps(test, "udp listener"))
    assert test.expected_sent == test.expected_received > 0
    bare = QMainWindow()
    qtbot.addWidget(bare)
    bare.show()
    (missing,) = run_steps(SelfTest(bare, peers), "udp listener")
    assert not missing.ok and "udplBind" in missing.reason
