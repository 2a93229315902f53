"""Parses HTTP/1.x requests from bytes pushed in (no I/O), strictly and within limits.

Written instead of `http.server`'s parser because that one answers errors without a
status line, cannot read chunked bodies, leaves unread bodies to be parsed as the next
request and parses headers with the (slow) email package. Every framing doubt ends the
connection: a server that guesses about where a body ends can be made to desync.
Like h11, it takes bytes in and gives requests out, so the event loop owns the socket.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

from app.net.http.config import ServerLimits

RECV_SIZE = 64 * 1024
CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
_METHOD = re.compile(rb"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
_HEADER_NAME = _METHOD
_VERSION = re.compile(rb"^HTTP/(\d)\.(\d)$")
# Control characters other than tab are never valid in a header value or a target.
_BAD_VALUE = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")
_BAD_TARGET = re.compile(rb"[\x00-\x20\x7f]")
_HEAD_END = re.compile(rb"\r?\n\r?\n")
_MAX_CHUNK_LINE = 1024
_MAX_TRAILERS = 8 * 1024


class HttpError(Exception):
    """The request cannot be served: answer `status` and close the connection."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(slots=True)
class Request:
    method: str
    target: str  # as sent, each byte one character (Latin-1), so no byte is lost
    version: str
    headers: list[tuple[str, str]]
    head: bytes  # request line and headers as received, for the log
    body: bytes
    keep_alive: bool
    started: float  # perf_counter() when the first byte arrived

    def header(self, name: str) -> str | None:
        """The first value of a header (case-insensitive), or None."""
        lowered = name.lower()
        for key, value in self.headers:
            if key.lower() == lowered:
                return value
        return None


