"""Round trips: the median and p99 the TCP Client tab reports vs a bare ping-pong loop.

Both talk to the same echo server, in a process of its own (so it shares no GIL with what
is measured): first a plain Python loop (perf_counter_ns, sendall, recv), then the tab,
whose worker stamps each send and reply in its Reactor thread while the GUI runs. The tab
sends one message every PACE_S from a QTimer (each reply is back long before the next
send), as a person or a script drives it; the bare loop is run both back to back and at
the same pace. Then the same tab against an echo server that answers after 20 ms.
"""

from __future__ import annotations

import math
import socket
import statistics
import subprocess
import sys
import time

from tests.benchmarks.gui_harness import figure, process_until

PINGS = 2000
PACE_S = 0.002
DELAYED_PINGS = 50
DELAY_S = 0.020
PAYLOAD = b"ping"

# An echo server on a loopback port it prints; with a delay, each message is answered
# after that many seconds.
_ECHO_SERVER = r"""
import socket, sys, threading, time
delay = float(sys.argv[1])
listener = socket.create_server(("127.0.0.1", 0))
print(listener.getsockname()[1], flush=True)
def serve(conn):
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    while data := conn.recv(65536):
        if delay:
            time.sleep(delay)
        conn.sendall(data)
while True:
    conn, _ = listener.accept()
    threading.Thread(target=serve, args=(conn,), daemon=True).start()
"""


def start_echo(delay: float) -> tuple[subprocess.Popen[str], int]:
    server = subprocess.Popen(
        [sys.executable, "-c", _ECHO_SERVER, str(delay)], stdout=subprocess.PIPE, text=True
    )
    assert server.stdout is not None
    return server, int(server.stdout.readline())


def nearest_rank(values: list[int], fraction: float) -> int:
    ordered = sorted(values)
    return ordered[max(1, math.ceil(fraction * len(ordered))) - 1]


def bare_ping_pong(port: int, count: int, pace: float) -> list[int]:
    """RTTs in ns of a plain loop; `pace` > 0 waits that long between pings."""
    sock = socket.create_connection(("127.0.0.1", port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    rtts: list[int] = []
    clock = time.perf_counter_ns
    for _ in range(count + 20):  # the first 20 warm up
        start = clock()
        sock.sendall(PAYLOAD)
        sock.recv(65536)
        rtts.append(clock() - start)
        if pace:
            time.sleep(pace)
    sock.close()
    return rtts[20:]


def tab_round_trips(port: int, count: int, pace: float) -> tuple[int, int, int]:
    """(median ns, p99 ns, replies) that the TCP Client tab reports."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QLineEdit

    from app.ui.application import create_main_window
    from app.ui.tabs.tcp_client import TcpClientTab

    window = create_main_window()
    window.show()
    tab = window.tab(TcpClientTab)
    assert isinstance(tab, TcpClientTab)
    tab.host.setText("127.0.0.1")
    tab.port.setValue(port)
    payload = window.findChild(QLineEdit, "tcpPayload")
    assert isinstance(payload, QLineEdit)
    payload.setText(PAYLOAD.decode())
    tab.connect_button.click()
    if not process_until(lambda: tab.send_button.isEnabled(), timeout=10):
        raise RuntimeError("the TCP Client tab did not connect")
    warm_up = 20
    sent = [0]
    timer = QTimer()
    timer.setInterval(max(1, int(pace * 1000)))

    def send_one() -> None:
        if sent[0] == warm_up:
            tab.stats.reset()  # the statistics cover the measured pings only
        if sent[0] >= count + warm_up:
            timer.stop()
            return
        tab.send_payload()
        sent[0] += 1

    timer.timeout.connect(send_one)
    timer.start()

    def done() -> bool:
        snap = tab.stats.snapshot
        return sent[0] >= count + warm_up and snap is not None and snap.replies >= count

    finished = process_until(done, timeout=count * pace * 10 + 30)
    snapshot = tab.stats.snapshot
    window.close()
    if not finished or snapshot is None:
        raise RuntimeError(f"the tab reported {snapshot}")
    return snapshot.median_ns, snapshot.p99_ns, snapshot.replies


def run() -> list[dict[str, object]]:
    fast, fast_port = start_echo(0.0)
    slow, slow_port = start_echo(DELAY_S)
    try:
        bare = bare_ping_pong(fast_port, PINGS, 0.0)
        bare_paced = bare_ping_pong(fast_port, PINGS, PACE_S)
        tab_median, tab_p99, _ = tab_round_trips(fast_port, PINGS, PACE_S)
        slow_median, slow_p99, _ = tab_round_trips(slow_port, DELAYED_PINGS, DELAY_S + 0.01)
    finally:
        for server in (fast, slow):
            server.kill()
            server.wait()
    us = 1e-3
    bare_median = statistics.median(bare)
    paced_median = statistics.median(bare_paced)
    return [
        figure(
            "RTT median: TCP Client tab vs bare ping-pong",
            tab_median * us,
            "µs",
            bare_median * us,
            "within 50 µs of bare",
            abs(tab_median - bare_median) <= 50_000,
        ),
        figure(
            "RTT p99: TCP Client tab vs bare ping-pong",
            tab_p99 * us,
            "µs",
            nearest_rank(bare, 0.99) * us,
            "reported",
            True,
        ),
        figure(
            f"RTT median: bare ping-pong paced every {PACE_S * 1000:g} ms (reference)",
            paced_median * us,
            "µs",
            bare_median * us,
            "reference",
            True,
        ),
        figure(
            "RTT p99: bare ping-pong paced (reference)",
            nearest_rank(bare_paced, 0.99) * us,
            "µs",
            None,
            "reference",
            True,
        ),
        figure(
            "RTT median: tab vs an echo that waits 20 ms",
            slow_median * 1e-6,
            "ms",
            DELAY_S * 1000,
            "within 1 ms of 20 ms",
            abs(slow_median - DELAY_S * 1e9) <= 1_000_000,
        ),
        figure(
            "RTT p99: tab vs an echo that waits 20 ms",
            slow_p99 * 1e-6,
            "ms",
            DELAY_S * 1000,
            "reported",
            True,
        ),
    ]


if __name__ == "__main__":
    from tests.benchmarks.__main__ import print_table

    print_table(run())
