"""Turns one served (or refused) request into one log event.

Built for every request at full speed, so the message is one f-string and the detail
(request head and body, response head) is a few slices and decodes, nothing parsed again.
"""

from __future__ import annotations

import time
import traceback

from app.net.events import Kind, LogEvent, Source
from app.net.http.request import Request
from app.net.http.responses import reason_phrase

# The detail view shows this much of a request body; the row's size stays exact.
BODY_PREVIEW = 4096
_MAX_TARGET_SHOWN = 200


def readable(raw: str) -> str:
    """Wire text (one Latin-1 character per byte) shown as UTF-8 where it is UTF-8."""
    if raw.isascii():
        return raw
    return raw.encode("latin-1").decode("utf-8", "backslashreplace")


def request_event(
    peer: str,
    request: Request,
    status: int,
    response_size: int,
    response_head: bytes,
    note: str = "",
    kind: Kind = Kind.RECEIVED,
) -> LogEvent:
    elapsed_ms = (time.perf_counter() - request.started) * 1000.0
    target = readable(request.target)
    if len(target) > _MAX_TARGET_SHOWN:
        target = target[:_MAX_TARGET_SHOWN] + "…"
    message = f"{request.method} {target} → {status}, {response_size:,} B ({elapsed_ms:.1f} ms)"
    if note:
        message = f"{message}: {note}"
    detail = _detail(request.head, request.body, response_head)
    # A served request is traffic received from the client: the row carries the request's
    # own bytes (its size counts as HTTP bytes in), and the message says what was answered.
    body = request.body
    wire = request.head + body[:BODY_PREVIEW] if body else request.head
    size = len(request.head) + len(body)
    return LogEvent(time.time(), Source.HTTP, kind, peer, wire, message, size, detail)


def fault_event(peer: str, request: Request, outcome: str, note: str) -> LogEvent:
    """A request a route answered with a fault: `outcome` instead of a status and size."""
    elapsed_ms = (time.perf_counter() - request.started) * 1000.0
    target = readable(request.target)
    if len(target) > _MAX_TARGET_SHOWN:
        target = target[:_MAX_TARGET_SHOWN] + "…"
    message = f"{request.method} {target} → {outcome} ({elapsed_ms:.1f} ms): {note}"
    detail = _detail(request.head, request.body, f"({outcome})".encode())
    wire = request.head + request.body[:BODY_PREVIEW]
    size = len(request.head) + len(request.body)
    return LogEvent(time.time(), Source.HTTP, Kind.RECEIVED, peer, wire, message, size, detail)


def refused_event(peer: str, status: int, reason: str, received: bytes) -> LogEvent:
    """A request that could not be parsed or was over a limit: answered `status`, closed."""
    message = f"{status} {reason_phrase(status)}: {reason}; connection closed"
    detail = ""
    if received:
        detail = "Received (start):\n" + _text(received[:BODY_PREVIEW])
    return LogEvent(time.time(), Source.HTTP, Kind.ERROR, peer, b"", message, 0, detail)


def internal_error_event(peer: str, exc: BaseException) -> LogEvent:
    message = f"Internal error answering {peer}: {type(exc).__name__}: {exc}"
    detail = "".join(traceback.format_exception(exc))
    return LogEvent(time.time(), Source.HTTP, Kind.ERROR, peer, b"", message, 0, detail)


def connection_event(peer: str, message: str, kind: Kind = Kind.INFO) -> LogEvent:
    return LogEvent(time.time(), Source.HTTP, kind, peer, b"", message, 0, "")


def _detail(head: bytes, body: bytes, response_head: bytes) -> str:
    if not body:  # most requests: one format, one replace
        request, response = _text(head).rstrip("\r\n"), _text(response_head).rstrip("\r\n")
        return f"Request:\n{request}\n\nResponse:\n{response}".replace("\r\n", "\n")
    parts = ["Request:", _text(head).rstrip("\r\n")]
    if body:
        shown = _text(body[:BODY_PREVIEW])
        if len(body) > BODY_PREVIEW:
            shown += f"\n… ({len(body):,} bytes, first {BODY_PREVIEW:,} shown)"
        parts += ["", shown]
    parts += ["", "Response:", _text(response_head).rstrip("\r\n")]
    return "\n".join(parts).replace("\r\n", "\n")


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", "backslashreplace")
