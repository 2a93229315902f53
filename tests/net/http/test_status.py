"""The HTTP server's socket-free status helpers: the URL to open."""

from __future__ import annotations

from app.net.http.status import HttpServerStatus, ServerState, server_url


def test_server_url_is_what_a_browser_on_this_machine_opens() -> None:
    assert server_url("127.0.0.1", 8080) == "http://127.0.0.1:8080/"
    assert server_url("0.0.0.0", 80) == "http://127.0.0.1:80/"
    assert server_url("::", 8000) == "http://[::1]:8000/"
    assert server_url("::1", 8000) == "http://[::1]:8000/"
    # A zone index is percent-encoded inside the brackets (RFC 6874).
    assert server_url("fe80::1%eth0", 80) == "http://[fe80::1%25eth0]:80/"


def test_status_defaults() -> None:
    status = HttpServerStatus(ServerState.STOPPED)
    assert status.port == 0 and status.error == ""


def test_websocket_url_swaps_the_scheme() -> None:
    from app.net.http.status import websocket_url

    assert websocket_url("http://127.0.0.1:8000/") == "ws://127.0.0.1:8000/"
    assert websocket_url("https://[::1]:8443/") == "wss://[::1]:8443/"
