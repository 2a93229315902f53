"""Reads an HTTP/1.x body from a buffer, after h11's `_readers.py` (no I/O).

`body_reader()` picks the framing from the head and refuses every ambiguous one. Each
reader is called with the connection's buffer and consumes what belongs to the body:
it returns the bytes read, `EndOfBody` once the body is complete (the rest of the buffer
is the next message), None when it needs more, or raises `HttpError`.

Chunked framing is strict where the head is lenient (RFC 9112 §7.1): a bare LF or CR,
whitespace around a size or an extension that is not `;name[=value]` is refused, because
parsers that guess differently about where a chunk ends can be made to desync (Go
CVE-2025-22871, Netty CVE-2025-58056, Kestrel CVE-2025-55315).
"""

from __future__ import annotations

import re
from typing import NamedTuple

from app.net.http.head import HeadLimits, HttpError, read_fields, show

MAX_CHUNK_LINE = 1024
MAX_TRAILERS = 8 * 1024
# A size longer than this is over any limit; checked before int(), which refuses to
# convert more than 4,300 decimal digits and would raise ValueError.
_MAX_LENGTH_DIGITS = 18
_MAX_SIZE_DIGITS = 15
_HEX = re.compile(rb"[0-9A-Fa-f]+")
_DIGITS = re.compile(r"[0-9]+")
_TOKEN = rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
_QUOTED = rb'"(?:[\t \x21\x23-\x5b\x5d-\x7e\x80-\xff]|\\[\t \x21-\x7e\x80-\xff])*"'
_EXTENSIONS = re.compile(rb"(?:;" + _TOKEN + rb"(?:=(?:" + _TOKEN + rb"|" + _QUOTED + rb"))?)*")
# Fields a trailer must not carry: framing, routing, authentication, request modifiers,
# response controls and content format are needed before the body (RFC 9110 §6.5.1).
FORBIDDEN_TRAILERS = frozenset(
    {
        "content-length",
        "transfer-encoding",
        "te",
        "connection",
        "keep-alive",
        "proxy-connection",
        "upgrade",
        "host",
        "authorization",
        "proxy-authorization",
        "www-authenticate",
        "proxy-authenticate",
        "cookie",
        "set-cookie",
        "expect",
        "max-forwards",
        "range",
        "if-match",
        "if-none-match",
        "if-modified-since",
        "if-unmodified-since",
        "if-range",
        "cache-control",
        "pragma",
        "age",
        "expires",
        "date",
        "location",
        "retry-after",
        "vary",
        "content-type",
        "content-encoding",
        "content-range",
        "content-location",
    }
)
_TRAILER_LIMITS = HeadLimits(max_field_line=MAX_TRAILERS, max_head=MAX_TRAILERS, max_fields=100)


class EndOfBody(NamedTuple):
    trailers: list[tuple[str, str]]


# The end of every body without trailers: one shared record (callers never change it).
NO_TRAILERS = EndOfBody([])


class ContentLengthReader:
    def __init__(self, length: int) -> None:
        self._remaining = length
        self.expects_body = length > 0

    def __call__(self, buf: bytearray) -> bytes | EndOfBody | None:
        if not self._remaining:
            return NO_TRAILERS
        if not buf:
            return None
        data = bytes(buf[: self._remaining])
        del buf[: len(data)]
        self._remaining -= len(data)
        return data


class ChunkedReader:
    expects_body = True

    def __init__(self, max_body: int) -> None:
        self._max_body = max_body
        self._received = 0
        self._chunk_left = 0
        self._after_data = False  # the CRLF that ends a chunk's data is due
        self._trailer_lines: list[bytes] | None = None  # once the last chunk is read
        self._trailer_bytes = 0

    def __call__(self, buf: bytearray) -> bytes | EndOfBody | None:
        while True:
            if self._trailer_lines is not None:
                return self._read_trailers(buf)
            if self._chunk_left:
                if not buf:
                    return None
                data = bytes(buf[: self._chunk_left])
                del buf[: len(data)]
                self._chunk_left -= len(data)
                self._after_data = not self._chunk_left
                return data
            if self._after_data:
                if buf[:2] == b"\r\n":
                    del buf[:2]
                    self._after_data = False
                elif buf == b"" or buf == b"\r":
                    return None
                elif buf[:1] == b"\n":
                    raise HttpError(400, "Chunk data followed by a bare LF instead of CRLF")
                else:
                    raise HttpError(400, "Chunk data longer than its size (no CRLF after it)")
            line = _next_line(buf, MAX_CHUNK_LINE, "chunk size line")
            if line is None:
                return None
            size = chunk_size(line)
            if size == 0:
                self._trailer_lines = []
            elif self._received + size > self._max_body:
                raise HttpError(413, f"Chunked body larger than {self._max_body:,} bytes")
            else:
                self._received += size
                self._chunk_left = size

    def _read_trailers(self, buf: bytearray) -> EndOfBody | None:
        lines = self._trailer_lines
        assert lines is not None
        while True:
            line = _next_line(buf, MAX_TRAILERS - self._trailer_bytes, "trailer section")
            if line is None:
                return None
            if not line:
                return EndOfBody(trailers(lines))
            self._trailer_bytes += len(line) + 2
            lines.append(line)


