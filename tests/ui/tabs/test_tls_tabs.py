"""TLS through the tabs: the TCP Client against the TCP Server with TLS, and HTTPS.

A person's path: start the TLS server with one tick, connect with Verify on and read why
it fails, add the server's certificate as CA file and connect, see the session row.
"""

from __future__ import annotations

import socket
import ssl

from PySide6.QtWidgets import QCheckBox, QLabel, QLineEdit, QSpinBox
from pytestqt.qtbot import QtBot

from app.net.events import Kind, Source
from app.ui.main_window import MainWindow
from app.ui.widgets.tls_fields import settings_folder
from tests.peers import free_port
from tests.ui.tabs.tab_driver import child, click, logged_events, start_server, status_of


def generated_pem() -> str:
    return str(settings_folder() / "tls-self-signed.pem")


def test_tcp_client_and_server_over_tls(qtbot: QtBot, window: MainWindow) -> None:
    child(window, QCheckBox, "tcpsTls").setChecked(True)
    port = start_server(qtbot, window, "tcps", "Listening on", free_port())
    assert "TLS, SHA-256 " in status_of(window, "tcps")
    assert not child(window, QCheckBox, "tcpsTls").isEnabled()

    child(window, QCheckBox, "tcpTls").setChecked(True)
    child(window, QLineEdit, "tcpHost").setText("localhost")
    child(window, QSpinBox, "tcpPort").setValue(port)
    click(qtbot, window, "tcpConnect")
    qtbot.waitUntil(lambda: bool(logged_events(window, Source.TCP, Kind.ERROR)), timeout=10_000)
    [error] = logged_events(window, Source.TCP, Kind.ERROR)
    assert error.message.endswith("self-signed certificate: tick off Verify or add its CA")
    qtbot.waitUntil(lambda: status_of(window, "tcp") == "Disconnected")

    child(window, QLineEdit, "tcpTlsCa").setText(generated_pem())
    click(qtbot, window, "tcpConnect")
    qtbot.waitUntil(lambda: status_of(window, "tcp").endswith("over TLS"), timeout=10_000)
    summary = [
        e for e in logged_events(window, Source.TCP, Kind.INFO) if "TLS handshake done" in e.message
    ]
    assert summary and "Names: localhost, 127.0.0.1, ::1" in summary[0].detail
    click(qtbot, window, "tcpSend")
    qtbot.waitUntil(
        lambda: (
            [e.data for e in logged_events(window, Source.TCP, Kind.RECEIVED)]
            == [b"Hello, server!"]
        ),
        timeout=10_000,
    )
    assert "plaintext" in child(window, QLabel, "tcpCounters").toolTip()
    click(qtbot, window, "tcpConnect")  # Disconnect
    qtbot.waitUntil(lambda: status_of(window, "tcp") == "Disconnected")


def test_tcp_client_with_verify_off_warns(qtbot: QtBot, window: MainWindow) -> None:
    child(window, QCheckBox, "tcpsTls").setChecked(True)
    port = start_server(qtbot, window, "tcps", "Listening on", free_port())
    child(window, QCheckBox, "tcpTls").setChecked(True)
    child(window, QCheckBox, "tcpTlsVerify").setChecked(False)
    child(window, QSpinBox, "tcpPort").setValue(port)
    click(qtbot, window, "tcpConnect")
    qtbot.waitUntil(lambda: status_of(window, "tcp").endswith("over TLS"), timeout=10_000)
    [warning] = logged_events(window, Source.TCP, Kind.ERROR)
    assert "was not checked (Verify is off)" in warning.message


def test_https_with_one_tick(qtbot: QtBot, window: MainWindow) -> None:
    child(window, QCheckBox, "httpTls").setChecked(True)
    port = start_server(qtbot, window, "http", "Running on https://", free_port())
    assert child(window, QLabel, "httpUrl").text().count(f"https://127.0.0.1:{port}/") == 2
    context = ssl.create_default_context(cafile=generated_pem())
    with (
        socket.create_connection(("127.0.0.1", port), timeout=10) as raw,
        context.wrap_socket(raw, server_hostname="localhost") as conn,
    ):
        conn.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 200 ") and answer.endswith(b"Hello, client!")
    fingerprint = child(window, QLabel, "httpStatus").toolTip()
    assert fingerprint.startswith("Server certificate SHA-256: ")
    qtbot.waitUntil(
        lambda: any(e.message.startswith("GET / → 200") for e in logged_events(window, Source.HTTP))
    )
