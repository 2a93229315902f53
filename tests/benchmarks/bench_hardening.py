"""The long versions of tests/hardening/: bigger floods, more fuzzing, more rounds.

Run with `python -m tests.benchmarks --only bench_hardening`. Each figure says what was
tried and whether the rule held (`met`); the default test suite runs the same code with
small counts.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from tests.benchmarks import gui_harness  # noqa: F401  (offscreen Qt, scratch settings)
from tests.benchmarks.gui_harness import figure, process_until

FLOOD_BYTES = 1024 * 1024 * 1024
FUZZ_EXAMPLES = 3000
FORMATTER_EXAMPLES = 2000
ROUNDS = 1000


class _Bot:
    """The few qtbot calls the hardening helpers use, on a real (sleeping) event loop."""

    def waitUntil(self, predicate: Callable[[], object], timeout: int = 5000) -> None:
        if not process_until(lambda: bool(predicate()), timeout / 1000):
            raise AssertionError("timed out")

    def mouseClick(self, widget: object, button: object) -> None:
        from PySide6.QtTest import QTest

        QTest.mouseClick(widget, button)  # type: ignore[call-overload]


def _window():  # type: ignore[no-untyped-def]
    from app.ui.application import create_main_window

    window = create_main_window()
    window.show()
    return window


def tcp_flood() -> list[dict[str, object]]:
    from tests.hardening.test_floods import MEMORY_BOUND_MB, flood_the_tcp_tab

    window = _window()
    try:
        started = time.monotonic()
        seen = flood_the_tcp_tab(_Bot(), window, FLOOD_BYTES)  # type: ignore[arg-type]
        took = time.monotonic() - started
    finally:
        window.close()
    exact = seen["received"] == FLOOD_BYTES and bool(seen["counter_ok"])
    return [
        figure("TCP 1 GB flood: bytes counted", seen["received"], "B", FLOOD_BYTES, "exact", exact),
        figure(
            "TCP 1 GB flood: peak memory growth",
            seen["growth_mb"],
            "MB",
            None,
            f"< {MEMORY_BOUND_MB} MB",
            seen["growth_mb"] < MEMORY_BOUND_MB,
        ),
        figure("TCP 1 GB flood: worst GUI gap", seen["worst_gap_ms"], "ms", None, "info", True),
        figure("TCP 1 GB flood: duration", took, "s", None, "info", True),
    ]


def paste_100_mb() -> list[dict[str, object]]:
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtTest import QTest

    from tests.hardening.test_harness import GapMeter

    window = _window()
    try:
        field = window.findChild(object, "tcpPayload")
        QGuiApplication.clipboard().setText("A" * (100 * 1024 * 1024))
        meter = GapMeter()
        meter.start()
        field.setFocus()
        QTest.keyClick(field, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
        done = process_until(lambda: field.text() == "Pasted: 104,857,600 bytes", 60)
        worst = meter.stop()
        QGuiApplication.clipboard().setText("")
    finally:
        window.close()
    return [
        figure("100 MB paste: worst GUI gap", worst, "ms", None, "< 500 ms", done and worst < 500)
    ]


def http_fuzz() -> list[dict[str, object]]:
    from hypothesis import HealthCheck, given, settings

    from tests.hardening.test_http_fuzz import FuzzTarget, exchange

    target = FuzzTarget(Path(tempfile.mkdtemp(prefix="st-fuzz-")))
    failure = ""

    @settings(
        max_examples=FUZZ_EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=exchange())
    def fuzz(case: tuple[list[bytes], str]) -> None:
        target.run(*case)

    started = time.monotonic()
    try:
        fuzz()
    except Exception as exc:  # the figure says it; the runner goes on
        failure = f"{type(exc).__name__}: {exc}"[:300]
    finally:
        target.close()
    took = time.monotonic() - started
    kinds = ", ".join(f"{k}: {v}" for k, v in sorted(target.statuses.items()))
    return [
        figure(
            "HTTP fuzz: exchanges, valid reply or close",
            target.examples,
            "examples",
            None,
            failure or f"no hang, no internal error ({kinds}; {took:.0f} s)",
            not failure,
        )
    ]


def formatter_fuzz() -> list[dict[str, object]]:
    import importlib
    import inspect
    import os

    # The module reads its example count when imported; this process imports it here.
    os.environ["SOCKET_TESTER_FUZZ_EXAMPLES"] = str(FORMATTER_EXAMPLES)
    module = importlib.import_module("tests.hardening.test_formatters_fuzz")
    assert module.EXAMPLES == FORMATTER_EXAMPLES, "imported before the count was set"
    names = [n for n in dir(module) if n.startswith("test_")]
    failure = ""
    started = time.monotonic()
    for name in names:
        test = getattr(module, name)
        # The log model test takes pytest-qt's `qapp`; the runner made the application.
        kwargs = {"qapp": None} if "qapp" in inspect.signature(test).parameters else {}
        try:
            test(**kwargs)
        except Exception as exc:  # the figure says it; the runner goes on
            failure = f"{name}: {type(exc).__name__}: {exc}"[:300]
            break
    took = time.monotonic() - started
    return [
        figure(
            "Formatters fuzz: examples per formatter",
            FORMATTER_EXAMPLES,
            "examples",
            None,
            failure or f"{len(names)} properties, no exception, round trips hold ({took:.0f} s)",
            not failure,
        )
    ]


def lifecycle_rounds() -> list[dict[str, object]]:
    from tests.hardening import test_lifecycle_rounds as module

    module.ROUNDS = ROUNDS
    figures = []
    for name, test in (
        ("TCP connect/disconnect", module.test_tcp_connect_disconnect_rounds_leak_nothing),
        ("HTTP start/stop", module.test_http_start_stop_rounds_leak_nothing),
        ("UDP send/close", module.test_udp_send_close_rounds_leak_nothing),
    ):
        window = _window()
        failure = ""
        started = time.monotonic()
        try:
            # A first run settles one-off allocations: Qt opens two eventfds once, somewhere
            # between round 200 and 1,000 (the same two after 2,500 rounds). A leak is
            # growth, so the second run on the same window is the one that counts.
            try:
                test(_Bot(), window)  # type: ignore[arg-type]
            except AssertionError:
                pass
            window.log_pane.clear()  # the test counts its own rows
            test(_Bot(), window)  # type: ignore[arg-type]
        except AssertionError as exc:
            failure = str(exc)[:200]
        finally:
            window.close()
        took = time.monotonic() - started
        figures.append(
            figure(
                f"{ROUNDS} rounds {name}: leaks",
                0 if not failure else 1,
                "leaks",
                None,
                failure or f"threads, QThreads, fds, sockets unchanged ({took:.0f} s)",
                not failure,
            )
        )
    return figures


def idle_connections() -> list[dict[str, object]]:
    import socket

    from app.net.http.config import ServerLimits
    from tests.hardening.test_harness import raise_fd_limit
    from tests.net.http.test_harness import RunningServer

    raise_fd_limit(8192)
    running = RunningServer(ServerLimits(idle_timeout=60.0, header_timeout=60.0))
    idle = []
    try:
        for _ in range(4000):
            idle.append(socket.create_connection(("127.0.0.1", running.port), timeout=10))
        served = sum(running.request("GET", "/")[0] == 200 for _ in range(20))
        started = time.monotonic()
        running.stop_server()
        stop_ms = (time.monotonic() - started) * 1000
    finally:
        for sock in idle:
            sock.close()
        running.close()
    return [
        figure("4,000 idle connections: GETs served", served, "of 20", 20, "all", served == 20),
        figure("4,000 idle connections: Stop", stop_ms, "ms", None, "< 1000 ms", stop_ms < 1000),
    ]


def run() -> list[dict[str, object]]:
    figures: list[dict[str, object]] = []
    for part in (
        formatter_fuzz,
        tcp_flood,
        paste_100_mb,
        idle_connections,
        http_fuzz,
        lifecycle_rounds,
    ):
        try:
            figures.extend(part())
        except Exception as exc:  # one part failing must not hide the others' figures
            message = f"{type(exc).__name__}: {exc}"[:300]
            figures.append(
                {"figure": f"{part.__name__} FAILED: {message}", "value": None, "met": False}
            )
    return figures
