"""The UDP Sender tab driven through its public objectNames, against real loopback peers."""

from __future__ import annotations

import socket
import sys
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QWidget,
)
from pytestqt.qtbot import QtBot

from app.net.events import Kind, LogEvent, Source
from app.ui.application import create_main_window
from app.ui.main_window import MainWindow
from app.ui.tabs.udp_sender import UdpSenderTab
from tests.udp_peers import UdpReceiver, free_udp_port
from tests.ui.tabs.tab_driver import child, click, logged_events, status_of

# macOS reports ICMP errors to no unconnected socket, and a listening socket is never
# connected (it would hear only its destination).
NO_ICMP_ON_MACOS = pytest.mark.skipif(
    sys.platform == "darwin", reason="no ICMP errors on an unconnected socket"
)


OBJECT_NAMES = {
    "udpTab": UdpSenderTab,
    "udpHost": QLineEdit,
    "udpPort": QSpinBox,
    "udpPayload": QLineEdit,
    "udpFormat": QComboBox,
    "udpLineEnding": QComboBox,
    "udpSend": QPushButton,
    "udpCount": QSpinBox,
    "udpInterval": QSpinBox,
    "udpStop": QPushButton,
    "udpLocalPort": QSpinBox,
    "udpListen": QCheckBox,
    "udpBroadcast": QCheckBox,
    "udpStatus": QLabel,
    "udpProgress": QProgressBar,
    "udpCounters": QLabel,
}


TAB = "udpTab"


@pytest.fixture
def receiver() -> Iterator[UdpReceiver]:
    with UdpReceiver() as peer:
        yield peer


def status_text(window: MainWindow) -> str:
    return status_of(window, "udp")


def udp_events(window: MainWindow, kind: Kind | None = None) -> list[LogEvent]:
    return logged_events(window, Source.UDP, kind)


def aim(window: MainWindow, host: str, port: int) -> None:
    child(window, QLineEdit, "udpHost").setText(host)
    child(window, QSpinBox, "udpPort").setValue(port)


def test_widgets_and_defaults(window: MainWindow) -> None:
    for name, cls in OBJECT_NAMES.items():
        child(window, cls, name)
    assert (
        window.tabs.tabText(window.tabs.indexOf(window.findChild(QWidget, "udpTab")))
        == "UDP Sender"
    )
    assert child(window, QLineEdit, "udpHost").text() == "127.0.0.1"
    assert child(window, QSpinBox, "udpPort").value() == 8000
    assert child(window, QLineEdit, "udpPayload").text() == "Hello, server!"
    count = child(window, QSpinBox, "udpCount")
    assert (count.value(), count.minimum(), count.maximum()) == (1, 1, 10_000_000)
    assert child(window, QSpinBox, "udpInterval").value() == 0
    assert child(window, QSpinBox, "udpLocalPort").value() == 0
    assert not child(window, QCheckBox, "udpListen").isChecked()
    assert not child(window, QCheckBox, "udpBroadcast").isChecked()
    assert status_text(window) == "Idle"
    assert child(window, QPushButton, "udpSend").isEnabled()
    assert not child(window, QPushButton, "udpStop").isEnabled()


def test_text_then_hex_arrive_exactly_and_are_counted(
    qtbot: QtBot, window: MainWindow, receiver: UdpReceiver
) -> None:
    aim(window, receiver.host, receiver.port)
    click(qtbot, window, "udpSend")
    qtbot.waitUntil(lambda: receiver.count == 1)
    qtbot.waitUntil(lambda: status_text(window) == "Idle")
    child(window, QComboBox, "udpFormat").setCurrentText("Hex")
    payload = child(window, QLineEdit, "udpPayload")
    payload.setText("de ad be ef 00 ff")
    qtbot.keyClick(payload, Qt.Key.Key_Return)  # Enter sends too
    qtbot.waitUntil(lambda: receiver.count == 2)
    assert receiver.datagrams == [b"Hello, server!", b"\xde\xad\xbe\xef\x00\xff"]
    qtbot.waitUntil(lambda: len(udp_events(window, Kind.SENT)) == 2)
    sent = udp_events(window, Kind.SENT)
    assert [e.data for e in sent] == receiver.datagrams
    assert {e.peer for e in sent} == {f"127.0.0.1:{receiver.port}"}
    counters = child(window, QLabel, "udpCounters")
    qtbot.waitUntil(
        lambda: counters.toolTip() == "Sent 2 datagrams, 20 bytes; received 0 datagrams, 0 bytes"
    )
    assert status_text(window) == "Idle"


