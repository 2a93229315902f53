"""build_response / error_response: one bytes object a real HTTP client parses as sent."""

from __future__ import annotations

import re

import pytest

from app.net.http.responses import (
    build_response,
    error_page,
    error_response,
    has_body,
    http_date,
    reason_phrase,
)

h11 = pytest.importorskip("h11")


def parse(raw: bytes, method: bytes = b"GET") -> tuple[object, bytes]:
    """The response and its body as h11, a strict client, reads them."""
    client = h11.Connection(h11.CLIENT)
    client.send(h11.Request(method=method, target="/", headers=[("Host", "x")]))
    client.send(h11.EndOfMessage())
    client.receive_data(raw)
    response = client.next_event()
    assert isinstance(response, h11.Response), response
    body = b""
    while True:
        event = client.next_event()
        if isinstance(event, h11.Data):
            body += event.data
        elif isinstance(event, h11.EndOfMessage):
            return response, body
        else:
            raise AssertionError(f"unexpected {event!r} after {body!r}")


def headers_of(response: object) -> dict[bytes, bytes]:
    return dict(response.headers)  # type: ignore[attr-defined]


def test_a_response_with_a_body() -> None:
    raw = build_response(200, [("X-Test", "1")], b"Hello", content_type="text/plain")
    response, body = parse(raw)
    assert response.status_code == 200 and response.reason == b"OK"  # type: ignore[attr-defined]
    assert body == b"Hello"
    headers = headers_of(response)
    assert headers[b"content-length"] == b"5"
    assert headers[b"content-type"] == b"text/plain"
    assert headers[b"x-test"] == b"1"
    assert headers[b"server"] == b"SocketTester"
    assert raw.endswith(b"\r\n\r\nHello")


def test_head_keeps_the_length_and_drops_the_body() -> None:
    raw = build_response(200, (), b"Hello", head_only=True)
    response, body = parse(raw, b"HEAD")
    assert body == b"" and headers_of(response)[b"content-length"] == b"5"
    assert raw.endswith(b"\r\n\r\n")


def test_bodiless_statuses_have_no_body_and_304_no_length() -> None:
    assert not has_body(204) and not has_body(304) and not has_body(101) and has_body(404)
    no_content = build_response(204, (), b"ignored")
    assert b"Content-Length" not in no_content and no_content.endswith(b"\r\n\r\n")
    assert b"Content-Length" not in build_response(304, (), b"ignored")
    response, body = parse(no_content)
    assert response.status_code == 204 and body == b""  # type: ignore[attr-defined]


def test_content_length_override_for_a_body_sent_separately() -> None:
    raw = build_response(200, (), b"", content_length=1_000_000, head_only=True)
    assert b"Content-Length: 1000000\r\n" in raw


def test_error_response_closes_and_escapes_the_message() -> None:
    raw = error_response(400, "bad <chunk> size")
    response, body = parse(raw)
    assert response.status_code == 400  # type: ignore[attr-defined]
    assert headers_of(response)[b"connection"] == b"close"
    assert b"bad &lt;chunk&gt; size" in body and b"<h1>400 Bad Request</h1>" in body
    assert body == error_page(400, "bad <chunk> size")


def test_reason_phrases_and_the_date_format() -> None:
    assert reason_phrase(404) == "Not Found"
    assert reason_phrase(599) == "Unknown"
    assert re.fullmatch(
        rb"[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT", http_date()
    )
