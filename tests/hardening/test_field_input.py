"""Bad input typed into the fields of every tab: refused at the field, nothing sent.

Each test types the bad values one after another into the real widgets (found by
objectName), then does one good action last: what the peer receives proves that none of
the refused inputs sent anything before it.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)
from pytestqt.qtbot import QtBot

from app.net.events import Kind, Source
from app.payload import PayloadFormat
from app.ui.main_window import MainWindow
from tests.hardening.test_harness import GapMeter, child, click, events_of, gui_window
from tests.peers import EchoServer, SinkServer, free_port
from tests.udp_peers import UdpReceiver

# (typed host, what the message under the field says)
BAD_HOSTS = [
    ("", "Enter a host"),
    ("   ", "Enter a host"),
    ("my host", "cannot contain spaces"),
    ("300.1.1.1", "not a valid IPv4 address"),
    ("::1::", "not a valid IPv6 address"),
    ("a" * 300, "at most 253"),
    ("[::1", "must be closed"),
    ("http://:80/", "No host"),
    ("host:70000", "from 1 to 65535"),
]
# (format, typed payload, what the message under the field says)
BAD_PAYLOADS = [
    (PayloadFormat.HEX, "48 6", "Odd number of hex digits"),
    (PayloadFormat.HEX, "48 zz", "Not a hex digit"),
    (PayloadFormat.TEXT, "\\x4", "Incomplete escape"),
    (PayloadFormat.TEXT, "ab\\q", "Unknown escape \\q"),
]
HUNDRED_MB = 100 * 1024 * 1024


@pytest.fixture
def window(qtbot: QtBot, fresh_settings: str) -> Iterator[MainWindow]:
    yield from gui_window(qtbot)


@pytest.fixture
def http_window(qtbot: QtBot, fresh_settings: str) -> Iterator[MainWindow]:
    yield from gui_window(qtbot, "httpTab")


def show_tab_of(window: MainWindow, widget: QWidget) -> None:
    """Bring the tab holding `widget` to the front, however deep it sits in the tab."""
    holder: QWidget | None = widget
    while holder is not None and window.tabs.indexOf(holder) < 0:
        holder = holder.parentWidget()
    assert holder is not None, f"{widget.objectName()} is in no tab"
    window.tabs.setCurrentWidget(holder)


def type_into(qtbot: QtBot, field: QLineEdit, text: str) -> None:
    field.selectAll()
    field.del_()
    qtbot.keyClicks(field, text)


def status(window: MainWindow, name: str) -> str:
    return str(child(window, QLabel, name).plain_text())


# -- hosts -----------------------------------------------------------------------------


def test_tcp_bad_hosts_are_refused_at_the_field(qtbot: QtBot, window: MainWindow) -> None:
    with EchoServer() as server:
        child(window, QSpinBox, "tcpPort").setValue(server.port)
        host = child(window, QLineEdit, "tcpHost")
        error = child(window, QLabel, "tcpHostError")
        for text, reason in BAD_HOSTS:
            host.setText(text)  # setText: QLineEdit typing would drop nothing here
            click(qtbot, window, "tcpConnect")
            assert error.isVisible() and reason in error.text(), (text, error.text())
            assert status(window, "tcpStatus") == "Disconnected"
            type_into(qtbot, host, "x")  # typing clears the message
            assert not error.isVisible()
        # One good connect last: it is the first and only connection the server saw.
        host.setText("127.0.0.1")
        click(qtbot, window, "tcpConnect")
        qtbot.waitUntil(lambda: status(window, "tcpStatus").startswith("Connected"), timeout=5000)
        assert len(server.connections) == 1
        qtbot.waitUntil(lambda: len(events_of(window, Source.TCP)) >= 2, timeout=5000)
        # "Connecting to…" and "Connected to…": no row from any refused host before them.
        assert [e.kind for e in events_of(window, Source.TCP)] == [Kind.INFO, Kind.INFO]


@pytest.mark.parametrize(
    ("typed", "family"),
    [("[::1]", socket.AF_INET6), ("::1", socket.AF_INET6), ("URL", socket.AF_INET)],
)
def test_tcp_bracketed_ipv6_and_pasted_url_connect(
    qtbot: QtBot, window: MainWindow, typed: str, family: int
) -> None:
    with EchoServer(family) as server:
        port = child(window, QSpinBox, "tcpPort")
        host = child(window, QLineEdit, "tcpHost")
        if typed == "URL":
            typed = f"http://127.0.0.1:{server.port}/some/path?q=1"
        else:
            port.setValue(server.port)
        host.setText(typed)
        click(qtbot, window, "tcpConnect")
        qtbot.waitUntil(lambda: status(window, "tcpStatus").startswith("Connected"), timeout=5000)
        assert port.value() == server.port
        # Accepted as typed; a URL is split into the two fields.
        assert host.text() in ("127.0.0.1", "::1", "[::1]")
        click(qtbot, window, "tcpConnect")
        qtbot.waitUntil(lambda: status(window, "tcpStatus") == "Disconnected", timeout=5000)


def test_udp_bad_hosts_are_refused_at_the_field(qtbot: QtBot, window: MainWindow) -> None:
    show_tab_of(window, child(window, QSpinBox, "udpPort"))
    with UdpReceiver() as receiver:
        child(window, QSpinBox, "udpPort").setValue(receiver.port)
        host = child(window, QLineEdit, "udpHost")
        error = child(window, QLabel, "udpHostError")
        for text, reason in BAD_HOSTS:
            host.setText(text)
            click(qtbot, window, "udpSend")
            assert error.isVisible() and reason in error.text(), (text, error.text())
            assert status(window, "udpStatus") == "Idle"
        for good in ("[::1]", f"http://127.0.0.1:{receiver.port}/x"):
            host.setText(good)
            click(qtbot, window, "udpSend")
            qtbot.waitUntil(lambda: status(window, "udpStatus") == "Idle", timeout=5000)
        # [::1] went to ::1 (nobody there); the URL to the receiver: its first datagram.
        assert receiver.wait_for(lambda: receiver.count == 1)
        assert receiver.datagrams == [b"Hello, server!"]
        assert host.text() == "127.0.0.1"


def test_http_bad_bind_addresses_are_refused(qtbot: QtBot, http_window: MainWindow) -> None:
    window = http_window
    bind = child(window, QLineEdit, "httpBind")
    error = child(window, QLabel, "httpBindError")
    port = free_port()
    child(window, QSpinBox, "httpPort").setValue(port)
    for text in ("", "   ", "my host", "300.1.1.1", "::1::", "a" * 300, "example.com"):
        bind.setText(text)
        click(qtbot, window, "httpStart")
        assert error.isVisible() and "IP address of this machine" in error.text(), text
        assert status(window, "httpStatus") == "Stopped"
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
    bind.setText("[::1]")  # brackets are accepted
    click(qtbot, window, "httpStart")
    qtbot.waitUntil(lambda: status(window, "httpStatus").startswith("Running on"), timeout=5000)
    assert f"[::1]:{port}" in status(window, "httpStatus")


# -- ports and spin boxes -------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["tcpPort", "udpPort", "udpLocalPort", "httpPort", "httpStatusCode"]
)
def test_out_of_range_numbers_cannot_be_typed(qtbot: QtBot, window: MainWindow, name: str) -> None:
    spin = child(window, QSpinBox, name)
    show_tab_of(window, spin)
    before = spin.value()
    for typed in ("0", "65536", "70000", "-1", "abc", "99", "1000", "1e3", " "):
        spin.setValue(before)
        spin.setFocus()
        spin.selectAll()
        qtbot.keyClicks(spin, typed)
        qtbot.keyClick(spin, Qt.Key.Key_Return)
        spin.clearFocus()  # focus-out runs the fix-up of an intermediate value
        assert spin.minimum() <= spin.value() <= spin.maximum(), (typed, spin.value())
        assert spin.text().strip().isdigit() or spin.specialValueText(), (typed, spin.text())
    assert spin.buttonSymbols() != QAbstractSpinBox.ButtonSymbols.NoButtons


# -- payloads ------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["tcp", "udp"])
def test_bad_payloads_disable_send_and_nothing_is_sent(
    qtbot: QtBot, window: MainWindow, prefix: str
) -> None:
    field = child(window, QLineEdit, f"{prefix}Payload")
    combo = child(window, QComboBox, f"{prefix}Format")
    send = child(window, QPushButton, f"{prefix}Send")
    error = child(window, QLabel, f"{prefix}PayloadError")
    with SinkServer() as sink, UdpReceiver() as receiver:
        if prefix == "tcp":
            child(window, QSpinBox, "tcpPort").setValue(sink.port)
            click(qtbot, window, "tcpConnect")
            qtbot.waitUntil(lambda: send.isEnabled(), timeout=5000)
        else:
            window.tabs.setCurrentWidget(child(window, QWidget, "udpTab"))
            child(window, QSpinBox, "udpPort").setValue(receiver.port)
        for fmt, text, reason in BAD_PAYLOADS:
            combo.setCurrentIndex(combo.findData(fmt))
            type_into(qtbot, field, text)
            assert not send.isEnabled(), text
            assert error.isVisible() and reason in error.text(), (text, error.text())
            qtbot.keyClick(field, Qt.Key.Key_Return)  # Enter must not send either
            qtbot.mouseClick(send, Qt.MouseButton.LeftButton)
        combo.setCurrentIndex(combo.findData(PayloadFormat.TEXT))
        type_into(qtbot, field, "only this\\n")
        assert send.isEnabled() and not error.isVisible()
        qtbot.mouseClick(send, Qt.MouseButton.LeftButton)
        if prefix == "tcp":
            qtbot.waitUntil(lambda: bytes(sink.received) == b"only this\n", timeout=5000)
        else:
            assert receiver.wait_for(lambda: receiver.count == 1)
            assert receiver.datagrams == [b"only this\n"]


def test_a_100_mb_paste_is_parsed_off_the_gui_thread_and_sent_whole(
    qtbot: QtBot, window: MainWindow, record_property: object
) -> None:
    field = child(window, QLineEdit, "tcpPayload")
    send = child(window, QPushButton, "tcpSend")
    clipboard = QGuiApplication.clipboard()
    with SinkServer() as sink:
        child(window, QSpinBox, "tcpPort").setValue(sink.port)
        click(qtbot, window, "tcpConnect")
        qtbot.waitUntil(send.isEnabled, timeout=5000)
        clipboard.setText("A" * HUNDRED_MB)
        meter = GapMeter()
        meter.start()
        field.setFocus()
        qtbot.keyClick(field, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(lambda: field.text() == "Pasted: 104,857,600 bytes", timeout=30000)
        paste_gap = meter.worst_ms
        assert send.isEnabled()
        qtbot.mouseClick(send, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: len(sink.received) == HUNDRED_MB, timeout=60000)
        qtbot.waitUntil(
            lambda: window.log_pane.model.totals.sent_bytes == HUNDRED_MB, timeout=10000
        )
        worst = meter.stop()
        clipboard.setText("")
    assert sink.received.count(b"A") == HUNDRED_MB
    # The clipboard's own text() copy of 100 MB runs in the GUI thread (~0.15 s here);
    # parsing and sending do not. Generous for a loaded 2-core machine.
    # How long the GUI paused is a figure of the benchmark (bench_hardening: "100 MB
    # paste: worst GUI gap"), not an assertion here: timing has no place in this suite.
    print(f"100 MB paste: worst GUI gap {worst:.0f} ms (paste alone {paste_gap:.0f} ms)")
    record_property("worst_gui_gap_ms", round(worst))  # type: ignore[operator]


# -- HTTP fields -----------------------------------------------------------------------

# Header texts that try to split the response or smuggle a header in one visible line.
INJECTIONS = [
    "X-A: a\rInjected: yes",
    "X-A: a\x0bInjected: yes",
    "X-A: a\x0cInjected: yes",
    "X-A: a\x00Injected: yes",
    "X-A: a\x1bInjected: yes",
    "X-A: a\u2028Injected: yes",
    "X-A: a\u2029Injected: yes",
    "X-A: a\x85Injected: yes",
    "X-A: 1\n\nHTTP/1.1 200 OK",
    "X-A: 1\r\n\r\n<script>alert(1)</script>",
    "X-A: 1\nContent-Length: 0",
    "X-A: 1\nTransfer-Encoding: chunked",
    " Injected: yes",
]


def response_head(port: int) -> tuple[list[bytes], bytes]:
    """Raw header lines (split on CRLF only, as the framing is) and the body."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        raw = bytearray()
        while data := sock.recv(65536):
            raw += data
    head, _, body = bytes(raw).partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    length = next(int(line[15:]) for line in lines if line.lower().startswith(b"content-length:"))
    assert len(body) == length, "exactly one response, framed by its Content-Length"
    return lines[1:], body


