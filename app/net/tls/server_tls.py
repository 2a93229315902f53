"""The TLS side of the TCP and HTTP servers: one identity per start, a transport per client.

The identity (context, certificate, fingerprint) is made when the server starts, in the
worker's thread, so a certificate that cannot be used stops the start with one line; each
accepted connection then gets a server-side `TlsTransport` from it.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path

from app.net.tls.contexts import ServerIdentity, server_identity
from app.net.tls.options import ServerTlsOptions
from app.net.tls.session import read_session
from app.net.tls.transport import TlsTransport

TRUNCATED = "closed the TCP connection without a TLS close_notify (truncation)"


class ServerTls:
    def __init__(self, options: ServerTlsOptions) -> None:
        self.identity: ServerIdentity = server_identity(options.cert_pem, Path(options.folder))

    @property
    def fingerprint(self) -> str:
        return self.identity.fingerprint_sha256

    def started(self) -> str:
        """The line after the listening line: which certificate, and its fingerprint."""
        identity = self.identity
        origin = (
            f"the self-signed certificate for localhost, 127.0.0.1 and ::1 ({identity.generated})"
            if identity.generated
            else "the certificate"
        )
        return (
            f"TLS on, with {origin} in {identity.pem_path}; SHA-256 {identity.fingerprint_sha256}"
        )

    def transport(
        self,
        sock: socket.socket,
        on_handshake: Callable[[TlsTransport], None] | None = None,
        plaintext_reply: bytes | None = None,
    ) -> TlsTransport:
        return TlsTransport(
            sock,
            self.identity.context,
            server_side=True,
            on_handshake=on_handshake,
            plaintext_reply=plaintext_reply,
        )


def handshake_line(transport: TlsTransport) -> tuple[str, str]:
    """(message, detail) for a client's finished handshake."""
    session = read_session(transport.ssl_object, verified=False)
    agreed = f"{session.version}, {session.cipher}"
    if session.alpn:
        agreed += f", ALPN {session.alpn}"
    leaf = session.leaf
    if leaf is not None:
        agreed += f"; client certificate {leaf.subject}"
    return f"TLS handshake done: {agreed}", session.detail()