class RequestParser:
    """One connection's input; the buffer may already hold the next pipelined request."""

    def __init__(self, limits: ServerLimits) -> None:
        self._limits = limits
        self._buf = bytearray()
        self._searched = 0
        self._started = 0.0
        self._pending: _Pending | None = None
        self._continue_due = False

    def feed(self, data: bytes) -> None:
        self._buf += data

    @property
    def busy(self) -> bool:
        """Part of a request has arrived (the header or body deadline is running)."""
        return self._pending is not None or bool(self._buf.strip(b"\r\n"))

    @property
    def reading_body(self) -> bool:
        return self._pending is not None

    def received_head(self) -> bytes:
        """The head of the request being parsed (or what arrived of it), for an error log."""
        if self._pending is not None:
            return self._pending.head
        return bytes(self._buf[:4096])

    def take_continue(self) -> bool:
        """True once when the client waits for `100 Continue` before sending its body."""
        due, self._continue_due = self._continue_due, False
        return due

    def next_request(self) -> Request | None:
        """A complete request, or None until more bytes arrive; raises HttpError."""
        if self._pending is None and not self._parse_next_head():
            return None
        pending = self._pending
        assert pending is not None
        if pending.chunked:
            if not self._decode_chunks(pending):
                return None
            body = bytes(pending.body)
        elif pending.length:
            if len(self._buf) < pending.length:
                return None
            body = bytes(self._buf[: pending.length])
            del self._buf[: pending.length]
        else:
            body = b""
        self._pending = None
        self._continue_due = False
        return Request(
            pending.method,
            pending.target,
            pending.version,
            pending.headers,
            pending.head,
            body,
            pending.keep_alive,
            pending.started,
        )

    # -- the head ----------------------------------------------------------------------

    def _parse_next_head(self) -> bool:
        limits = self._limits
        buf = self._buf
        # Some clients send a stray CRLF after a body; RFC 9112 says skip it.
        while buf[:2] == b"\r\n" or buf[:1] == b"\n":
            del buf[: 2 if buf[:1] == b"\r" else 1]
            self._searched = 0
        if not buf:
            return False
        if not self._started:
            self._started = time.perf_counter()
        match = _HEAD_END.search(buf, max(0, self._searched - 3))
        if match is None:
            self._searched = len(buf)
            if buf.find(b"\n") < 0 and len(buf) > limits.max_request_line:
                raise HttpError(414, f"Request line longer than {limits.max_request_line:,} bytes")
            if len(buf) > limits.max_header_block:
                raise HttpError(431, f"Headers larger than {limits.max_header_block:,} bytes")
            return False
        head = bytes(buf[: match.start()])
        del buf[: match.end()]
        self._searched = 0
        started, self._started = self._started, 0.0
        self._pending = _Pending(head, started)  # from here on errors can show the head
        method, target, version, headers = self._parse_head(head)
        length, chunked = _framing(version, headers, limits.max_body)
        expect = next((v for k, v in headers if k.lower() == "expect"), None)
        if expect is not None and expect.strip().lower() != "100-continue":
            raise HttpError(417, f"Unsupported Expect: {expect[:60]}")
        self._pending = _Pending(
            head,
            started,
            method,
            target,
            version,
            headers,
            _keeps_alive(version, headers),
            length,
            chunked,
        )
        self._continue_due = (
            expect is not None
            and version == "HTTP/1.1"
            and (chunked or length > 0)
            and not self._buf
        )
        return True

    def _parse_head(self, head: bytes) -> tuple[str, str, str, list[tuple[str, str]]]:
        limits = self._limits
        lines = head.split(b"\n")
        request_line = lines[0].removesuffix(b"\r")
        if len(request_line) > limits.max_request_line:
            raise HttpError(414, f"Request line longer than {limits.max_request_line:,} bytes")
        if len(head) > limits.max_header_block:
            raise HttpError(431, f"Headers larger than {limits.max_header_block:,} bytes")
        parts = request_line.split(b" ")
        if len(parts) != 3 or not all(parts):
            raise HttpError(400, f"Malformed request line {_show(request_line)}")
        method, target, version = parts
        if not _METHOD.match(method):
            raise HttpError(400, f"Invalid method {_show(method)}")
        if _BAD_TARGET.search(target):
            raise HttpError(400, "Control characters in the request target")
        match = _VERSION.match(version)
        if match is None:
            raise HttpError(400, f"Invalid HTTP version {_show(version)}")
        if match.group(1) != b"1":
            raise HttpError(505, f"HTTP version {version.decode('ascii')} not supported")
        if len(lines) - 1 > limits.max_headers:
            raise HttpError(431, f"More than {limits.max_headers} headers")
        headers: list[tuple[str, str]] = []
        for raw in lines[1:]:
            line = raw.removesuffix(b"\r")
            if len(line) > limits.max_header_line:
                raise HttpError(
                    431, f"A header line is longer than {limits.max_header_line:,} bytes"
                )
            if line[:1] in (b" ", b"\t"):
                raise HttpError(400, "Folded header lines are not allowed")
            name, colon, value = line.partition(b":")
            if not colon or not _HEADER_NAME.match(name):
                raise HttpError(400, f"Malformed header line {_show(line)}")
            value = value.strip(b" \t")
            if _BAD_VALUE.search(value):
                raise HttpError(400, f"Control characters in header {_show(name)}")
            headers.append((name.decode("ascii"), value.decode("latin-1")))
        return method.decode("ascii"), target.decode("latin-1"), version.decode("ascii"), headers

    # -- chunked bodies ----------------------------------------------------------------

    def _decode_chunks(self, pending: _Pending) -> bool:
        """Consume what arrived of a chunked body; True when it is complete."""
        buf = self._buf
        limit = self._limits.max_body
        while True:
            if pending.in_trailers:
                end = buf.find(b"\n")
                if end < 0:
                    if len(buf) > _MAX_TRAILERS:
                        raise HttpError(431, "Trailers too large")
                    return False
                line = bytes(buf[:end]).removesuffix(b"\r")
                del buf[: end + 1]
                if not line:
                    return True
                pending.trailer_bytes += len(line)
                if pending.trailer_bytes > _MAX_TRAILERS:
                    raise HttpError(431, "Trailers too large")
            elif pending.chunk_left is None:
                end = buf.find(b"\n")
                if end < 0:
                    if len(buf) > _MAX_CHUNK_LINE:
                        raise HttpError(400, "Chunk size line too long")
                    return False
                line = bytes(buf[:end]).removesuffix(b"\r")
                del buf[: end + 1]
                size = _chunk_size(line)
                if size == 0:
                    pending.in_trailers = True
                elif len(pending.body) + size > limit:
                    raise HttpError(413, f"Chunked body larger than {limit:,} bytes")
                else:
                    pending.chunk_left = size
            elif pending.chunk_left > 0:
                take = min(pending.chunk_left, len(buf))
                if not take:
                    return False
                pending.body += buf[:take]
                del buf[:take]
                pending.chunk_left -= take
            else:  # the CRLF after a chunk's data
                if buf[:2] == b"\r\n":
                    del buf[:2]
                elif buf[:1] == b"\n":
                    del buf[:1]
                elif not buf or buf == b"\r":
                    return False
                else:
                    raise HttpError(400, "Chunk data not followed by CRLF")
                pending.chunk_left = None