def test_header_fields_cannot_split_the_response(qtbot: QtBot, http_window: MainWindow) -> None:
    window = http_window
    headers = child(window, QPlainTextEdit, "httpHeaders")
    content_type = child(window, QLineEdit, "httpContentType")
    error = child(window, QLabel, "httpHeadersError")
    child(window, QSpinBox, "httpPort").setValue(port := free_port())
    click(qtbot, window, "httpStart")
    qtbot.waitUntil(lambda: status(window, "httpStatus").startswith("Running on"), timeout=5000)
    accepted = ""  # the field text of the answer being served
    for text in INJECTIONS:
        headers.setPlainText(text)
        if not error.isVisible():
            accepted = headers.toPlainText()  # what the person sees, line by line
        # else: refused at the field with a message; the last good answer stays
        wire, body = response_head(port)
        assert body == b"Hello, client!", text
        for line in wire:
            # Nothing on the wire that a lenient client could read as a line break.
            assert not any((b < 0x20 and b != 0x09) or b == 0x7F for b in line), (text, line)
            name = line.split(b":", 1)[0].decode("latin-1")
            if name.lower() not in (
                "server",
                "date",
                "content-type",
                "content-length",
                "connection",
            ):
                # A header the server sends is one the field shows as a line of its own.
                assert any(v.strip().startswith(name) for v in accepted.split("\n")), (
                    text,
                    line,
                    error.text(),
                )
    for text in ("text/plain\r\nInjected: yes", "text/plain\x0bInjected: yes"):
        headers.setPlainText("")
        content_type.setText(text)
        wire, _ = response_head(port)
        assert not any(b"Injected" in line for line in wire), (text, wire)
        assert not any(b"\x0b" in line for line in wire), (text, wire)


def test_bad_folders_are_refused_at_the_field(
    qtbot: QtBot, http_window: MainWindow, tmp_path: Path
) -> None:
    window = http_window
    child(window, QComboBox, "httpMode").setCurrentText("Serve folder")
    folder = child(window, QLineEdit, "httpFolder")
    error = child(window, QLabel, "httpFolderError")
    child(window, QSpinBox, "httpPort").setValue(port := free_port())
    (tmp_path / "a-file.txt").write_text("not a folder")
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o000)
    cases = [
        ("", "Choose a folder"),
        (str(tmp_path / "missing"), "No folder at"),
        (str(tmp_path / "a-file.txt"), "No folder at"),
    ]
    if os.geteuid() != 0:  # root reads every folder: an unreadable one cannot be made
        cases.append((str(locked), "Cannot read the folder"))
    for text, reason in cases:
        folder.setText(text)
        assert error.isVisible() and reason in error.text(), (text, error.text())
        click(qtbot, window, "httpStart")
        assert status(window, "httpStatus") == "Stopped"
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
    locked.chmod(0o700)