def _next_line(buf: bytearray, limit: int, what: str) -> bytes | None:
    """A CRLF-ended line of a chunked body, cut off `buf`; a bare LF or CR is refused."""
    end = buf.find(b"\n", 0, limit + 2)
    if end < 0:
        if len(buf) > limit + 1:
            raise HttpError(431 if what == "trailer section" else 400, f"The {what} is too long")
        return None
    line = bytes(buf[:end])
    del buf[: end + 1]
    if not line.endswith(b"\r"):
        if b";" in line:
            raise HttpError(400, "A bare LF inside a chunk extension (only CRLF ends the line)")
        raise HttpError(400, f"A bare LF instead of CRLF ends a line of the {what}")
    line = line[:-1]
    if b"\r" in line:
        raise HttpError(400, f"A bare CR inside a line of the {what}")
    return line


def chunk_size(line: bytes) -> int:
    """The size from `1a;name=value` (RFC 9112 §7.1.1), after validating the extensions."""
    size, semicolon, extensions = line.partition(b";")
    if size != size.strip(b" \t"):
        raise HttpError(400, f"Whitespace around the chunk size {show(line)}")
    if not _HEX.fullmatch(size):
        raise HttpError(400, f"Invalid chunk size {show(line)}")
    significant = size.lstrip(b"0") or b"0"
    if len(significant) > _MAX_SIZE_DIGITS:
        raise HttpError(413, f"Chunk size of {len(size):,} hex digits is over any limit")
    if semicolon and not _EXTENSIONS.fullmatch(semicolon + extensions):
        raise HttpError(400, f"Malformed chunk extension {show(semicolon + extensions)}")
    return int(significant, 16)


def trailers(lines: list[bytes]) -> list[tuple[str, str]]:
    fields = read_fields(lines, _TRAILER_LIMITS, "trailer")
    for name, _ in fields:
        if name.lower() in FORBIDDEN_TRAILERS:
            raise HttpError(400, f"{name} is not allowed in a chunked trailer")
    return fields


class UntilCloseReader:
    """A response body with neither Content-Length nor chunked framing: it is whatever
    arrives until the server closes the connection (RFC 9112 §6.3, rule 8)."""

    expects_body = True

    def __call__(self, buf: bytearray) -> bytes | EndOfBody | None:
        if not buf:
            return None
        data = bytes(buf)
        del buf[:]
        return data


BodyReader = ContentLengthReader | ChunkedReader | UntilCloseReader


def body_reader(version: str, headers: list[tuple[str, str]], max_body: int) -> BodyReader:
    """The reader for a request's body after refusing every ambiguous framing."""
    lengths: list[str] = []
    codings: list[str] = []
    if not headers:
        return NO_BODY
    for key, value in headers:
        lowered = key.lower()
        if lowered == "content-length":
            lengths.append(value)
        elif lowered == "transfer-encoding":
            codings.extend(v.strip().lower() for v in value.split(","))
    if codings and lengths:
        raise HttpError(400, "Both Content-Length and Transfer-Encoding (request smuggling?)")
    if codings:
        if version != "HTTP/1.1":
            raise HttpError(400, "Transfer-Encoding in an HTTP/1.0 request")
        if codings != ["chunked"]:
            raise HttpError(501, f"Transfer-Encoding {', '.join(codings)[:60]} not supported")
        return ChunkedReader(max_body)
    if not lengths:
        return NO_BODY  # most requests: one reader with nothing left to read serves them all
    return ContentLengthReader(content_length(lengths, max_body))


def response_body_reader(
    method: str, status: int, version: str, headers: list[tuple[str, str]], max_body: int
) -> BodyReader:
    """The reader for a response's body: none for HEAD, 1xx, 204 and 304 whatever the
    head says (RFC 9112 §6.3, rule 1), close-delimited without framing headers, else the
    same strict framing as a request's."""
    if method == "HEAD" or status < 200 or status in (204, 304):
        return NO_BODY
    if method == "CONNECT" and status < 300:
        return NO_BODY  # a tunnel: what follows is not HTTP
    for key, _ in headers:
        if key.lower() in ("content-length", "transfer-encoding"):
            return body_reader(version, headers, max_body)
    return UntilCloseReader()


def content_length(values: list[str], max_body: int) -> int:
    """One Content-Length of digits only: a list, even `5, 5`, is refused (RFC 9110 §8.6)."""
    if not values:
        return 0
    if len(values) > 1:
        raise HttpError(400, f"{len(values)} Content-Length headers (request smuggling?)")
    text = values[0]
    if "," in text:
        raise HttpError(400, f"A list as Content-Length {show(text.encode('latin-1'))}")
    if not _DIGITS.fullmatch(text):
        raise HttpError(400, f"Invalid Content-Length {show(text.encode('latin-1'))}")
    significant = text.lstrip("0") or "0"
    if len(significant) > _MAX_LENGTH_DIGITS:
        raise HttpError(413, f"Content-Length of {len(text):,} digits is over the body limit")
    length = int(significant)
    if length > max_body:
        raise HttpError(413, f"Body of {length:,} bytes is over the {max_body:,} byte limit")
    return length


NO_BODY = ContentLengthReader(0)  # stateless once its length is 0, so it can be shared
