"""Peers that send too much, too fast or too big, into the real window.

A TCP peer that pours 256 MB into the TCP tab as fast as it can (1 GB in
tests/benchmarks/bench_hardening.py): memory stays bounded, the counters are exact. UDP
datagrams of the largest size each family carries come back to a listening UDP tab and
are logged whole, never silently cut.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QLabel, QLineEdit, QPushButton, QSpinBox
from pytestqt.qtbot import QtBot

from app.net.events import Kind, Source
from app.net.udp import sender as udp_sender
from app.net.udp.datagram import IPV4_MAX_PAYLOAD, IPV6_MAX_PAYLOAD
from app.ui.main_window import MainWindow
from app.ui.tabs.udp_sender import UdpSenderTab
from tests.hardening.test_harness import GapMeter, child, click, events_of, gui_window
from tests.peers import _ThreadedServer
from tests.process_memory import rss_mb
from tests.udp_peers import UdpReceiver

MB = 1024 * 1024
FLOOD_BYTES = 256 * MB
# What the flood may add to the process at its peak: the worker stops reading while
# 64 MB wait for the log (tcp_client.BACKLOG_LIMIT); rows keep at most 4 KB of each chunk.
MEMORY_BOUND_MB = 200


class FloodServer(_ThreadedServer):
    """Sends `total` bytes as fast as the connection takes them, then finishes its side."""

    def __init__(self, total: int) -> None:
        super().__init__()
        self.total = total
        self.block = bytes(range(256)) * (4096)  # 1 MiB

    def serve(self, conn: socket.socket) -> None:
        left = self.total
        view = memoryview(self.block)
        while left:
            n = min(left, len(view))
            conn.sendall(view[:n])
            left -= n
        conn.shutdown(socket.SHUT_WR)
        while conn.recv(65536):
            pass


def flood_the_tcp_tab(qtbot: QtBot, window: MainWindow, total: int) -> dict[str, float]:
    """Connect the TCP tab to a flooding peer; wait for every byte; the figures seen."""
    status = child(window, QLabel, "tcpStatus")
    with FloodServer(total) as server:
        child(window, QLineEdit, "tcpHost").setText(server.host)
        child(window, QSpinBox, "tcpPort").setValue(server.port)
        baseline = rss_mb()
        meter = GapMeter()
        meter.start()
        click(qtbot, window, "tcpConnect")
        model = window.log_pane.model
        qtbot.waitUntil(lambda: model.totals.received_bytes >= total, timeout=600_000)
        # The flooder closes its side once done: the tab logs it and disconnects.
        qtbot.waitUntil(lambda: status.plain_text() == "Disconnected", timeout=30_000)
        worst = meter.stop()
        received = model.totals.received_bytes
    counters = child(window, QLabel, "tcpCounters").toolTip()
    return {
        "received": received,
        "counter_ok": float(f"received {total:,} bytes" in counters),
        "growth_mb": meter.peak_rss_mb - baseline,
        "worst_gap_ms": worst,
    }


@pytest.fixture
def window(qtbot: QtBot, fresh_settings: str) -> Iterator[MainWindow]:
    yield from gui_window(qtbot)


def test_a_256_mb_tcp_flood_is_counted_exactly_in_bounded_memory(
    qtbot: QtBot, window: MainWindow
) -> None:
    figures = flood_the_tcp_tab(qtbot, window, FLOOD_BYTES)
    assert figures["received"] == FLOOD_BYTES
    assert figures["counter_ok"], child(window, QLabel, "tcpCounters").toolTip()
    assert figures["growth_mb"] < MEMORY_BOUND_MB, figures
    rows = events_of(window, Source.TCP)
    assert sum(e.size for e in rows if e.kind is Kind.RECEIVED) <= FLOOD_BYTES
    assert any(e.message.startswith("Peer closed the connection") for e in rows)


@pytest.mark.parametrize(
    ("family", "size"),
    [(socket.AF_INET, IPV4_MAX_PAYLOAD), (socket.AF_INET6, IPV6_MAX_PAYLOAD)],
    ids=["ipv4-65507", "ipv6-65527"],
)
def test_the_largest_datagrams_come_back_whole_to_a_listening_udp_tab(
    qtbot: QtBot, window: MainWindow, tmp_path: Path, family: int, size: int
) -> None:
    # The socket reads with a buffer at least as large as any datagram: never cut.
    assert max(IPV4_MAX_PAYLOAD, IPV6_MAX_PAYLOAD) <= udp_sender.RECV_SIZE
    tab = window.findChild(UdpSenderTab, "udpTab")
    window.tabs.setCurrentWidget(tab)
    payload = bytes(range(256)) * (size // 256) + bytes(size % 256)
    (tmp_path / "big.bin").write_bytes(payload)
    tab.editor.load_file(tmp_path / "big.bin")
    with UdpReceiver(family, echo=True) as echo:
        child(window, QLineEdit, "udpHost").setText(echo.host)
        child(window, QSpinBox, "udpPort").setValue(echo.port)
        child(window, QCheckBox, "udpListen").setChecked(True)
        qtbot.mouseClick(child(window, QPushButton, "udpSend"), Qt.MouseButton.LeftButton)
        assert echo.wait_for(lambda: echo.count == 1)
        assert echo.datagrams == [payload]
        qtbot.waitUntil(lambda: window.log_pane.model.totals.received_bytes == size, timeout=10_000)
    [reply] = [e for e in events_of(window, Source.UDP) if e.kind is Kind.RECEIVED]
    assert reply.size == size
    assert reply.data == payload[: len(reply.data)]  # the row keeps a prefix; size is whole
    assert f"{size:,} bytes" in child(window, QLabel, "udpCounters").toolTip()