def test_a_repeat_run_of_a_thousand_all_arrive_and_are_counted(
    qtbot: QtBot, window: MainWindow, receiver: UdpReceiver
) -> None:
    aim(window, receiver.host, receiver.port)
    child(window, QSpinBox, "udpCount").setValue(1000)
    # Loopback drops what does not fit the receiver's buffer: pace the run where the
    # kernel granted a small one, so the reader thread keeps up.
    child(window, QSpinBox, "udpInterval").setValue(0 if receiver.rcvbuf >= 2 << 20 else 1)
    click(qtbot, window, "udpSend")
    model = window.log_pane.model
    qtbot.waitUntil(lambda: model.totals.sent_events == 1000, timeout=20_000)
    qtbot.waitUntil(lambda: status_text(window) == "Idle", timeout=10_000)
    qtbot.waitUntil(lambda: receiver.count >= 1000)
    assert (receiver.count, receiver.bytes) == (1000, 14_000)
    assert model.totals.sent_bytes == 14_000
    progress = child(window, QProgressBar, "udpProgress")
    qtbot.waitUntil(lambda: progress.value() == 1000)
    assert progress.isVisible() and progress.maximum() == 1000
    assert progress.text().startswith("1,000 / 1,000 · ")
    counters = child(window, QLabel, "udpCounters")
    qtbot.waitUntil(lambda: counters.toolTip().startswith("Sent 1,000 datagrams, 14,000 bytes"))


def test_a_paced_run_shows_requested_and_achieved_side_by_side(
    qtbot: QtBot, window: MainWindow, receiver: UdpReceiver
) -> None:
    aim(window, receiver.host, receiver.port)
    child(window, QSpinBox, "udpCount").setValue(100)
    child(window, QSpinBox, "udpInterval").setValue(5)  # 200/s for half a second
    click(qtbot, window, "udpSend")
    qtbot.waitUntil(lambda: status_text(window) == "Idle", timeout=10_000)
    rates = child(window, QLabel, "udpRates")
    qtbot.waitUntil(lambda: rates.text().startswith("requested 200/s · achieved "))
    achieved = float(rates.text().rsplit(" ", 1)[1].removesuffix("/s"))
    assert abs(achieved - 200) <= 10  # ±5% on a loaded machine
    assert rates.isVisible()


def test_a_repeat_run_with_a_counter_numbers_each_datagram_exactly(
    qtbot: QtBot, window: MainWindow, receiver: UdpReceiver
) -> None:
    aim(window, receiver.host, receiver.port)
    child(window, QLineEdit, "udpPayload").setText("seq {{counter:4}}")
    child(window, QSpinBox, "udpCount").setValue(1000)
    child(window, QSpinBox, "udpInterval").setValue(0 if receiver.rcvbuf >= 2 << 20 else 1)
    click(qtbot, window, "udpSend")
    model = window.log_pane.model
    qtbot.waitUntil(lambda: model.totals.sent_events == 1000, timeout=20_000)
    qtbot.waitUntil(lambda: status_text(window) == "Idle", timeout=10_000)
    qtbot.waitUntil(lambda: receiver.count >= 1000)
    expected = [b"seq %04d" % number for number in range(1, 1001)]
    assert receiver.datagrams == expected
    assert [e.data for e in udp_events(window, Kind.SENT)] == expected
    assert model.totals.sent_bytes == 8000
    info = [e.message for e in udp_events(window, Kind.INFO)]
    assert any("1,000 datagrams rendered from their macros (8 bytes the first)" in m for m in info)
    # The next Send goes on counting from the tab's 1,000 messages.
    child(window, QSpinBox, "udpCount").setValue(1)
    click(qtbot, window, "udpSend")
    qtbot.waitUntil(lambda: receiver.count == 1001)
    assert receiver.datagrams[-1] == b"seq 1001"


