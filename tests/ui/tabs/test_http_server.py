"""The HTTP Server tab driven through its objectNames, with real clients on loopback."""

from __future__ import annotations

import http.client
import json
import socket
from pathlib import Path

from PySide6.QtCore import QObject, QUrl, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
)
from pytestqt.qtbot import QtBot

from app.net.events import Kind, LogEvent, Source
from app.ui.application import create_main_window
from app.ui.main_window import MainWindow
from app.ui.tabs.http_server import HttpServerTab
from tests.peers import free_port
from tests.ui.tabs.tab_driver import (
    child,
    click,
    logged_events,
    start_server,
    status_of,
    stop_server,
)

TAB = "httpTab"


def status_text(window: MainWindow) -> str:
    return status_of(window, "http")


def start(qtbot: QtBot, window: MainWindow, port: int | None = None) -> int:
    return start_server(qtbot, window, "http", "Running on", port or free_port())


def stop(qtbot: QtBot, window: MainWindow) -> None:
    stop_server(qtbot, window, "http")


def get(port: int, method: str = "GET", path: str = "/", body: bytes | None = None):  # type: ignore[no-untyped-def]
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(method, path, body=body)
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


def http_events(window: MainWindow) -> list[LogEvent]:
    return logged_events(window, Source.HTTP)


def wait_for_log(qtbot: QtBot, window: MainWindow, prefix: str) -> LogEvent:
    def found() -> bool:
        return any(e.message.startswith(prefix) for e in http_events(window))

    qtbot.waitUntil(found, timeout=5000)
    return next(e for e in http_events(window) if e.message.startswith(prefix))


def test_defaults_follow_the_tutorial(window: MainWindow) -> None:
    assert child(window, QLineEdit, "httpBind").text() == "127.0.0.1"
    assert child(window, QSpinBox, "httpPort").value() == 8000
    assert child(window, QPushButton, "httpStart").text() == "Start"
    assert child(window, QComboBox, "httpMode").currentText() == "Fixed response"
    assert [child(window, QComboBox, "httpMode").itemText(i) for i in range(3)] == [
        "Fixed response",
        "Echo request",
        "Serve folder",
    ]
    assert child(window, QSpinBox, "httpStatusCode").value() == 200
    assert child(window, QLineEdit, "httpContentType").text() == "text/html; charset=utf-8"
    assert child(window, QPlainTextEdit, "httpHeaders").toPlainText() == ""
    assert child(window, QPlainTextEdit, "httpBody").toPlainText() == "Hello, client!"
    assert child(window, QLineEdit, "httpFolder").text() == ""
    assert status_text(window) == "Stopped"
    assert not child(window, QPushButton, "httpOpen").isEnabled()
    assert child(window, QLabel, "httpUrl") is not None
    assert child(window, QLabel, "httpWarning").isHidden()
    assert "HTTP Server" in [window.tabs.tabText(i) for i in range(window.tabs.count())]


def test_start_serve_edit_and_stop(qtbot: QtBot, window: MainWindow) -> None:
    port = start(qtbot, window)
    url = f"http://127.0.0.1:{port}/"
    assert status_text(window) == f"Running on {url}"
    assert url in child(window, QLabel, "httpUrl").text()
    assert child(window, QPushButton, "httpStart").text() == "Stop"
    assert not child(window, QLineEdit, "httpBind").isEnabled()

    status, headers, body = get(port)
    assert (status, body) == (200, b"Hello, client!")
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    event = wait_for_log(qtbot, window, "GET / → 200")
    assert event.peer.startswith("127.0.0.1:") and event.size > 14
    assert "GET / HTTP/1.1" in event.detail

    # Edits apply to the next request, no restart.
    body_field = child(window, QPlainTextEdit, "httpBody")
    body_field.setPlainText("Changed ✓")
    child(window, QSpinBox, "httpStatusCode").setValue(418)
    child(window, QPlainTextEdit, "httpHeaders").setPlainText("X-One: 1\nX-Two: two")
    status, headers, body = get(port, "POST", "/form", b"a=1")
    assert (status, body, headers["X-Two"]) == (418, "Changed ✓".encode(), "two")
    event = wait_for_log(qtbot, window, "POST /form → 418")
    assert "a=1" in event.detail

    # The selected row's detail shows the request.
    model = window.log_pane.model
    row = next(r for r in range(model.rowCount()) if model.event_at(r) is event)
    window.log_pane.view.selectRow(row)
    detail = child(window, QPlainTextEdit, "logDetail")
    qtbot.waitUntil(lambda: "POST /form HTTP/1.1" in detail.toPlainText())

    stop(qtbot, window)
    with socket.socket() as probe:  # the port is free at once
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(("127.0.0.1", port))
    assert not child(window, QPushButton, "httpOpen").isEnabled()


