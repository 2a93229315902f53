"""The body readers without a socket: fed whole, one byte at a time and with the next
message behind them, each returns the same body, or refuses with the same error."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from app.net.http.body import (
    FORBIDDEN_TRAILERS,
    NO_BODY,
    ChunkedReader,
    ContentLengthReader,
    EndOfBody,
    UntilCloseReader,
    body_reader,
    content_length,
    response_body_reader,
)
from app.net.http.head import HttpError

TRAILING = b"GET /next HTTP/1.1\r\n\r\n"
Reader = Callable[[bytearray], bytes | EndOfBody | None]


def read_body(
    make: Callable[[], Reader], raw: bytes, *, byte_by_byte: bool
) -> tuple[bytes, EndOfBody | None, bytes]:
    """(body, end or None if it needs more, bytes left in the buffer)."""
    reader = make()
    buf = bytearray()
    body = b""
    pieces = [raw[i : i + 1] for i in range(len(raw))] if byte_by_byte and raw else [raw]
    for index, piece in enumerate(pieces):
        buf += piece
        while True:
            out = reader(buf)
            if out is None:
                break
            if isinstance(out, EndOfBody):
                return body, out, bytes(buf) + b"".join(pieces[index + 1 :])
            body += out
    return body, None, bytes(buf)


def every_way(make: Callable[[], Reader], raw: bytes) -> tuple[bytes, EndOfBody | None, bytes]:
    """The outcome, after checking it is the same whole, byte by byte and with trailing data."""
    whole = read_body(make, raw, byte_by_byte=False)
    assert read_body(make, raw, byte_by_byte=True) == whole
    if whole[1] is not None:
        body, end, rest = read_body(make, raw + TRAILING, byte_by_byte=False)
        assert (body, end, rest) == (whole[0], whole[1], whole[2] + TRAILING)
        assert read_body(make, raw + TRAILING, byte_by_byte=True) == (body, end, rest)
    return whole


def refusal(make: Callable[[], Reader], raw: bytes) -> HttpError:
    """The error, after checking every way of feeding `raw` raises the same one."""
    errors = []
    for data, byte_by_byte in [(raw, False), (raw, True), (raw + TRAILING, False)]:
        with pytest.raises(HttpError) as caught:
            read_body(make, data, byte_by_byte=byte_by_byte)
        errors.append((caught.value.status, caught.value.reason))
    assert errors[0] == errors[1] == errors[2]
    return caught.value


def chunked(max_body: int = 1000) -> Callable[[], Reader]:
    return lambda: ChunkedReader(max_body)


def test_a_content_length_body() -> None:
    assert every_way(lambda: ContentLengthReader(5), b"hello") == (b"hello", EndOfBody([]), b"")
    assert every_way(lambda: ContentLengthReader(0), b"") == (b"", EndOfBody([]), b"")
    assert every_way(lambda: ContentLengthReader(5), b"hel") == (b"hel", None, b"")


def test_a_chunked_body_with_extensions_and_a_trailer() -> None:
    raw = b'4;x=y\r\nWiki\r\n5;q="a \\" b";n\r\npedia\r\n0\r\nX-Sum: 1\r\n\r\n'
    assert every_way(chunked(), raw) == (b"Wikipedia", EndOfBody([("X-Sum", "1")]), b"")
    assert every_way(chunked(), b"A\r\n0123456789\r\n00\r\n\r\n")[:2] == (
        b"0123456789",
        EndOfBody([]),
    )


def test_a_chunked_body_needs_more_until_the_last_crlf() -> None:
    body, end, _ = every_way(chunked(), b"3\r\nabc\r\n0\r\nX: 1\r\n")
    assert (body, end) == (b"abc", None)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"3\nabc\r\n0\r\n\r\n", "A bare LF instead of CRLF ends a line of the chunk size line"),
        (b"3\r\nabc\n0\r\n\r\n", "Chunk data followed by a bare LF"),
        (b"3\r\nabcd\r\n0\r\n\r\n", "Chunk data longer than its size"),
        (b"3;x\nabc\r\n0\r\n\r\n", "A bare LF inside a chunk extension"),
        (b"3;x\ry\r\nabc\r\n0\r\n\r\n", "A bare CR inside a line"),
        (b"3;\r\nabc\r\n0\r\n\r\n", "Malformed chunk extension"),
        (b"3;a=\r\nabc\r\n0\r\n\r\n", "Malformed chunk extension"),
        (b'3;a="b\r\nabc\r\n0\r\n\r\n', "Malformed chunk extension"),
        (b"3;a b\r\nabc\r\n0\r\n\r\n", "Malformed chunk extension"),
        (b" 3\r\nabc\r\n0\r\n\r\n", "Whitespace around the chunk size"),
        (b"3\t\r\nabc\r\n0\r\n\r\n", "Whitespace around the chunk size"),
        (b"3 ;a\r\nabc\r\n0\r\n\r\n", "Whitespace around the chunk size"),
        (b"0x3\r\nabc\r\n0\r\n\r\n", "Invalid chunk size"),
        (b"\r\n", "Invalid chunk size"),
        (b"3\r\nabc\r\n0\r\nX: 1\n\r\n", "A bare LF instead of CRLF ends a line of the trailer"),
        (b"3\r\nabc\r\n0\r\n\n", "A bare LF instead of CRLF ends a line of the trailer"),
        (b"3\r\nabc\r\n0\r\nX: a\x07b\r\n\r\n", "Control character '\\x07'"),
        (b"3\r\nabc\r\n0\r\n folded\r\n\r\n", "Folded trailer lines"),
        (b"3\r\nabc\r\n0\r\nContent-Length: 3\r\n\r\n", "not allowed in a chunked trailer"),
        (b"3\r\nabc\r\n0\r\nhost: x\r\n\r\n", "not allowed in a chunked trailer"),
        (b"3\r\nabc\r\n0\r\nTransfer-Encoding: x\r\n\r\n", "not allowed in a chunked trailer"),
    ],
)
def test_loose_chunked_framing_is_refused(raw: bytes, reason: str) -> None:
    error = refusal(chunked(), raw)
    assert error.status == 400
    assert reason in error.reason


def test_chunk_sizes_are_bounded_before_conversion() -> None:
    assert refusal(chunked(), b"f" * 40 + b"\r\n").status == 413
    assert refusal(chunked(), b"1" * 1100).status == 400, "a chunk line without an end"
    assert refusal(chunked(10), b"6\r\nabcdef\r\n6\r\n").status == 413
    assert every_way(chunked(), b"0" * 200 + b"1\r\nx\r\n0\r\n\r\n")[0] == b"x"


def test_trailers_are_bounded() -> None:
    error = refusal(chunked(), b"0\r\n" + b"X: " + b"v" * 9000)
    assert error.status == 431


def test_the_forbidden_trailers_cover_framing_routing_and_authentication() -> None:
    for name in ("content-length", "transfer-encoding", "host", "authorization", "te"):
        assert name in FORBIDDEN_TRAILERS


@pytest.mark.parametrize(
    ("values", "status"),
    [
        (["5, 5"], 400),
        (["5", "5"], 400),
        (["+5"], 400),
        (["-1"], 400),
        (["5 "], 400),
        (["\u00b2"], 400),  # a superscript two from the wire: str.isdigit() says yes
        (["9" * 5000], 413),
        (["11"], 413),
    ],
)
def test_content_length_values(values: list[str], status: int) -> None:
    with pytest.raises(HttpError) as caught:
        content_length(values, max_body=10)
    assert caught.value.status == status


def test_the_framing_picks_a_reader() -> None:
    assert isinstance(body_reader("HTTP/1.1", [("Transfer-Encoding", "chunked")], 9), ChunkedReader)
    reader = body_reader("HTTP/1.0", [("content-length", "007")], 9)
    assert isinstance(reader, ContentLengthReader) and reader.expects_body
    assert not body_reader("HTTP/1.1", [], 9).expects_body
    for headers, status in [
        ([("Transfer-Encoding", "chunked"), ("Content-Length", "1")], 400),
        ([("Transfer-Encoding", "gzip, chunked")], 501),
        ([("Transfer-Encoding", "chunked, chunked")], 501),
    ]:
        with pytest.raises(HttpError) as caught:
            body_reader("HTTP/1.1", headers, 9)
        assert caught.value.status == status
    with pytest.raises(HttpError, match=r"HTTP/1\.0"):
        body_reader("HTTP/1.0", [("Transfer-Encoding", "chunked")], 9)


# -- responses (the HTTP client) ---------------------------------------------------------


def test_a_response_without_framing_headers_is_read_until_close() -> None:
    reader = response_body_reader("GET", 200, "HTTP/1.1", [("Content-Type", "text/plain")], 100)
    assert isinstance(reader, UntilCloseReader)
    buf = bytearray(b"abc")
    assert reader(buf) == b"abc" and not buf and reader(buf) is None


@pytest.mark.parametrize(
    ("method", "status"),
    [("HEAD", 200), ("GET", 204), ("GET", 304), ("GET", 100), ("CONNECT", 200)],
)
def test_responses_that_have_no_body_whatever_the_head_says(method: str, status: int) -> None:
    headers = [("Content-Length", "10")]
    assert response_body_reader(method, status, "HTTP/1.1", headers, 100) is NO_BODY


def test_a_framed_response_uses_the_request_readers() -> None:
    chunked = response_body_reader("GET", 200, "HTTP/1.1", [("Transfer-Encoding", "chunked")], 9)
    length = response_body_reader("GET", 200, "HTTP/1.1", [("Content-Length", "5")], 9)
    assert isinstance(chunked, ChunkedReader) and isinstance(length, ContentLengthReader)
