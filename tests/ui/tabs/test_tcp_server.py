"""The TCP Server tab driven through its objectNames, with real clients on loopback."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QPushButton, QSpinBox
from pytestqt.qtbot import QtBot

from app.net.events import Kind, LogEvent, Source
from app.self_test_peers import port_is_free
from app.ui.application import create_main_window
from app.ui.main_window import MainWindow
from app.ui.tabs.tcp_server import TcpServerTab
from app.ui.widgets.peer_table import PeerTableView
from tests.net.tcp.server_clients import recv_exactly
from tests.peers import free_port
from tests.ui.tabs.tab_driver import (
    child,
    click,
    logged_events,
    start_server,
    status_of,
    stop_server,
)

TUTORIAL_CLIENT = """
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.connect(("127.0.0.1", 8000))
s.sendall(b"Hello, server!")
data = s.recv(1024)
print(f"Received data: {data.decode()}")
s.close()
"""


TAB = "tcpServerTab"


def status_text(window: MainWindow) -> str:
    return status_of(window, "tcps")


def start(qtbot: QtBot, window: MainWindow, port: int | None = None) -> int:
    return start_server(qtbot, window, "tcps", "Listening on", port or free_port())


def stop(qtbot: QtBot, window: MainWindow) -> None:
    stop_server(qtbot, window, "tcps")


def server_events(window: MainWindow) -> list[LogEvent]:
    return logged_events(window, Source.TCP_SERVER)


def table(window: MainWindow) -> PeerTableView:
    view = child(window, PeerTableView, "tcpsClients")
    assert isinstance(view, PeerTableView)
    return view


def connect(port: int, host: str = "127.0.0.1") -> socket.socket:
    sock = socket.create_connection((host, port), timeout=10)
    return sock


def name_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def test_defaults_and_widgets(window: MainWindow) -> None:
    tabs = window.tabs
    assert tabs.tabText(tabs.indexOf(child(window, TcpServerTab, "tcpServerTab"))) == "TCP Server"
    assert child(window, QLineEdit, "tcpsBind").text() == "127.0.0.1"
    assert child(window, QSpinBox, "tcpsPort").value() == 8000
    assert child(window, QPushButton, "tcpsStart").text() == "Start"
    assert status_text(window) == "Stopped"
    spin = child(window, QSpinBox, "tcpsMaxClients")
    assert (spin.minimum(), spin.maximum(), spin.value()) == (1, 10_000, 1000)
    mode = child(window, QComboBox, "tcpsReplyMode")
    assert [mode.itemText(i) for i in range(mode.count())] == [
        "Echo",
        "Fixed reply",
        "No reply",
        "Rules",
    ]
    assert mode.currentText() == "Echo"
    assert child(window, QComboBox, "tcpsReplyFormat").currentText() == "Text"
    assert child(window, QLineEdit, "tcpsReply") is not None
    assert child(window, QLineEdit, "tcpsPayload") is not None
    assert child(window, QComboBox, "tcpsFormat") is not None
    assert child(window, QComboBox, "tcpsLineEnding") is not None
    view = table(window)
    assert view.model().headerData(0, Qt.Orientation.Horizontal) == "Address"
    assert view.selectionMode() is view.SelectionMode.ExtendedSelection
    for name in ("tcpsSend", "tcpsSendAll", "tcpsDisconnect"):
        assert not child(window, QPushButton, name).isEnabled()
    assert child(window, QLabel, "tcpsWarning").isHidden()


def test_the_tutorial_client_gets_its_echo_on_the_defaults(
    qtbot: QtBot, window: MainWindow
) -> None:
    if not port_is_free(8000):
        pytest.skip("port 8000 is taken on this machine by another program")
    start(qtbot, window, 8000)
    assert status_text(window) == "Listening on 127.0.0.1:8000 · 0 clients"
    done = subprocess.run(
        [sys.executable, "-c", TUTORIAL_CLIENT], capture_output=True, text=True, timeout=20
    )
    assert done.stdout == "Received data: Hello, server!\n", done.stderr
    qtbot.waitUntil(lambda: any(" left after " in e.message for e in server_events(window)))
    rows = [e for e in server_events(window) if e.kind in (Kind.RECEIVED, Kind.SENT)]
    assert [(e.kind, e.data) for e in rows] == [
        (Kind.RECEIVED, b"Hello, server!"),
        (Kind.SENT, b"Hello, server!"),
    ]
    assert rows[0].peer.startswith("127.0.0.1:")
    stop(qtbot, window)


def test_three_clients_send_to_one_to_all_and_disconnect_one(
    qtbot: QtBot, window: MainWindow
) -> None:
    port = start(qtbot, window)
    child(window, QComboBox, "tcpsReplyMode").setCurrentText("No reply")
    clients = [connect(port) for _ in range(3)]
    try:
        names = [name_of(s) for s in clients]
        qtbot.waitUntil(lambda: sorted(table(window).peer_model.keys()) == sorted(names))
        qtbot.waitUntil(lambda: status_text(window).endswith("· 3 clients"))
        assert not child(window, QPushButton, "tcpsSend").isEnabled()
        assert child(window, QPushButton, "tcpsSendAll").isEnabled()
        child(window, QLineEdit, "tcpsPayload").setText("to you")
        child(window, QComboBox, "tcpsLineEnding").setCurrentIndex(0)
        table(window).select_keys([names[1]])
        assert child(window, QPushButton, "tcpsSend").isEnabled()
        click(qtbot, window, "tcpsSend")
        assert recv_exactly(clients[1], 6) == b"to you"
        child(window, QLineEdit, "tcpsPayload").setText("to all")
        click(qtbot, window, "tcpsSendAll")
        for sock in clients:
            assert recv_exactly(sock, 6) == b"to all"
        table(window).select_keys([names[0]])
        click(qtbot, window, "tcpsDisconnect")
        assert clients[0].recv(10) == b""
        qtbot.waitUntil(lambda: sorted(table(window).peer_model.keys()) == sorted(names[1:]))
        qtbot.waitUntil(lambda: status_text(window).endswith("· 2 clients"))
        assert not child(window, QPushButton, "tcpsSend").isEnabled()  # selection is gone
        sent = [(e.peer, e.data) for e in server_events(window) if e.kind is Kind.SENT]
        assert sent[0] == (names[1], b"to you")
        assert sorted(sent[1:]) == sorted((n, b"to all") for n in names)
    finally:
        for sock in clients:
            sock.close()
    qtbot.waitUntil(lambda: table(window).peer_model.keys() == [])


def test_fixed_reply_and_mode_change_without_restart(qtbot: QtBot, window: MainWindow) -> None:
    port = start(qtbot, window)
    child(window, QComboBox, "tcpsReplyMode").setCurrentText("Fixed reply")
    child(window, QComboBox, "tcpsReplyFormat").setCurrentText("Hex")
    child(window, QLineEdit, "tcpsReply").setText("4f 4b")
    with connect(port) as sock:
        sock.sendall(b"anything")
        assert recv_exactly(sock, 2) == b"OK"
        child(window, QComboBox, "tcpsReplyMode").setCurrentText("Echo")
        sock.sendall(b"back")
        assert recv_exactly(sock, 4) == b"back"


def test_macros_in_the_fixed_reply_and_in_sends_count_per_tab(
    qtbot: QtBot, window: MainWindow
) -> None:
    port = start(qtbot, window)
    child(window, QComboBox, "tcpsReplyMode").setCurrentText("Fixed reply")
    child(window, QLineEdit, "tcpsReply").setText("R{{counter:2}}{{xor8}}")
    with connect(port) as sock:
        sock.sendall(b"one")
        assert recv_exactly(sock, 4) == b"R01" + bytes([ord("R") ^ ord("0") ^ ord("1")])
        qtbot.waitUntil(lambda: len(table(window).peer_model.keys()) == 1)
        child(window, QLineEdit, "tcpsPayload").setText("S{{counter}}")
        child(window, QComboBox, "tcpsLineEnding").setCurrentIndex(0)
        click(qtbot, window, "tcpsSendAll")
        assert recv_exactly(sock, 2) == b"S2"
        sock.sendall(b"two")
        assert recv_exactly(sock, 4) == b"R03" + bytes([ord("R") ^ ord("0") ^ ord("3")])
        child(window, QLineEdit, "tcpsReply").setText("{{nope}}")
        assert child(window, QLabel, "tcpsReplyError").text().startswith("Unknown macro {{nope}}")
    qtbot.waitUntil(lambda: len([e for e in server_events(window) if e.kind is Kind.SENT]) == 3)
    sent = [e.data for e in server_events(window) if e.kind is Kind.SENT]
    assert sent == [b"R01S", b"S2", b"R03Q"]


def test_ncat_clients(qtbot: QtBot, window: MainWindow) -> None:
    if shutil.which("ncat") is None:
        pytest.skip("ncat is not installed")
    port = start(qtbot, window)
    runs = [
        subprocess.Popen(
            ["ncat", "127.0.0.1", str(port)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        for _ in range(3)
    ]
    try:
        qtbot.waitUntil(lambda: len(table(window).peer_model.keys()) == 3, timeout=10_000)
        outputs = [run.communicate(b"ncat %d\n" % i, timeout=20)[0] for i, run in enumerate(runs)]
    finally:
        for run in runs:
            if run.poll() is None:
                run.kill()
                run.wait()
    assert outputs == [b"ncat 0\n", b"ncat 1\n", b"ncat 2\n"]
    qtbot.waitUntil(lambda: table(window).peer_model.keys() == [], timeout=5000)


def test_max_clients_from_the_field(qtbot: QtBot, window: MainWindow) -> None:
    child(window, QSpinBox, "tcpsMaxClients").setValue(1)
    port = start(qtbot, window)
    with connect(port) as kept, connect(port) as refused:
        assert refused.recv(10) == b""
        qtbot.waitUntil(
            lambda: any("at the limit of 1 client " in e.message for e in server_events(window))
        )
        kept.sendall(b"ok")
        assert recv_exactly(kept, 2) == b"ok"


def test_stop_with_clients_connected_and_start_again(qtbot: QtBot, window: MainWindow) -> None:
    port = start(qtbot, window)
    clients = [connect(port) for _ in range(4)]
    try:
        qtbot.waitUntil(lambda: len(table(window).peer_model.keys()) == 4)
        stop(qtbot, window)
        for sock in clients:
            sock.settimeout(1.0)  # "within a second"
            assert sock.recv(10) == b""
        assert table(window).peer_model.keys() == []
        assert child(window, QLineEdit, "tcpsBind").isEnabled()
        start(qtbot, window, port)
        with connect(port) as sock:
            sock.sendall(b"again")
            assert recv_exactly(sock, 5) == b"again"
    finally:
        for sock in clients:
            sock.close()


def test_ipv6_loopback(qtbot: QtBot, window: MainWindow) -> None:
    child(window, QLineEdit, "tcpsBind").setText("::1")
    port = start(qtbot, window)
    assert status_text(window).startswith(f"Listening on [::1]:{port}")
    with connect(port, "::1") as sock:
        sock.sendall(b"v6")
        assert recv_exactly(sock, 2) == b"v6"
        qtbot.waitUntil(lambda: table(window).peer_model.keys() == [name_of(sock)])


def test_failures_are_one_line_and_back_to_stopped(qtbot: QtBot, window: MainWindow) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        child(window, QSpinBox, "tcpsPort").setValue(port)
        click(qtbot, window, "tcpsStart")
        qtbot.waitUntil(lambda: status_text(window).startswith("Stopped · Port"))
    assert child(window, QPushButton, "tcpsStart").text() == "Start"
    errors = [e.message for e in server_events(window) if e.kind is Kind.ERROR]
    assert errors == [f"Port {port} is in use on 127.0.0.1: another program listens there"]
    child(window, QLineEdit, "tcpsBind").setText("not an address")
    click(qtbot, window, "tcpsStart")
    assert child(window, QLabel, "tcpsBindError").isVisible()
    assert status_text(window).startswith("Stopped")


def test_network_bind_shows_the_warning(window: MainWindow) -> None:
    child(window, QLineEdit, "tcpsBind").setText("0.0.0.0")
    warning = child(window, QLabel, "tcpsWarning")
    assert warning.isVisible()
    assert "Reachable from the network" in warning.text()
    child(window, QLineEdit, "tcpsBind").setText("::1")
    assert warning.isHidden()


def test_fields_are_remembered(qtbot: QtBot, fresh_settings: str) -> None:
    first = create_main_window()
    qtbot.addWidget(first)
    first.findChild(QLineEdit, "tcpsBind").setText("::1")
    first.findChild(QSpinBox, "tcpsPort").setValue(9123)
    first.findChild(QSpinBox, "tcpsMaxClients").setValue(42)
    first.findChild(QComboBox, "tcpsReplyMode").setCurrentText("Fixed reply")
    first.findChild(QLineEdit, "tcpsReply").setText("pong")
    first.findChild(QLineEdit, "tcpsPayload").setText("remembered")
    first.close()
    second = create_main_window()
    qtbot.addWidget(second)
    assert second.findChild(QLineEdit, "tcpsBind").text() == "::1"
    assert second.findChild(QSpinBox, "tcpsPort").value() == 9123
    assert second.findChild(QSpinBox, "tcpsMaxClients").value() == 42
    assert second.findChild(QComboBox, "tcpsReplyMode").currentText() == "Fixed reply"
    assert second.findChild(QLineEdit, "tcpsReply").text() == "pong"
    assert second.findChild(QLineEdit, "tcpsPayload").text() == "remembered"
    second.close()


def test_closing_the_window_while_clients_are_connected(qtbot: QtBot, window: MainWindow) -> None:
    port = start(qtbot, window)
    tab = window.findChild(TcpServerTab, "tcpServerTab")
    with connect(port) as sock:
        qtbot.waitUntil(lambda: len(table(window).peer_model.keys()) == 1)
        window.close()
        assert tab.worker.isFinished()
        assert sock.recv(10) == b""
    assert port_is_free(port)


def test_a_thousand_clients_in_the_table_and_the_status(qtbot: QtBot, window: MainWindow) -> None:
    port = start(qtbot, window)
    clients: list[socket.socket] = []
    try:
        for _ in range(1000):
            clients.append(connect(port))
        qtbot.waitUntil(lambda: status_text(window).endswith("· 1,000 clients"), timeout=20_000)
        qtbot.waitUntil(lambda: len(table(window).peer_model.keys()) == 1000, timeout=5000)
        assert set(table(window).peer_model.keys()) == {name_of(s) for s in clients}
        clients[500].sendall(b"one of many")
        assert recv_exactly(clients[500], 11) == b"one of many"
    finally:
        for sock in clients:
            sock.close()
    qtbot.waitUntil(lambda: status_text(window).endswith("· 0 clients"), timeout=20_000)
    assert table(window).peer_model.keys() == []
