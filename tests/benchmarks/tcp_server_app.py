"""The second app process of the TCP load benchmark: the TCP Server tab, echoing.

`python -m tests.benchmarks.tcp_server_app EXPECTED_BYTES`: opens the window offscreen,
starts the TCP Server tab (echo, up to 10,000 clients) on a free loopback port, prints
`PORT n`, measures its own GUI stall while it serves, and once its log counted
EXPECTED_BYTES received and sent (or 300 s passed) prints one JSON line:
{"received_bytes", "sent_bytes", "clients", "stall_ms", "long_stalls", "done"}.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time

# Offscreen and scratch settings before Qt loads, as the benchmark runner's own process.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault(
    "SOCKET_TESTER_SETTINGS", os.path.join(tempfile.mkdtemp(prefix="st-server-"), "s.ini")
)


def main(expected: int) -> None:
    from app.net.events import Kind, LogEvent
    from app.ui.application import create_main_window, ensure_application
    from app.ui.tabs.tcp_server import TcpServerTab
    from tests.benchmarks.gui_harness import process_until
    from tests.benchmarks.stall_meter import StallMeter
    from tests.peers import free_port

    ensure_application()
    window = create_main_window()
    window.show()
    tab = window.tab(TcpServerTab)
    assert isinstance(tab, TcpServerTab)
    model = window.log_pane.model
    tab.port.setValue(free_port())
    tab.max_clients.setValue(10_000)
    tab.start_button.click()
    if not process_until(lambda: tab.listening, timeout=10):
        raise RuntimeError(f"the server did not start: {tab.status.plain_text()}")
    clients: set[str] = set()

    def note_clients(events: list[LogEvent]) -> None:
        clients.update(e.peer for e in events if e.kind is Kind.RECEIVED)

    tab.worker.events.connect(note_clients)

    class NotingMeter(StallMeter):
        """Also notes when each long stall happened, seconds after the port was printed."""

        def __init__(self) -> None:
            super().__init__()
            self.long: list[tuple[float, float]] = []

        def _tick(self) -> None:
            now = time.perf_counter()
            gap = (now - self._last) * 1000
            if gap > 25:
                self.long.append((round(now - self.began, 3), round(gap, 1)))
            super()._tick()

        def start(self) -> None:
            self.began = time.perf_counter()
            super().start()

    meter = NotingMeter()
    meter.start()
    print(f"PORT {tab.port.value()}", flush=True)
    done = process_until(
        lambda: model.totals.received_bytes >= expected and model.totals.sent_bytes >= expected,
        timeout=300,
    )
    stall = meter.stop()
    result = {
        "received_bytes": model.totals.received_bytes,
        "sent_bytes": model.totals.sent_bytes,
        "clients": len(clients),
        "stall_ms": stall,
        "long_stalls": meter.long,  # (s after the start, ms) of each stall over 25 ms
        "done": done,
    }
    window.close()
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main(int(sys.argv[1]))
