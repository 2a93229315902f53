"""The Messages panel through its objectNames: save, load, send, replace, delete,
import/export, a damaged library set aside, and all of it across a restart."""

from __future__ import annotations

import json
import socket
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QToolButton,
    QTreeWidget,
)
from pytestqt.qtbot import QtBot

from app.messages.library import LIBRARY_FILE
from app.net.events import Kind, Source
from app.ui.application import create_main_window
from app.ui.main_window import MainWindow
from app.ui.tabs.http_server import HttpServerTab
from app.ui.tabs.tcp_client import TcpClientTab
from app.ui.tabs.tcp_server import TcpServerTab
from app.ui.tabs.udp_listener import UdpListenerTab
from app.ui.tabs.udp_sender import UdpSenderTab
from app.ui.widgets.peer_table import PeerTableView
from tests.net.tcp.server_clients import recv_exactly
from tests.peers import SinkServer, free_port
from tests.udp_peers import UdpReceiver, free_udp_port
from tests.ui.tabs.tab_driver import child, click, logged_events, start_server, status_of


def shown_window(qtbot: QtBot) -> MainWindow:
    window = create_main_window()
    qtbot.addWidget(window)
    window.show()
    return window


def rows(window: MainWindow) -> list[list[str]]:
    tree = child(window, QTreeWidget, "messagesList")
    return [
        [tree.topLevelItem(r).text(c) for c in range(tree.columnCount())]
        for r in range(tree.topLevelItemCount())
    ]


def select(window: MainWindow, name: str) -> None:
    window.messages_panel.select(name)
    assert window.messages_panel.selected_message() is not None


def save_as(qtbot: QtBot, window: MainWindow, name: str) -> None:
    field = child(window, QLineEdit, "messageName")
    field.setText(name)
    click(qtbot, window, "messageSave")


def type_payload(window: MainWindow, prefix: str, text: str, fmt: str, ending: int = 0) -> None:
    child(window, QComboBox, f"{prefix}Format").setCurrentText(fmt)
    child(window, QComboBox, f"{prefix}LineEnding").setCurrentIndex(ending)
    child(window, QLineEdit, f"{prefix}Payload").setText(text)


def note(window: MainWindow) -> str:
    return str(child(window, QLabel, "messagesNote").text())


def library_file(settings: str) -> Path:
    return Path(settings).with_name(LIBRARY_FILE)


def test_save_then_load_into_another_tab_and_survive_a_restart(
    qtbot: QtBot, fresh_settings: str
) -> None:
    first = shown_window(qtbot)
    first.tabs.setCurrentWidget(first.tab(TcpClientTab))
    type_payload(first, "tcp", "01 03 00 00 00 0A", "Hex")
    save_as(qtbot, first, "Modbus read")
    type_payload(first, "tcp", "GET / HTTP/1.0\\r\\n", "Text", ending=2)  # CRLF
    save_as(qtbot, first, "HTTP get")
    assert rows(first) == [
        ["HTTP get", "TCP Client", "Text + CRLF", "GET / HTTP/1.0\\r\\n"],
        ["Modbus read", "TCP Client", "Hex", "01 03 00 00 00 0A"],
    ]
    assert "Saved “HTTP get” from TCP Client" in note(first)
    first.close()

    second = shown_window(qtbot)
    assert [r[0] for r in rows(second)] == ["HTTP get", "Modbus read"]
    second.tabs.setCurrentWidget(second.tab(UdpSenderTab))
    select(second, "Modbus read")
    click(qtbot, second, "messageLoad")
    assert child(second, QLineEdit, "udpPayload").text() == "01 03 00 00 00 0A"
    assert child(second, QComboBox, "udpFormat").currentText() == "Hex"
    editor = second.tab(UdpSenderTab).payload_editor()
    assert editor is not None and editor.payload() == b"\x01\x03\x00\x00\x00\x0a"

    tree = child(second, QTreeWidget, "messagesList")
    item = next(
        tree.topLevelItem(r)
        for r in range(tree.topLevelItemCount())
        if tree.topLevelItem(r).text(0) == "HTTP get"
    )
    tree.setCurrentItem(item)
    tree.itemDoubleClicked.emit(item, 0)  # what a double-click does
    assert editor.payload() == b"GET / HTTP/1.0\r\n\r\n"
    second.close()


