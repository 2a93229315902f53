"""TCP Server: 1,000 clients echoing vs a stdlib asyncio echo server; one client pouring data.

The load generators run in a process of their own (tcp_echo_load.py), the same for both
servers; the asyncio baseline also runs alone in its process, while the tab's server
shares its process with the GUI and logs every chunk (two rows per echo).
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time

from tests.benchmarks.gui_harness import figure, process_until
from tests.process_memory import rss_mb

CLIENTS = 1000
ROUNDS = 100
SIZE = 64
POUR_TOTAL = 2 * 1024**3


def _load(*args: object) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.benchmarks.tcp_echo_load", *map(str, args)],
        stdout=subprocess.PIPE,
        stdin=subprocess.PIPE,
        text=True,
    )


def _result(run: subprocess.Popen[str]) -> dict[str, float]:
    out, _ = run.communicate(timeout=300)
    result: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    return result


def asyncio_echo_rate() -> float:
    server = _load("asyncio")
    assert server.stdout is not None
    try:
        port = int(server.stdout.readline().split()[1])
        result = _result(_load("echo", port, CLIENTS, ROUNDS, SIZE))
    finally:
        server.communicate(timeout=10)
    assert not result["bad"], result
    return result["echoes"] / result["seconds"]


def bare_recv_rate() -> float:
    """MB/s of a plain recv loop (in this process) reading the pouring client."""
    listener = socket.create_server(("127.0.0.1", 0))
    # Timed from the sender's start, as the tab is: both include its start-up.
    start = time.perf_counter()
    sender = _load("pour", listener.getsockname()[1], POUR_TOTAL)
    conn, _ = listener.accept()
    view = memoryview(bytearray(256 * 1024))
    received = 0
    while n := conn.recv_into(view):
        received += n
    elapsed = time.perf_counter() - start
    conn.close()
    listener.close()
    _result(sender)
    assert received == POUR_TOTAL
    return received / elapsed / 1e6


def app_figures() -> tuple[float, float, float, float, float]:
    """(echoes/s, worst stall ms, pour MB/s, pour stall ms, RSS MB) of the TCP Server tab."""
    from app.ui.application import create_main_window
    from app.ui.tabs.tcp_server import TcpServerTab
    from tests.benchmarks.stall_meter import StallMeter
    from tests.peers import free_port

    window = create_main_window()
    window.show()
    tab = window.tab(TcpServerTab)
    assert isinstance(tab, TcpServerTab)
    model = window.log_pane.model
    port = free_port()
    tab.port.setValue(port)
    tab.max_clients.setValue(CLIENTS)
    tab.start_button.click()
    if not process_until(lambda: tab.listening, timeout=10):
        raise RuntimeError(f"the server did not start: {tab.status.plain_text()}")

    meter = StallMeter()
    meter.start()
    run = _load("echo", port, CLIENTS, ROUNDS, SIZE)
    process_until(lambda: run.poll() is not None, timeout=300)
    result = _result(run)
    expected = CLIENTS * ROUNDS * SIZE
    logged = process_until(
        lambda: model.totals.received_bytes >= expected and model.totals.sent_bytes >= expected,
        timeout=60,
    )
    stall = meter.stop()
    if result["bad"] or not logged:
        raise RuntimeError(f"echo run failed: {result}, totals {model.totals}")
    echo_rate = result["echoes"] / result["seconds"]

    tab.replies.mode.setCurrentText("No reply")
    before = model.totals.received_bytes
    meter.start()
    start = time.perf_counter()
    sender = _load("pour", port, POUR_TOTAL)
    done = process_until(lambda: model.totals.received_bytes - before >= POUR_TOTAL, timeout=300)
    elapsed = time.perf_counter() - start
    pour_stall = meter.stop()
    rss = rss_mb()
    _result(sender)
    window.close()
    if not done:
        raise RuntimeError(f"only {model.totals.received_bytes - before:,} bytes counted")
    return echo_rate, stall, POUR_TOTAL / elapsed / 1e6, pour_stall, rss


def run() -> list[dict[str, object]]:
    baseline_echo = asyncio_echo_rate()
    baseline_recv = bare_recv_rate()
    echo_rate, stall, pour_rate, pour_stall, rss = app_figures()
    return [
        figure(
            f"TCP server: {CLIENTS:,} clients echo (tab, every chunk logged)",
            echo_rate,
            "echoes/s",
            baseline_echo,
            ">= 1.0x asyncio echo server",
            echo_rate >= baseline_echo,
        ),
        figure("TCP server echo: worst GUI stall", stall, "ms", None, "<= 50 ms", stall <= 50),
        figure(
            "TCP server: one client pouring (logged)",
            pour_rate,
            "MB/s",
            baseline_recv,
            ">= 50% of bare recv",
            pour_rate >= 0.5 * baseline_recv,
        ),
        figure(
            "TCP server pour: worst GUI stall", pour_stall, "ms", None, "<= 50 ms", pour_stall <= 50
        ),
        figure("TCP server: RSS after 2 GiB", rss, "MB", None, "bounded (< 400 MB)", rss < 400),
    ]


if __name__ == "__main__":
    from tests.benchmarks.__main__ import print_table

    print_table(run())