def test_an_unknown_macro_keeps_send_disabled(qtbot: QtBot, window: MainWindow) -> None:
    child(window, QLineEdit, "udpPayload").setText("{{crc16}}")
    error = child(window, QLabel, "udpPayloadError")
    assert error.isVisible() and error.text().startswith("Unknown macro {{crc16}}")
    assert not child(window, QPushButton, "udpSend").isEnabled()


def test_echo_replies_show_in_the_log_with_listen(qtbot: QtBot, window: MainWindow) -> None:
    with UdpReceiver(echo=True) as echo:
        aim(window, echo.host, echo.port)
        qtbot.mouseClick(child(window, QCheckBox, "udpListen"), Qt.MouseButton.LeftButton)
        click(qtbot, window, "udpSend")
        qtbot.waitUntil(lambda: bool(udp_events(window, Kind.RECEIVED)))
        [reply] = udp_events(window, Kind.RECEIVED)
        assert (reply.data, reply.peer) == (b"Hello, server!", f"127.0.0.1:{echo.port}")
        qtbot.waitUntil(lambda: status_text(window).startswith("Listening on 127.0.0.1:"))
        stop = child(window, QPushButton, "udpStop")
        assert stop.isEnabled() and stop.text() == "Close"
        counters = child(window, QLabel, "udpCounters")
        qtbot.waitUntil(lambda: "received 1 datagrams, 14 bytes" in counters.toolTip())
        qtbot.mouseClick(stop, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: status_text(window) == "Idle")
    assert not child(window, QPushButton, "udpStop").isEnabled()


def test_ipv6_destination(qtbot: QtBot, window: MainWindow) -> None:
    with UdpReceiver(socket.AF_INET6) as receiver:
        aim(window, "::1", receiver.port)
        click(qtbot, window, "udpSend")
        qtbot.waitUntil(lambda: receiver.count == 1)
        qtbot.waitUntil(lambda: len(udp_events(window, Kind.SENT)) == 1)
    assert udp_events(window, Kind.SENT)[0].peer == f"[::1]:{receiver.port}"


def test_oversize_payload_is_refused_with_the_limit(
    qtbot: QtBot, window: MainWindow, receiver: UdpReceiver
) -> None:
    aim(window, receiver.host, receiver.port)
    window.findChild(UdpSenderTab, "udpTab").editor.set_blob(b"x" * 65_508, "Pasted")
    click(qtbot, window, "udpSend")
    qtbot.waitUntil(lambda: window.log_pane.model.totals.errors == 1)
    qtbot.waitUntil(lambda: status_text(window) == "Idle")
    [error] = udp_events(window, Kind.ERROR)
    assert "65,508 bytes is too large" in error.message and "max 65,507 bytes" in error.message
    assert udp_events(window, Kind.SENT) == []
    assert receiver.count == 0
    assert child(window, QPushButton, "udpSend").isEnabled()


def test_broadcast_without_the_option_is_refused_with_a_hint(
    qtbot: QtBot, window: MainWindow
) -> None:
    aim(window, "127.255.255.255", 9)  # refused before any socket: nothing is sent
    click(qtbot, window, "udpSend")
    qtbot.waitUntil(lambda: window.log_pane.model.totals.errors == 1)
    [error] = udp_events(window, Kind.ERROR)
    assert "Allow broadcast" in error.message
    assert udp_events(window, Kind.SENT) == []
    qtbot.waitUntil(lambda: status_text(window) == "Idle")


def test_bad_host_is_refused_at_the_field(qtbot: QtBot, window: MainWindow) -> None:
    aim(window, "300.1.1.1", 9)
    click(qtbot, window, "udpSend")
    error = child(window, QLabel, "udpHostError")
    assert error.isVisible() and "not a valid IPv4 address" in error.text()
    assert window.log_pane.model.rowCount() == 0


def test_stop_ends_a_long_run_promptly(
    qtbot: QtBot, window: MainWindow, receiver: UdpReceiver
) -> None:
    aim(window, receiver.host, receiver.port)
    child(window, QSpinBox, "udpCount").setValue(10_000_000)
    click(qtbot, window, "udpSend")
    progress = child(window, QProgressBar, "udpProgress")
    qtbot.waitUntil(lambda: progress.value() > 0, timeout=10_000)
    stop = child(window, QPushButton, "udpStop")
    assert stop.isEnabled() and not child(window, QPushButton, "udpSend").isEnabled()
    qtbot.mouseClick(stop, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: status_text(window) == "Idle", timeout=5000)
    info = [e.message for e in udp_events(window, Kind.INFO)]
    assert any(m.startswith("Stopped after ") for m in info), info
    qtbot.waitUntil(lambda: progress.value() == window.log_pane.model.totals.sent_events)
    assert 0 < progress.value() < 10_000_000


