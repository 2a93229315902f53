"""Idle wake-ups: the real window with every tab, left alone, should let the CPU sleep.

For each thread of the process, the context switches (voluntary + involuntary, from
/proc/self/task/<tid>/status) during an idle window of IDLE_S seconds, divided by its
length. A thread that sleeps until something needs it makes none; a loop with a 30 ms
timeout makes ~33 a second, a 100 ms timer ~10. Targets (issue 11, defect 6): 0/s for
each worker thread, at most 1/s for the GUI thread. Linux only (/proc).

Run alone: python -m tests.benchmarks.bench_idle
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import NamedTuple

from PySide6.QtCore import QEventLoop, QTimer

from tests.benchmarks.gui_harness import figure

SETTLE_S = 2.0  # start-up work (workers starting, first paints) is not idleness
IDLE_S = 10.0
GUI_TARGET = 1.0
WORKER_TARGET = 0.0
TASKS = Path("/proc/self/task")


class ThreadSample(NamedTuple):
    name: str
    switches: int


def sample_threads() -> dict[int, ThreadSample]:
    """Thread id -> (kernel name, context switches so far) for every thread alive now."""
    samples: dict[int, ThreadSample] = {}
    for task in TASKS.iterdir():
        try:
            status = (task / "status").read_text(encoding="ascii", errors="replace")
        except OSError:
            continue  # the thread ended meanwhile
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        switches = int(fields["voluntary_ctxt_switches"]) + int(
            fields["nonvoluntary_ctxt_switches"]
        )
        samples[int(task.name)] = ThreadSample(fields["Name"].strip(), switches)
    return samples


def thread_label(tid: int, kernel_name: str) -> str:
    """What to call a thread: the GUI, a Python thread's name, or Qt's name for a QThread."""
    if tid == os.getpid():
        return "GUI thread"
    for thread in threading.enumerate():
        if thread.native_id == tid and not thread.name.startswith("Dummy-"):
            return f"thread {thread.name!r}"
    return f"thread {kernel_name!r} (tid {tid})"


def sleep_in_event_loop(seconds: float) -> None:
    """Run the event loop for `seconds` with one timer: the harness adds one wake-up."""
    loop = QEventLoop()
    QTimer.singleShot(round(seconds * 1000), loop.quit)
    loop.exec()


def idle_rates(seconds: float) -> tuple[dict[int, tuple[str, float]], float]:
    """Per thread present all along: (label, wake-ups per second); and the real length."""
    before = sample_threads()
    started = time.monotonic()
    sleep_in_event_loop(seconds)
    length = time.monotonic() - started
    after = sample_threads()
    rates = {
        tid: (thread_label(tid, sample.name), (sample.switches - before[tid].switches) / length)
        for tid, sample in after.items()
        if tid in before
    }
    return rates, length


def run() -> list[dict[str, object]]:
    from app.ui.application import create_main_window

    if not TASKS.is_dir():
        return [{"figure": "idle wake-ups: needs /proc (Linux)", "value": None, "met": None}]
    window = create_main_window()
    window.show()
    # Workers are made on a tab's first use: make every one, so each idles in its thread.
    for tab in window.tool_tabs:
        tab.make_all_workers()
    sleep_in_event_loop(SETTLE_S)
    rates, length = idle_rates(IDLE_S)
    window.close()

    figures: list[dict[str, object]] = []
    gui = os.getpid()
    label, gui_rate = rates.pop(gui)
    figures.append(
        figure(
            f"idle wake-ups/s, {label} ({length:.0f} s, all tabs)",
            gui_rate,
            "/s",
            None,
            f"<= {GUI_TARGET:g}/s",
            gui_rate <= GUI_TARGET,
        )
    )
    for _tid, (label, rate) in sorted(rates.items(), key=lambda item: item[1][0]):
        figures.append(
            figure(
                f"idle wake-ups/s, {label}",
                rate,
                "/s",
                None,
                f"{WORKER_TARGET:g}/s",
                rate <= WORKER_TARGET + 0.5,  # a stray wake-up in 10 s still rounds to 0
            )
        )
    total = gui_rate + sum(rate for _label, rate in rates.values())
    figures.append(figure("idle wake-ups/s, whole process", total, "/s", None, "info", True))
    return figures


if __name__ == "__main__":
    from app.ui.application import ensure_application
    from tests.benchmarks.__main__ import print_table

    ensure_application()
    print_table(run())
