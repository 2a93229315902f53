"""A response in the outbox: its bytes, then the file body piece by piece."""

from __future__ import annotations

import io

from app.net.http.response_item import SEND_CHUNK, ResponseItem, RouteResponseItem


def test_bytes_only() -> None:
    item = ResponseItem(b"HTTP/1.1 200 OK\r\n\r\n")
    assert item.size == 19 and item.more() is None
    assert not item.planned and RouteResponseItem(b"").planned


def test_file_body_follows_in_chunks_and_a_shrunk_file_is_noted() -> None:
    body = b"x" * (SEND_CHUNK + 10)
    item = ResponseItem(b"head", file=io.BytesIO(body), file_size=len(body) + 5)
    item.sent = 4
    first = item.more()
    assert first is not None and len(first) == SEND_CHUNK
    item.sent += SEND_CHUNK
    second = item.more()
    assert second is not None and len(second) == 10
    item.sent += 10
    assert item.more() is None
    assert item.note == "the file changed while it was sent"
    item.release()
    assert item.file is not None and item.file.closed
