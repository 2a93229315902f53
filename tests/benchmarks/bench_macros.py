"""UDP repeat-run send rate with a `{{counter}}` in the payload against the same run without.

Both runs go through the UDP Sender tab to a sink nobody reads, every datagram a logged
sent event, in the same window and the same process: the macro run renders each datagram
(app/payload/macros.py) and hands sendmmsg one buffer per datagram
(app/net/udp/multi_send.py); the plain run sends copies of one buffer. They alternate,
ROUNDS times each after one run not counted, and the best of each is compared (the
machine is shared: the best is the least disturbed). The process's CPU time per datagram
is shown too: on a loaded machine it is the steadier figure. A reference pair shows the
one-sendto-per-datagram path of macOS and Windows.
"""

from __future__ import annotations

import time

from tests.benchmarks.bench_udp import sink_socket
from tests.benchmarks.gui_harness import figure, process_until

SEND_COUNT = 300_000
ROUNDS = 5
PLAIN = "Hello, server! 000123"
MACRO = "Hello, server! {{counter:6}}"  # the same size as PLAIN, so only rendering differs


def run() -> list[dict[str, object]]:
    from app.net.udp import multi_send as udp_multi_send
    from app.net.udp.status import UdpState
    from app.ui.application import create_main_window
    from app.ui.tabs.udp_sender import UdpSenderTab

    sink = sink_socket()
    window = create_main_window()
    window.show()
    tab = window.tab(UdpSenderTab)
    assert isinstance(tab, UdpSenderTab)
    window.tabs.setCurrentWidget(tab)
    model = window.log_pane.model

    def sent() -> int:
        return int(model.totals.sent_events)  # a new record per update: read it each time

    tab.host.setText("127.0.0.1")
    tab.port.setValue(sink.getsockname()[1])
    tab.count.setValue(SEND_COUNT)
    tab.interval.setValue(0)

    cpu: dict[str, list[float]] = {PLAIN: [], MACRO: []}

    def rate_of(payload: str) -> float:
        tab.editor.field.setText(payload)
        assert tab.editor.is_valid()
        before = sent()
        cpu_start = time.process_time()
        start = time.perf_counter()
        tab.send_button.click()
        done = process_until(lambda: sent() - before >= SEND_COUNT, timeout=120)
        elapsed = time.perf_counter() - start
        cpu[payload].append((time.process_time() - cpu_start) / SEND_COUNT * 1e6)
        process_until(lambda: tab._state is UdpState.IDLE, timeout=10)
        assert done, "the run did not finish"
        return (sent() - before) / elapsed

    # The first run meets an empty log, the later ones a full one (rows evicted at the
    # limit): one run not counted puts every measured run on the same footing.
    rate_of(PLAIN)
    cpu[PLAIN].clear()
    plain_rates: list[float] = []
    macro_rates: list[float] = []
    for _ in range(ROUNDS):
        plain_rates.append(rate_of(PLAIN))
        macro_rates.append(rate_of(MACRO))
    plain, macro = max(plain_rates), max(macro_rates)
    # CPU time of the whole process (both threads) per datagram: what the rate is made of
    # when the machine is not shared, and far steadier than the rate when it is.
    plain_cpu, macro_cpu = min(cpu[PLAIN][:ROUNDS]), min(cpu[MACRO][:ROUNDS])

    fallback: tuple[float, float] | None = None
    if udp_multi_send.MultiSender.available():
        udp_multi_send.ENABLED = False
        try:
            fallback = (rate_of(PLAIN), rate_of(MACRO))
        finally:
            udp_multi_send.ENABLED = True
    window.close()
    sink.close()
    figures = [
        figure(
            "UDP repeat run with {{counter:6}} (best of 5)",
            macro,
            "datagrams/s",
            plain,
            ">= 80% of the same run without macros",
            macro >= 0.8 * plain,
        ),
        figure(
            "CPU per datagram with {{counter:6}} (both threads, least of 5)",
            macro_cpu,
            "us",
            plain_cpu,
            "<= 1.25x without macros (the same 20%)",
            macro_cpu <= 1.25 * plain_cpu,
        ),
        figure(
            "UDP repeat run with {{counter:6}} (median of 5)",
            sorted(macro_rates)[ROUNDS // 2],
            "datagrams/s",
            sorted(plain_rates)[ROUNDS // 2],
            "reference",
            True,
        ),
    ]
    if fallback is not None:
        figures.append(
            figure(
                "same, one sendto per datagram (no sendmmsg)",
                fallback[1],
                "datagrams/s",
                fallback[0],
                "reference (macOS/Windows path)",
                True,
            )
        )
    return figures


if __name__ == "__main__":
    from tests.benchmarks.__main__ import print_table

    print_table(run())
