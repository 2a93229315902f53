"""The bytes of a request's head: the person's headers as typed, plus what HTTP needs."""

from __future__ import annotations

import functools
import re
from typing import NamedTuple

from app import __version__
from app.net.http.client.target import Origin, Target

USER_AGENT = f"socket-tester/{__version__}"
ACCEPT_ENCODING = "gzip, deflate"
# Bodies larger than this ask first (Expect: 100-continue), so a server that refuses them
# says so before megabytes travel for nothing.
EXPECT_CONTINUE_OVER = 1024 * 1024
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"})
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_BAD_VALUE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


class RequestHead(NamedTuple):
    data: bytes
    expect_continue: bool  # the body waits for 100 Continue (or for a second)
    keep_alive: bool  # the person did not ask for Connection: close


class PreparedRequest(NamedTuple):
    """One hop's request, checked and with its head built."""

    method: str
    target: Target
    head: RequestHead
    body: bytes
    timeout_s: float
    verify_tls: bool

    @property
    def origin(self) -> Origin:
        target = self.target
        return (target.scheme, target.host, target.port, self.verify_tls)

    @property
    def line(self) -> str:
        """`GET /path HTTP/1.1`, the sent row's message."""
        return f"{self.method} {self.target.request_target} HTTP/1.1"


@functools.lru_cache(maxsize=64)  # the same request again costs nothing to check
def check_request(method: str, headers: tuple[tuple[str, str], ...]) -> str:
    """ "" when the method and headers can be sent, else why not (one line)."""
    if not _TOKEN.fullmatch(method):
        return f"The method {method!r} is not a valid token"
    for name, value in headers:
        if not _TOKEN.fullmatch(name):
            return f"The header name {name!r} is not a valid token"
        if _BAD_VALUE.search(value):
            return f"The value of the header {name} holds a control character"
        try:
            value.encode("latin-1")
        except UnicodeEncodeError:
            return f"The value of the header {name} has characters outside Latin-1"
    return ""


@functools.lru_cache(maxsize=64)
def build_head(
    method: str, target: Target, headers: tuple[tuple[str, str], ...], body_size: int
) -> RequestHead:
    """Host first, then the person's headers in their order and case, then User-Agent,
    Accept-Encoding, Content-Length and Expect where the person gave none."""
    given = {name.lower() for name, _ in headers}
    lines = [f"{method} {target.request_target} HTTP/1.1"]
    if "host" not in given:
        lines.append(f"Host: {target.authority}")
    lines.extend(f"{name}: {value}" for name, value in headers)
    if "user-agent" not in given:
        lines.append(f"User-Agent: {USER_AGENT}")
    if "accept-encoding" not in given:
        lines.append(f"Accept-Encoding: {ACCEPT_ENCODING}")
    framed = "content-length" in given or "transfer-encoding" in given
    if not framed and (body_size or method in BODY_METHODS):
        lines.append(f"Content-Length: {body_size}")
    expect = any(n.lower() == "expect" and "100-continue" in tokens(v) for n, v in headers)
    if body_size > EXPECT_CONTINUE_OVER and "expect" not in given:
        lines.append("Expect: 100-continue")
        expect = True
    close = any(n.lower() == "connection" and "close" in tokens(v) for n, v in headers)
    text = "\r\n".join(lines) + "\r\n\r\n"
    return RequestHead(text.encode("latin-1"), expect and body_size > 0, not close)


def tokens(value: str) -> list[str]:
    """`keep-alive, Upgrade` -> ["keep-alive", "upgrade"]: a list header's tokens."""
    return [part.strip().lower() for part in value.split(",")]
