"""The log rows of an exchange."""

from __future__ import annotations

from app.net.events import Kind, Source
from app.net.http.client.response import ResponseReader
from app.net.http.client.rows import received_row, sent_row

RAW = b"HTTP/1.1 200 OK\r\nContent-Length: 1200\r\n\r\n" + b"x" * 1200


def test_the_sent_row_carries_the_request_and_its_head_as_detail() -> None:
    data = b"GET / HTTP/1.1\r\nHost: a\r\n\r\nbody"
    row = sent_row("a:80", "127.0.0.1:5", data, "GET / HTTP/1.1")
    assert (row.kind, row.source, row.message, row.data) == (
        Kind.SENT,
        Source.HTTP_CLIENT,
        "GET / HTTP/1.1",
        data,
    )
    assert row.detail == "GET / HTTP/1.1\r\nHost: a" and row.local == "127.0.0.1:5"


def test_the_received_row_names_status_size_and_time() -> None:
    reader = ResponseReader("GET")
    reader.feed(RAW)
    row = received_row("a:80", "l:1", RAW, len(RAW), reader.head, 1200, 0.0034)
    assert row.message == "200 OK · 1.2 kB · 3 ms"
    assert row.size == len(RAW) and not row.partial


def test_a_row_keeps_a_prefix_but_counts_everything() -> None:
    row = received_row("a:80", "l:1", RAW[:10], 5_000_000, None, 0, 1.0, partial=True)
    assert row.size == 5_000_000 and len(row.data) == 10 and row.partial
    assert row.message == "Incomplete response · 5.0 MB"
