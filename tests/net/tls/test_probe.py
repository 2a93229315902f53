"""LeafProbe: one unchecked handshake reads the certificate a failed check refused."""

from __future__ import annotations

import socket
import ssl

import pytest

from app.net.tls.peer_certificate import CertificateInfo
from app.net.tls.probe import LeafProbe, needs_certificate
from app.net.tls.transport import TlsError
from tests.net.reactor_harness import ReactorThread
from tests.net.tls.tls_peers import Certificates, PythonTlsServer


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    return Certificates(tmp_path_factory.mktemp("certs"))


def probe(loop: ReactorThread, port: int) -> list[CertificateInfo | None]:
    answers: list[CertificateInfo | None] = []

    def answer(leaf: CertificateInfo | None) -> None:
        answers.append(leaf)
        loop.on_state("answered")

    address = ("127.0.0.1", port)
    loop.reactor.call_soon(
        lambda: LeafProbe(loop.reactor, socket.AF_INET, address, "localhost", answer)
    )
    loop.wait_for(lambda: bool(answers))
    return answers


def test_reads_the_leaf_of_an_expired_certificate(loop: ReactorThread, certs: Certificates) -> None:
    server = PythonTlsServer(certs.server_context(certs.expired))
    try:
        [leaf] = probe(loop, server.port)
        assert leaf is not None and leaf.not_after == "2020-01-31 00:00:00 UTC"
    finally:
        server.close()


def test_no_server_answers_none(loop: ReactorThread) -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    assert probe(loop, port) == [None]


def test_which_failures_need_the_certificate() -> None:
    expired = ssl.SSLCertVerificationError(1, "verify failed")
    expired.verify_code = 10
    unknown_ca = ssl.SSLCertVerificationError(1, "verify failed")
    unknown_ca.verify_code = 20
    assert needs_certificate(TlsError("x", expired)) is expired
    assert needs_certificate(TlsError("x", unknown_ca)) is None
    assert needs_certificate(OSError("plain")) is None