@dataclass(slots=True)
class _Pending:
    """A request whose head is parsed and whose body is still arriving."""

    head: bytes
    started: float
    method: str = ""
    target: str = ""
    version: str = ""
    headers: list[tuple[str, str]] = field(default_factory=list)
    keep_alive: bool = False
    length: int = 0
    chunked: bool = False
    body: bytearray = field(default_factory=bytearray)
    chunk_left: int | None = None
    in_trailers: bool = False
    trailer_bytes: int = 0


def _chunk_size(line: bytes) -> int:
    size_text = line.split(b";", 1)[0].strip()
    if not size_text or size_text.strip(b"0123456789abcdefABCDEF"):
        raise HttpError(400, f"Invalid chunk size {line[:40]!r}")
    return int(size_text, 16)


def _keeps_alive(version: str, headers: list[tuple[str, str]]) -> bool:
    tokens = {
        t.strip().lower() for k, v in headers if k.lower() == "connection" for t in v.split(",")
    }
    if "close" in tokens:
        return False
    return version == "HTTP/1.1" or "keep-alive" in tokens


def _framing(version: str, headers: list[tuple[str, str]], max_body: int) -> tuple[int, bool]:
    """(Content-Length, chunked) after refusing every ambiguous combination."""
    lengths: set[str] = set()
    codings: list[str] = []
    for key, value in headers:
        lowered = key.lower()
        if lowered == "content-length":
            lengths.update(v.strip() for v in value.split(","))
        elif lowered == "transfer-encoding":
            codings.extend(v.strip().lower() for v in value.split(","))
    if codings and lengths:
        raise HttpError(400, "Both Content-Length and Transfer-Encoding (request smuggling?)")
    if codings:
        if version != "HTTP/1.1":
            raise HttpError(400, "Transfer-Encoding in an HTTP/1.0 request")
        if codings != ["chunked"]:
            raise HttpError(501, f"Transfer-Encoding {', '.join(codings)[:60]} not supported")
        return 0, True
    if not lengths:
        return 0, False
    if len(lengths) > 1:
        raise HttpError(400, "Conflicting Content-Length headers")
    text = lengths.pop()
    if not text.isdigit() or not text.isascii():
        raise HttpError(400, f"Invalid Content-Length {text[:40]!r}")
    length = int(text)
    if length > max_body:
        raise HttpError(413, f"Body of {length:,} bytes is over the {max_body:,} byte limit")
    return length, False


def _show(raw: bytes) -> str:
    """Bytes from the wire as a short, printable quote for a log line."""
    text = raw[:60].decode("latin-1").encode("unicode_escape").decode("ascii")
    return f"'{text}…'" if len(raw) > 60 else f"'{text}'"
