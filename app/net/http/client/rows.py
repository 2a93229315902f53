"""The log rows of an exchange: one sent row, one received row, and info lines."""

from __future__ import annotations

import time

from app.net.events import EventSink, Kind, LogEvent, Source, make_event
from app.net.http.head import ResponseHead
from app.units import format_bytes, format_duration

SOURCE = Source.HTTP_CLIENT
# What one received row keeps of a response's bytes (its `size` stays the true total):
# a multi-gigabyte download must not be held whole for a log that trims it anyway.
RAW_ROW_LIMIT = 16 * 1024 * 1024
# A NamedTuple from C: LogEvent's own __new__ is Python, and an exchange makes three rows.
# Every field is given, in LogEvent's order.
_NEW_TUPLE = tuple.__new__


def head_text(data: bytes) -> str:
    """The head of a message as text for the detail view (up to its blank line)."""
    end = data.find(b"\r\n\r\n")
    return data[: end if end >= 0 else len(data)].decode("latin-1")


def sent_row(
    peer: str, local: str, data: bytes, request_line: str, size: int | None = None
) -> LogEvent:
    total = len(data) if size is None else size
    sent = (time.time(), SOURCE, Kind.SENT, peer, data, request_line, total)
    return _NEW_TUPLE(LogEvent, (*sent, head_text(data), local, False))


def received_row(
    peer: str,
    local: str,
    raw: bytes,
    size: int,
    head: ResponseHead | None,
    body_size: int,
    elapsed_s: float,
    partial: bool = False,
) -> LogEvent:
    """`200 OK · 1.2 kB · 3.4 ms`; an incomplete response says how far it got."""
    if head is None:
        message = f"Incomplete response · {format_bytes(size)}"
    else:
        line = head.line
        status = f"{line.status} {line.reason}".rstrip()
        what = "body so far" if partial else ""
        message = f"{status} · {format_bytes(body_size)}{' ' + what if what else ''}"
        message += f" · {format_duration(elapsed_s)}"
    received = (time.time(), SOURCE, Kind.RECEIVED, peer, raw, message, size)
    return _NEW_TUPLE(LogEvent, (*received, head_text(raw), local, partial))


def reused(peer: str, local: str, exchanges: int) -> LogEvent:
    message = f"Reused connection to {peer} from {local} (request {exchanges} on it)"
    return _NEW_TUPLE(
        LogEvent, (time.time(), SOURCE, Kind.INFO, peer, b"", message, 0, "", local, False)
    )


def info(message: str, peer: str = "", local: str = "") -> LogEvent:
    return make_event(SOURCE, Kind.INFO, message, peer=peer, local=local)


def error(message: str, peer: str = "", local: str = "") -> LogEvent:
    return make_event(SOURCE, Kind.ERROR, message, peer=peer, local=local)


class ExchangeRows:
    """Gathers one hop's bytes each way and logs them as its one sent and one received
    row, each bounded by RAW_ROW_LIMIT (its `size` stays the true total)."""

    def __init__(self, sink: EventSink, peer: str) -> None:
        self._sink = sink
        self.peer = peer
        self.local = ""
        self._sent: list[bytes] = []
        self.sent_logged = False
        self._received: list[bytes] = []
        self._received_kept = 0

    @property
    def received_any(self) -> bool:
        return bool(self._received)

    def add_sent(self, data: bytes) -> None:
        self._sent.append(data)

    def add_received(self, data: bytes) -> None:
        if self._received_kept < RAW_ROW_LIMIT:
            self._received.append(data)
            self._received_kept += len(data)

    def log_sent(self, request_line: str, extra: bytes = b"") -> None:
        """Once: what left whole, plus `extra` (the prefix of a message cut short)."""
        if self.sent_logged:
            return
        self.sent_logged = True
        parts = [*self._sent, extra] if extra else self._sent
        size = sum(len(part) for part in parts)
        if size:
            self._sink(sent_row(self.peer, self.local, _joined(parts), request_line, size))

    def log_received(
        self, head: ResponseHead | None, size: int, body_size: int, elapsed_s: float, partial: bool
    ) -> None:
        raw = _joined(self._received)
        self._sink(
            received_row(self.peer, self.local, raw, size, head, body_size, elapsed_s, partial)
        )


def _joined(parts: list[bytes]) -> bytes:
    """One part (the usual small message) without a copy; more, joined up to the limit."""
    if len(parts) == 1:
        return parts[0][:RAW_ROW_LIMIT]
    return b"".join(parts)[:RAW_ROW_LIMIT]
