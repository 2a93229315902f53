"""The server side of the opening handshake on a request the HTTP server parsed."""

from __future__ import annotations

import pytest
from wsproto.connection import ConnectionState

from app.net.websocket.upgrade import UpgradeRefused, accept_upgrade, asks_for_websocket

KEY = "dGhlIHNhbXBsZSBub25jZQ=="
GOOD = [
    ("Host", "example.com"),
    ("Upgrade", "websocket"),
    ("Connection", "keep-alive, Upgrade"),
    ("Sec-WebSocket-Key", KEY),
    ("Sec-WebSocket-Version", "13"),
    ("Sec-WebSocket-Extensions", "permessage-deflate"),
]


def test_asks_for_websocket_reads_the_upgrade_tokens() -> None:
    assert asks_for_websocket(GOOD)
    assert asks_for_websocket([("upgrade", "h2c, WebSocket")])
    assert not asks_for_websocket([("Upgrade", "h2c")])
    assert not asks_for_websocket([("Host", "x")])


def test_accepts_with_the_rfc_accept_token_and_no_extension() -> None:
    ws, answer = accept_upgrade("/chat", GOOD)
    assert ws.state is ConnectionState.OPEN
    head = answer.decode("latin-1")
    assert head.startswith("HTTP/1.1 101 ")
    # RFC 6455 §1.3's example key and its accept value.
    assert "\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n" in head
    assert "extensions" not in head.lower()  # permessage-deflate would hide the frames' bytes


@pytest.mark.parametrize(
    ("leave_out", "words"),
    [("Sec-WebSocket-Key", "Sec-WebSocket-Key"), ("Connection", "Connection")],
)
def test_refuses_a_broken_upgrade_with_the_reason(leave_out: str, words: str) -> None:
    headers = [(name, value) for name, value in GOOD if name != leave_out]
    with pytest.raises(UpgradeRefused, match=words):
        accept_upgrade("/", headers)


def test_refuses_another_version() -> None:
    headers = [(n, "8" if n == "Sec-WebSocket-Version" else v) for n, v in GOOD]
    with pytest.raises(UpgradeRefused):
        accept_upgrade("/", headers)