def test_closing_mid_run_leaves_no_thread(
    qtbot: QtBot, fresh_settings: str, receiver: UdpReceiver
) -> None:
    win = create_main_window()
    win.show()
    aim(win, receiver.host, receiver.port)
    child(win, QSpinBox, "udpCount").setValue(10_000_000)
    click(qtbot, win, "udpSend")
    qtbot.waitUntil(lambda: receiver.count > 0, timeout=10_000)
    workers = [w for tab in win.tool_tabs for w in tab.workers()]
    assert all(w.isRunning() for w in workers)
    win.close()
    assert not any(w.isRunning() for w in workers)
    win.deleteLater()


def test_fields_are_restored_on_next_start(qtbot: QtBot, fresh_settings: str) -> None:
    first = create_main_window()
    child(first, QLineEdit, "udpHost").setText("::1")
    child(first, QSpinBox, "udpPort").setValue(9001)
    child(first, QSpinBox, "udpCount").setValue(250)
    child(first, QSpinBox, "udpInterval").setValue(20)
    child(first, QSpinBox, "udpLocalPort").setValue(40000)
    child(first, QCheckBox, "udpBroadcast").setChecked(True)
    first.close()
    first.deleteLater()
    second = create_main_window()
    qtbot.addWidget(second)
    assert child(second, QLineEdit, "udpHost").text() == "::1"
    assert child(second, QSpinBox, "udpPort").value() == 9001
    assert child(second, QSpinBox, "udpCount").value() == 250
    assert child(second, QSpinBox, "udpInterval").value() == 20
    assert child(second, QSpinBox, "udpLocalPort").value() == 40000
    assert child(second, QCheckBox, "udpBroadcast").isChecked()


def test_listening_logs_a_datagram_from_a_third_socket_with_its_source(
    qtbot: QtBot, window: MainWindow, receiver: UdpReceiver
) -> None:
    local = free_udp_port()
    aim(window, receiver.host, receiver.port)
    child(window, QSpinBox, "udpLocalPort").setValue(local)
    qtbot.mouseClick(child(window, QCheckBox, "udpListen"), Qt.MouseButton.LeftButton)
    click(qtbot, window, "udpSend")
    qtbot.waitUntil(lambda: status_text(window).startswith(f"Listening on 127.0.0.1:{local}"))
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as third:
        third.bind(("127.0.0.1", 0))
        third.sendto(b"not from the destination", ("127.0.0.1", local))
        third_port = third.getsockname()[1]
        qtbot.waitUntil(lambda: bool(udp_events(window, Kind.RECEIVED)))
    [received] = udp_events(window, Kind.RECEIVED)
    assert (received.data, received.peer) == (
        b"not from the destination",
        f"127.0.0.1:{third_port}",
    )
    assert receiver.sources == {("127.0.0.1", local)}
    click(qtbot, window, "udpStop")  # Close
    qtbot.waitUntil(lambda: status_text(window) == "Idle")


@NO_ICMP_ON_MACOS
def test_no_listener_is_reported_with_listen_on(qtbot: QtBot, window: MainWindow) -> None:
    port = free_udp_port()
    aim(window, "127.0.0.1", port)
    qtbot.mouseClick(child(window, QCheckBox, "udpListen"), Qt.MouseButton.LeftButton)
    click(qtbot, window, "udpSend")
    qtbot.waitUntil(lambda: bool(udp_events(window, Kind.ERROR)))
    [error] = udp_events(window, Kind.ERROR)
    assert error.message == f"No listener at 127.0.0.1:{port} (ICMP port unreachable)"
    qtbot.waitUntil(lambda: status_text(window).startswith("Listening on 127.0.0.1:"))
    click(qtbot, window, "udpStop")
    qtbot.waitUntil(lambda: status_text(window) == "Idle")
