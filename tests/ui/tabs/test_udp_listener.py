"""The UDP Listener tab driven through its public objectNames, against real UDP senders."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QPushButton, QSpinBox, QTableView
from pytestqt.qtbot import QtBot

from app.net.events import Kind, LogEvent, Source
from app.payload.checksums import crc16_modbus
from app.ui.application import create_main_window
from app.ui.main_window import MainWindow
from app.ui.tabs.udp_listener import UdpListenerTab
from tests.udp_peers import free_udp_port
from tests.ui.tabs.tab_driver import child, click, logged_events, start_server, status_of

OBJECT_NAMES = {
    "udpListenerTab": UdpListenerTab,
    "udplBind": QLineEdit,
    "udplPort": QSpinBox,
    "udplStart": QPushButton,
    "udplStatus": QLabel,
    "udplReplyMode": QComboBox,
    "udplReply": QLineEdit,
    "udplReplyFormat": QComboBox,
    "udplPeers": QTableView,
    "udplPayload": QLineEdit,
    "udplFormat": QComboBox,
    "udplLineEnding": QComboBox,
    "udplSend": QPushButton,
    "udplMulticast": QLineEdit,
}

# The tutorial's UDP sender, as a person would run it (plus its own port, to find it).
TUTORIAL_SENDER = (
    "import socket\n"
    "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
    's.sendto(b"Hello, server!", ("127.0.0.1", 8000))\n'
    "print(s.getsockname()[1])\n"
)


TAB = "udpListenerTab"


def status_text(window: MainWindow) -> str:
    return status_of(window, "udpl")


def listener_events(window: MainWindow, kind: Kind | None = None) -> list[LogEvent]:
    return logged_events(window, Source.UDP_LISTENER, kind)


def peers_shown(window: MainWindow) -> list[list[str]]:
    model = child(window, QTableView, "udplPeers").model()
    return [
        [str(model.index(row, column).data()) for column in range(model.columnCount())]
        for row in range(model.rowCount())
    ]


def start(qtbot: QtBot, window: MainWindow, port: int | None = None) -> int:
    """Start on `port`, or on the port in the field (the tutorial's 8000 by default)."""
    return start_server(qtbot, window, "udpl", "Listening on", port)


def udp_client() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(5)
    return sock


def port_8000_is_free() -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.bind(("127.0.0.1", 8000))
        except OSError:
            return False
    return True


def test_widgets_and_defaults(window: MainWindow) -> None:
    for name, cls in OBJECT_NAMES.items():
        child(window, cls, name)
    # Where it stands among the tabs is test_registry's to check.
    tabs = window.tabs
    assert tabs.tabText(tabs.indexOf(child(window, UdpListenerTab, "udpListenerTab"))) == (
        "UDP Listener"
    )
    assert child(window, QLineEdit, "udplBind").text() == "127.0.0.1"
    assert child(window, QSpinBox, "udplPort").value() == 8000
    assert child(window, QLineEdit, "udplMulticast").text() == ""
    modes = child(window, QComboBox, "udplReplyMode")
    assert [modes.itemText(i) for i in range(modes.count())] == [
        "Echo",
        "Fixed reply",
        "No reply",
        "Rules",
    ]
    assert modes.currentText() == "Echo"
    formats = child(window, QComboBox, "udplReplyFormat")
    assert [formats.itemText(i) for i in range(formats.count())] == ["Text", "Hex"]
    assert status_text(window) == "Stopped"
    assert child(window, QPushButton, "udplStart").text() == "Start"
    assert not child(window, QPushButton, "udplSend").isEnabled()
    peers = child(window, QTableView, "udplPeers")
    assert peers.selectionMode() is QTableView.SelectionMode.ExtendedSelection
    header = [peers.model().headerData(c, Qt.Orientation.Horizontal) for c in range(4)]
    assert header == ["Address", "Datagrams", "Bytes", "Last seen"]


@pytest.mark.skipif(not port_8000_is_free(), reason="UDP port 8000 on 127.0.0.1 is in use")
def test_the_tutorials_sender_against_the_defaults(qtbot: QtBot, window: MainWindow) -> None:
    # Nothing is set: the defaults alone must receive the tutorial's datagram.
    click(qtbot, window, "udplStart")
    qtbot.waitUntil(lambda: status_text(window).startswith("Listening on 127.0.0.1:8000"))
    done = subprocess.run(
        [sys.executable, "-c", TUTORIAL_SENDER], capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 0, done.stderr
    sender = f"127.0.0.1:{int(done.stdout)}"
    qtbot.waitUntil(lambda: bool(listener_events(window, Kind.RECEIVED)))
    row = listener_events(window, Kind.RECEIVED)[0]
    assert (row.peer, row.data) == (sender, b"Hello, server!")
    qtbot.waitUntil(lambda: len(peers_shown(window)) == 1)
    assert peers_shown(window)[0][:3] == [sender, "1", "14"]
    qtbot.waitUntil(lambda: "· 1 peer ·" in status_text(window))
    assert status_text(window) == "Listening on 127.0.0.1:8000 · 1 peer · 0 kernel drops"
    click(qtbot, window, "udplStart")  # Stop
    qtbot.waitUntil(lambda: status_text(window) == "Stopped")
    assert port_8000_is_free()


def test_send_to_the_selected_peer_only(qtbot: QtBot, window: MainWindow) -> None:
    child(window, QComboBox, "udplReplyMode").setCurrentText("No reply")
    port = start(qtbot, window, free_udp_port())
    view = child(window, QTableView, "udplPeers")
    with udp_client() as first, udp_client() as second:
        first.sendto(b"one", ("127.0.0.1", port))
        second.sendto(b"two", ("127.0.0.1", port))
        qtbot.waitUntil(lambda: len(peers_shown(window)) == 2)
        send = child(window, QPushButton, "udplSend")
        assert not send.isEnabled()  # nothing selected yet
        wanted = f"127.0.0.1:{second.getsockname()[1]}"
        row = [cells[0] for cells in peers_shown(window)].index(wanted)
        rect = view.visualRect(view.model().index(row, 0))
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        qtbot.waitUntil(send.isEnabled)
        child(window, QLineEdit, "udplPayload").setText("just you")
        click(qtbot, window, "udplSend")
        assert second.recv(100) == b"just you"
        qtbot.waitUntil(lambda: bool(listener_events(window, Kind.SENT)))
        assert [(e.peer, e.data) for e in listener_events(window, Kind.SENT)] == [
            (wanted, b"just you")
        ]
        first.setblocking(False)
        with pytest.raises(BlockingIOError):
            first.recv(100)
        # The selection survives the table's updates while datagrams keep arriving.
        second.sendto(b"more", ("127.0.0.1", port))
        qtbot.waitUntil(lambda: any(c[:2] == [wanted, "2"] for c in peers_shown(window)))
        assert view.selected_keys() == [wanted] and send.isEnabled()


def test_reply_mode_and_fixed_hex_reply_change_while_running(
    qtbot: QtBot, window: MainWindow
) -> None:
    port = start(qtbot, window, free_udp_port())
    with udp_client() as peer:
        peer.sendto(b"echo me", ("127.0.0.1", port))
        assert peer.recv(100) == b"echo me"
        child(window, QComboBox, "udplReplyFormat").setCurrentText("Hex")
        child(window, QLineEdit, "udplReply").setText("de ad be ef")
        child(window, QComboBox, "udplReplyMode").setCurrentText("Fixed reply")
        peer.sendto(b"x", ("127.0.0.1", port))
        assert peer.recv(100) == b"\xde\xad\xbe\xef"
        child(window, QLineEdit, "udplReply").setText("zz")  # not hex: the last one stays
        assert child(window, QLabel, "udplReplyError").isVisibleTo(window)
        peer.sendto(b"y", ("127.0.0.1", port))
        assert peer.recv(100) == b"\xde\xad\xbe\xef"


def test_a_fixed_reply_with_macros_is_rendered_per_reply(qtbot: QtBot, window: MainWindow) -> None:
    port = start(qtbot, window, free_udp_port())
    with udp_client() as peer:
        child(window, QComboBox, "udplReplyFormat").setCurrentText("Hex")
        child(window, QLineEdit, "udplReply").setText("01 03 02 {{bytes:2}} {{crc16_modbus}}")
        child(window, QComboBox, "udplReplyMode").setCurrentText("Fixed reply")
        replies = []
        for _ in range(3):
            peer.sendto(b"ask", ("127.0.0.1", port))
            replies.append(peer.recv(100))
        assert all(len(r) == 7 and r[:3] == b"\x01\x03\x02" for r in replies)
        assert all(r[5:] == crc16_modbus(r[:5]).to_bytes(2, "little") for r in replies)
        assert len({r[3:5] for r in replies}) > 1  # fresh random bytes (all equal: 1 in 4e9)
        child(window, QLineEdit, "udplReply").setText("{{crc16}}")  # refused: the last stays
        assert child(window, QLabel, "udplReplyError").text().startswith("Unknown macro")
        peer.sendto(b"ask", ("127.0.0.1", port))
        assert len(peer.recv(100)) == 7
    qtbot.waitUntil(lambda: len(listener_events(window, Kind.SENT)) == 4)
    assert [e.data for e in listener_events(window, Kind.SENT)][:3] == replies


def test_failures_are_one_line_and_back_to_stopped(qtbot: QtBot, window: MainWindow) -> None:
    child(window, QLineEdit, "udplBind").setText("not an address")
    click(qtbot, window, "udplStart")
    assert child(window, QLabel, "udplBindError").isVisibleTo(window)
    assert status_text(window) == "Stopped" and not listener_events(window)
    child(window, QLineEdit, "udplBind").setText("127.0.0.1")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        taken.bind(("127.0.0.1", 0))
        port = taken.getsockname()[1]
        child(window, QSpinBox, "udplPort").setValue(port)
        click(qtbot, window, "udplStart")
        qtbot.waitUntil(lambda: status_text(window).startswith("Stopped ·"))
    assert f"Port {port} is in use" in status_text(window)
    assert child(window, QPushButton, "udplStart").text() == "Start"
    errors = listener_events(window, Kind.ERROR)
    assert len(errors) == 1 and errors[0].message in status_text(window)
    # The port is free now: Start works at once.
    start(qtbot, window)


def test_a_non_loopback_bind_warns(window: MainWindow) -> None:
    warning = child(window, QLabel, "udplWarning")
    assert not warning.isVisibleTo(window)
    child(window, QLineEdit, "udplBind").setText("0.0.0.0")
    assert warning.isVisibleTo(window) and "Reachable from the network" in warning.text()
    child(window, QLineEdit, "udplBind").setText("::1")
    assert not warning.isVisibleTo(window)


def test_stop_and_start_again_on_the_same_port(qtbot: QtBot, window: MainWindow) -> None:
    port = start(qtbot, window, free_udp_port())
    assert not child(window, QLineEdit, "udplBind").isEnabled()
    click(qtbot, window, "udplStart")
    qtbot.waitUntil(lambda: status_text(window) == "Stopped")
    assert child(window, QLineEdit, "udplBind").isEnabled()
    start(qtbot, window, port)
    with udp_client() as peer:
        peer.sendto(b"again", ("127.0.0.1", port))
        assert peer.recv(100) == b"again"


def test_fields_are_remembered(qtbot: QtBot, fresh_settings: str) -> None:
    values = {
        "udplBind": "::1",
        "udplMulticast": "ff15::1",
        "udplReply": "ab cd",
        "udplPayload": "remembered",
    }
    first = create_main_window()
    qtbot.addWidget(first)
    for name, text in values.items():
        child(first, QLineEdit, name).setText(text)
    child(first, QSpinBox, "udplPort").setValue(9123)
    child(first, QComboBox, "udplReplyMode").setCurrentText("Fixed reply")
    child(first, QComboBox, "udplReplyFormat").setCurrentText("Hex")
    first.close()
    second = create_main_window()
    qtbot.addWidget(second)
    for name, text in values.items():
        assert child(second, QLineEdit, name).text() == text
    assert child(second, QSpinBox, "udplPort").value() == 9123
    assert child(second, QComboBox, "udplReplyMode").currentText() == "Fixed reply"
    assert child(second, QComboBox, "udplReplyFormat").currentText() == "Hex"
    second.close()


def test_closing_the_window_while_listening_frees_the_port(
    qtbot: QtBot, window: MainWindow
) -> None:
    port = start(qtbot, window, free_udp_port())
    tab = window.findChild(UdpListenerTab, "udpListenerTab")
    window.close()
    assert tab.worker.isFinished()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", port))


def test_the_log_tells_the_listener_apart_and_can_show_it_alone(
    qtbot: QtBot, window: MainWindow
) -> None:
    port = start(qtbot, window, free_udp_port())
    with udp_client() as peer:
        peer.sendto(b"to the listener", ("127.0.0.1", port))
        assert peer.recv(100) == b"to the listener"
    pane = window.log_pane
    qtbot.waitUntil(lambda: len(listener_events(window)) >= 3)
    # The UDP Sender tab logs under its own source: send one datagram from it too.
    sender = window.findChild(QLineEdit, "udpHost")
    sender.setText("127.0.0.1")
    window.findChild(QSpinBox, "udpPort").setValue(port)
    qtbot.mouseClick(window.findChild(QPushButton, "udpSend"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(listener_events(window, Kind.RECEIVED)) == 2)
    sources = {pane.model.event_at(r).source for r in range(pane.model.rowCount())}
    assert {Source.UDP, Source.UDP_LISTENER} <= sources
    listener_button = pane.filter_bar.source_buttons[Source.UDP_LISTENER]
    assert listener_button.text() == "UDP Listener"
    for source, button in pane.filter_bar.source_buttons.items():
        if source is not Source.UDP_LISTENER:
            qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    view = pane.view
    qtbot.waitUntil(lambda: view.model().rowCount() == len(listener_events(window)))
    shown = {pane._event_at(row).source for row in range(view.model().rowCount())}
    assert shown == {Source.UDP_LISTENER}
