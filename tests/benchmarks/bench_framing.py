"""Framing on receive: the TCP Client tab reading 100-byte lines framed "Lines (LF)" (a log
row per line) vs the same bytes "As received" (a row per chunk), same sender, same run.

Also the framer alone (sans-IO, no log) on the same chunks, against `bytes.split` of them:
what framing itself costs, apart from the log rows it makes.
"""

from __future__ import annotations

import socket
import threading
import time

from app.net.framing import Framer, parse_framing
from tests.benchmarks.gui_harness import figure, process_until

LINE = b"0123456789" * 9 + b"abcdefghi\n"  # 100 bytes
CHUNK = LINE * 10_486  # ~1 MiB of whole lines per send
TOTAL_AS_RECEIVED = 1024 * len(CHUNK)  # ~1 GiB: the chunk rows finish fast
TOTAL_LINES = 96 * len(CHUNK)  # ~100 MB: 1,006,656 rows


class LineSender:
    """Accepts one connection and sends `total` bytes of lines as fast as the kernel takes."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        conn, _ = self.listener.accept()
        chunk = memoryview(CHUNK)
        try:
            for _ in range(self.total // len(CHUNK)):
                conn.sendall(chunk)
        except OSError:
            pass
        finally:
            conn.close()
            self.listener.close()


def tab_receive(kind: str, total: int) -> tuple[float, int]:
    """(MB/s, received rows) of the TCP Client tab reading `total` bytes framed as `kind`."""
    from app.ui.application import create_main_window
    from app.ui.tabs.tcp_client import TcpClientTab

    window = create_main_window()
    window.show()
    tab = window.tab(TcpClientTab)
    assert isinstance(tab, TcpClientTab)
    model = window.log_pane.model
    tab.framing.kind.setCurrentText(kind)
    sender = LineSender(total)
    tab.host.setText("127.0.0.1")
    tab.port.setValue(sender.port)
    start = time.perf_counter()
    tab.connect_button.click()
    done = process_until(lambda: model.totals.received_bytes >= total, timeout=300)
    elapsed = time.perf_counter() - start
    # The benchmarks of one run share a settings file: leave the default for the next.
    tab.framing.kind.setCurrentText("As received")
    window.close()
    sender.thread.join(5)
    if not done:
        raise RuntimeError(f"only {model.totals.received_bytes:,} of {total:,} bytes counted")
    return total / elapsed / 1e6, model.totals.received_events


def framer_alone() -> tuple[float, float]:
    """(MB/s of Framer.feed, MB/s of bytes.split) over 256 KiB reads of the same lines:
    the best of seven alternating passes each, so a moment of a busy machine is not it."""
    data = CHUNK * 16
    reads = [data[at : at + 256 * 1024] for at in range(0, len(data), 256 * 1024)]
    best_framed = best_split = float("inf")
    for _ in range(7):
        framer = Framer(parse_framing("Lines (LF)", ""))
        start = time.perf_counter()
        messages = sum(len(framer.feed(read)) for read in reads)
        best_framed = min(best_framed, time.perf_counter() - start)
        assert messages == len(data) // len(LINE)
        start = time.perf_counter()
        for read in reads:
            read.split(b"\n")
        best_split = min(best_split, time.perf_counter() - start)
    return len(data) / best_framed / 1e6, len(data) / best_split / 1e6


def run() -> list[dict[str, object]]:
    framed, split = framer_alone()
    as_received, chunk_rows = tab_receive("As received", TOTAL_AS_RECEIVED)
    lines, line_rows = tab_receive("Lines (LF)", TOTAL_LINES)
    assert line_rows == TOTAL_LINES // len(LINE), line_rows
    rows_per_s = figure(
        "TCP receive, Lines (LF): rows logged",
        line_rows / (TOTAL_LINES / lines / 1e6),
        "rows/s",
        chunk_rows / (TOTAL_AS_RECEIVED / as_received / 1e6),
        "shown for scale (baseline: chunk rows/s As received)",
        True,
    )
    rows_per_s["met"] = None
    return [
        figure(
            "TCP receive, Lines (LF) of 100 B, a row per line",
            lines,
            "MB/s",
            as_received,
            ">= 0.5 of As received (a row per chunk)",
            lines >= 0.5 * as_received,
        ),
        rows_per_s,
        figure(
            "Framer alone, Lines (LF), 256 KiB reads",
            framed,
            "MB/s",
            split,
            ">= 0.5 of bytes.split alone",
            framed >= 0.5 * split,
        ),
    ]


if __name__ == "__main__":
    from tests.benchmarks.__main__ import print_table

    print_table(run())
