"""Pacing: achieved rate vs requested at 100, 1,000 and 10,000 messages/s, UDP and TCP.

Each run goes through the tab's worker (its Reactor thread, the batched log, the GUI
thread taking every batch into the log model), for DURATION seconds: the UDP Sender's
repeat run to a socket that is never read (the kernel drops what overflows: pacing is
what is measured, not the receiver), the TCP Client's load run of one connection to an
asyncio echo server in a process of its own. Figures: the achieved rate's error in % of
the request (target 1% at 1,000/s and 10,000/s, from the issue) and the jitter of the
inter-send gap (its standard deviation, from the sent events' timestamps).
Baseline, in the same run: a bare Python loop that sends and then sleeps one interval
(`time.sleep(interval)`, the usual way), timed the same way.
"""

from __future__ import annotations

import itertools
import socket
import statistics
import subprocess
import sys
import time

from tests.benchmarks.gui_harness import figure, process_until

RATES = (100, 1_000, 10_000)
DURATION = float(__import__("os").environ.get("PACING_SECONDS", "10"))
BASELINE_DURATION = 3.0
PAYLOAD = b"x" * 31 + b"\n"


def gap_jitter_us(stamps: list[float]) -> float:
    gaps = [b - a for a, b in itertools.pairwise(stamps)]
    return statistics.pstdev(gaps) * 1e6 if len(gaps) > 1 else 0.0


def naive_loop(rate: int) -> tuple[float, float]:
    """(error %, gap jitter us) of send-then-sleep(interval) on a UDP socket."""
    sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sink.bind(("127.0.0.1", 0))
    sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    address = sink.getsockname()
    interval = 1 / rate
    count = int(BASELINE_DURATION * rate)
    stamps = []
    start = time.monotonic()
    for _ in range(count):
        sender.sendto(PAYLOAD, address)
        stamps.append(time.monotonic())
        time.sleep(interval)
    achieved = count / (stamps[-1] - start + interval)
    sender.close()
    sink.close()
    return (achieved - rate) / rate * 100, gap_jitter_us(stamps)


class SentStamps:
    """The time of every sent event a worker delivers (the GUI thread's view)."""

    def __init__(self) -> None:
        self.stamps: list[float] = []

    def take(self, events: list[object]) -> None:
        from app.net.events import Kind, LogEvent

        self.stamps += [e.time for e in events if isinstance(e, LogEvent) and e.kind is Kind.SENT]


def udp_run(window: object, rate: int) -> tuple[float, float, float]:
    """(achieved/s, error %, gap jitter us) of the UDP Sender's repeat run."""
    from app.net.udp.status import UdpJob, UdpProgress, UdpState
    from app.ui.tabs.udp_sender import UdpSenderTab

    tab = window.tab(UdpSenderTab)  # type: ignore[attr-defined]
    sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sink.bind(("127.0.0.1", 0))
    worker = tab.worker
    stamps = SentStamps()
    last: list[UdpProgress] = []
    idle: list[bool] = []
    worker.events.connect(stamps.take)
    worker.progress.connect(last.append)
    worker.status_changed.connect(lambda s: idle.append(s.state is UdpState.IDLE))
    count = int(DURATION * rate)
    worker.send(UdpJob("127.0.0.1", sink.getsockname()[1], PAYLOAD, count, 1 / rate))
    done = process_until(
        lambda: bool(last) and last[-1].run_sent >= count and bool(idle) and idle[-1],
        DURATION * 3,
    )
    worker.events.disconnect(stamps.take)
    sink.close()
    if not done:
        raise RuntimeError(f"UDP run at {rate}/s did not end: {last[-1] if last else None}")
    achieved = last[-1].rate
    return achieved, (achieved - rate) / rate * 100, gap_jitter_us(stamps.stamps)


def tcp_run(window: object, port: int, rate: int) -> tuple[float, float, float]:
    """(achieved/s, error %, gap jitter us) of the TCP Client's load run, one connection."""
    from app.net.tcp.load_status import LoadPhase, TcpLoadJob, TcpLoadProgress
    from app.ui.tabs.tcp_client import TcpClientTab

    tab = window.tab(TcpClientTab)  # type: ignore[attr-defined]
    worker = tab.worker
    stamps = SentStamps()
    last: list[TcpLoadProgress] = []
    worker.events.connect(stamps.take)
    worker.load_progress.connect(last.append)
    count = int(DURATION * rate)
    worker.start_load(TcpLoadJob("127.0.0.1", port, PAYLOAD, count, 1 / rate, 1))
    done = process_until(lambda: bool(last) and last[-1].phase is LoadPhase.DONE, DURATION * 3)
    worker.events.disconnect(stamps.take)
    worker.load_progress.disconnect(last.append)
    if not done or last[-1].sent != count:
        raise RuntimeError(f"TCP run at {rate}/s: {last[-1] if last else None}")
    achieved = last[-1].achieved
    return achieved, (achieved - rate) / rate * 100, gap_jitter_us(stamps.stamps)


def run() -> list[dict[str, object]]:
    from app.ui.application import create_main_window

    baselines = {rate: naive_loop(rate) for rate in RATES}
    server = subprocess.Popen(
        [sys.executable, "-m", "tests.benchmarks.tcp_echo_load", "asyncio"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert server.stdout is not None
    port = int(server.stdout.readline().split()[1])
    window = create_main_window()
    window.show()
    figures = []
    try:
        for protocol in ("UDP", "TCP"):
            for rate in RATES:
                if protocol == "UDP":
                    achieved, error, jitter = udp_run(window, rate)
                else:
                    achieved, error, jitter = tcp_run(window, port, rate)
                base_error, base_jitter = baselines[rate]
                bound = 1.0 if rate >= 1000 else 2.0
                figures.append(
                    figure(
                        f"{protocol} pacing at {rate:,}/s for {DURATION:g} s: rate error "
                        f"(achieved {achieved:,.1f}/s; baseline: send + sleep(interval))",
                        error,
                        "%",
                        base_error,
                        f"within ±{bound:g}%",
                        abs(error) <= bound,
                    )
                )
                figures.append(
                    figure(
                        f"{protocol} pacing at {rate:,}/s: jitter of the inter-send gap",
                        jitter,
                        "us",
                        base_jitter,
                        "reported",
                        True,
                    )
                )
    finally:
        window.close()
        server.communicate(timeout=10)
    return figures


if __name__ == "__main__":
    from tests.benchmarks.__main__ import print_table

    print_table(run())
