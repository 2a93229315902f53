"""The session summary after a real handshake over loopback: one line and the detail."""

from __future__ import annotations

import socket
import ssl
import threading
from pathlib import Path

from app.net.tls.session import read_session
from tests.net.tls.tls_peers import Certificates


def handshake(certs: Certificates, client: ssl.SSLContext) -> ssl.SSLObject:
    """An SSLObject whose handshake finished against a Python ssl server."""
    server_context = certs.server_context(certs.localhost, alpn=["h2"])
    listener = socket.create_server(("127.0.0.1", 0))
    accepted: list[ssl.SSLSocket] = []

    def serve() -> None:
        conn, _ = listener.accept()
        accepted.append(server_context.wrap_socket(conn, server_side=True))

    thread = threading.Thread(target=serve)
    thread.start()
    raw = socket.create_connection(listener.getsockname())
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = client.wrap_bio(incoming, outgoing, server_hostname="localhost")
    raw.settimeout(10)
    while True:
        try:
            obj.do_handshake()
            break
        except ssl.SSLWantReadError:
            raw.sendall(outgoing.read())
            incoming.write(raw.recv(65536))
    raw.sendall(outgoing.read())
    thread.join(10)
    accepted[0].close()
    raw.close()
    listener.close()
    return obj


def test_summary_and_detail_of_a_verified_session(tmp_path: Path) -> None:
    certs = Certificates(tmp_path)
    context = certs.client_context()
    context.set_alpn_protocols(["h2"])
    session = read_session(handshake(certs, context), verified=True)
    assert session.version == "TLSv1.3" and session.alpn == "h2"
    line = session.summary()
    assert line.startswith("TLS handshake done: TLSv1.3, TLS_")
    assert "ALPN h2" in line and "issuer O=Socket Tester Test CA" in line
    detail = session.detail()
    assert "Certificate verified: yes" in detail
    assert "Names: localhost, 127.0.0.1, ::1" in detail
    if not session.chain_complete:
        assert "Only the leaf is shown: reading the chain needs Python 3.13." in detail


def test_unverified_session_reads_the_same_fields(tmp_path: Path) -> None:
    certs = Certificates(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    session = read_session(handshake(certs, context), verified=False)
    assert session.leaf is not None and session.leaf.names[0] == "localhost"
    assert "no ALPN" in session.summary()
    assert "Certificate verified: no (Verify is off)" in session.detail()
