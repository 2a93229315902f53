"""TLS failures in words: verification codes and OpenSSL reasons, with and without a leaf."""

from __future__ import annotations

import ssl

import pytest

from app.net.tls.peer_certificate import CertificateInfo
from app.net.tls.reasons import describe_tls_error

LEAF = CertificateInfo(
    "CN=other", "O=CA", "2020-01-01 00:00:00 UTC", "2020-02-01 00:00:00 UTC",
    ("other.example", "10.0.0.1"), "AB",
)  # fmt: skip


def verify_error(code: int, message: str = "") -> ssl.SSLCertVerificationError:
    error = ssl.SSLCertVerificationError(1, "certificate verify failed")
    error.verify_code = code
    error.verify_message = message
    return error


def ssl_error(reason: str) -> ssl.SSLError:
    error = ssl.SSLError(1, reason)
    error.reason = reason
    return error


@pytest.mark.parametrize(
    ("code", "leaf", "line"),
    [
        (10, LEAF, "certificate has expired on 2020-02-01 00:00:00 UTC"),
        (10, None, "certificate has expired"),
        (9, LEAF, "certificate is not valid yet until 2020-01-01 00:00:00 UTC"),
        (62, LEAF, "certificate is for other.example, 10.0.0.1, not localhost"),
        (62, None, "certificate is not for localhost"),
        (18, None, "self-signed certificate: tick off Verify or add its CA"),
        (20, None, "certificate signed by an unknown CA: add its CA file"),
        (99, None, "certificate check failed: odd"),
    ],
)
def test_verification_codes(code: int, leaf: CertificateInfo | None, line: str) -> None:
    assert describe_tls_error(verify_error(code, "odd"), "localhost", leaf) == line


@pytest.mark.parametrize(
    ("reason", "words"),
    [
        ("TLSV13_ALERT_CERTIFICATE_REQUIRED", "requires a client certificate"),
        ("TLSV1_ALERT_NO_APPLICATION_PROTOCOL", "none of the ALPN protocols"),
        ("WRONG_VERSION_NUMBER", "does not speak TLS"),
        ("SOMETHING_NEW", "TLS error: something new"),
    ],
)
def test_openssl_reasons(reason: str, words: str) -> None:
    assert words in describe_tls_error(ssl_error(reason))


def test_eof_during_the_handshake() -> None:
    error = ssl.SSLEOFError(8, "EOF occurred in violation of protocol")
    assert describe_tls_error(error) == "the peer closed the connection during the TLS handshake"
