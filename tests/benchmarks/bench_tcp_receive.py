"""TCP receive: MB/s the TCP Client tab ingests (logged and counted) vs a bare recv loop."""

from __future__ import annotations

import os
import socket
import threading
import time

from tests.benchmarks.gui_harness import figure, process_until
from tests.process_memory import rss_mb

TOTAL = 2 * 1024**3
CHUNK = 1024 * 1024


class FastSender:
    """Accepts one connection and sends TOTAL bytes as fast as the kernel takes them."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        conn, _ = self.listener.accept()
        chunk = memoryview(os.urandom(CHUNK))
        try:
            for _ in range(TOTAL // CHUNK):
                conn.sendall(chunk)
        except OSError:
            pass
        finally:
            conn.close()
            self.listener.close()


def bare_recv_loop() -> float:
    """MB/s of a plain Python recv loop reading the same sender."""
    sender = FastSender()
    sock = socket.create_connection(("127.0.0.1", sender.port))
    buffer = bytearray(256 * 1024)
    view = memoryview(buffer)
    received = 0
    start = time.perf_counter()
    while n := sock.recv_into(view):
        received += n
    elapsed = time.perf_counter() - start
    sock.close()
    sender.thread.join()
    assert received == TOTAL
    return received / elapsed / 1e6


def app_receive() -> tuple[float, float, float]:
    """(MB/s, worst GUI stall ms, RSS MB) of the TCP Client tab reading the same sender."""
    from app.ui.application import create_main_window
    from app.ui.tabs.tcp_client import TcpClientTab
    from tests.benchmarks.stall_meter import StallMeter

    window = create_main_window()
    window.show()
    tab = window.tab(TcpClientTab)
    assert isinstance(tab, TcpClientTab)
    model = window.log_pane.model
    sender = FastSender()
    tab.host.setText("127.0.0.1")
    tab.port.setValue(sender.port)
    meter = StallMeter()
    meter.start()
    start = time.perf_counter()
    tab.connect_button.click()
    done = process_until(lambda: model.totals.received_bytes >= TOTAL, timeout=120)
    elapsed = time.perf_counter() - start
    stall = meter.stop()
    rss = rss_mb()
    window.close()
    sender.thread.join(5)
    if not done:
        raise RuntimeError(f"only {model.totals.received_bytes:,} of {TOTAL:,} bytes counted")
    return TOTAL / elapsed / 1e6, stall, rss


def run() -> list[dict[str, object]]:
    baseline = bare_recv_loop()
    rate, stall, rss = app_receive()
    return [
        figure(
            "TCP receive (tab, logged+counted)",
            rate,
            "MB/s",
            baseline,
            ">= 30% of bare recv",
            rate >= 0.3 * baseline,
        ),
        figure("TCP receive: worst GUI stall", stall, "ms", None, "<= 50 ms", stall <= 50),
        figure("TCP receive: RSS after 2 GiB", rss, "MB", None, "bounded (< 400 MB)", rss < 400),
    ]


if __name__ == "__main__":
    from tests.benchmarks.__main__ import print_table

    print_table(run())
