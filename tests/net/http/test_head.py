"""The head reader without a socket: request and status heads, fed whole, one byte at a
time and with the next message behind them (after h11's tests/test_io.py)."""

from __future__ import annotations

import pytest

from app.net.http.head import (
    HeadLimits,
    HeadReader,
    HttpError,
    RequestLine,
    StatusLine,
    check_target,
    read_fields,
    read_request_head,
    read_response_head,
)

LIMITS = HeadLimits()
TRAILING = b"NEXT MESSAGE"


def cut_head(raw: bytes, *, byte_by_byte: bool) -> tuple[bytes | None, bytearray]:
    """The head the reader cut from `raw`, and what it left in the buffer."""
    reader = HeadReader(LIMITS)
    buf = bytearray()
    pieces = [raw[i : i + 1] for i in range(len(raw))] if byte_by_byte else [raw]
    head = None
    for piece in pieces:
        buf += piece
        if head is None:
            head = reader(buf)
    return head, buf


@pytest.mark.parametrize("byte_by_byte", [False, True], ids=["whole", "bytes"])
@pytest.mark.parametrize(
    ("raw", "head"),
    [
        (b"GET / HTTP/1.1\r\nHost: a\r\n\r\n", b"GET / HTTP/1.1\r\nHost: a"),
        (b"GET / HTTP/1.1\n\n", b"GET / HTTP/1.1"),
        (b"\r\n\r\nGET / HTTP/1.1\r\n\n", b"GET / HTTP/1.1"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", b"HTTP/1.1 200 OK\r\nContent-Length: 0"),
    ],
)
def test_the_reader_cuts_one_head_and_leaves_the_rest(
    raw: bytes, head: bytes, byte_by_byte: bool
) -> None:
    assert cut_head(raw, byte_by_byte=byte_by_byte) == (head, bytearray())
    assert cut_head(raw + TRAILING, byte_by_byte=byte_by_byte) == (head, bytearray(TRAILING))


def test_the_reader_needs_more_until_the_blank_line() -> None:
    assert cut_head(b"GET / HTTP/1.1\r\nHost: a\r\n", byte_by_byte=True)[0] is None
    assert cut_head(b"\r\n\r\n", byte_by_byte=False) == (None, bytearray())


def test_an_endless_start_line_or_head_is_refused_before_it_ends() -> None:
    reader = HeadReader(HeadLimits(max_start_line=10, max_head=40), start_line="Status line")
    with pytest.raises(HttpError, match="Status line longer than 10 bytes") as caught:
        reader(bytearray(b"x" * 11))
    assert caught.value.status == 414
    with pytest.raises(HttpError, match="Headers larger than 40 bytes"):
        reader(bytearray(b"GET\r\n" + b"X: y\r\n" * 7))


def test_a_request_head() -> None:
    head = b"POST /a?b HTTP/1.0\r\nHost: h:80\r\nX-Empty:\r\nX-Tab:  a\tb \r\nX-Raw: \xe9"
    line, fields = read_request_head(head, LIMITS)
    assert line == RequestLine("POST", "/a?b", "HTTP/1.0")
    assert fields == [("Host", "h:80"), ("X-Empty", ""), ("X-Tab", "a\tb"), ("X-Raw", "\xe9")]


@pytest.mark.parametrize(
    ("head", "status", "reason"),
    [
        (b"GET /\x01 HTTP/1.1", 400, "Control characters in the request target"),
        (b"GET / HTTP/3.0", 505, "not supported"),
        (b"GET / HTTP/1.1\r\nHost: a\r\nhost: b", 400, "More than one Host"),
        (b"GET / HTTP/1.1\r\nHost: a/b", 400, "Invalid Host"),
        (b"GET / HTTP/1.1\r\nX: a\x7fb", 400, "Control character '\\x7f'"),
        (b"GET / HTTP/1.1\r\nX: a\rb", 400, "Control character '\\r'"),
        (b"GET / HTTP/1.1\r\nX\x01: a", 400, "Malformed header line"),
        (b"GET / HTTP/1.1\r\n\tX: a", 400, "Folded"),
    ],
)
def test_a_bad_request_head_is_refused(head: bytes, status: int, reason: str) -> None:
    with pytest.raises(HttpError, match=reason.replace("\\", "\\\\")) as caught:
        read_request_head(head, LIMITS)
    assert caught.value.status == status


@pytest.mark.parametrize(
    ("method", "target"),
    [
        (b"GET", b"/"),
        (b"GET", b"//double/slash?q=1"),
        (b"GET", b"http://example.com"),
        (b"GET", b"https://[::1]:8443/x?y"),
        (b"OPTIONS", b"*"),
        (b"CONNECT", b"example.com:443"),
        (b"CONNECT", b"[::1]:443"),
    ],
)
def test_the_four_target_forms_are_accepted(method: bytes, target: bytes) -> None:
    check_target(method, target)


@pytest.mark.parametrize(
    ("method", "target"),
    [
        (b"GET", b"foo/bar"),
        (b"GET", b"*"),
        (b"GET", b"example.com:80"),
        (b"GET", b"s://]ufd/:"),
        (b"GET", b"http:///path"),
        (b"GET", b"http://user@host/"),
        (b"GET", b"/a#frag"),
        (b"CONNECT", b"/"),
        (b"CONNECT", b"example.com"),
    ],
)
def test_other_targets_are_refused(method: bytes, target: bytes) -> None:
    with pytest.raises(HttpError) as caught:
        check_target(method, target)
    assert caught.value.status == 400


def test_a_status_head_for_the_client() -> None:
    line, fields = read_response_head(b"HTTP/1.1 404 Not Found\r\nContent-Length: 3", LIMITS)
    assert line == StatusLine("HTTP/1.1", 404, "Not Found")
    assert fields == [("Content-Length", "3")]
    assert read_response_head(b"HTTP/1.0 204", LIMITS).line == StatusLine("HTTP/1.0", 204, "")
    assert read_response_head(b"HTTP/1.1 200 ", LIMITS).line.reason == ""


@pytest.mark.parametrize(
    "head", [b"HTTP/1.1 20 OK", b"HTTP/1.1 2000 OK", b"HTTX/1.1 200 OK", b"HTTP/1.1 200 O\x00K"]
)
def test_a_bad_status_line_is_refused(head: bytes) -> None:
    with pytest.raises(HttpError):
        read_response_head(head, LIMITS)


def test_field_limits() -> None:
    limits = HeadLimits(max_field_line=8, max_fields=2)
    with pytest.raises(HttpError, match="More than 2 trailers"):
        read_fields([b"A: 1", b"B: 2", b"C: 3"], limits, "trailer")
    with pytest.raises(HttpError, match="longer than 8 bytes") as caught:
        read_fields([b"A: 123456"], limits)
    assert caught.value.status == 431


@pytest.mark.parametrize(
    ("line", "fields"),
    [
        (b"Host:   x  ", [("Host", "x")]),
        (b"X-Tab:\tv a l\t", [("X-Tab", "v a l")]),
        (b"Empty:", [("Empty", "")]),
        (b"Empty:   \t ", [("Empty", "")]),
        (b"Latin: caf\xe9", [("Latin", "café")]),
    ],
)
def test_usual_field_lines_read_in_one_match(line: bytes, fields: list[tuple[str, str]]) -> None:
    assert read_fields([line], LIMITS) == fields


@pytest.mark.parametrize(
    "line",
    [
        b"X: " + b" " * 7000 + b"\x01",  # spaces then a control character
        b"X: a" + b" \t" * 3000 + b"\x7f",
        b"X" + b" " * 7000 + b": v",  # whitespace before the colon
    ],
)
def test_long_odd_field_lines_are_refused_with_a_reason(line: bytes) -> None:
    with pytest.raises(HttpError) as refused:
        read_fields([line], LIMITS)
    assert refused.value.status == 400
