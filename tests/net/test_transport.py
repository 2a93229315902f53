"""Which transports the stream treats as layered: TLS is, a plain socket is not."""

from __future__ import annotations

import socket
import ssl

from app.net.tls.transport import TlsTransport
from app.net.transport import LayeredTransport


def test_a_socket_is_a_plain_transport_and_tls_a_layered_one() -> None:
    left, right = socket.socketpair()
    try:
        assert not isinstance(left, LayeredTransport)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        tls = TlsTransport(left, context, server_side=False, server_hostname="localhost")
        assert isinstance(tls, LayeredTransport)
        # The ClientHello left at once (the socket had room); nothing waits to be written.
        assert not tls.holds_output() and not tls.wants_write(True)
        assert right.recv(1) == b"\x16"  # a TLS handshake record
    finally:
        left.close()
        right.close()
