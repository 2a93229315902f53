"""The HTTP Client tab driven through its objectNames against real servers on loopback:
the app's own HTTP Server tab, a redirecting server, one that never answers (WebSocket:
test_http_client_websocket.py)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)
from pytestqt.qtbot import QtBot

from app.net.events import Kind, Source
from app.ui.application import create_main_window
from app.ui.main_window import MainWindow
from tests.peers import SinkServer, free_port
from tests.ui.tabs.http_client_driver import (
    EXCHANGE_MS,
    hc_status,
    response_text,
    send,
    start_http_server,
)
from tests.ui.tabs.tab_driver import child, logged_events, status_of, stop_server

TAB = "httpClientTab"


class _Redirecting(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        if self.path == "/old":
            self._answer(302, b"", ("Location", "/new"))
        else:
            self._answer(200, f"Arrived at {self.path}".encode())

    def _answer(self, status: int, body: bytes, *headers: tuple[str, str]) -> None:
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass  # the test reads the tab, not the server's access log


@pytest.fixture
def redirect_server() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Redirecting)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()
    thread.join(5)


def test_every_named_widget_exists_with_its_default(window: MainWindow) -> None:
    method = child(window, QComboBox, "hcMethod")
    assert method.isEditable() and method.currentText() == "GET"
    assert [method.itemText(i) for i in range(method.count())] == [
        "GET",
        "POST",
        "PUT",
        "PATCH",
        "DELETE",
        "HEAD",
        "OPTIONS",
    ]
    assert child(window, QLineEdit, "hcUrl").text() == "http://127.0.0.1:8000/"
    assert child(window, QPlainTextEdit, "hcHeaders").toPlainText() == ""
    assert child(window, QLineEdit, "hcBody").text() == ""
    body_format = child(window, QComboBox, "hcBodyFormat")
    assert [body_format.itemText(i) for i in range(body_format.count())] == ["Text", "Hex"]
    assert child(window, QPushButton, "hcBodyLoadFile").text() == "Load file…"
    assert child(window, QPushButton, "hcSend").isEnabled()
    assert not child(window, QPushButton, "hcCancel").isEnabled()
    assert not child(window, QCheckBox, "hcFollow").isChecked()
    assert child(window, QDoubleSpinBox, "hcTimeout").value() == 30.0
    assert child(window, QCheckBox, "hcTlsVerify").isChecked()
    assert hc_status(window) == "Ready"
    assert child(window, QPlainTextEdit, "hcResponse").isReadOnly()
    formats = child(window, QComboBox, "hcResponseFormat")
    assert [formats.itemText(i) for i in range(formats.count())] == ["Text", "Pretty JSON", "Hex"]
    assert not child(window, QPushButton, "hcSaveBody").isEnabled()
    assert child(window, QWidget, "hcTiming").plain_text() == (
        "DNS — · Connect — · TLS — · First byte — · Download — · Total —"
    )
    for name in ("hcWsPing", "hcWsClose"):
        assert not child(window, QPushButton, name).isEnabled()
    assert child(window, QSpinBox, "hcWsCloseCode").value() == 1000
    assert child(window, QLineEdit, "hcWsCloseReason").text() == ""
    tab = child(window, QWidget, TAB)
    assert tab.payload_editor().field is child(window, QLineEdit, "hcBody")
    names = {w.objectName() for w in tab.input_widgets()}
    assert {"hcMethod", "hcUrl", "hcHeaders", "hcBody", "hcBodyFormat", "hcFollow"} <= names


def test_a_bad_url_header_or_method_is_named_at_the_field(window: MainWindow) -> None:
    url = child(window, QLineEdit, "hcUrl")
    error = child(window, QLabel, "hcUrlError")
    send_button = child(window, QPushButton, "hcSend")
    for text, message in (
        ("ftp://127.0.0.1/", "ftp:// is not supported: use http, https, ws or wss"),
        ("127.0.0.1:8000", "Start the URL with http://, https://, ws:// or wss://"),
        ("http://127.0.0.1:70000/", "The port must be a number from 1 to 65535"),
        ("http://127.0.0.1:0/", "The port must be a number from 1 to 65535"),
        ("http:///path", "The URL names no host, e.g. http://127.0.0.1:8000/"),
    ):
        url.setText(text)
        assert (error.isVisible(), error.text()) == (True, message)
        assert not send_button.isEnabled()
    url.setText("https://[::1]:8443/a b")
    assert not error.isVisible() and send_button.isEnabled()

    headers = child(window, QPlainTextEdit, "hcHeaders")
    headers.setPlainText("Accept: */*\nno colon here\n")
    headers_error = child(window, QLabel, "hcHeadersError")
    assert headers_error.text() == "Line 2: write a header as Name: value"
    assert [s.cursor.block().blockNumber() for s in headers.extraSelections()] == [1]
    assert not send_button.isEnabled()
    headers.setPlainText("Accept: */*\nX-Token: abc")
    assert not headers_error.isVisible() and headers.extraSelections() == []
    assert send_button.isEnabled()

    child(window, QComboBox, "hcMethod").setCurrentText("GE T")
    assert child(window, QLabel, "hcMethodError").isVisible()
    assert not send_button.isEnabled()
    child(window, QComboBox, "hcMethod").setCurrentText("PROPFIND")
    assert send_button.isEnabled()


def test_get_the_http_server_page_with_its_timing(qtbot: QtBot, window: MainWindow) -> None:
    port = start_http_server(qtbot, window)
    send(qtbot, window, f"http://127.0.0.1:{port}/")
    assert "Hello, client!" in response_text(window)
    assert response_text(window).startswith("HTTP/1.1 200 OK")
    assert hc_status(window).startswith("200 OK · ")
    assert hc_status(window).endswith("new connection · 14 B")
    timing = child(window, QWidget, "hcTiming").plain_text()
    assert timing.startswith("DNS — · Connect ")  # an IP address needs no DNS
    for name in ("hcTimingConnect", "hcTimingFirstByte", "hcTimingTotal"):
        assert child(window, QLabel, name).text().endswith(" ms")
    assert child(window, QLabel, "hcTimingTls").text() == "—"  # plain http
    assert child(window, QComboBox, "hcResponseFormat").currentText() == "Text"
    assert child(window, QPushButton, "hcSaveBody").isEnabled()

    # The next request to the same origin goes over the kept-alive connection.
    send(qtbot, window, f"http://127.0.0.1:{port}/again")
    assert "reused connection" in hc_status(window)
    assert child(window, QLabel, "hcTimingConnect").text() == "—"
    sent = logged_events(window, Source.HTTP_CLIENT, Kind.SENT)
    assert [e.data.split(b"\r\n")[0] for e in sent] == [b"GET / HTTP/1.1", b"GET /again HTTP/1.1"]
    stop_server(qtbot, window, "http")


def test_post_json_to_the_echo_mode_and_read_it_pretty(qtbot: QtBot, window: MainWindow) -> None:
    port = start_http_server(qtbot, window, "Echo request")
    child(window, QPlainTextEdit, "hcHeaders").setPlainText("Content-Type: application/json")
    child(window, QLineEdit, "hcBody").setText('{"name": "Ada", "n": {{counter}}}')
    send(qtbot, window, f"http://127.0.0.1:{port}/items?x=1", "POST")
    assert child(window, QComboBox, "hcResponseFormat").currentText() == "Pretty JSON"
    text = response_text(window)
    document = json.loads(text[text.index("\n\n") + 2 :])
    assert document["method"] == "POST" and document["path"] == "/items"
    assert json.loads(document["body"]) == {"name": "Ada", "n": 1}  # the macro, filled in
    assert document["headers"]["Content-Type"] == "application/json"
    assert '\n  "method": "POST",' in text  # indented two spaces

    # The next send renders the macros again.
    send(qtbot, window, f"http://127.0.0.1:{port}/items", "POST")
    text = response_text(window)
    assert json.loads(json.loads(text[text.index("\n\n") + 2 :])["body"])["n"] == 2

    # Hex shows the same body as a dump; Text as it came.
    child(window, QComboBox, "hcResponseFormat").setCurrentText("Hex")
    assert "00000000  7b 0a 20 20 22 6d" in response_text(window)
    stop_server(qtbot, window, "http")


def test_a_compact_json_answer_is_pretty_printed(qtbot: QtBot, window: MainWindow) -> None:
    child(window, QLineEdit, "httpContentType").setText("application/json")
    child(window, QPlainTextEdit, "httpBody").setPlainText('{"a":1,"b":[true,null]}')
    port = start_http_server(qtbot, window)
    send(qtbot, window, f"http://127.0.0.1:{port}/")
    assert response_text(window).endswith('{\n  "a": 1,\n  "b": [\n    true,\n    null\n  ]\n}')
    stop_server(qtbot, window, "http")


def test_a_redirect_is_followed_only_when_asked(
    qtbot: QtBot, window: MainWindow, redirect_server: int
) -> None:
    url = f"http://127.0.0.1:{redirect_server}/old"
    send(qtbot, window, url)
    assert hc_status(window).startswith("302 Found · ")
    assert "Location: /new" in response_text(window)

    child(window, QCheckBox, "hcFollow").setChecked(True)
    send(qtbot, window, url)
    assert hc_status(window).startswith("200 OK · ")
    assert "1 redirect followed" in hc_status(window)
    assert response_text(window).endswith("Arrived at /new")
    note = child(window, QLabel, "hcResponseNote").text()
    assert f"after 1 redirect to http://127.0.0.1:{redirect_server}/new" in note


def test_a_failure_names_its_phase_and_the_tab_is_ready_again(
    qtbot: QtBot, window: MainWindow
) -> None:
    send(qtbot, window, f"http://127.0.0.1:{free_port()}/")
    assert hc_status(window).startswith("Failed while connecting: ")
    assert "refused" in hc_status(window).lower()
    assert "No response." in response_text(window)
    assert not child(window, QPushButton, "hcCancel").isEnabled()
    assert child(window, QLabel, "hcTimingTotal").text().endswith(" ms")
    errors = logged_events(window, Source.HTTP_CLIENT, Kind.ERROR)
    assert len(errors) == 1


def test_cancel_a_request_nobody_answers(
    qtbot: QtBot, window: MainWindow, sink_server: SinkServer
) -> None:
    child(window, QLineEdit, "hcUrl").setText(f"http://127.0.0.1:{sink_server.port}/")
    send_button = child(window, QPushButton, "hcSend")
    cancel = child(window, QPushButton, "hcCancel")
    send_button.click()
    assert cancel.isEnabled() and not send_button.isEnabled()
    qtbot.waitUntil(lambda: b"GET / HTTP/1.1" in sink_server.received, timeout=EXCHANGE_MS)
    cancel.click()
    qtbot.waitUntil(send_button.isEnabled, timeout=EXCHANGE_MS)
    assert hc_status(window).startswith("Cancelled after ")
    assert not cancel.isEnabled()


@pytest.mark.parametrize(
    ("field", "modifier"),
    [
        ("hcUrl", Qt.KeyboardModifier.ControlModifier),
        ("hcUrl", Qt.KeyboardModifier.NoModifier),
        ("hcBody", Qt.KeyboardModifier.ControlModifier),
        ("hcBody", Qt.KeyboardModifier.NoModifier),
        ("hcHeaders", Qt.KeyboardModifier.ControlModifier),
    ],
)
def test_enter_keys_send_once(
    qtbot: QtBot,
    window: MainWindow,
    redirect_server: int,
    field: str,
    modifier: Qt.KeyboardModifier,
) -> None:
    child(window, QLineEdit, "hcUrl").setText(f"http://127.0.0.1:{redirect_server}/key")
    target = child(window, QWidget, field)
    target.setFocus()
    qtbot.keyClick(target, Qt.Key.Key_Return, modifier)
    send_button = child(window, QPushButton, "hcSend")
    qtbot.waitUntil(
        lambda: send_button.isEnabled() and hc_status(window).startswith("200"),
        timeout=EXCHANGE_MS,
    )
    assert len(logged_events(window, Source.HTTP_CLIENT, Kind.SENT)) == 1
    assert response_text(window).endswith("Arrived at /key")
    assert child(window, QPlainTextEdit, "hcHeaders").toPlainText() == ""  # no newline typed


def test_a_timeout_is_a_failure_of_its_phase(
    qtbot: QtBot, window: MainWindow, sink_server: SinkServer
) -> None:
    child(window, QDoubleSpinBox, "hcTimeout").setValue(0.3)
    send(qtbot, window, f"http://127.0.0.1:{sink_server.port}/")
    assert hc_status(window).startswith("Failed while waiting for the response: ")


def test_fields_are_restored_on_next_start(qtbot: QtBot, fresh_settings: str) -> None:
    first = create_main_window()
    child(first, QComboBox, "hcMethod").setCurrentText("DELETE")
    child(first, QLineEdit, "hcUrl").setText("https://[::1]:8443/items/7")
    child(first, QPlainTextEdit, "hcHeaders").setPlainText("Authorization: Bearer x")
    child(first, QLineEdit, "hcBody").setText("00 01")
    child(first, QComboBox, "hcBodyFormat").setCurrentText("Hex")
    child(first, QCheckBox, "hcFollow").setChecked(True)
    child(first, QCheckBox, "hcTlsVerify").setChecked(False)
    child(first, QDoubleSpinBox, "hcTimeout").setValue(2.5)
    child(first, QSpinBox, "hcWsCloseCode").setValue(4001)
    first.close()
    first.deleteLater()
    second = create_main_window()
    qtbot.addWidget(second)
    assert child(second, QComboBox, "hcMethod").currentText() == "DELETE"
    assert child(second, QLineEdit, "hcUrl").text() == "https://[::1]:8443/items/7"
    assert child(second, QPlainTextEdit, "hcHeaders").toPlainText() == "Authorization: Bearer x"
    assert child(second, QComboBox, "hcBodyFormat").currentText() == "Hex"
    assert child(second, QLineEdit, "hcBody").text() == "00 01"
    assert child(second, QCheckBox, "hcFollow").isChecked()
    assert not child(second, QCheckBox, "hcTlsVerify").isChecked()
    assert child(second, QDoubleSpinBox, "hcTimeout").value() == 2.5
    assert child(second, QSpinBox, "hcWsCloseCode").value() == 4001


def test_a_method_typed_by_hand_is_restored(qtbot: QtBot, fresh_settings: str) -> None:
    first = create_main_window()
    child(first, QComboBox, "hcMethod").setCurrentText("PROPFIND")
    first.close()
    first.deleteLater()
    second = create_main_window()
    qtbot.addWidget(second)
    assert child(second, QComboBox, "hcMethod").currentText() == "PROPFIND"


def test_a_large_file_is_shown_in_part_and_saved_whole(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    served = tmp_path / "www"
    served.mkdir()
    data = bytes(range(256)) * (12 * 1024)  # 3 MB of binary
    (served / "big.bin").write_bytes(data)
    child(window, QLineEdit, "httpFolder").setText(str(served))
    port = start_http_server(qtbot, window, "Serve folder")
    send(qtbot, window, f"http://127.0.0.1:{port}/big.bin")
    assert hc_status(window).startswith("200 OK") and hc_status(window).endswith("3.1 MB")
    assert child(window, QComboBox, "hcResponseFormat").currentText() == "Hex"
    note = child(window, QLabel, "hcResponseNote")
    qtbot.waitUntil(lambda: note.text().startswith("showing the first 65.5 kB of 3.1 MB"))
    assert response_text(window).count("\n") < 5000
    tab = child(window, QWidget, TAB)
    target = tmp_path / "saved.bin"
    tab.response.save_body(target)
    qtbot.waitUntil(lambda: note.text().startswith("Saved"))
    assert target.read_bytes() == data

    # HEAD: the same head, no body.
    send(qtbot, window, f"http://127.0.0.1:{port}/big.bin", "HEAD")
    assert hc_status(window).startswith("200 OK") and hc_status(window).endswith("0 B")
    assert f"Content-Length: {len(data)}" in response_text(window)
    assert not child(window, QPushButton, "hcSaveBody").isEnabled()
    stop_server(qtbot, window, "http")


def test_https_with_and_without_verification(qtbot: QtBot, window: MainWindow) -> None:
    child(window, QCheckBox, "httpTls").setChecked(True)
    port = start_http_server(qtbot, window)
    assert status_of(window, "http").startswith("Running on https://")
    url = f"https://127.0.0.1:{port}/"
    # The generated certificate is trusted by no authority: verification refuses it.
    send(qtbot, window, url)
    assert hc_status(window).startswith("Failed in the TLS handshake: ")
    assert child(window, QPushButton, "hcSend").isEnabled()

    child(window, QCheckBox, "hcTlsVerify").setChecked(False)
    send(qtbot, window, url)
    assert hc_status(window).startswith("200 OK · ")
    assert hc_status(window).endswith(" · certificate not verified")
    assert response_text(window).endswith("Hello, client!")
    assert child(window, QLabel, "hcTimingTls").text().endswith(" ms")
    stop_server(qtbot, window, "http")


def test_the_messages_panel_sends_a_saved_message_as_the_body(
    qtbot: QtBot, window: MainWindow
) -> None:
    port = start_http_server(qtbot, window, "Echo request")
    child(window, QComboBox, "hcBodyFormat").setCurrentText("Text")
    child(window, QLineEdit, "hcBody").setText('{"saved": true}')
    child(window, QLineEdit, "messageName").setText("json body")
    child(window, QPushButton, "messageSave").click()
    child(window, QLineEdit, "hcBody").setText("something else")
    window.messages_panel.select("json body")
    child(window, QComboBox, "hcMethod").setCurrentText("PUT")
    child(window, QLineEdit, "hcUrl").setText(f"http://127.0.0.1:{port}/doc")
    child(window, QPushButton, "messageSend").click()
    qtbot.waitUntil(lambda: hc_status(window).startswith("200 OK"), timeout=EXCHANGE_MS)
    text = response_text(window)
    document = json.loads(text[text.index("\n\n") + 2 :])
    assert (document["method"], document["body"]) == ("PUT", '{"saved": true}')
    stop_server(qtbot, window, "http")
