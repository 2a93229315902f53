"""The response reader, sans-IO: whole, byte by byte, and with what follows it."""

from __future__ import annotations

import pytest

from app.net.http.client.response import (
    BodyPiece,
    FinalHead,
    Interim,
    ResponseEnd,
    ResponseError,
    ResponseEvent,
    ResponseReader,
    server_keeps_alive,
)

CHUNKED = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"


def body_of(events: list[ResponseEvent]) -> bytes:
    return b"".join(e.data for e in events if isinstance(e, BodyPiece))


def feed_bytewise(reader: ResponseReader, data: bytes) -> list[ResponseEvent]:
    events: list[ResponseEvent] = []
    for i in range(len(data)):
        events += reader.feed(data[i : i + 1])
    return events


@pytest.mark.parametrize("bytewise", [False, True])
def test_chunked(bytewise: bool) -> None:
    reader = ResponseReader("GET")
    events = feed_bytewise(reader, CHUNKED) if bytewise else reader.feed(CHUNKED)
    assert isinstance(events[0], FinalHead) and events[0].head.line.status == 200
    assert body_of(events) == b"abcde" and isinstance(events[-1], ResponseEnd)
    assert reader.done and not reader.leftover and not reader.close_delimited


def test_content_length_and_what_follows_it() -> None:
    reader = ResponseReader("GET")
    events = reader.feed(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcEXTRA")
    assert body_of(events) == b"abc" and reader.done and reader.leftover == 5


def test_interim_heads_come_before_the_final_one() -> None:
    reader = ResponseReader("POST")
    events = reader.feed(
        b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
        b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n"
    )
    kinds = [type(e) for e in events]
    assert kinds == [Interim, Interim, FinalHead, ResponseEnd]
    assert reader.head is not None and reader.head.line.status == 201


@pytest.mark.parametrize(
    ("method", "status"), [("HEAD", 200), ("GET", 204), ("GET", 304), ("GET", 101)]
)
def test_no_body_whatever_the_head_says(method: str, status: int) -> None:
    reader = ResponseReader(method)
    events = reader.feed(f"HTTP/1.1 {status} X\r\nContent-Length: 50\r\n\r\n".encode())
    assert isinstance(events[-1], ResponseEnd) and not body_of(events)


def test_a_body_without_framing_ends_with_the_connection() -> None:
    reader = ResponseReader("GET")
    events = reader.feed(b"HTTP/1.0 200 OK\r\n\r\npart one ")
    events += reader.feed(b"part two")
    assert not reader.done and reader.close_delimited
    events += reader.eof()
    assert body_of(events) == b"part one part two" and isinstance(events[-1], ResponseEnd)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "without answering"),
        (b"HTTP/1.1 200 OK\r\nContent-", "middle of the head"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nabc", "before the end of the body"),
        (CHUNKED[:-7], "before the end of the body"),
    ],
)
def test_an_early_end_is_an_error(data: bytes, reason: str) -> None:
    reader = ResponseReader("GET")
    reader.feed(data)
    with pytest.raises(ResponseError, match=reason):
        reader.eof()


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"HTTP/1.1 OK\r\n\r\n", "Malformed status line"),
        (b"HTTP/2.0 200 OK\r\n\r\n", "not supported"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", "Content-Length"),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "chunk size"),
    ],
)
def test_malformed_responses_are_refused(data: bytes, reason: str) -> None:
    with pytest.raises(ResponseError, match=reason):
        ResponseReader("GET").feed(data)


@pytest.mark.parametrize(
    ("version", "connection", "kept"),
    [
        ("HTTP/1.1", "", True),
        ("HTTP/1.1", "Close", False),
        ("HTTP/1.1", "keep-alive, close", False),
        ("HTTP/1.0", "", False),
        ("HTTP/1.0", "Keep-Alive", True),
    ],
)
def test_server_keeps_alive(version: str, connection: str, kept: bool) -> None:
    header = f"Connection: {connection}\r\n" if connection else ""
    reader = ResponseReader("GET")
    reader.feed(f"{version} 200 OK\r\n{header}Content-Length: 0\r\n\r\n".encode())
    assert reader.head is not None and server_keeps_alive(reader.head) is kept


def test_the_same_head_again_is_read_alike_and_a_different_one_is_not_confused() -> None:
    keep = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Encoding: gzip\r\n\r\nab"
    close = b"HTTP/1.1 404 Not Found\r\nContent-Length: 1\r\nConnection: close\r\n\r\nc"
    seen = []
    for data in (keep, keep, close, keep):
        reader = ResponseReader("GET")
        events = reader.feed(data)
        assert reader.done and reader.head is not None
        seen.append((reader.head.line.status, reader.content_encoding, reader.keeps_alive))
        assert body_of(events) == data[data.index(b"\r\n\r\n") + 4 :]
    assert seen == [(200, "gzip", True), (200, "gzip", True), (404, "", False), (200, "gzip", True)]
    head_reader = ResponseReader("HEAD")  # the same head, another method: no body
    assert body_of(head_reader.feed(keep[:-2])) == b"" and head_reader.done
