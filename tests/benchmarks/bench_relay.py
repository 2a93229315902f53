"""Relay: 1 GB through the Relay tab (every chunk logged by the real worker and log model)
vs socat relaying the same, and direct; added latency of a 1,000-round ping-pong.

The traffic runs in a subprocess (tests/benchmarks/relay_pump.py) so the app's GIL is its
own; socat (`TCP-LISTEN:p,reuseaddr TCP:127.0.0.1:q`, default options) gets the same.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager

from tests.benchmarks.gui_harness import figure, process_until
from tests.peers import free_port
from tests.process_memory import rss_mb

TOTAL = int(os.environ.get("RELAY_BENCH_BYTES", 1024**3))
ROUNDS = 1000
SIZE = 64


def _pump(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.benchmarks.relay_pump", *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


def _through(pump: subprocess.Popen[str], port: int) -> str:
    assert pump.stdin is not None and pump.stdout is not None
    pump.stdin.write(f"{port}\n")
    pump.stdin.flush()
    line = pump.stdout.readline()
    pump.wait(30)
    return line


def _target_port(pump: subprocess.Popen[str]) -> int:
    assert pump.stdout is not None
    return int(pump.stdout.readline())


@contextmanager
def socat_between(target: int) -> Iterator[int]:
    port = free_port()
    socat = subprocess.Popen(
        ["socat", f"TCP-LISTEN:{port},reuseaddr", f"TCP:127.0.0.1:{target}"],
        stderr=subprocess.DEVNULL,
    )
    time.sleep(0.3)  # socat says nothing once it listens
    try:
        yield port
    finally:
        socat.kill()
        socat.wait(5)


def flood_rate(port_for: Callable[[int], int]) -> float:
    """MB/s of the pump's flood through whatever `port_for(target)` returns a port for."""
    pump = _pump("flood", str(TOTAL))
    port = port_for(_target_port(pump))
    seconds = float(_through(pump, port))
    return TOTAL / seconds / 1e6


def pingpong(port_for: Callable[[int], int]) -> list[float]:
    pump = _pump("pingpong", str(ROUNDS), str(SIZE))
    target = _target_port(pump)
    times: list[float] = json.loads(_through(pump, port_for(target)))
    return times


def _p99(times: list[float]) -> float:
    return sorted(times)[int(len(times) * 0.99) - 1]


class AppRelay:
    """The real window with its Relay tab relaying to a target, driven by its widgets."""

    def __init__(self) -> None:
        from app.ui.application import create_main_window
        from app.ui.tabs.relay import RelayTab

        self.window = create_main_window()
        self.window.show()
        tab = self.window.tab(RelayTab)
        assert isinstance(tab, RelayTab)
        self.tab = tab
        self.model = self.window.log_pane.model

    def start(self, target: int) -> int:
        port = free_port()
        self.tab.listen_port.setValue(port)
        self.tab.target_port.setValue(target)
        self.tab.start_button.click()
        assert process_until(lambda: self.tab.running, 10), "the relay did not start"
        return port

    def stop(self) -> None:
        self.tab.start_button.click()
        process_until(lambda: not self.tab.running, 10)

    def close(self) -> None:
        self.window.close()


def app_flood() -> tuple[float, float, int]:
    """(MB/s, peak RSS MB, log rows) of the Relay tab relaying the flood."""
    app = AppRelay()
    pump = _pump("flood", str(TOTAL))
    port = app.start(_target_port(pump))
    assert pump.stdin is not None and pump.stdout is not None
    pump.stdin.write(f"{port}\n")
    pump.stdin.flush()
    # The pump's clock stops at its last byte counted; the Qt loop must run meanwhile.
    result: list[str] = []
    reader = threading.Thread(target=lambda: result.append(pump.stdout.readline()))  # type: ignore[union-attr]
    reader.start()
    peak = [rss_mb()]

    def finished() -> bool:
        peak[0] = max(peak[0], rss_mb())  # sampled as the loop turns, every 5 ms
        return bool(result)

    process_until(finished, timeout=600)
    reader.join(5)
    seconds = float(result[0])
    process_until(lambda: app.model.totals.sent_bytes >= TOTAL, timeout=60)
    counted = app.model.totals.sent_bytes
    rows = app.model.totals.events
    rss = max(peak[0], rss_mb())
    app.stop()
    app.close()
    pump.wait(30)
    if counted < TOTAL:
        raise RuntimeError(f"the log counted {counted:,} of {TOTAL:,} bytes sent")
    return TOTAL / seconds / 1e6, rss, rows


def app_pingpong() -> list[float]:
    app = AppRelay()
    pump = _pump("pingpong", str(ROUNDS), str(SIZE))
    port = app.start(_target_port(pump))
    result: list[str] = []
    assert pump.stdin is not None
    pump.stdin.write(f"{port}\n")
    pump.stdin.flush()
    reader = threading.Thread(target=lambda: result.append(pump.stdout.readline()))  # type: ignore[union-attr]
    reader.start()
    process_until(lambda: bool(result), timeout=120)
    reader.join(5)
    app.stop()
    app.close()
    pump.wait(30)
    times: list[float] = json.loads(result[0])
    return times


def run() -> list[dict[str, object]]:
    gb = f"{TOTAL / 2**30:g} GiB"
    direct = flood_rate(lambda target: target)
    figures = []
    socat = None
    if shutil.which("socat"):
        with ExitStack() as stack:
            socat = flood_rate(lambda target: stack.enter_context(socat_between(target)))
    rate, rss, rows = app_flood()
    figures.append(
        figure(
            f"Relay TCP {gb}, every chunk logged",
            rate,
            "MB/s",
            socat,
            ">= socat",
            socat is None or rate >= socat,
        )
    )
    figures.append(figure(f"Relay TCP {gb}: direct (no relay)", direct, "MB/s", None, "—", True))
    figures.append(figure(f"Relay TCP {gb}: log rows", rows, "rows", None, "—", True))
    figures.append(figure(f"Relay TCP {gb}: peak RSS", rss, "MB", None, "< 400 MB", rss < 400))
    direct_times = pingpong(lambda target: target)
    relay_times = app_pingpong()
    runs = [("", relay_times)]
    if shutil.which("socat"):
        with ExitStack() as stack:
            runs.append((" (socat)", pingpong(lambda t: stack.enter_context(socat_between(t)))))
    for label, times in runs:
        for name, pick in (("median", statistics.median), ("p99", _p99)):
            base, through = pick(direct_times) * 1e6, pick(times) * 1e6
            figures.append(
                figure(
                    f"Relay ping-pong {ROUNDS:,} x {SIZE} B{label}: {name} round trip",
                    through,
                    "µs",
                    base,
                    "direct as baseline (added = value - baseline)",
                    True,
                )
            )
    return figures


if __name__ == "__main__":
    from tests.benchmarks.__main__ import print_table

    print_table(run())
