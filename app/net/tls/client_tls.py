"""The TLS side of one TCP client connection: its context, transport and log lines.

The context is built when Connect is pressed (a CA or certificate file that cannot be
used fails at once, before any packet); the transport wraps the socket once connected.
"""

from __future__ import annotations

import socket
from collections.abc import Callable

from app.net.events import Kind, LogEvent, Source, make_event
from app.net.tls.contexts import client_context
from app.net.tls.options import ClientTlsOptions, is_address
from app.net.tls.session import TlsSession, read_session
from app.net.tls.transport import TlsTransport

NOT_VERIFIED = (
    "The server's certificate was not checked (Verify is off): the connection is encrypted, "
    "but anyone in the middle could have answered"
)
TRUNCATED = (
    "The peer closed the TCP connection without a TLS close_notify (truncation): "
    "what arrived is shown, but the peer may not have sent all it meant to"
)


class ClientTls:
    def __init__(self, options: ClientTlsOptions, host: str) -> None:
        made = client_context(options)  # raises TlsSetupError
        self.options = options
        self.context = made.context
        self.trust = made.trust
        self.server_name = options.name_for(host)
        self.transport: TlsTransport | None = None

    def wrap(
        self, sock: socket.socket, on_handshake: Callable[[TlsTransport], None]
    ) -> TlsTransport:
        self.transport = TlsTransport(
            sock,
            self.context,
            server_side=False,
            server_hostname=self.server_name,
            on_handshake=on_handshake,
        )
        return self.transport

    @property
    def handshake_done(self) -> bool:
        return self.transport is not None and self.transport.handshake_done

    @property
    def truncated(self) -> bool:
        return self.transport is not None and self.transport.truncated

    def session(self) -> TlsSession:
        assert self.transport is not None
        return read_session(self.transport.ssl_object, verified=self.options.verify)

    def session_events(self, source: Source, peer: str, local: str) -> list[LogEvent]:
        """The rows after the handshake: the session, and the warning when unchecked."""
        session = self.session()
        events = [
            make_event(
                source,
                Kind.INFO,
                session.summary(),
                peer=peer,
                detail=session.detail(),
                local=local,
            )
        ]
        if not self.options.verify:
            events.append(make_event(source, Kind.ERROR, NOT_VERIFIED, peer=peer, local=local))
        return events

    def starting(self) -> str:
        """The line between the TCP connect and the handshake."""
        checked = (
            f"checking the certificate for {self.server_name} against {self.trust}"
            if self.options.verify
            else "not checking the certificate"
        )
        sni = "no SNI for an address" if is_address(self.server_name) else f"SNI {self.server_name}"
        return f"TLS handshake ({sni}), {checked}…"
