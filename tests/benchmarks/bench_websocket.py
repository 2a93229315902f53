"""WebSocket echo: messages/s through the HTTP Server tab's "WebSocket echo" mode (every
frame logged, the GUI running) vs a bare `websockets` echo server (asyncio, compression
off, nothing logged), both driven by the same `websockets` client in a child process.

Two figures each: a ping-pong (send a small text, wait for its echo, repeat) measures the
round trip per message; a pipelined burst (a sender thread pours BURST texts while the
main thread reads the echoes) measures throughput.
"""

from __future__ import annotations

import socket
import subprocess
import sys

from tests.benchmarks.gui_harness import figure, process_until

PING_PONG_S = 3.0
BURST = 20_000

# The client: prints "ping-pong msgs/s, burst msgs/s".
_CLIENT = r"""
import sys, threading, time
from websockets.sync.client import connect
port, seconds, burst = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
with connect(f"ws://127.0.0.1:{port}/bench", compression=None, max_size=None,
             max_queue=None) as ws:
    done, started = 0, time.perf_counter()
    stop = started + seconds
    while time.perf_counter() < stop:
        ws.send("hello, echo"); ws.recv(); done += 1
    ping_pong = done / (time.perf_counter() - started)
    started = time.perf_counter()
    def pour():
        for i in range(burst):
            ws.send(f"burst {i}")
    sender = threading.Thread(target=pour); sender.start()
    for _ in range(burst):
        ws.recv()
    sender.join()
    print(ping_pong, burst / (time.perf_counter() - started))
"""

# The baseline server: websockets' own asyncio echo, nothing logged.
_BARE_SERVER = r"""
import asyncio, sys
from websockets.asyncio.server import serve
async def echo(ws):
    async for message in ws:
        await ws.send(message)
async def main():
    async with serve(echo, "127.0.0.1", int(sys.argv[1]), compression=None, max_size=None):
        await asyncio.Future()
asyncio.run(main())
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _accepts(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
        return True
    except OSError:
        return False


def drive(port: int) -> tuple[float, float]:
    """(ping-pong msgs/s, burst msgs/s); waits with the Qt event loop running."""
    command = [sys.executable, "-c", _CLIENT, str(port), str(PING_PONG_S), str(BURST)]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as client:
        finished = process_until(lambda: client.poll() is not None, timeout=120)
        assert finished, "the WebSocket client did not finish"
        output, _ = client.communicate(timeout=10)
    ping_pong, burst = output.split()[:2]
    return float(ping_pong), float(burst)


def bare_websockets() -> tuple[float, float]:
    port = free_port()
    server = subprocess.Popen([sys.executable, "-c", _BARE_SERVER, str(port)])
    try:
        assert process_until(lambda: _accepts(port), timeout=15), "websockets did not start"
        return drive(port)
    finally:
        server.terminate()
        server.wait(10)


def run() -> list[dict[str, object]]:
    from app.ui.application import create_main_window
    from app.ui.tabs.http_server import HttpServerTab
    from tests.benchmarks.stall_meter import StallMeter

    base_ping_pong, base_burst = bare_websockets()

    window = create_main_window()
    window.show()
    tab = window.tab(HttpServerTab)
    assert isinstance(tab, HttpServerTab)
    window.tabs.setCurrentWidget(tab)
    tab.mode.setCurrentText("WebSocket echo")
    port = free_port()
    tab.port.setValue(port)
    tab.start_button.click()
    assert process_until(lambda: _accepts(port), timeout=10), "the tab's server did not start"
    model = window.log_pane.model
    before = model.totals.events
    meter = StallMeter()
    meter.start()
    ping_pong, burst = drive(port)
    stall = meter.stop()
    # Each message is two rows (received, echoed); the burst alone is 2 * BURST.
    process_until(lambda: model.totals.events - before >= 2 * BURST, timeout=30)
    logged = model.totals.events - before
    window.close()
    return [
        figure(
            "WebSocket: ping-pong msgs/s, HTTP Server echo mode (every frame logged)",
            ping_pong,
            "msg/s",
            base_ping_pong,
            ">= 0.5x bare websockets",
            ping_pong >= 0.5 * base_ping_pong,
        ),
        figure(
            f"WebSocket: pipelined burst of {BURST:,} msgs/s, echo mode (every frame logged)",
            burst,
            "msg/s",
            base_burst,
            ">= 0.5x bare websockets",
            burst >= 0.5 * base_burst,
        ),
        figure(
            "WebSocket: rows logged (2 per message)",
            logged,
            "rows",
            2 * BURST,
            ">= 2 per burst message",
            logged >= 2 * BURST,
        ),
        figure("WebSocket: worst GUI stall", stall, "ms", None, "<= 50 ms", stall <= 50),
    ]
