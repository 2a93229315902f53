"""The Relay tab driven through its objectNames, between real clients and targets."""

from __future__ import annotations

import socket
import time

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QLineEdit, QPushButton, QSpinBox
from pytestqt.qtbot import QtBot

from app.net.events import Kind, LogEvent, Source
from app.ui.log.model import COL_PEER
from app.ui.main_window import MainWindow
from app.ui.tabs.relay import RelayTab
from app.ui.widgets.peer_table import PeerTableView
from tests.net.tcp.server_clients import recv_exactly
from tests.peers import EchoServer, free_port
from tests.udp_peers import UdpReceiver
from tests.ui.tabs.tab_driver import child, click, logged_events, status_of

TAB = "relayTab"


def relay_events(window: MainWindow, kind: Kind | None = None) -> list[LogEvent]:
    return logged_events(window, Source.RELAY, kind)


def table(window: MainWindow) -> PeerTableView:
    view = child(window, PeerTableView, "relayConnections")
    assert isinstance(view, PeerTableView)
    return view


def start(qtbot: QtBot, window: MainWindow, target_port: int, protocol: str = "TCP") -> int:
    child(window, QComboBox, "relayProtocol").setCurrentText(protocol)
    port = free_port(socket.AF_INET)
    child(window, QSpinBox, "relayListenPort").setValue(port)
    child(window, QSpinBox, "relayTargetPort").setValue(target_port)
    click(qtbot, window, "relayStart")
    qtbot.waitUntil(lambda: status_of(window, "relay").startswith("Relaying"), timeout=5000)
    return port


def stop(qtbot: QtBot, window: MainWindow) -> None:
    click(qtbot, window, "relayStart")
    qtbot.waitUntil(lambda: status_of(window, "relay") == "Stopped", timeout=5000)


def peer_cells(window: MainWindow, data: bytes) -> list[str]:
    """The log's Peer column, as shown, for the relay rows carrying `data`."""
    model = window.log_pane.model
    return [
        model.index(row, COL_PEER).data()
        for row in range(model.rowCount())
        if model.event_at(row).source is Source.RELAY and model.event_at(row).data == data
    ]


def name_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"{host}:{port}"


def test_defaults_and_widgets(window: MainWindow) -> None:
    tabs = window.tabs
    tab = child(window, RelayTab, "relayTab")
    assert tabs.tabText(tabs.indexOf(tab)) == "Relay"
    assert tabs.indexOf(tab) == tabs.indexOf(child(window, object, "udpListenerTab")) + 1
    protocol = child(window, QComboBox, "relayProtocol")
    assert [protocol.itemText(i) for i in range(protocol.count())] == ["TCP", "UDP"]
    assert child(window, QLineEdit, "relayListenHost").text() == "127.0.0.1"
    assert child(window, QSpinBox, "relayListenPort").value() == 9000
    assert child(window, QLineEdit, "relayTargetHost").text() == "127.0.0.1"
    assert child(window, QSpinBox, "relayTargetPort").value() == 8000
    assert child(window, QPushButton, "relayStart").text() == "Start"
    assert status_of(window, "relay") == "Stopped"
    for name in ("relayDelay", "relayJitter", "relayRate", "relayChunk", "relayCloseAfter"):
        assert child(window, QSpinBox, name).value() == 0
    for name in ("relayDrop", "relayCorrupt"):
        assert child(window, QDoubleSpinBox, name).value() == 0.0
    direction = child(window, QComboBox, "relayDirection")
    assert [direction.itemText(i) for i in range(direction.count())] == [
        "Both",
        "Client to target",
        "Target to client",
    ]
    assert child(window, QLineEdit, "relayPayload") is not None
    assert child(window, QComboBox, "relayFormat") is not None
    headers = [table(window).model().headerData(i, Qt.Orientation.Horizontal) for i in range(5)]
    assert headers == ["Client", "Age", "To target", "To client", "State"]
    for name in ("relayInjectToTarget", "relayInjectToClient"):
        assert not child(window, QPushButton, name).isEnabled()
    assert not child(window, QDoubleSpinBox, "relayDrop").isEnabled()  # TCP: UDP only
    framing = child(window, QComboBox, "relayFraming")
    assert framing.currentText() == "As received" and framing.isEnabled()
    assert child(window, QLineEdit, "relayFramingArg") is not None
    child(window, QComboBox, "relayProtocol").setCurrentText("UDP")
    assert child(window, QDoubleSpinBox, "relayDrop").isEnabled()
    assert not child(window, QSpinBox, "relayCloseAfter").isEnabled()
    assert not framing.isEnabled()  # a datagram is a message already


