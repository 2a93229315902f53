"""TcpServer with TLS against real clients on loopback: Python ssl and openssl s_client."""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.net.events import Kind
from app.net.reply import ReplyMode
from app.net.tcp.server_status import ReplyConfig, ServerState
from app.net.tls.options import ServerTlsOptions
from tests.net.tcp.test_server import Harness
from tests.net.tls.tls_peers import Certificates


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    return Certificates(tmp_path_factory.mktemp("certs"))


def start_tls(harness: Harness, tls: ServerTlsOptions) -> int:
    harness.reactor.call_soon(lambda: harness.server.start("127.0.0.1", 0, 100, tls=tls))
    harness.wait_for(lambda: harness.status() is not None)
    status = harness.status()
    assert status is not None and status.state is ServerState.LISTENING, status
    return int(status.bound.rsplit(":", 1)[1])


@pytest.fixture
def harness() -> Iterator[Harness]:
    made = Harness().start()
    assert isinstance(made, Harness)
    yield made
    made.stop()


def test_echo_over_tls_with_the_generated_certificate(harness: Harness, tmp_path: Path) -> None:
    port = start_tls(harness, ServerTlsOptions(folder=str(tmp_path)))
    status = harness.status()
    assert status is not None and len(status.tls_fingerprint) == 95
    started = next(e.message for e in harness.events if e.message.startswith("TLS on"))
    assert "self-signed certificate for localhost" in started
    assert status.tls_fingerprint in started
    pem = tmp_path / "tls-self-signed.pem"
    context = ssl.create_default_context(cafile=str(pem))
    with (
        socket.create_connection(("127.0.0.1", port), timeout=10) as raw,
        context.wrap_socket(raw, server_hostname="localhost") as conn,
    ):
        conn.sendall(b"Hello, TLS server!")
        assert conn.recv(100) == b"Hello, TLS server!"
    harness.wait_for(lambda: any(" left after " in e.message for e in harness.events))
    done = next(e for e in harness.events if e.message.startswith("TLS handshake done"))
    assert "TLSv1.3" in done.message and "Certificate: none presented" in done.detail
    received = harness.of_kind(Kind.RECEIVED)
    assert [e.data for e in received] == [b"Hello, TLS server!"]  # plaintext rows
    assert not harness.of_kind(Kind.ERROR)


def test_openssl_s_client_is_answered(
    harness: Harness, certs: Certificates, tmp_path: Path
) -> None:
    binary = shutil.which("openssl")
    assert binary is not None
    port = start_tls(harness, ServerTlsOptions(cert_pem=str(certs.localhost)))
    harness.server.set_reply(ReplyConfig(ReplyMode.FIXED, b"fixed answer\n"))
    client = subprocess.Popen(
        [binary, "s_client", "-connect", f"127.0.0.1:{port}", "-servername", "localhost",
         "-CAfile", str(certs.ca_pem), "-verify_return_error", "-quiet"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    assert client.stdin is not None and client.stdout is not None
    try:
        client.stdin.write(b"question\n")
        client.stdin.flush()
        assert client.stdout.readline() == b"fixed answer\n"  # bounded by pytest-timeout
    finally:
        client.kill()
        client.wait(10)
        client.stdin.close()
        client.stdout.close()
    harness.wait_for(lambda: harness.received() == b"question\n")


def test_a_failed_handshake_is_one_line(harness: Harness, certs: Certificates) -> None:
    port = start_tls(harness, ServerTlsOptions(cert_pem=str(certs.localhost)))
    strict = ssl.create_default_context()  # the test CA is not trusted: the client rejects
    with (
        socket.create_connection(("127.0.0.1", port), timeout=10) as raw,
        pytest.raises(ssl.SSLCertVerificationError),
    ):
        strict.wrap_socket(raw, server_hostname="localhost")
    harness.wait_for(lambda: bool(harness.of_kind(Kind.ERROR)))
    [error] = harness.of_kind(Kind.ERROR)
    assert error.message.startswith("TLS handshake with 127.0.0.1:")
    assert "failed: the peer does not trust the certificate's CA" in error.message


def test_a_certificate_file_without_a_key_does_not_start(
    harness: Harness, certs: Certificates
) -> None:
    harness.reactor.call_soon(
        lambda: harness.server.start("127.0.0.1", 0, 10, tls=ServerTlsOptions(str(certs.ca_pem)))
    )
    harness.wait_for(lambda: harness.status() is not None)
    status = harness.status()
    assert status is not None and status.state is ServerState.STOPPED
    assert status.error.startswith("TLS not started: The server certificate file")


def test_plain_text_and_truncation_are_one_line_each(harness: Harness, certs: Certificates) -> None:
    port = start_tls(harness, ServerTlsOptions(cert_pem=str(certs.localhost)))
    harness.server.set_reply(ReplyConfig(ReplyMode.NONE))  # an unread echo would cost an RST
    with socket.create_connection(("127.0.0.1", port), timeout=10) as plain:
        plain.sendall(b"hello in clear\n")
        harness.wait_for(lambda: bool(harness.of_kind(Kind.ERROR)))
    [error] = harness.of_kind(Kind.ERROR)
    assert "failed: the client spoke plain text ('hello'…) to the TLS port" in error.message

    context = certs.client_context()
    raw = socket.create_connection(("127.0.0.1", port), timeout=10)
    conn = context.wrap_socket(raw, server_hostname="localhost")
    conn.sendall(b"bye")
    harness.wait_for(lambda: harness.received() == b"bye")
    # Take the session tickets the server sent, so the close below is a FIN, not an RST.
    conn.setblocking(False)
    with pytest.raises(ssl.SSLWantReadError):
        conn.recv(100)
    socket.socket(fileno=conn.detach()).close()  # no close_notify
    harness.wait_for(lambda: any(" left after " in e.message for e in harness.events))
    assert any("without a TLS close_notify (truncation)" in e.message for e in harness.events)
    assert len(harness.of_kind(Kind.ERROR)) == 1
