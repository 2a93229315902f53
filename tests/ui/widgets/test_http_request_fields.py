"""The HTTP Client's URL, method and header checks, and the fields that show them."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from app.ui.widgets.http_request_fields import (
    HeadersField,
    InputError,
    TargetUrl,
    UrlField,
    check_method,
    check_url,
    parse_request_headers,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("http://127.0.0.1:8000/", TargetUrl("http://127.0.0.1:8000/", "http", "127.0.0.1", 8000)),
        (
            "  HTTPS://Example.com/a  ",
            TargetUrl("HTTPS://Example.com/a", "https", "example.com", 443),
        ),
        ("ws://[::1]:9001/chat", TargetUrl("ws://[::1]:9001/chat", "ws", "::1", 9001)),
        ("wss://localhost", TargetUrl("wss://localhost", "wss", "localhost", 443)),
        ("http://h/a b?q=é", TargetUrl("http://h/a b?q=é", "http", "h", 80)),
    ],
)
def test_usable_urls(text: str, expected: TargetUrl) -> None:
    assert check_url(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Enter a URL, e.g. http://127.0.0.1:8000/"),
        ("localhost:8000", "Start the URL with http://, https://, ws:// or wss://"),
        ("gopher://h/", "gopher:// is not supported: use http, https, ws or wss"),
        ("http://h:65536/", "The port must be a number from 1 to 65535"),
        ("http://h:abc/", "The port must be a number from 1 to 65535"),
        ("http://h:0/", "The port must be a number from 1 to 65535"),
        ("http://:80/", "The URL names no host, e.g. http://127.0.0.1:8000/"),
        ("http://999.1.1.1/", "999.1.1.1 is not a valid IPv4 address"),
        ("http://user:pw@h/", "Credentials in the URL are not sent: use an Authorization header"),
        ("http://h/\x07", "A URL cannot contain control characters"),
    ],
)
def test_unusable_urls_say_why(text: str, message: str) -> None:
    with pytest.raises(InputError) as caught:
        check_url(text)
    assert caught.value.message == message


def test_websocket_and_tls_schemes() -> None:
    assert check_url("wss://h/").is_websocket and check_url("wss://h/").uses_tls
    assert not check_url("http://h/").is_websocket and not check_url("http://h/").uses_tls


def test_methods() -> None:
    assert check_method(" PROPFIND ") == "PROPFIND"
    for bad, message in (("", "Enter a method, e.g. GET"), ("GE T", "'GE T' is not a valid")):
        with pytest.raises(InputError, match=message):
            check_method(bad)


def test_headers_keep_order_case_and_skip_blank_lines() -> None:
    text = "Accept: */*\r\n\n  \nX-Token:  a:b \nhost: example.com\nX-Empty:"
    assert parse_request_headers(text) == (
        ("Accept", "*/*"),
        ("X-Token", "a:b"),
        ("host", "example.com"),
        ("X-Empty", ""),
    )


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("A: 1\nno colon", 2, "Line 2: write a header as Name: value"),
        ("Bad Name: 1", 1, "Line 1: 'Bad Name' is not a valid header name"),
        ("\n\nX: a\x01b", 3, "Line 3: control characters are not allowed"),
        ("X: ✓", 1, "Line 1: header values must be Latin-1 (use %-encoding)"),
    ],
)
def test_a_bad_header_line_is_named(text: str, line: int, message: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_request_headers(text)
    assert (caught.value.line, caught.value.message) == (line, message)


def test_fields_report_validity_changes(qtbot: QtBot) -> None:
    url = UrlField()
    headers = HeadersField()
    qtbot.addWidget(url)
    qtbot.addWidget(headers)
    assert url.target() is not None and headers.headers() == ()
    with qtbot.waitSignal(url.validity_changed) as blocker:
        url.setText("nope")
    assert blocker.args == [False] and url.target() is None
    assert url.error_label.text().startswith("Start the URL with")
    with qtbot.waitSignal(headers.validity_changed) as blocker:
        headers.setPlainText("X: 1\n:")
    assert blocker.args == [False] and headers.headers() is None
    assert [s.cursor.block().blockNumber() for s in headers.extraSelections()] == [1]
    with qtbot.waitSignal(headers.validity_changed) as blocker:
        headers.setPlainText("X: 1")
    assert blocker.args == [True] and headers.headers() == (("X", "1"),)
