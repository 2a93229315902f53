"""What the HTTP server answers (an immutable snapshot) and the limits it enforces."""

from __future__ import annotations

import enum
import os
import re
from typing import NamedTuple, Protocol

# A header name is an RFC 9110 token.
_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
# Control characters other than tab are never valid in a header value (RFC 9110 §5.5).
# Not only CR/LF: lenient clients (str.splitlines, some proxies) also break lines at
# vertical tab, form feed and the like, so one visible line could become two headers.
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
# Headers the server writes itself: letting a field set them would break the framing.
_MANAGED = {
    "content-length": "Content-Length is set automatically from the body",
    "transfer-encoding": "Transfer-Encoding is not supported in a fixed response",
    "content-type": "Content-Type has its own field",
    "connection": "Connection is managed by the server (keep-alive)",
}


class HttpConfigError(ValueError):
    """A field value cannot be used; the text says why (shown at the field)."""


class ServeMode(enum.Enum):
    FIXED = "Fixed response"
    ECHO = "Echo request"
    FOLDER = "Serve folder"
    ROUTES = "Routes"  # the first matching route answers, else the fixed response
    WS_ECHO = "WebSocket echo"  # upgrades on any path are echoed; others: the fixed response


# A route's choices live here, not in routes.py, so the tab can show them without
# importing the regex package (start-up counts).
ROUTE_METHODS = ("ANY", "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")


class RouteFault(enum.Enum):
    """What a route does to the connection instead of (or while) answering."""

    NONE = "None"
    EMPTY = "Empty response"
    RESET = "Reset connection"
    RANDOM = "Random data then close"
    DRIBBLE = "Dribble"


# A new row of the routes table (and the value of a field a routes file leaves out).
DEFAULT_ROUTE = ("GET", "/api/*", "200", "application/json", '{"ok": true}', "0", "None")


class RouteAnswer(NamedTuple):
    number: int  # the route's row, counted from 1 as the table shows it
    status: int
    content_type: str  # "" writes no Content-Type
    body: bytes  # with `$1`… already expanded
    delay: float  # seconds before anything is sent
    fault: RouteFault


class RouteMatcher(Protocol):
    """What the server asks of its routes (routes.RouteTable, compiled from the table)."""

    def match(self, method: str, target: str) -> RouteAnswer | None: ...


# Records built at start-up are NamedTuples, not frozen dataclasses: creating the class
# costs 0.08 ms instead of 0.6 ms, and start-up is measured against a bare window.
class ResponseConfig(NamedTuple):
    """Everything a request needs to be answered; replaced whole, never mutated.

    The GUI builds a new one whenever a field changes and hands it to the server, which
    swaps one reference: a handler thread reads it once per request, so an edit applies
    to the next request and a request never sees half an edit.
    """

    mode: ServeMode = ServeMode.FIXED
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b"Hello, client!"
    folder: str = ""
    routes: RouteMatcher | None = None  # ROUTES mode; compiled by routes.compile_routes
    cors: bool = False  # answer CORS preflights; Access-Control-Allow-Origin on every answer


class ServerLimits(NamedTuple):
    """Bounds on what one client may make the server hold or wait for.

    The request line limit is 8 KiB like Apache and nginx (http.server allows 64 KiB):
    longer URLs are almost always a bug or an attack, and browsers stay far below it.
    """

    max_request_line: int = 8 * 1024
    max_header_line: int = 8 * 1024
    max_header_block: int = 64 * 1024
    max_headers: int = 100
    max_body: int = 10 * 1024 * 1024
    # Waiting for the next request on a kept-alive connection.
    idle_timeout: float = 10.0
    # From the first byte of a request to the end of its headers (slowloris).
    header_timeout: float = 10.0
    # Between two reads of a body or two writes of a response.
    io_timeout: float = 10.0
    max_connections: int = 256


def parse_header_lines(text: str) -> tuple[tuple[str, str], ...]:
    """`Name: value` lines (blank lines ignored) → pairs; raises HttpConfigError."""
    pairs: list[tuple[str, str]] = []
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.rstrip("\r")
        if not line.strip():
            continue
        if _CONTROL.search(line):
            raise HttpConfigError(f"Line {number}: control characters are not allowed")
        name, colon, value = line.partition(":")
        if not colon:
            raise HttpConfigError(f"Line {number}: write a header as Name: value")
        name = name.strip()
        if not _TOKEN.match(name):
            raise HttpConfigError(f"Line {number}: {name!r} is not a valid header name")
        if name.lower() in _MANAGED:
            raise HttpConfigError(f"Line {number}: {_MANAGED[name.lower()]}")
        value = value.strip()
        try:
            value.encode("latin-1")
        except UnicodeEncodeError:
            raise HttpConfigError(
                f"Line {number}: header values must be Latin-1 (use %-encoding)"
            ) from None
        pairs.append((name, value))
    return tuple(pairs)


def check_content_type(text: str) -> str:
    value = text.strip()
    if _CONTROL.search(value):
        raise HttpConfigError("The content type cannot contain line breaks or control characters")
    try:
        value.encode("latin-1")
    except UnicodeEncodeError:
        raise HttpConfigError("The content type must be plain ASCII") from None
    return value


def check_folder(path: str) -> str:
    """An existing, readable directory (made absolute), or HttpConfigError."""
    path = path.strip()
    if not path:
        raise HttpConfigError("Choose a folder to serve")
    absolute = os.path.abspath(os.path.expanduser(path))
    if not os.path.isdir(absolute):
        raise HttpConfigError(f"No folder at {absolute}")
    if not os.access(absolute, os.R_OK | os.X_OK):
        raise HttpConfigError(f"Cannot read the folder {absolute}")
    return absolute
