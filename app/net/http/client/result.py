"""What one HTTP exchange asks for and what it ended with: the contract between the
client engine, its worker and the HTTP Client tab. Plain values, no Qt, no sockets.

NamedTuples, as for every record the GUI imports at start-up (app/net/tcp/status.py).
"""

from __future__ import annotations

import enum
from typing import NamedTuple


class Phase(enum.Enum):
    """Where an exchange failed; the value reads as "failed while <value>"."""

    PREPARE = "preparing the request"  # the URL or a header cannot be sent as typed
    RESOLVE = "resolving the name"
    CONNECT = "connecting"
    TLS = "the TLS handshake"
    SEND = "sending the request"
    WAIT = "waiting for the response"
    BODY = "reading the body"


class RequestSpec(NamedTuple):
    """One request as the person typed it. `headers` keep their order and case;
    the engine adds Host, Content-Length, User-Agent and Accept-Encoding unless given."""

    method: str
    url: str
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    follow_redirects: bool = False
    timeout_s: float = 30.0
    verify_tls: bool = True


class Timing(NamedTuple):
    """Milliseconds per phase of the last hop; None for a phase that did not happen
    (DNS for an IP literal, connect and TLS on a reused connection, TLS on http)."""

    dns_ms: float | None = None
    connect_ms: float | None = None
    tls_ms: float | None = None
    first_byte_ms: float | None = None  # request written -> first response byte
    download_ms: float | None = None  # first response byte -> last body byte
    total_ms: float = 0.0  # the whole exchange, every redirect hop included


class Failure(NamedTuple):
    phase: Phase
    reason: str  # one line, e.g. "Connection refused"


class ExchangeResult(NamedTuple):
    """The final hop's response (or the failure) of one RequestSpec."""

    url: str  # the URL of the final hop
    status: int | None = None
    reason: str = ""
    version: str = ""
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""  # decoded: gzip/deflate undone; its first part when spooled (8 MB)
    wire_size: int = 0  # body bytes as they arrived, before decoding
    content_encoding: str = ""
    reused: bool = False  # the final hop went over a kept-alive connection
    redirects: tuple[str, ...] = ()  # the URLs followed, in order
    timing: Timing = Timing()
    failure: Failure | None = None
    cancelled: bool = False
    body_truncated: bool = False  # `body` is not the whole body (see body_file)
    # The whole decoded body in a temporary file when it was larger than `body` keeps,
    # "" otherwise (or when it could not be written: the log says why). The engine
    # removes the file when its next exchange ends and when it closes.
    body_file: str = ""
    body_size: int = 0  # the whole decoded body's size, in `body` and `body_file`

    @property
    def ok(self) -> bool:
        return self.failure is None and not self.cancelled and self.status is not None

    def header(self, name: str) -> str | None:
        """The first header of that name, case-insensitively."""
        lowered = name.lower()
        return next((v for k, v in self.headers if k.lower() == lowered), None)
