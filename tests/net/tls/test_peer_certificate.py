"""Reading a peer's DER certificate: the fields `openssl x509` shows, and a damaged one."""

from __future__ import annotations

import datetime
import ssl
import subprocess

import trustme

from app.net.tls.peer_certificate import describe_certificate, read_certificate


def leaf_der() -> tuple[bytes, bytes]:
    ca = trustme.CA(organization_name="Reader Test CA")
    cert = ca.issue_cert(
        "localhost",
        "127.0.0.1",
        "::1",
        common_name="localhost",
        not_before=datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.UTC),
        not_after=datetime.datetime(2027, 6, 7, 8, 9, 10, tzinfo=datetime.UTC),
    )
    pem = cert.cert_chain_pems[0].bytes()
    return ssl.PEM_cert_to_DER_cert(pem.decode()), pem


def test_fields_of_a_trustme_leaf() -> None:
    der, pem = leaf_der()
    info = read_certificate(der)
    assert info.subject.startswith("O=trustme v") and info.subject.endswith(", CN=localhost")
    assert info.issuer.startswith("O=Reader Test CA")
    assert info.not_before == "2026-01-02 03:04:05 UTC"
    assert info.not_after == "2027-06-07 08:09:10 UTC"
    assert info.names == ("localhost", "127.0.0.1", "::1")
    shown = subprocess.run(
        ["openssl", "x509", "-noout", "-fingerprint", "-sha256"],
        input=pem,
        capture_output=True,
        check=True,
    ).stdout.decode()
    assert shown.strip().split("=", 1)[1] == info.fingerprint_sha256


def test_a_damaged_certificate_still_has_its_fingerprint() -> None:
    der, _ = leaf_der()
    info = describe_certificate(der[:100])
    assert info.subject == "(could not be read)"
    assert len(info.fingerprint_sha256) == 32 * 3 - 1
