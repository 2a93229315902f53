"""A response in a connection's outbox: its bytes, then the file body if there is one,
and what its log row needs once it has left (connection.py logs it)."""

from __future__ import annotations

from typing import BinaryIO

from app.net.http.request import Request
from app.net.outgoing import Outgoing

SEND_CHUNK = 256 * 1024


class ResponseItem(Outgoing):
    """A response in the stream's outbox: the bytes, then the file body if there is one."""

    __slots__ = ("file", "head", "note", "request", "status")
    planned = False  # a route's answer: a 4xx or 5xx is what was asked for, not an error

    def __init__(
        self,
        data: bytes,
        request: Request | None = None,  # None: an interim or refusal reply (logged already)
        status: int = 0,
        head: bytes = b"",
        note: str = "",
        file: BinaryIO | None = None,
        file_size: int = 0,
    ) -> None:
        # Fields set here rather than through Outgoing.__init__: one call less per response.
        self.view = memoryview(data)
        self.pos = 0
        self.sent = 0
        self.size = len(data) + file_size
        self.request = request
        self.status = status
        self.head = head
        self.note = note
        self.file = file

    def more(self) -> memoryview | None:
        if self.file is None:
            return None
        chunk = self.file.read(min(SEND_CHUNK, self.size - self.sent))
        if not chunk:  # the file shrank while it was being sent
            self.note = "the file changed while it was sent"
            return None
        return memoryview(chunk)

    def release(self) -> None:
        if self.file is not None:
            self.file.close()


class RouteResponseItem(ResponseItem):
    __slots__ = ()
    planned = True
