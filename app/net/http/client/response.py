"""Reads one HTTP/1.x response from the bytes of a connection (sans-IO).

The server's head and body readers (head.py, body.py) do the parsing; this only drives
them for a response: interim 1xx heads come before the final one, HEAD/204/304 have no
body whatever their head says, and a body without framing ends when the connection does.
"""

from __future__ import annotations

from typing import NamedTuple

from app.net.http.body import BodyReader, EndOfBody, UntilCloseReader, response_body_reader
from app.net.http.head import HeadLimits, HeadReader, HttpError, ResponseHead, read_response_head

# Responses carry more and longer headers than requests (cookies, CSPs): roomier limits.
RESPONSE_LIMITS = HeadLimits(
    max_start_line=8 * 1024, max_field_line=64 * 1024, max_head=256 * 1024, max_fields=500
)
# Framed bodies are read whatever their size: what is kept of them is bounded elsewhere.
NO_BODY_LIMIT = 1 << 62
_NEW_TUPLE = tuple.__new__  # the events from C, without their NamedTuple's Python __new__

# The last final head read (its bytes, the head, Content-Encoding, keeps-alive): a
# keep-alive loop gets the same head again and again (a Date changes once a second), and
# comparing its bytes costs far less than reading it. One entry, replaced whole, so a
# reader in another thread sees the old entry or the new one, never half of one.
_last_head: tuple[bytes, ResponseHead, str, bool] | None = None


class Interim(NamedTuple):
    """A 1xx head other than 101 (100 Continue, 103 Early Hints): the final one follows."""

    head: ResponseHead


class FinalHead(NamedTuple):
    head: ResponseHead


class BodyPiece(NamedTuple):
    data: bytes


class ResponseEnd(NamedTuple):
    trailers: list[tuple[str, str]]


ResponseEvent = Interim | FinalHead | BodyPiece | ResponseEnd


class ResponseError(Exception):
    """The response cannot be read (malformed, or the connection ended too early)."""


class ResponseReader:
    """Feed it the connection's bytes; it returns what they completed, in order."""

    def __init__(self, method: str) -> None:
        self._method = method
        self._buf = bytearray()
        self._heads = HeadReader(RESPONSE_LIMITS, "Status line")
        self._body: BodyReader | None = None
        self.head: ResponseHead | None = None
        self.content_encoding = ""  # of the final head
        self.keeps_alive = False  # the final head lets the connection carry another request
        self.done = False
        self.received = 0  # every byte fed, interim heads included

    @property
    def close_delimited(self) -> bool:
        return isinstance(self._body, UntilCloseReader)

    @property
    def leftover(self) -> int:
        """Bytes after the end of the response: a server that sent more than it framed."""
        return len(self._buf) if self.done else 0

    def feed(self, data: bytes) -> list[ResponseEvent]:
        self.received += len(data)
        if self.done:
            self._buf += data
            return []
        self._buf += data
        events: list[ResponseEvent] = []
        try:
            while not self.done:
                if self._body is None:
                    if not self._read_head(events):
                        break
                    continue
                piece = self._body(self._buf)
                if piece is None:
                    break
                if isinstance(piece, EndOfBody):
                    self.done = True
                    events.append(_NEW_TUPLE(ResponseEnd, (piece.trailers,)))
                else:
                    events.append(_NEW_TUPLE(BodyPiece, (piece,)))
        except HttpError as exc:
            raise ResponseError(exc.reason) from None
        return events

    def eof(self) -> list[ResponseEvent]:
        """The server closed its side: the end of a close-delimited body, else an error."""
        if self.done:
            return []
        if self.close_delimited:
            self.done = True
            return [ResponseEnd([])]
        if self.head is None:
            if not self.received:
                raise ResponseError("The server closed the connection without answering")
            raise ResponseError("The server closed the connection in the middle of the head")
        raise ResponseError("The server closed the connection before the end of the body")

    def _read_head(self, events: list[ResponseEvent]) -> bool:
        global _last_head
        raw = self._heads(self._buf)
        if raw is None:
            return False
        last = _last_head
        if last is not None and last[0] == raw:
            _, head, self.content_encoding, self.keeps_alive = last
        else:
            head = read_response_head(raw, RESPONSE_LIMITS)
            status = head.line.status
            if 100 <= status < 200 and status != 101:
                events.append(Interim(head))
                return True
            self.content_encoding, self.keeps_alive = _head_facts(head)
            _last_head = (raw, head, self.content_encoding, self.keeps_alive)
        self.head = head
        status = head.line.status
        events.append(_NEW_TUPLE(FinalHead, (head,)))
        self._body = response_body_reader(
            self._method, status, head.line.version, head.fields, NO_BODY_LIMIT
        )
        return True


def server_keeps_alive(head: ResponseHead) -> bool:
    """Whether the server lets the connection carry another request (RFC 9112 §9.3)."""
    return _head_facts(head)[1]


def _head_facts(head: ResponseHead) -> tuple[str, bool]:
    """Content-Encoding, and whether the connection stays open, in one pass."""
    encoding = ""
    connection: list[str] = []
    for name, value in head.fields:
        if len(name) == 10 and name.lower() == "connection":  # the length test skips most
            connection += (token.strip().lower() for token in value.split(","))
        elif len(name) == 16 and name.lower() == "content-encoding":
            encoding = value
    if head.line.status == 101:
        return encoding, False  # switched to another protocol
    if head.line.version == "HTTP/1.0":
        return encoding, "keep-alive" in connection
    return encoding, "close" not in connection