def test_the_same_name_replaces_and_delete_removes(qtbot: QtBot, fresh_settings: str) -> None:
    window = shown_window(qtbot)
    type_payload(window, "tcp", "first", "Text")
    save_as(qtbot, window, "greeting")
    type_payload(window, "tcp", "second", "Text")
    save_as(qtbot, window, "greeting")
    assert rows(window) == [["greeting", "TCP Client", "Text", "second"]]
    assert "Replaced “greeting”" in note(window)
    stored = json.loads(library_file(fresh_settings).read_text("utf-8"))
    assert [m["payload"] for m in stored["messages"]] == ["second"]

    select(window, "greeting")
    click(qtbot, window, "messageDelete")
    assert rows(window) == []
    assert json.loads(library_file(fresh_settings).read_text("utf-8"))["messages"] == []
    assert not child(window, QPushButton, "messageDelete").isEnabled()
    window.close()


def test_send_from_the_panel_delivers_the_exact_bytes(qtbot: QtBot, fresh_settings: str) -> None:
    window = shown_window(qtbot)
    with UdpReceiver() as receiver:
        window.tabs.setCurrentWidget(window.tab(UdpSenderTab))
        child(window, QLineEdit, "udpHost").setText(receiver.host)
        child(window, QSpinBox, "udpPort").setValue(receiver.port)
        type_payload(window, "udp", "00 ff 10", "Hex")
        save_as(qtbot, window, "three bytes")
        type_payload(window, "udp", "something else", "Text")
        select(window, "three bytes")
        click(qtbot, window, "messageSend")
        assert receiver.wait_for(lambda: receiver.count == 1)
        assert receiver.datagrams == [b"\x00\xff\x10"]
        assert "Sent “three bytes” from UDP Sender" in note(window)
        qtbot.waitUntil(lambda: status_of(window, "udp") == "Idle")
        editor = window.tab(UdpSenderTab).payload_editor()
        assert editor is not None and editor.history.entries()[-1].text == "00 ff 10"
    window.close()


def test_send_over_tcp_and_a_tab_that_cannot_send_says_so(
    qtbot: QtBot, fresh_settings: str, sink_server: SinkServer
) -> None:
    window = shown_window(qtbot)
    type_payload(window, "tcp", "line\\n", "Text", ending=2)
    save_as(qtbot, window, "line")
    select(window, "line")
    click(qtbot, window, "messageSend")
    assert "not sent" in note(window), "not connected yet"

    child(window, QLineEdit, "tcpHost").setText(sink_server.host)
    child(window, QSpinBox, "tcpPort").setValue(sink_server.port)
    click(qtbot, window, "tcpConnect")
    qtbot.waitUntil(lambda: status_of(window, "tcp").startswith("Connected to"), timeout=5000)
    click(qtbot, window, "messageSend")
    qtbot.waitUntil(lambda: bytes(sink_server.received) == b"line\n\r\n", timeout=5000)
    qtbot.waitUntil(
        lambda: [e.data for e in logged_events(window, Source.TCP, Kind.SENT)] == [b"line\n\r\n"]
    )
    window.close()


def test_a_tab_without_a_payload_editor_disables_save_load_and_send(
    qtbot: QtBot, fresh_settings: str
) -> None:
    window = shown_window(qtbot)
    save_as(qtbot, window, "kept")
    select(window, "kept")
    buttons = [child(window, QPushButton, n) for n in ("messageSave", "messageLoad", "messageSend")]
    assert all(b.isEnabled() for b in buttons)
    window.tabs.setCurrentWidget(window.tab(HttpServerTab))
    assert not any(b.isEnabled() for b in buttons)
    assert "HTTP Server has no payload editor" in buttons[1].toolTip()
    assert child(window, QPushButton, "messageDelete").isEnabled()
    window.tabs.setCurrentWidget(window.tab(TcpClientTab))
    assert all(b.isEnabled() for b in buttons)
    window.close()


def test_export_then_import_round_trips_and_a_bad_file_is_refused(
    qtbot: QtBot, fresh_settings: str, tmp_path: Path
) -> None:
    window = shown_window(qtbot)
    type_payload(window, "tcp", "de ad", "Hex")
    save_as(qtbot, window, "dead")
    type_payload(window, "tcp", "hi", "Text", ending=1)
    save_as(qtbot, window, "hi")
    exported = tmp_path / "out" / "shared.json"
    exported.parent.mkdir()
    window.messages_panel.export_to(exported)
    assert "Exported 2 messages" in note(window)
    before = rows(window)
    for name in ("dead", "hi"):
        select(window, name)
        click(qtbot, window, "messageDelete")
    assert rows(window) == []

    window.messages_panel.import_from(exported)
    assert rows(window) == before
    assert "Imported 2 messages from shared.json" in note(window)
    window.messages_panel.import_from(exported)
    assert "(2 replaced)" in note(window)

    bad = tmp_path / "bad.json"
    bad.write_text('{"messages": [{"name": "x", "payload": "1", "format": "Binary"}]}')
    window.messages_panel.import_from(bad)
    assert note(window).startswith("Nothing imported: bad.json: message 1 ('x'): 'format'")
    assert rows(window) == before
    window.close()


