"""UDP send rate and UDP receive flood of the UDP Sender tab, each against a bare loop.

On Linux the tab sends with sendmmsg (app/net/udp/multi_send.py); a reference row shows the
same run on its one-sendto-per-datagram path, which macOS and Windows use.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time

from tests.benchmarks.gui_harness import figure, process_until

SEND_COUNT = 500_000
FLOOD_COUNT = 100_000
FLOOD_RATE = 100_000
PAYLOAD = b"Hello, server!"

# Sends FLOOD_COUNT datagrams to the port given, paced at FLOOD_RATE/s in 1 ms slices, from a
# process of its own so that the receiver under test does not share its GIL.
_FLOOD_SENDER = r"""
import socket, sys, time
port, count, rate = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
payload = b"x" * 64
per_ms = max(1, rate // 1000)
start = time.perf_counter()
sent = 0
while sent < count:
    due = min(count, int((time.perf_counter() - start) * rate) + per_ms)
    while sent < due:
        s.sendto(payload, ("127.0.0.1", port))
        sent += 1
print(sent, time.perf_counter() - start, flush=True)
"""


def start_flood(port: int) -> subprocess.Popen[str]:
    """FLOOD_COUNT datagrams at FLOOD_RATE to 127.0.0.1:`port`, from a process of its own."""
    return subprocess.Popen(
        [sys.executable, "-c", _FLOOD_SENDER, str(port), str(FLOOD_COUNT), str(FLOOD_RATE)],
        stdout=subprocess.PIPE,
        text=True,
    )


def wait_for_flood(sender: subprocess.Popen[str]) -> int:
    """How many the sender sent; waits with the event loop running, as the GUI must."""
    process_until(lambda: sender.poll() is not None, timeout=60)
    output, _ = sender.communicate(timeout=5)
    return int(output.split()[0])


def sink_socket() -> socket.socket:
    """A bound socket nobody reads: the kernel drops what overflows, costing no CPU here."""
    sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sink.bind(("127.0.0.1", 0))
    return sink


def bare_sendto(port: int) -> float:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    address = ("127.0.0.1", port)
    sendto = sock.sendto
    start = time.perf_counter()
    for _ in range(SEND_COUNT):
        sendto(PAYLOAD, address)
    elapsed = time.perf_counter() - start
    sock.close()
    return SEND_COUNT / elapsed


def kernel_drops(port: int) -> int:
    """The `drops` counter of the IPv4 UDP socket bound to this port (/proc/net/udp)."""
    try:
        with open("/proc/net/udp", encoding="ascii") as table:
            next(table)
            for line in table:
                fields = line.split()
                if int(fields[1].split(":")[1], 16) == port:
                    return int(fields[-1])
    except (OSError, ValueError, IndexError, StopIteration):
        pass
    return 0


def bare_recvfrom() -> tuple[float, int, int]:
    """(datagrams/s received, received, kernel drops) for a plain recvfrom loop."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(1.0)
    port = sock.getsockname()[1]
    sender = start_flood(port)
    received = 0
    first = last = 0.0
    try:
        while received < FLOOD_COUNT:
            sock.recvfrom(65536)
            last = time.perf_counter()
            if not received:
                first = last
            received += 1
    except TimeoutError:
        pass
    sender.communicate(timeout=60)
    drops = kernel_drops(port)
    sock.close()
    return received / max(last - first, 1e-9), received, drops


def run() -> list[dict[str, object]]:
    from app.net.events import Kind, Source
    from app.net.udp import multi_send as udp_multi_send
    from app.net.udp.status import UdpState
    from app.ui.application import create_main_window
    from app.ui.tabs.udp_sender import UdpSenderTab
    from tests.benchmarks.stall_meter import StallMeter

    sink = sink_socket()
    sink_port = sink.getsockname()[1]
    baseline_send = bare_sendto(sink_port)
    baseline_recv, baseline_received, baseline_drops = bare_recvfrom()

    window = create_main_window()
    window.show()
    tab = window.tab(UdpSenderTab)
    assert isinstance(tab, UdpSenderTab)
    counters = window.log_pane.model
    window.tabs.setCurrentWidget(tab)

    def udp_sent() -> int:
        return (
            sum(c.sent_packets for s, c in counters.source_totals.items() if s is Source.UDP)
            if hasattr(counters, "source_totals")
            else counters.totals.sent_events
        )

    # -- send: a repeat run at interval 0, every datagram a logged sent event -------------
    tab.host.setText("127.0.0.1")
    tab.port.setValue(sink_port)
    tab.editor.field.setText(PAYLOAD.decode())
    tab.count.setValue(SEND_COUNT)
    tab.interval.setValue(0)
    sent_before = counters.totals.sent_events
    meter = StallMeter()
    meter.start()
    start = time.perf_counter()
    tab.send_button.click()
    done = process_until(
        lambda: counters.totals.sent_events - sent_before >= SEND_COUNT, timeout=120
    )
    send_elapsed = time.perf_counter() - start
    send_stall = meter.stop()
    send_rate = (counters.totals.sent_events - sent_before) / send_elapsed
    process_until(lambda: tab._state is UdpState.IDLE, timeout=10)

    # -- receive flood: the tab listens on a fixed port and logs every datagram ---------
    listen_port = sink_socket()
    port = listen_port.getsockname()[1]
    listen_port.close()
    tab.local_port.setValue(port)
    tab.listen.setChecked(True)
    tab.count.setValue(1)
    tab.send_button.click()
    process_until(lambda: tab._state is UdpState.LISTENING, timeout=10)
    received_before = counters.totals.received_events
    meter.start()
    flood_sent = wait_for_flood(start_flood(port))

    def received() -> int:
        return int(counters.totals.received_events - received_before)

    process_until(lambda: received() + kernel_drops(port) >= flood_sent, timeout=30)
    drops = kernel_drops(port)
    flood_stall = meter.stop()
    flood_received = received()
    rows_logged = sum(
        1
        for row in range(max(0, counters.rowCount() - flood_received), counters.rowCount())
        if counters.event_at(row).kind is Kind.RECEIVED
    )

    # -- the same run on the one-sendto-per-datagram path (where sendmmsg is missing) ----
    # On Linux the tab sends with sendmmsg; this reference row shows what macOS and
    # Windows get, against the same sink and the same bare loop. Measured last, so the
    # flood above meets the log as the main send run left it.
    fallback_rate = None
    if udp_multi_send.MultiSender.available():
        udp_multi_send.ENABLED = False
        try:
            sent_before = counters.totals.sent_events
            tab.port.setValue(sink_port)
            tab.local_port.setValue(0)
            tab.listen.setChecked(False)
            tab.count.setValue(SEND_COUNT)
            start = time.perf_counter()
            tab.send_button.click()
            process_until(
                lambda: counters.totals.sent_events - sent_before >= SEND_COUNT, timeout=120
            )
            fallback_rate = (counters.totals.sent_events - sent_before) / (
                time.perf_counter() - start
            )
            process_until(lambda: tab._state is UdpState.IDLE, timeout=10)
        finally:
            udp_multi_send.ENABLED = True
    window.close()
    sink.close()
    exact = flood_received + drops == flood_sent
    return [
        figure(
            "UDP send: repeat run, every datagram logged",
            send_rate,
            "datagrams/s",
            baseline_send,
            ">= 80% of bare sendto",
            done and send_rate >= 0.8 * baseline_send,
        ),
        figure("UDP send: worst GUI stall", send_stall, "ms", None, "<= 50 ms", send_stall <= 50),
        *(
            [
                figure(
                    "UDP send: same run, one sendto per datagram (no sendmmsg)",
                    fallback_rate,
                    "datagrams/s",
                    baseline_send,
                    "reference (macOS/Windows path)",
                    True,
                )
            ]
            if fallback_rate is not None
            else []
        ),
        figure(
            f"UDP flood: {FLOOD_COUNT:,} at {FLOOD_RATE:,}/s received and logged",
            flood_received,
            "datagrams",
            baseline_received,
            "all but kernel drops",
            exact,
        ),
        figure(
            "UDP flood: kernel drops (tab / bare loop)",
            drops,
            "datagrams",
            baseline_drops,
            "shown, not hidden",
            True,
        ),
        figure(
            "UDP flood: bare recvfrom loop rate",
            baseline_recv,
            "datagrams/s",
            None,
            "reference",
            True,
        ),
        figure(
            "UDP flood: worst GUI stall", flood_stall, "ms", None, "<= 50 ms", flood_stall <= 50
        ),
        figure(
            "UDP flood: rows in the log for it",
            rows_logged,
            "rows",
            flood_received,
            "= received (within the row limit)",
            rows_logged == min(flood_received, counters.rowCount()),
        ),
    ]


if __name__ == "__main__":
    from tests.benchmarks.__main__ import print_table

    print_table(run())
