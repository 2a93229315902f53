"""Fetch a server's leaf certificate without checking it, to explain a failed check.

When verification fails OpenSSL says only "certificate has expired" or "hostname
mismatch", and the failed handshake leaves no certificate to read (`getpeercert` needs a
finished handshake). A person wants the date and the names, so the client makes one
more, unchecked handshake to the same address, reads the leaf and closes (bounded by a
timeout; without an answer the reason is shown without the details).
"""

from __future__ import annotations

import errno
import selectors
import socket
import ssl
from collections.abc import Callable

from app.net.outgoing import Outgoing, StreamFailure
from app.net.reactor import Reactor, Timer
from app.net.stream import Stream
from app.net.tls.peer_certificate import CertificateInfo, describe_certificate
from app.net.tls.reasons import describe_tls_error
from app.net.tls.transport import TlsError, TlsTransport

# Verification failures whose sentence needs the certificate (dates, names).
NEEDS_CERTIFICATE = frozenset({9, 10, 62, 64})
PROBE_TIMEOUT = 3.0

Answer = Callable[[CertificateInfo | None], None]


def needs_certificate(exc: BaseException) -> ssl.SSLCertVerificationError | None:
    """The verification error behind `exc`, if its sentence needs the certificate."""
    cause = exc.ssl_error if isinstance(exc, TlsError) else exc
    if isinstance(cause, ssl.SSLCertVerificationError) and cause.verify_code in NEEDS_CERTIFICATE:
        return cause
    return None


def explain(
    reactor: Reactor,
    family: int,
    address: tuple[object, ...],
    error: ssl.SSLCertVerificationError,
    server_name: str,
    done: Callable[[str], None],
) -> None:
    """Calls `done(reason)` once, in the loop thread, with the certificate's details."""
    LeafProbe(
        reactor,
        family,
        address,
        server_name,
        lambda leaf: done(describe_tls_error(error, server_name, leaf)),
    )


class LeafProbe:
    """One unchecked TLS handshake; `answer(leaf or None)` runs exactly once."""

    def __init__(
        self,
        reactor: Reactor,
        family: int,
        address: tuple[object, ...],
        server_name: str,
        answer: Answer,
    ) -> None:
        self._reactor = reactor
        self._answer: Answer | None = answer
        self._server_name = server_name
        self._stream: Stream | None = None
        self._sock = socket.socket(family, socket.SOCK_STREAM)
        self._sock.setblocking(False)
        self._timer: Timer | None = reactor.call_later(PROBE_TIMEOUT, lambda: self._finish(None))
        code = self._sock.connect_ex(address)
        if code not in (0, errno.EINPROGRESS, errno.EWOULDBLOCK, errno.EAGAIN):
            self._finish(None)
            return
        reactor.register(self._sock, selectors.EVENT_WRITE, self._connected)

    def _connected(self, _mask: int) -> None:
        self._reactor.unregister(self._sock)
        if self._sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR):
            self._finish(None)
            return
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        transport = TlsTransport(
            self._sock,
            context,
            server_side=False,
            server_hostname=self._server_name,
            on_handshake=self._handshake_done,
        )
        self._stream = Stream(self._reactor, self._sock, self, transport=transport)

    def _handshake_done(self, transport: TlsTransport) -> None:
        der = transport.ssl_object.getpeercert(binary_form=True)
        self._reactor.call_soon(lambda: self._finish(describe_certificate(der) if der else None))

    def _finish(self, leaf: CertificateInfo | None) -> None:
        answer, self._answer = self._answer, None
        if answer is None:
            return
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._stream is not None:
            self._stream.close()
        else:
            self._reactor.unregister(self._sock)
            self._sock.close()
        answer(leaf)

    # -- StreamProtocol: nothing is expected but the handshake ------------------------

    def data_received(self, data: bytes) -> None:
        pass

    def eof_received(self) -> None:
        self._finish(None)

    def progress(self, item: Outgoing) -> None:
        pass

    def sent(self, item: Outgoing) -> None:
        pass

    def drained(self) -> None:
        pass

    def connection_lost(self, failure: StreamFailure) -> None:
        self._finish(None)