def test_a_damaged_library_is_set_aside_and_reported_once(
    qtbot: QtBot, fresh_settings: str
) -> None:
    path = library_file(fresh_settings)
    path.write_text('{"messages": [{"name": "half', encoding="utf-8")
    window = shown_window(qtbot)
    aside = [p for p in path.parent.iterdir() if p.name.startswith("messages.json.damaged-")]
    assert len(aside) == 1
    assert aside[0].read_text("utf-8") == '{"messages": [{"name": "half'
    errors = [e.message for e in logged_events(window, Source.APP, Kind.ERROR)]
    assert len(errors) == 1 and aside[0].name in errors[0] and "not JSON" in errors[0]
    assert note(window) == errors[0]
    assert rows(window) == []
    save_as(qtbot, window, "fresh")
    window.close()

    second = shown_window(qtbot)
    assert [r[0] for r in rows(second)] == ["fresh"]
    assert not logged_events(second, Source.APP, Kind.ERROR)
    second.close()


def test_the_panel_can_be_hidden_and_stays_hidden_after_a_restart(
    qtbot: QtBot, fresh_settings: str
) -> None:
    first = shown_window(qtbot)
    assert first.messages_panel.isVisible()
    total = sum(first.top_splitter.sizes())
    first.top_splitter.setSizes([total - 300, 300])  # as a person drags the handle
    toggle = child(first, QToolButton, "messagesToggle")
    assert toggle.isChecked()
    qtbot.mouseClick(toggle, Qt.MouseButton.LeftButton)
    assert not first.messages_panel.isVisible()
    first.close()
    second = shown_window(qtbot)
    assert not second.messages_panel.isVisible()
    second.resize(1240, 760)  # the offscreen screen is smaller than the saved geometry
    second.messages_toggle.trigger()
    assert second.messages_panel.isVisible()
    assert second.top_splitter.sizes()[1] == 300, "back at the width it was left at"
    second.close()


def test_send_from_the_server_tabs(qtbot: QtBot, fresh_settings: str) -> None:
    window = shown_window(qtbot)
    save_as(qtbot, window, "hello")  # the TCP Client's default payload
    select(window, "hello")

    window.tabs.setCurrentWidget(window.tab(TcpServerTab))
    port = start_server(qtbot, window, "tcps", "Listening on", free_port())
    with socket.create_connection(("127.0.0.1", port), timeout=10) as client:
        qtbot.waitUntil(lambda: "1 client" in status_of(window, "tcps"))
        click(qtbot, window, "messageSend")  # no client selected: to every client
        assert recv_exactly(client, 14) == b"Hello, server!"
    assert "Sent “hello” from TCP Server" in note(window)

    window.tabs.setCurrentWidget(window.tab(UdpListenerTab))
    child(window, QComboBox, "udplReplyMode").setCurrentText("No reply")
    port = start_server(qtbot, window, "udpl", "Listening on", free_udp_port())
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as peer:
        peer.bind(("127.0.0.1", 0))
        peer.settimeout(10)
        click(qtbot, window, "messageSend")
        assert "not sent" in note(window), "the UDP Listener sends to selected peers only"
        peer.sendto(b"hi", ("127.0.0.1", port))
        peers = child(window, PeerTableView, "udplPeers")
        key = f"127.0.0.1:{peer.getsockname()[1]}"
        qtbot.waitUntil(lambda: peers.model().rowCount() == 1)
        peers.select_keys([key])
        click(qtbot, window, "messageSend")
        assert peer.recv(100) == b"Hello, server!"
    window.close()


def test_names_sort_regardless_of_case(qtbot: QtBot, fresh_settings: str) -> None:
    window = shown_window(qtbot)
    for name in ("SCPI identify", "ping", "Modbus read", "alpha"):
        save_as(qtbot, window, name)
    assert [r[0] for r in rows(window)] == ["alpha", "Modbus read", "ping", "SCPI identify"]
    window.close()


def test_enter_loads_and_delete_removes_from_the_list(qtbot: QtBot, fresh_settings: str) -> None:
    window = shown_window(qtbot)
    type_payload(window, "tcp", "by key", "Text")
    save_as(qtbot, window, "keyed")
    type_payload(window, "tcp", "changed", "Text")
    tree = child(window, QTreeWidget, "messagesList")
    select(window, "keyed")
    tree.setFocus()
    qtbot.waitUntil(tree.hasFocus)
    qtbot.keyClick(tree, Qt.Key.Key_Return)
    assert child(window, QLineEdit, "tcpPayload").text() == "by key"
    qtbot.keyClick(tree, Qt.Key.Key_Delete)
    assert rows(window) == []
    window.close()
