"""Framing in the TCP Client and TCP Server tabs: one log row per message, real peers."""

from __future__ import annotations

import socket
import threading

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLineEdit, QPushButton, QSpinBox
from pytestqt.qtbot import QtBot

from app.net.events import Kind, Source
from app.ui.log.model import COL_EVENT, PARTIAL_TEXT
from app.ui.main_window import MainWindow
from tests.ui.tabs.tab_driver import child, logged_events, start_server, status_of

MESSAGES = [b"\x00\x03one", b"\x00\x00", b"\x00\x05three", b"\x00\x01!"]
TAIL = b"\x00\x09par"


def write_messages(conn: socket.socket) -> None:
    """Two messages in one chunk, the next one a byte per send, the last with a tail."""
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    conn.sendall(MESSAGES[0] + MESSAGES[1])
    for byte in MESSAGES[2]:
        conn.sendall(bytes([byte]))
    conn.sendall(MESSAGES[3] + TAIL)


def choose_framing(window: MainWindow, prefix: str, kind: str, argument: str) -> None:
    child(window, QComboBox, f"{prefix}Framing").setCurrentText(kind)
    child(window, QLineEdit, f"{prefix}FramingArg").setText(argument)


def test_the_client_tab_logs_one_row_per_message_and_a_partial_row_at_close(
    qtbot: QtBot, window: MainWindow
) -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []
    thread = threading.Thread(target=lambda: accepted.append(listener.accept()[0]))
    thread.start()
    choose_framing(window, "tcp", "Length prefix", "2")
    child(window, QLineEdit, "tcpHost").setText("127.0.0.1")
    child(window, QSpinBox, "tcpPort").setValue(listener.getsockname()[1])
    qtbot.mouseClick(child(window, QPushButton, "tcpConnect"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: status_of(window, "tcp").startswith("Connected"), timeout=5000)
    thread.join(5)
    conn = accepted[0]
    try:
        write_messages(conn)
        rows = lambda: logged_events(window, Source.TCP, Kind.RECEIVED)  # noqa: E731
        qtbot.waitUntil(lambda: len(rows()) == len(MESSAGES), timeout=5000)
        assert [e.data for e in rows()] == MESSAGES
        conn.close()
        qtbot.waitUntil(lambda: status_of(window, "tcp") == "Disconnected", timeout=5000)
        assert [e.data for e in rows()] == [*MESSAGES, TAIL]
        assert [e.partial for e in rows()] == [False] * len(MESSAGES) + [True]
        model = window.log_pane.model
        last = next(r for r in range(model.rowCount() - 1, -1, -1) if model.event_at(r).partial)
        assert model.index(last, COL_EVENT).data() == PARTIAL_TEXT
    finally:
        conn.close()
        listener.close()


def test_the_server_tab_frames_lines_and_a_live_change_applies_to_what_follows(
    qtbot: QtBot, window: MainWindow
) -> None:
    choose_framing(window, "tcps", "Lines (CRLF)", "")
    child(window, QSpinBox, "tcpsPort").setValue(0)
    child(window, QComboBox, "tcpsReplyMode").setCurrentText("None")
    start_server(qtbot, window, "tcps", "Listening")
    port = int(status_of(window, "tcps").split(" · ")[0].rpartition(":")[2])
    rows = lambda: logged_events(window, Source.TCP_SERVER, Kind.RECEIVED)  # noqa: E731
    with socket.create_connection(("127.0.0.1", port)) as conn:
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        conn.sendall(b"USER me\r\nPASS x\r\n")
        for byte in b"QUIT\r\n":
            conn.sendall(bytes([byte]))
        qtbot.waitUntil(lambda: len(rows()) == 3, timeout=5000)
        assert [e.data for e in rows()] == [b"USER me\r\n", b"PASS x\r\n", b"QUIT\r\n"]
        conn.sendall(b"held;")
        choose_framing(window, "tcps", "Delimiter", ";")
        qtbot.waitUntil(lambda: len(rows()) == 4, timeout=5000)
        conn.sendall(b"a;b;c")
        qtbot.waitUntil(lambda: len(rows()) == 6, timeout=5000)
    qtbot.waitUntil(lambda: len(rows()) == 7, timeout=5000)
    assert [e.data for e in rows()][3:] == [b"held;", b"a;", b"b;", b"c"]
    assert [e.partial for e in rows()] == [False] * 6 + [True]