def test_both_directions_then_a_live_delay_then_inject(qtbot: QtBot, window: MainWindow) -> None:
    with EchoServer() as echo:
        port = start(qtbot, window, echo.port)
        with socket.create_connection(("127.0.0.1", port), timeout=10) as client:
            client.sendall(b"Hello")
            assert recv_exactly(client, 5) == b"Hello"
            me = name_of(client)
            qtbot.waitUntil(lambda: table(window).peer_model.keys() == [me])
            qtbot.waitUntil(lambda: status_of(window, "relay").endswith("· 1 connection"))
            child(window, QSpinBox, "relayDelay").setValue(300)  # applied live
            start_time = time.monotonic()
            client.sendall(b"later")
            assert recv_exactly(client, 5) == b"later"
            assert time.monotonic() - start_time >= 0.59
            child(window, QSpinBox, "relayDelay").setValue(0)
            child(window, QLineEdit, "relayPayload").setText("from the relay")
            qtbot.waitUntil(lambda: child(window, QPushButton, "relayInjectToClient").isEnabled())
            click(qtbot, window, "relayInjectToClient")  # none selected: every client
            assert recv_exactly(client, 14) == b"from the relay"
            table(window).select_keys([me])
            click(qtbot, window, "relayInjectToTarget")
            assert recv_exactly(client, 14) == b"from the relay"  # the echo's answer
            qtbot.waitUntil(lambda: any(r.to_client == 38 for r in table(window).peer_model._rows))
        stop(qtbot, window)
    rows = [(e.kind, e.peer) for e in relay_events(window) if e.data == b"Hello"]
    target = f"127.0.0.1:{echo.port}"
    assert rows == [
        (Kind.RECEIVED, me),
        (Kind.SENT, target),
        (Kind.RECEIVED, target),
        (Kind.SENT, me),
    ]
    assert peer_cells(window, b"Hello") == [
        f"client {me} →",
        f"→ target {target}",
        f"target {target} →",
        f"→ client {me}",
    ]


def test_a_refused_target_is_one_line(qtbot: QtBot, window: MainWindow) -> None:
    port = start(qtbot, window, free_port())
    with socket.create_connection(("127.0.0.1", port), timeout=10) as client:
        try:
            assert client.recv(10) == b""
        except ConnectionResetError:
            pass
    qtbot.waitUntil(lambda: bool(relay_events(window, Kind.ERROR)))
    (error,) = relay_events(window, Kind.ERROR)
    assert "Connection refused" in error.message
    stop(qtbot, window)


def test_udp_with_every_datagram_dropped(qtbot: QtBot, window: MainWindow) -> None:
    with UdpReceiver() as target:
        port = start(qtbot, window, target.port, "UDP")
        child(window, QDoubleSpinBox, "relayDrop").setValue(100.0)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as client:
            for _ in range(10):
                client.sendto(b"lost", ("127.0.0.1", port))
            qtbot.waitUntil(lambda: len(relay_events(window, Kind.RECEIVED)) == 10)
            child(window, QDoubleSpinBox, "relayDrop").setValue(0.0)
            client.sendto(b"kept", ("127.0.0.1", port))
            assert target.wait_for(lambda: target.count == 1)
        assert target.datagrams == [b"kept"]
        stop(qtbot, window)
