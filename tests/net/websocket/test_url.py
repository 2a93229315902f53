"""ws:// and wss:// URLs as the parts a connection needs."""

from __future__ import annotations

import pytest

from app.net.websocket.url import WebSocketTarget, WebSocketUrlError, parse_ws_url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("ws://example.com", WebSocketTarget(False, "example.com", 80, "/", "example.com")),
        (
            "wss://example.com:8443/feed?x=1&y=2",
            WebSocketTarget(True, "example.com", 8443, "/feed?x=1&y=2", "example.com:8443"),
        ),
        ("WSS://Example.com/a", WebSocketTarget(True, "example.com", 443, "/a", "example.com")),
        ("ws://[::1]:9000/ws", WebSocketTarget(False, "::1", 9000, "/ws", "[::1]:9000")),
        ("ws://[::1]/", WebSocketTarget(False, "::1", 80, "/", "[::1]")),
        (
            "  ws://127.0.0.1:8000/#frag ",
            WebSocketTarget(False, "127.0.0.1", 8000, "/", "127.0.0.1:8000"),
        ),
    ],
)
def test_parts(url: str, expected: WebSocketTarget) -> None:
    assert parse_ws_url(url) == expected


def test_peer_is_host_and_port() -> None:
    assert parse_ws_url("ws://[::1]:9000/").peer == "[::1]:9000"
    assert parse_ws_url("ws://localhost:9000/").peer == "localhost:9000"


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("http://example.com/", "ws:// or wss://"),
        ("example.com", "ws:// or wss://"),
        ("ws://", "no host"),
        ("ws://example.com:99999/", "Not a valid URL"),
        ("ws://example.com:0/", "not 0"),
        ("ws://exa mple.com/", "spaces"),
        ("ws://example.com/a b", "%-encode"),
        ("ws://example.com/é", "%-encode"),
    ],
)
def test_refusals_say_why(url: str, words: str) -> None:
    with pytest.raises(WebSocketUrlError, match=words):
        parse_ws_url(url)
