"""A `ws://` or `wss://` URL as the parts a connection needs (no sockets, no wsproto)."""

from __future__ import annotations

from typing import NamedTuple
from urllib.parse import urlsplit

from app.net.address import AddressError, check_host, format_peer

_DEFAULT_PORTS = {"ws": 80, "wss": 443}


class WebSocketUrlError(ValueError):
    """The URL cannot be connected to; the text says why."""


class WebSocketTarget(NamedTuple):
    secure: bool  # wss: TLS first
    host: str  # without brackets, as resolved and checked against the certificate
    port: int
    target: str  # path and query, as sent in the request line
    host_header: str  # the Host header: brackets for IPv6, the port unless it is the default

    @property
    def peer(self) -> str:
        return format_peer(self.host, self.port)


def parse_ws_url(url: str) -> WebSocketTarget:
    text = url.strip()
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise WebSocketUrlError(f"Not a valid URL: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise WebSocketUrlError(f"A WebSocket URL starts with ws:// or wss://, not {text!r}")
    host = parts.hostname or ""
    if not host:
        raise WebSocketUrlError("The URL has no host")
    try:
        check_host(host)
    except AddressError as exc:
        raise WebSocketUrlError(str(exc)) from None
    if port == 0:
        raise WebSocketUrlError("Port must be from 1 to 65535, not 0")
    default = _DEFAULT_PORTS[scheme]
    port = default if port is None else port
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    if any(ord(ch) < 0x21 or ord(ch) > 0x7E for ch in target):
        raise WebSocketUrlError("The path cannot contain spaces or non-ASCII characters (%-encode)")
    shown = f"[{host}]" if ":" in host else host
    host_header = shown if port == default else f"{shown}:{port}"
    return WebSocketTarget(scheme == "wss", host, port, target, host_header)
