"""Payload history through the window: what a tab sent comes back with Up after a restart."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLineEdit, QSpinBox
from pytestqt.qtbot import QtBot

from app.messages.history import HISTORY_LIMIT, TypedPayload
from app.payload import LineEnding, PayloadFormat
from app.ui.application import create_main_window
from app.ui.main_window import MainWindow
from app.ui.tabs.tcp_client import TcpClientTab
from app.ui.tabs.udp_sender import UdpSenderTab
from tests.udp_peers import UdpReceiver
from tests.ui.tabs.tab_driver import child, click, status_of


def shown_window(qtbot: QtBot) -> MainWindow:
    window = create_main_window()
    qtbot.addWidget(window)
    window.show()
    return window


def test_sent_payloads_come_back_with_up_after_a_restart(qtbot: QtBot, fresh_settings: str) -> None:
    with UdpReceiver() as receiver:
        first = shown_window(qtbot)
        first.tabs.setCurrentWidget(first.tab(UdpSenderTab))
        child(first, QLineEdit, "udpHost").setText(receiver.host)
        child(first, QSpinBox, "udpPort").setValue(receiver.port)
        payload = child(first, QLineEdit, "udpPayload")
        fmt = child(first, QComboBox, "udpFormat")
        for text, format_name in (("first", "Text"), ("de ad", "Hex"), ("third", "Text")):
            fmt.setCurrentText(format_name)
            payload.setText(text)
            click(qtbot, first, "udpSend")
            qtbot.waitUntil(lambda: status_of(first, "udp") == "Idle")
        receiver.wait_for(lambda: receiver.count == 3)
        assert receiver.datagrams == [b"first", b"\xde\xad", b"third"]
        payload.setText("not sent")
        first.close()

    second = shown_window(qtbot)
    second.tabs.setCurrentWidget(second.tab(UdpSenderTab))
    payload = child(second, QLineEdit, "udpPayload")
    fmt = child(second, QComboBox, "udpFormat")
    assert payload.text() == "not sent"
    seen = []
    for _ in range(3):
        qtbot.keyClick(payload, Qt.Key.Key_Up)
        seen.append((payload.text(), fmt.currentText()))
    assert seen == [("third", "Text"), ("de ad", "Hex"), ("first", "Text")]
    for _ in range(3):
        qtbot.keyClick(payload, Qt.Key.Key_Down)
    assert (payload.text(), fmt.currentText()) == ("not sent", "Text")
    tcp = second.tab(TcpClientTab).payload_editor()
    assert tcp is not None and tcp.history.entries() == [], "each tab has its own history"
    second.close()


def test_the_history_is_written_soon_after_a_send_not_only_at_close(
    qtbot: QtBot, fresh_settings: str
) -> None:
    window = shown_window(qtbot)
    editor = window.tab(UdpSenderTab).payload_editor()
    assert editor is not None
    editor.set_typed_payload(TypedPayload("kept", PayloadFormat.TEXT, LineEnding.LF))
    editor.mark_sent()
    settings = Path(fresh_settings)
    qtbot.waitUntil(
        lambda: settings.exists() and "kept" in settings.read_text("utf-8"), timeout=5000
    )
    window.close()


def test_only_the_last_hundred_survive_a_restart(qtbot: QtBot, fresh_settings: str) -> None:
    first = shown_window(qtbot)
    editor = first.tab(TcpClientTab).payload_editor()
    assert editor is not None
    for i in range(HISTORY_LIMIT + 5):
        # Commas and quotes: the ini file must hand the JSON back as one string.
        editor.set_typed_payload(TypedPayload(f'msg, "{i}"'))
        editor.mark_sent()
    first.close()

    second = shown_window(qtbot)
    restored = second.tab(TcpClientTab).payload_editor()
    assert restored is not None
    texts = [e.text for e in restored.history.entries()]
    assert len(texts) == 100
    assert texts[0] == 'msg, "5"' and texts[-1] == f'msg, "{HISTORY_LIMIT + 4}"'
    second.close()
