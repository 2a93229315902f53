"""What the HTTPS server says when a connection fails before its first request."""

from __future__ import annotations

from app.net.http.responses import build_response
from app.net.tls.transport import PlaintextClient

# Sent unencrypted to a client whose first bytes are plain HTTP: it can read this one.
PLAIN_HTTP_REPLY = build_response(
    400,
    (),
    b"This port speaks HTTPS: open it with https:// instead of http://.\n",
    content_type="text/plain; charset=utf-8",
    keep_alive=False,
)


def handshake_failure(peer: str, error: BaseException) -> str:
    """The one log line for a connection that never finished its TLS handshake."""
    if isinstance(error, PlaintextClient):
        first = error.first_bytes.split(b"\r\n", 1)[0].decode("latin-1")
        return f"Plain HTTP from {peer} on the HTTPS port ({first!r}): answered 400 and closed"
    return f"TLS handshake with {peer} failed: {error}"
