"""Reads the head of an HTTP/1.x message: a start line and header fields (no I/O).

The same field reader serves requests (the server) and responses (the HTTP client):
`HeadReader` cuts one head off a buffer, `read_request_head` / `read_response_head` turn
it into a record or raise `HttpError`. A client only uses the error's reason; its status
is what a server answers for the fault.

Lines of the head may end with a bare LF (netcat users type them, and RFC 9112 §2.2 lets
a recipient accept them); a bare CR inside a line is a control character and refused.
"""

from __future__ import annotations

import functools
import re
from typing import NamedTuple

TOKEN = re.compile(rb"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
# Control characters other than tab are never valid in a field value (RFC 9110 §5.5):
# not only CR and LF, also BEL, DEL and the rest, which lenient parsers read as line breaks.
_BAD_VALUE = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")
# The usual field line in one match: a token, a colon, a value with no control character
# but tab, optional whitespace around it. Anything else takes the checks that say why.
_FIELD_LINE = re.compile(
    # Possessive leading whitespace: a line of spaces then a control character fails in
    # linear time instead of trying every split of the spaces.
    rb"([!#$%&'*+\-.^_`|~0-9A-Za-z]+):[ \t]*+"
    rb"((?:[^\x00-\x08\x0a-\x1f\x7f]*[^\x00-\x08\x0a-\x1f\x7f \t])?)[ \t]*"
)
_BAD_TARGET = re.compile(rb"[\x00-\x20\x7f]")
_VERSION = re.compile(rb"^HTTP/(\d)\.(\d)$")
_HEAD_END = re.compile(rb"\r?\n\r?\n")
_STATUS_CODE = re.compile(rb"^\d{3}$")
_STATUS_LINE = re.compile(rb"HTTP/1\.([0-9]) ([0-9]{3}) ([^\x00-\x08\x0a-\x1f\x7f]*)")
_REQUEST_LINE = re.compile(rb"([!#$%&'*+\-.^_`|~0-9A-Za-z]+) ([^\x00-\x20\x7f]+) HTTP/1\.([0-9])")
# RFC 3986 authority without userinfo (RFC 9110 §4.2.4 forbids it in http URIs).
_AUTHORITY = re.compile(rb"^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~!$&'()*+,;=%]+)(?::[0-9]*)?$")
_SCHEME = re.compile(rb"^[A-Za-z][A-Za-z0-9+.\-]*$")


class HttpError(Exception):
    """The message cannot be used: a server answers `status` and closes the connection."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class HeadLimits(NamedTuple):
    max_start_line: int = 8 * 1024
    max_field_line: int = 8 * 1024
    max_head: int = 64 * 1024
    max_fields: int = 100


class RequestLine(NamedTuple):
    method: str
    target: str  # as sent, each byte one character (Latin-1), so no byte is lost
    version: str


class StatusLine(NamedTuple):
    version: str
    status: int
    reason: str


class HeadReader:
    """Cuts one head (without its blank line) off the front of a buffer.

    Calling it returns the head's bytes, None while the blank line has not arrived, or
    raises HttpError when what arrived is already too long. Empty lines before the start
    line are skipped (RFC 9112 §2.2: some clients send a CRLF after a body).
    """

    def __init__(self, limits: HeadLimits, start_line: str = "Request line") -> None:
        self._limits = limits
        self._start_line = start_line
        self._searched = 0
        self.terminator = b""  # what ended the last head returned

    def __call__(self, buf: bytearray) -> bytes | None:
        while buf[:2] == b"\r\n" or buf[:1] == b"\n":
            del buf[: 2 if buf[:1] == b"\r" else 1]
            self._searched = 0
        if not buf:
            return None
        match = _HEAD_END.search(buf, max(0, self._searched - 3))
        if match is None:
            self._searched = len(buf)
            if buf.find(b"\n") < 0 and len(buf) > self._limits.max_start_line:
                raise self._start_line_too_long()
            if len(buf) > self._limits.max_head:
                raise self._head_too_large()
            return None
        head = bytes(buf[: match.start()])
        # The blank line as it came (CRLF CRLF or bare LFs): the log shows the request
        # exactly as received, head and body apart.
        self.terminator = bytes(buf[match.start() : match.end()])
        del buf[: match.end()]
        self._searched = 0
        return head

    def _start_line_too_long(self) -> HttpError:
        return start_line_too_long(self._start_line, self._limits)

    def _head_too_large(self) -> HttpError:
        return head_too_large(self._limits)


def start_line_too_long(start_line: str, limits: HeadLimits) -> HttpError:
    return HttpError(414, f"{start_line} longer than {limits.max_start_line:,} bytes")


def head_too_large(limits: HeadLimits) -> HttpError:
    return HttpError(431, f"Headers larger than {limits.max_head:,} bytes")


def head_lines(head: bytes, limits: HeadLimits, start_line: str) -> list[bytes]:
    """The head's lines (start line first, line ends removed) once its sizes are fine."""
    lines = head.replace(b"\r\n", b"\n").split(b"\n")
    if len(lines[0]) > limits.max_start_line:
        raise start_line_too_long(start_line, limits)
    if len(head) > limits.max_head:
        raise head_too_large(limits)
    return lines


def read_fields(
    lines: list[bytes], limits: HeadLimits, what: str = "header"
) -> list[tuple[str, str]]:
    """Field lines (no line ends) → (name, value) pairs; also reads a chunked trailer."""
    if len(lines) > limits.max_fields:
        raise HttpError(431, f"More than {limits.max_fields} {what}s")
    fields: list[tuple[str, str]] = []
    append = fields.append
    fast = _FIELD_LINE.fullmatch
    longest = limits.max_field_line
    for line in lines:
        if len(line) > longest:
            raise HttpError(431, f"A {what} line is longer than {longest:,} bytes")
        match = fast(line)
        if match is not None:
            name_bytes, value_bytes = match.groups()
            append((name_bytes.decode("ascii"), value_bytes.decode("latin-1")))
            continue
        if line[:1] in (b" ", b"\t"):
            raise HttpError(400, f"Folded {what} lines are not allowed")
        name, colon, value = line.partition(b":")
        if not colon or not TOKEN.match(name):
            raise HttpError(400, f"Malformed {what} line {show(line)}")
        value = value.strip(b" \t")
        bad = _BAD_VALUE.search(value)
        if bad:
            raise HttpError(
                400, f"Control character {show(bad.group())} in the value of {what} {show(name)}"
            )
        fields.append((name.decode("ascii"), value.decode("latin-1")))
    return fields


def parse_version(raw: bytes) -> str:
    match = _VERSION.match(raw)
    if match is None:
        raise HttpError(400, f"Invalid HTTP version {show(raw)}")
    if match.group(1) != b"1":
        raise HttpError(505, f"HTTP version {raw.decode('ascii')} not supported")
    return raw.decode("ascii")


def parse_request_line(line: bytes) -> RequestLine:
    fast = _REQUEST_LINE.fullmatch(line)
    if fast is not None:  # the usual line: one regex instead of the checks below
        method, target, minor = fast.groups()
        if target[:1] != b"/" or b"#" in target or method == b"CONNECT":
            check_target(method, target)
        return RequestLine(
            method.decode("ascii"), target.decode("latin-1"), f"HTTP/1.{minor[0] - 48}"
        )
    parts = line.split(b" ")
    if len(parts) != 3 or not all(parts):
        raise HttpError(400, f"Malformed request line {show(line)}")
    method, target, version = parts
    if not TOKEN.match(method):
        raise HttpError(400, f"Invalid method {show(method)}")
    if _BAD_TARGET.search(target):
        raise HttpError(400, "Control characters in the request target")
    check_target(method, target)
    return RequestLine(method.decode("ascii"), target.decode("latin-1"), parse_version(version))


def check_target(method: bytes, target: bytes) -> None:
    """Refuses a request-target in none of the four forms of RFC 9112 §3.2."""
    if method == b"CONNECT":
        if not (_AUTHORITY.match(target) and b":" in target.rpartition(b"]")[2]):
            raise HttpError(400, f"CONNECT needs host:port as its target, not {show(target)}")
    elif target == b"*":
        if method != b"OPTIONS":
            raise HttpError(400, "The target * is only valid for OPTIONS")
    elif target[:1] != b"/":
        scheme, sep, rest = target.partition(b"://")
        if not sep or not _SCHEME.match(scheme):
            raise HttpError(
                400, f"Request target {show(target)} is neither a /path nor an absolute URL"
            )
        authority = re.split(rb"[/?#]", rest, maxsplit=1)[0]
        if not _AUTHORITY.match(authority):
            raise HttpError(400, f"Invalid host {show(authority)} in the request target")
    elif b"#" in target:
        raise HttpError(400, "A fragment (#) is not allowed in a request target")


def check_host(fields: list[tuple[str, str]]) -> None:
    """RFC 9112 §3.2: more than one Host, or an invalid one, MUST get 400."""
    host: str | None = None
    for name, value in fields:
        if len(name) == 4 and name.lower() == "host":  # the length test skips most at once
            if host is not None:
                raise HttpError(400, "More than one Host header")
            host = value
    if host and not _is_authority(host):
        raise HttpError(400, f"Invalid Host header {show(host.encode('latin-1'))}")


@functools.lru_cache(maxsize=64)  # a connection sends the same Host with every request
def _is_authority(value: str) -> bool:
    return _AUTHORITY.match(value.encode("latin-1")) is not None


class RequestHead(NamedTuple):
    line: RequestLine
    fields: list[tuple[str, str]]


class ResponseHead(NamedTuple):
    line: StatusLine
    fields: list[tuple[str, str]]


def read_request_head(head: bytes, limits: HeadLimits) -> RequestHead:
    lines = head_lines(head, limits, "Request line")
    line = parse_request_line(lines[0])
    fields = read_fields(lines[1:], limits)
    check_host(fields)
    return RequestHead(line, fields)


def parse_status_line(line: bytes) -> StatusLine:
    """`HTTP/1.1 200 OK` (the reason may be empty or missing, RFC 9112 §4)."""
    fast = _STATUS_LINE.fullmatch(line)
    if fast is not None:  # the usual line: one regex instead of the checks below
        minor, code, reason = fast.groups()
        return StatusLine(f"HTTP/1.{minor[0] - 48}", int(code), reason.decode("latin-1"))
    version, _, rest = line.partition(b" ")
    code, _, reason = rest.partition(b" ")
    if not _STATUS_CODE.match(code):
        raise HttpError(400, f"Malformed status line {show(line)}")
    if _BAD_VALUE.search(reason):
        raise HttpError(400, "Control characters in the status line's reason")
    return StatusLine(parse_version(version), int(code), reason.decode("latin-1"))


def read_response_head(head: bytes, limits: HeadLimits) -> ResponseHead:
    lines = head_lines(head, limits, "Status line")
    return ResponseHead(parse_status_line(lines[0]), read_fields(lines[1:], limits))


def show(raw: bytes) -> str:
    """Bytes from the wire as a short, printable quote for a log line."""
    text = raw[:60].decode("latin-1").encode("unicode_escape").decode("ascii")
    return f"'{text}…'" if len(raw) > 60 else f"'{text}'"