def test_bad_header_line_is_refused_at_the_field(qtbot: QtBot, window: MainWindow) -> None:
    headers = child(window, QPlainTextEdit, "httpHeaders")
    headers.setPlainText("No colon here")
    error = child(window, QLabel, "httpHeadersError")
    assert error.isVisible() and "Name: value" in error.text()
    click(qtbot, window, "httpStart")
    assert status_text(window) == "Stopped"  # Start refused
    headers.setPlainText("Content-Length: 5")
    assert "set automatically" in error.text()
    headers.setPlainText("X-Fine: yes")
    assert not error.isVisible()

    port = start(qtbot, window)
    headers.setPlainText("Broken")  # while running: the last good answer stays
    status, response_headers, _ = get(port)
    assert (status, response_headers["X-Fine"]) == (200, "yes")


def test_echo_mode(qtbot: QtBot, window: MainWindow) -> None:
    port = start(qtbot, window)
    child(window, QComboBox, "httpMode").setCurrentText("Echo request")
    status, headers, body = get(port, "PUT", "/echo?q=1", b"\xff\xfe")
    doc = json.loads(body)
    assert (status, headers["Content-Type"]) == (200, "application/json")
    assert (doc["method"], doc["path"], doc["query"]) == ("PUT", "/echo", {"q": ["1"]})
    assert (doc["body"], doc["body_base64"]) == ("//4=", True)


def test_folder_mode_and_its_field_check(qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("<p>folder home</p>")
    folder = child(window, QLineEdit, "httpFolder")
    child(window, QComboBox, "httpMode").setCurrentText("Serve folder")
    error = child(window, QLabel, "httpFolderError")
    folder.setText(str(tmp_path / "missing"))
    assert error.isVisible() and "No folder" in error.text()
    click(qtbot, window, "httpStart")
    assert status_text(window) == "Stopped"
    folder.setText(str(tmp_path))
    assert not error.isVisible()
    port = start(qtbot, window)
    assert get(port)[2] == b"<p>folder home</p>"
    assert get(port, "POST")[0] == 405
    wait_for_log(qtbot, window, "POST / → 405")


def test_stop_closes_keep_alive_and_restart_on_the_same_port(
    qtbot: QtBot, window: MainWindow
) -> None:
    port = start(qtbot, window)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/")
    assert conn.getresponse().read() == b"Hello, client!"
    stop(qtbot, window)
    assert conn.sock is not None
    conn.sock.settimeout(5)
    assert conn.sock.recv(10) == b""  # closed by Stop, not served
    conn.close()
    start(qtbot, window, port)
    assert get(port)[2] == b"Hello, client!"


def test_port_in_use_returns_to_stopped(qtbot: QtBot, window: MainWindow) -> None:
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        port = blocker.getsockname()[1]
        child(window, QSpinBox, "httpPort").setValue(port)
        click(qtbot, window, "httpStart")
        qtbot.waitUntil(lambda: "is in use" in status_text(window), timeout=5000)
    assert child(window, QPushButton, "httpStart").text() == "Start"
    assert child(window, QPushButton, "httpStart").isEnabled()
    errors = [e for e in http_events(window) if e.kind is Kind.ERROR]
    assert len(errors) == 1 and f"Port {port} is in use" in errors[0].message


def test_network_bind_shows_a_warning_and_bad_bind_is_refused(
    qtbot: QtBot, window: MainWindow
) -> None:
    bind = child(window, QLineEdit, "httpBind")
    warning = child(window, QLabel, "httpWarning")
    for address in ("0.0.0.0", "::", "192.168.1.10"):
        bind.setText(address)
        assert warning.isVisible() and "Reachable from the network" in warning.text()
    for address in ("127.0.0.1", "::1", "localhost", "[::1]"):
        bind.setText(address)
        assert not warning.isVisible()
    bind.setText("not an address")
    click(qtbot, window, "httpStart")
    bind_error = child(window, QLabel, "httpBindError")
    assert bind_error.isVisible() and "IP address" in bind_error.text()
    assert status_text(window) == "Stopped"


class _UrlCatcher(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.urls.append(url.toString())


def test_open_in_browser_opens_the_url(qtbot: QtBot, window: MainWindow) -> None:
    catcher = _UrlCatcher()
    QDesktopServices.setUrlHandler("http", catcher, "open")
    try:
        port = start(qtbot, window)
        click(qtbot, window, "httpOpen")
        assert catcher.urls == [f"http://127.0.0.1:{port}/"]
    finally:
        QDesktopServices.unsetUrlHandler("http")


def test_fields_are_remembered(qtbot: QtBot, fresh_settings: str) -> None:
    first = create_main_window()
    qtbot.addWidget(first)
    first.findChild(QPlainTextEdit, "httpBody").setPlainText("remembered")
    first.findChild(QComboBox, "httpMode").setCurrentText("Echo request")
    first.close()
    second = create_main_window()
    qtbot.addWidget(second)
    assert second.findChild(QPlainTextEdit, "httpBody").toPlainText() == "remembered"
    assert second.findChild(QComboBox, "httpMode").currentText() == "Echo request"
    second.close()


def test_closing_the_window_while_running(qtbot: QtBot, window: MainWindow) -> None:
    port = start(qtbot, window)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/")
    conn.getresponse().read()
    tab = window.findChild(HttpServerTab, "httpTab")
    window.close()
    assert tab.worker.isFinished()
    assert conn.sock is not None
    conn.sock.settimeout(5)
    assert conn.sock.recv(10) == b""
    conn.close()
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(("127.0.0.1", port))
