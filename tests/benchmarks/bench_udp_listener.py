"""The UDP Listener tab under a flood and as an echo server, each against a bare loop.

- Flood: 100,000 datagrams at 100,000/s from a process of their own; the tab (No reply)
  must log every one the kernel did not drop, and show the drops.
- Echo: a load generator keeps WINDOW datagrams in flight and counts the echoes per second,
  first against a bare `recvfrom`/`sendto` loop in a process of its own, then against the
  tab with Echo on, every datagram and every echo logged.
"""

from __future__ import annotations

import subprocess
import sys

from tests.benchmarks.bench_udp import (
    FLOOD_COUNT,
    FLOOD_RATE,
    bare_recvfrom,
    start_flood,
    wait_for_flood,
)
from tests.benchmarks.gui_harness import figure, process_until
from tests.udp_peers import free_udp_port

ECHO_COUNT = 100_000
WINDOW = 64

# Keeps WINDOW datagrams in flight until ECHO_COUNT echoes came back; prints echoes/s and
# how many it gave up on (a lost datagram is replaced after 0.2 s).
_LOAD_GENERATOR = r"""
import socket, sys, time
port, count, window = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
s.settimeout(0.2)
target = ("127.0.0.1", port)
payload = b"e" * 64
# Wait until the echo server answers at all.
deadline = time.monotonic() + 10
while True:
    s.sendto(payload, target)
    try:
        s.recv(65535)
        break
    except TimeoutError:
        if time.monotonic() > deadline:
            print(0, 0, flush=True)
            sys.exit(1)
start = time.perf_counter()
for _ in range(window):
    s.sendto(payload, target)
echoed = lost = 0
while echoed < count:
    try:
        s.recv(65535)
    except TimeoutError:
        lost += window  # all in flight are gone: start the window again
        for _ in range(window):
            s.sendto(payload, target)
        continue
    echoed += 1
    s.sendto(payload, target)
elapsed = time.perf_counter() - start
print(echoed / elapsed, lost, flush=True)
"""

_BARE_ECHO = r"""
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.settimeout(30)
recvfrom, sendto = s.recvfrom, s.sendto
try:
    while True:
        data, address = recvfrom(65535)
        sendto(data, address)
except TimeoutError:
    pass
"""


def load(port: int) -> tuple[float, int]:
    done = subprocess.run(
        [sys.executable, "-c", _LOAD_GENERATOR, str(port), str(ECHO_COUNT), str(WINDOW)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    rate, lost = done.stdout.split()
    return float(rate), int(lost)


def bare_echo_rate() -> tuple[float, int]:
    port = free_udp_port()
    server = subprocess.Popen([sys.executable, "-c", _BARE_ECHO, str(port)])
    try:
        return load(port)
    finally:
        server.kill()
        server.wait(10)


def run() -> list[dict[str, object]]:
    from app.net.events import Kind, Source
    from app.ui.application import create_main_window
    from app.ui.tabs.udp_listener import UdpListenerTab
    from tests.benchmarks.stall_meter import StallMeter

    baseline_recv, baseline_received, baseline_drops = bare_recvfrom()
    baseline_echo, baseline_lost = bare_echo_rate()

    window = create_main_window()
    window.show()
    tab = window.tab(UdpListenerTab)
    assert isinstance(tab, UdpListenerTab)
    window.tabs.setCurrentWidget(tab)
    model = window.log_pane.model

    def totals() -> tuple[int, int]:
        mine = model.source_totals().get(Source.UDP_LISTENER)
        return (mine.received_events, mine.sent_events) if mine else (0, 0)

    last_status = []
    tab.worker.status_changed.connect(last_status.append)

    def drops() -> int:
        return last_status[-1].kernel_drops if last_status else 0

    # -- flood: No reply, every datagram logged ---------------------------------------
    port = free_udp_port()
    tab.port.setValue(port)
    tab.replies.mode.setCurrentText("No reply")
    tab.start_button.click()
    process_until(lambda: tab.listening, timeout=10)
    meter = StallMeter()
    meter.start()
    flood_sent = wait_for_flood(start_flood(port))
    process_until(lambda: totals()[0] + drops() >= flood_sent, timeout=30)
    flood_stall = meter.stop()
    flood_received, flood_drops = totals()[0], drops()
    rows = sum(
        1
        for row in range(model.rowCount())
        if model.event_at(row).source is Source.UDP_LISTENER
        and model.event_at(row).kind is Kind.RECEIVED
    )

    # -- echo: every datagram and every echo logged ------------------------------------
    tab.replies.mode.setCurrentText("Echo")
    before_received, before_sent = totals()
    meter.start()
    generator = subprocess.Popen(
        [sys.executable, "-c", _LOAD_GENERATOR, str(port), str(ECHO_COUNT), str(WINDOW)],
        stdout=subprocess.PIPE,
        text=True,
    )
    process_until(lambda: generator.poll() is not None, timeout=300)
    echo_stall = meter.stop()
    output, _ = generator.communicate(timeout=5)
    echo_rate, echo_lost = float(output.split()[0]), int(output.split()[1])
    process_until(lambda: totals()[1] - before_sent >= ECHO_COUNT, timeout=30)
    echo_received = totals()[0] - before_received
    echo_sent = totals()[1] - before_sent
    tab.start_button.click()
    process_until(lambda: not tab.listening, timeout=10)
    window.close()

    exact = flood_received + flood_drops == flood_sent
    return [
        figure(
            f"UDP Listener flood: {FLOOD_COUNT:,} at {FLOOD_RATE:,}/s received and logged",
            flood_received,
            "datagrams",
            baseline_received,
            "all but kernel drops",
            exact,
        ),
        figure(
            "UDP Listener flood: kernel drops (tab / bare loop)",
            flood_drops,
            "datagrams",
            baseline_drops,
            "shown in the status",
            True,
        ),
        figure(
            "UDP Listener flood: received rows in the log",
            rows,
            "rows",
            flood_received,
            "= received (within the row limit)",
            rows == min(flood_received, model.rowCount()),
        ),
        figure(
            "UDP Listener flood: bare recvfrom loop rate",
            baseline_recv,
            "datagrams/s",
            None,
            "reference",
            True,
        ),
        figure(
            "UDP Listener flood: worst GUI stall",
            flood_stall,
            "ms",
            None,
            "<= 50 ms",
            flood_stall <= 50,
        ),
        figure(
            f"UDP Listener echo: {WINDOW} in flight, every datagram and echo logged",
            echo_rate,
            "echoes/s",
            baseline_echo,
            ">= 80% of bare recvfrom/sendto",
            echo_rate >= 0.8 * baseline_echo,
        ),
        figure(
            "UDP Listener echo: logged received / sent rows",
            echo_received,
            "datagrams",
            echo_sent,
            f"lost and resent: tab {echo_lost:,}, bare {baseline_lost:,}",
            echo_sent >= ECHO_COUNT and echo_received >= echo_sent,
        ),
        figure(
            "UDP Listener echo: worst GUI stall",
            echo_stall,
            "ms",
            None,
            "<= 50 ms",
            echo_stall <= 50,
        ),
    ]


if __name__ == "__main__":
    from tests.benchmarks.__main__ import print_table

    print_table(run())
