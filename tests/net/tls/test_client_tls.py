"""TcpClient with TLS against real peers on loopback: Python ssl servers and openssl s_server.

Every failure a person meets is one line naming the reason, and the client ends
Disconnected; the handshake's summary row carries the session and the chain.
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.net.events import Kind, LogEvent
from app.net.tcp.client import TcpClient
from app.net.tcp.status import TcpState
from app.net.tls.options import ClientTlsOptions
from tests.net.reactor_harness import ReactorThread
from tests.net.tcp.test_client import last_state, make_client
from tests.net.tls.tls_peers import Certificates, OpenSslServer, PythonTlsServer


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    return Certificates(tmp_path_factory.mktemp("certs"))


def trusting(certs: Certificates, **options: object) -> ClientTlsOptions:
    return ClientTlsOptions(ca_file=str(certs.ca_pem))._replace(**options)  # type: ignore[arg-type]


def tls_connect(
    loop: ReactorThread, port: int, options: ClientTlsOptions, host: str = "127.0.0.1"
) -> TcpClient:
    client = make_client(loop)
    loop.states.clear()
    loop.reactor.call_soon(lambda: client.connect(host, port, 5.0, tls=options))
    loop.wait_for(lambda: last_state(loop) in (TcpState.CONNECTED, TcpState.DISCONNECTED))
    return client


def last_error(loop: ReactorThread) -> LogEvent:
    return loop.of_kind(Kind.ERROR)[-1]


@pytest.fixture
def serving(certs: Certificates) -> Iterator[PythonTlsServer]:
    made = PythonTlsServer(certs.server_context(certs.localhost))
    yield made
    made.close()


def test_connects_verified_with_the_ca_and_shows_the_session(
    loop: ReactorThread, certs: Certificates, serving: PythonTlsServer
) -> None:
    client = tls_connect(loop, serving.port, trusting(certs), host="localhost")
    assert last_state(loop) is TcpState.CONNECTED, [e.message for e in loop.events]
    summary = next(e for e in loop.events if e.message.startswith("TLS handshake done"))
    assert "TLSv1.3" in summary.message
    assert "subject " in summary.message and "SHA-256 " in summary.message
    assert "Issuer: O=Socket Tester Test CA" in summary.detail
    assert "Names: localhost, 127.0.0.1, ::1" in summary.detail
    assert "Only the leaf is shown" in summary.detail or "Chain [1]" in summary.detail
    assert not loop.of_kind(Kind.ERROR)
    loop.reactor.call_soon(client.send, b"Hello, server!")
    loop.wait_for(lambda: loop.received() == b"Hello, server!")
    assert client.bytes_sent == client.bytes_received == 14  # plaintext counts


@pytest.mark.parametrize(
    ("leaf", "host", "reason"),
    [
        ("expired", "127.0.0.1", "certificate has expired on 2020-01-31 00:00:00 UTC"),
        ("other", "localhost", "certificate is for other.example, not localhost"),
        ("untrusted", "localhost", "certificate signed by an unknown CA: add its CA file"),
    ],
)
def test_a_failed_check_is_one_line_with_the_reason(
    loop: ReactorThread, certs: Certificates, leaf: str, host: str, reason: str
) -> None:
    server = PythonTlsServer(certs.server_context(getattr(certs, leaf)))
    try:
        tls_connect(loop, server.port, trusting(certs), host=host)
        assert last_state(loop) is TcpState.DISCONNECTED
        errors = loop.of_kind(Kind.ERROR)
        assert len(errors) == 1
        assert errors[0].message == f"TLS handshake with {host}:{server.port} failed: {reason}"
    finally:
        server.close()


def test_self_signed_says_what_to_do(loop: ReactorThread, certs: Certificates) -> None:
    server = PythonTlsServer(certs.server_context(certs.self_signed()))
    try:
        tls_connect(loop, server.port, ClientTlsOptions(), host="localhost")
        assert last_error(loop).message.endswith(
            "self-signed certificate: tick off Verify or add its CA"
        )
        loop.events.clear()
        tls_connect(loop, server.port, ClientTlsOptions(verify=False), host="localhost")
        assert last_state(loop) is TcpState.CONNECTED
        assert "was not checked (Verify is off)" in last_error(loop).message
        summary = next(e for e in loop.events if e.message.startswith("TLS handshake done"))
        assert "issuer O=Self" in summary.message
    finally:
        server.close()


def test_client_certificate_required(loop: ReactorThread, certs: Certificates) -> None:
    context = certs.server_context(certs.localhost, require_client_cert=True)
    server = PythonTlsServer(context)
    try:
        client = tls_connect(loop, server.port, trusting(certs), host="localhost")
        # TLS 1.3: the client's handshake ends before the server checks; its alert follows.
        loop.wait_for(lambda: last_state(loop) is TcpState.DISCONNECTED)
        assert "requires a client certificate" in last_error(loop).message
        loop.events.clear()
        client = tls_connect(
            loop, server.port, trusting(certs, client_cert=str(certs.client)), host="localhost"
        )
        assert last_state(loop) is TcpState.CONNECTED
        loop.reactor.call_soon(client.send, b"with a certificate")
        loop.wait_for(lambda: loop.received() == b"with a certificate")
    finally:
        server.close()


def test_alpn_agreed_and_refused(loop: ReactorThread, certs: Certificates) -> None:
    server = PythonTlsServer(certs.server_context(certs.localhost, alpn=["h2", "http/1.1"]))
    try:
        client = tls_connect(
            loop, server.port, trusting(certs, alpn=("http/1.1",)), host="localhost"
        )
        assert any("ALPN http/1.1" in e.message for e in loop.events)
        loop.reactor.call_soon(client.disconnect)  # the server serves one client at a time
        loop.wait_for(lambda: last_state(loop) is TcpState.DISCONNECTED)
        loop.events.clear()
        # No protocol in common: OpenSSL's server goes on without ALPN, and the row says so.
        tls_connect(loop, server.port, trusting(certs, alpn=("spdy/3",)), host="localhost")
        assert last_state(loop) is TcpState.CONNECTED
        assert any("; no ALPN;" in e.message for e in loop.events)
    finally:
        server.close()


def test_unusable_files_fail_before_connecting(
    loop: ReactorThread, certs: Certificates, tmp_path: Path
) -> None:
    tls_connect(loop, 9, trusting(certs, ca_file=str(tmp_path / "missing.pem")))
    assert (
        last_error(loop).message
        == f"TLS not started: CA file {tmp_path}/missing.pem does not exist"
    )
    tls_connect(loop, 9, trusting(certs, client_cert=str(certs.ca_pem)))
    assert "needs a certificate and its private key" in last_error(loop).message


def test_plain_tcp_server_is_not_tls(loop: ReactorThread) -> None:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]
        client = make_client(loop)
        loop.reactor.call_soon(
            lambda: client.connect("127.0.0.1", port, 5.0, tls=ClientTlsOptions())
        )
        conn, _ = listener.accept()
        conn.recv(4096)  # the ClientHello
        conn.sendall(b"HTTP/1.1 400 Bad Request\r\n\r\n")
        loop.wait_for(lambda: last_state(loop) is TcpState.DISCONNECTED)
        conn.close()
    assert "does not speak TLS" in last_error(loop).message


def test_truncation_is_noted_not_an_error(loop: ReactorThread, certs: Certificates) -> None:
    def abrupt(conn: ssl.SSLSocket) -> None:
        conn.sendall(b"partial")
        socket.socket(fileno=conn.detach()).close()

    server = PythonTlsServer(certs.server_context(certs.localhost), abrupt)
    try:
        tls_connect(loop, server.port, trusting(certs), host="localhost")
        loop.wait_for(lambda: last_state(loop) is TcpState.DISCONNECTED)
        assert loop.received() == b"partial"
        assert any("without a TLS close_notify" in e.message for e in loop.of_kind(Kind.INFO))
        assert not loop.of_kind(Kind.ERROR)
    finally:
        server.close()


def test_openssl_s_server_fails_verified_then_connects_with_its_ca(
    loop: ReactorThread, certs: Certificates
) -> None:
    server = OpenSslServer(certs.untrusted)
    try:
        tls_connect(loop, server.port, trusting(certs), host="localhost")
        assert "unknown CA" in last_error(loop).message
        loop.events.clear()
        other_ca = certs.folder / "other-ca.pem"
        other_ca.write_bytes(certs.other_ca.cert_pem.bytes())
        client = tls_connect(
            loop, server.port, ClientTlsOptions(ca_file=str(other_ca)), host="localhost"
        )
        assert last_state(loop) is TcpState.CONNECTED, [e.message for e in loop.events]
        assert any("TLS handshake done" in e.message for e in loop.events)
        loop.reactor.call_soon(client.send, b"through openssl\n")
        assert server.process.stdout is not None
        assert server.process.stdout.readline() == b"through openssl\n"
    finally:
        server.close()
