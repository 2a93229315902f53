"""The HTTP server's log lines, built from parsed requests without a socket."""

from __future__ import annotations

import time

import pytest

from app.net.events import Kind, Source
from app.net.http.config import ServerLimits
from app.net.http.request import Request, RequestParser
from app.net.http.request_log import (
    BODY_PREVIEW,
    connection_event,
    internal_error_event,
    readable,
    refused_event,
    request_event,
)

RESPONSE_HEAD = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n"


def parse(raw: bytes) -> Request:
    parser = RequestParser(ServerLimits())
    parser.feed(raw)
    request = parser.next_request()
    assert request is not None
    return request


@pytest.mark.parametrize(
    ("wire", "shown"),
    [
        ("/plain", "/plain"),
        ("/caf\xc3\xa9", "/café"),  # UTF-8 bytes, one Latin-1 character each on the wire
        ("\xe9t\xe9", "\\xe9t\\xe9"),  # not UTF-8: visible escapes, no byte lost
        ("", ""),
    ],
)
def test_readable_shows_utf_8_and_escapes_the_rest(wire: str, shown: str) -> None:
    assert readable(wire) == shown


def test_a_served_request_is_its_own_bytes_with_the_answer_in_the_message() -> None:
    raw = b"POST /form?x=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n"
    request = parse(raw + b"hello")
    before = time.time()
    event = request_event("127.0.0.1:5000", request, 200, 1234, RESPONSE_HEAD)
    assert (event.source, event.kind, event.peer) == (Source.HTTP, Kind.RECEIVED, "127.0.0.1:5000")
    # request.head is the request line and headers as the parser keeps them.
    assert event.data == request.head + b"hello"
    assert event.size == len(request.head) + 5
    assert before <= event.time <= time.time()
    assert event.message.startswith("POST /form?x=1 → 200, 1,234 B (")
    assert event.message.endswith(" ms)")
    assert event.detail == (
        "Request:\nPOST /form?x=1 HTTP/1.1\nHost: x\nContent-Length: 5\n\nhello\n\n"
        "Response:\nHTTP/1.1 200 OK\nContent-Length: 2"
    )


def test_a_note_and_a_kind_are_carried() -> None:
    request = parse(b"GET /gone HTTP/1.1\r\n\r\n")
    event = request_event("p", request, 404, 10, b"", "no such file", Kind.ERROR)
    assert event.kind is Kind.ERROR
    assert event.message.endswith(" ms): no such file")


def test_a_long_target_is_cut_in_the_message_only() -> None:
    target = "/" + "a" * 500
    request = parse(f"GET {target} HTTP/1.1\r\n\r\n".encode())
    event = request_event("p", request, 200, 0, b"")
    assert event.message.startswith(f"GET {target[:200]}… → 200")
    assert target.encode() in event.data


def test_a_big_body_is_previewed_but_counted_whole() -> None:
    body = b"b" * (BODY_PREVIEW * 3)
    head = b"PUT / HTTP/1.1\r\nContent-Length: %d\r\n\r\n" % len(body)
    event = request_event("p", parse(head + body), 201, 0, b"")
    request = parse(head + body)
    assert event.size == len(request.head) + len(body)
    assert event.data == request.head + body[:BODY_PREVIEW]
    assert f"… ({len(body):,} bytes, first {BODY_PREVIEW:,} shown)" in event.detail
    assert "b" * (BODY_PREVIEW + 1) not in event.detail


def test_non_utf_8_bytes_of_a_request_stay_visible_in_the_detail() -> None:
    request = parse(b"GET / HTTP/1.1\r\nX-Latin: \xe9t\xe9\r\n\r\n")
    assert "X-Latin: \\xe9t\\xe9" in request_event("p", request, 200, 0, b"").detail


def test_a_refusal_names_the_status_and_what_arrived() -> None:
    event = refused_event("127.0.0.1:9", 431, "Header line too long", b"GET / HTTP/1.1\r\nX: \xff")
    assert (event.kind, event.peer, event.data, event.size) == (Kind.ERROR, "127.0.0.1:9", b"", 0)
    assert event.message == (
        "431 Request Header Fields Too Large: Header line too long; connection closed"
    )
    assert event.detail == "Received (start):\nGET / HTTP/1.1\r\nX: \\xff"
    assert refused_event("p", 400, "Bad", b"").detail == ""
    long = refused_event("p", 400, "Bad", b"x" * (BODY_PREVIEW + 100)).detail
    assert len(long) == len("Received (start):\n") + BODY_PREVIEW


def test_an_internal_error_carries_its_traceback() -> None:
    try:
        raise KeyError("missing")
    except KeyError as exc:
        event = internal_error_event("127.0.0.1:1", exc)
    assert event.kind is Kind.ERROR
    assert event.message == "Internal error answering 127.0.0.1:1: KeyError: 'missing'"
    assert "Traceback" in event.detail and "test_an_internal_error_carries" in event.detail


def test_a_connection_line_is_info_unless_said_otherwise() -> None:
    info = connection_event("p", "Closed idle connection after 10 s")
    assert (info.kind, info.message, info.data, info.size) == (
        Kind.INFO,
        "Closed idle connection after 10 s",
        b"",
        0,
    )
    assert connection_event("p", "lost", Kind.ERROR).kind is Kind.ERROR
