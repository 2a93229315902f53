"""Parses HTTP/1.x requests from bytes pushed in (no I/O), strictly and within limits.

Written instead of `http.server`'s parser because that one answers errors without a
status line, cannot read chunked bodies, leaves unread bodies to be parsed as the next
request and parses headers with the (slow) email package. Every framing doubt ends the
connection: a server that guesses about where a body ends can be made to desync.
Like h11, it takes bytes in and gives requests out, so the event loop owns the socket.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import NamedTuple

from app.net.http.body import NO_BODY, BodyReader, EndOfBody, body_reader
from app.net.http.config import ServerLimits
from app.net.http.head import HeadLimits, HeadReader, HttpError, RequestLine, read_request_head

__all__ = ["CONTINUE", "RECV_SIZE", "HttpError", "Request", "RequestParser"]

RECV_SIZE = 64 * 1024
CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
# Parsed heads by their exact bytes: a keep-alive client, a browser or a load generator
# sends the same head again and again, and parsing is a pure function of the bytes and
# the limits. Bounded by clearing, which costs one parse per distinct head afterwards.
_HEAD_CACHE_SIZE = 256


class _ParsedHead(NamedTuple):
    line: RequestLine
    headers: list[tuple[str, str]]  # shared by the requests of one head: never mutated
    keep_alive: bool
    expect: str | None
    reader: BodyReader | None  # NO_BODY is shared; a stateful reader is made per request


_parsed_heads: dict[tuple[bytes, HeadLimits, int], _ParsedHead] = {}


@dataclass(slots=True)
class Request:
    method: str
    target: str  # as sent, each byte one character (Latin-1), so no byte is lost
    version: str
    headers: list[tuple[str, str]]
    head: bytes  # request line, headers and the blank line, as received, for the log
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
    """One connection's input; the buffer may already hold the next pipelined request.

    A thin driver: `head.HeadReader` cuts the head off the buffer, `body.body_reader`
    picks the body reader, which consumes the body from the same buffer.
    """

    def __init__(self, limits: ServerLimits) -> None:
        self._limits = limits
        self._head_limits = HeadLimits(
            limits.max_request_line,
            limits.max_header_line,
            limits.max_header_block,
            limits.max_headers,
        )
        self._head_reader = HeadReader(self._head_limits)
        self._buf = bytearray()
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

    def take_buffered(self) -> bytes:
        """What arrived after the last request, taken out (a protocol switch reads it)."""
        data = bytes(self._buf)
        self._buf.clear()
        return data

    def take_continue(self) -> bool:
        """True once when the client waits for `100 Continue` before sending its body."""
        due, self._continue_due = self._continue_due, False
        return due

    def next_request(self) -> Request | None:
        """A complete request, or None until more bytes arrive; raises HttpError."""
        if self._pending is None and (not self._buf or not self._read_head()):
            return None  # (an empty buffer, the usual second call, costs no reader call)
        pending = self._pending
        assert pending is not None and pending.reader is not None
        while True:
            out = pending.reader(self._buf)
            if out is None:
                return None
            if isinstance(out, EndOfBody):
                break
            pending.body += out
        self._pending = None
        self._continue_due = False
        line = pending.line
        assert line is not None
        return Request(
            line.method,
            line.target,
            line.version,
            pending.headers,
            pending.head,
            bytes(pending.body),
            pending.keep_alive,
            pending.started,
        )

    def _read_head(self) -> bool:
        buf = self._buf
        head = self._head_reader(buf)  # skips empty lines first: they start nothing
        if not self._started and (head is not None or buf):
            self._started = time.perf_counter()
        if head is None:
            return False
        started, self._started = self._started, 0.0
        # From here errors can show the head; it is kept with its blank line, as received.
        pending = self._pending = _Pending(head + self._head_reader.terminator, started)
        parsed = _parse_head(head, self._head_limits, self._limits.max_body)
        line, headers, expect = parsed.line, parsed.headers, parsed.expect
        reader = parsed.reader
        if reader is None:
            reader = body_reader(line.version, headers, self._limits.max_body)
        pending.keep_alive = parsed.keep_alive
        if expect is not None and expect.strip().lower() != "100-continue":
            raise HttpError(417, f"Unsupported Expect: {expect[:60]}")
        pending.line, pending.headers, pending.reader = line, headers, reader
        self._continue_due = (
            expect is not None
            and line.version == "HTTP/1.1"
            and reader.expects_body
            and not self._buf
        )
        return True


def _parse_head(head: bytes, limits: HeadLimits, max_body: int) -> _ParsedHead:
    key = (head, limits, max_body)
    parsed = _parsed_heads.get(key)
    if parsed is not None:
        return parsed
    line, headers = read_request_head(head, limits)
    reader = body_reader(line.version, headers, max_body)  # refuses ambiguous framing
    # One pass over the fields for what the parser itself needs.
    expect: str | None = None
    connection: list[str] = []
    for name, value in headers:
        lowered = name.lower()
        if lowered == "connection":
            connection.append(value)
        elif lowered == "expect" and expect is None:
            expect = value
    parsed = _ParsedHead(
        line,
        headers,
        _keeps_alive(line.version, connection),
        expect,
        reader if reader is NO_BODY else None,
    )
    if len(_parsed_heads) >= _HEAD_CACHE_SIZE:
        _parsed_heads.clear()
    _parsed_heads[key] = parsed
    return parsed


@dataclass(slots=True)
class _Pending:
    """A request whose head is parsed and whose body is still arriving."""

    head: bytes
    started: float
    line: RequestLine | None = None
    headers: list[tuple[str, str]] = field(default_factory=list)
    reader: BodyReader | None = None
    body: bytearray = field(default_factory=bytearray)
    keep_alive: bool = True


def _keeps_alive(version: str, connection: list[str]) -> bool:
    """From the Connection header values: `close` ends it, HTTP/1.0 needs `keep-alive`."""
    if not connection:
        return version == "HTTP/1.1"
    tokens = {t.strip().lower() for value in connection for t in value.split(",")}
    if "close" in tokens:
        return False
    return version == "HTTP/1.1" or "keep-alive" in tokens
